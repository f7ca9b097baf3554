//! A fault proxy for the reliability suite: it turns the emulator's "next N" fault counters into
//! per-request rates, so a long run sees throttling and server errors spread over every call. It
//! also keeps the SigV4 signatures it relayed, for the secrets test to look for.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use rand::Rng;
use servicecatalog_provider::emulator::RunningEmulator;

use super::http;

/// Headers that describe one connection, not the request: the relay sets its own.
const HOP_BY_HOP: [&str; 3] = ["connection", "content-length", "transfer-encoding"];

/// Per-request fault rates the proxy applies.
#[derive(Clone, Copy, Debug)]
pub struct Rates {
    /// Fraction of API requests answered with `ThrottlingException`.
    pub throttle: f64,
    /// Fraction answered with HTTP 500 (`InternalFailure`) before any work is done.
    pub server_error: f64,
    /// Each `UpdateProvisionedProductProperties` sets the record latency for its record to a
    /// random value in `0..=max_record_latency_ms`.
    pub max_record_latency_ms: u64,
}

/// Counts of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyCounts {
    pub requests: AtomicU64,
    pub throttled: AtomicU64,
    pub server_errors: AtomicU64,
    /// The `Signature=` of every request's `Authorization` header.
    pub signatures: Mutex<Vec<String>>,
}

/// An HTTP proxy in front of an emulator: for each API request it draws a fault by rate and arms
/// it in the emulator (`throttle_next`/`server_error_next` += 1) just before forwarding, so the
/// emulator itself produces the genuine fault response. Under concurrency an armed fault may hit
/// a neighbouring request instead; the overall rate is the same.
pub struct FaultProxy {
    pub url: String,
    pub counts: Arc<ProxyCounts>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(emu: Arc<RunningEmulator>, rates: Rates) -> FaultProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let counts = Arc::new(ProxyCounts::default());
        let c = counts.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let emu = emu.clone();
                let counts = c.clone();
                async move { forward(&emu, rates, &counts, method, uri, headers, body).await }
            },
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FaultProxy {
            url: format!("http://{addr}"),
            counts,
            task,
        }
    }

    pub fn requests(&self) -> u64 {
        self.counts.requests.load(Ordering::SeqCst)
    }
    pub fn throttled(&self) -> u64 {
        self.counts.throttled.load(Ordering::SeqCst)
    }
    pub fn server_errors(&self) -> u64 {
        self.counts.server_errors.load(Ordering::SeqCst)
    }
    /// The SigV4 signatures of the requests relayed so far.
    pub fn signatures(&self) -> Vec<String> {
        self.counts
            .signatures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    emu: &RunningEmulator,
    rates: Rates,
    counts: &ProxyCounts,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    counts.requests.fetch_add(1, Ordering::SeqCst);
    let signature = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Signature=").nth(1));
    if let Some(signature) = signature {
        counts
            .signatures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(signature.trim().to_owned());
    }
    let is_update = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.ends_with(".UpdateProvisionedProductProperties"));
    let (draw, latency) = {
        let mut rng = rand::thread_rng();
        (
            rng.gen::<f64>(),
            rng.gen_range(0..=rates.max_record_latency_ms),
        )
    };
    let arm = emu.update_faults(|f| {
        if draw < rates.throttle {
            f.throttle_next += 1;
        } else if draw < rates.throttle + rates.server_error {
            f.server_error_next += 1;
            f.server_error_status = Some(500);
        }
        if is_update {
            f.record_latency_ms = Some(latency);
        }
    });
    if arm.is_ok() {
        if draw < rates.throttle {
            counts.throttled.fetch_add(1, Ordering::SeqCst);
        } else if draw < rates.throttle + rates.server_error {
            counts.server_errors.fetch_add(1, Ordering::SeqCst);
        }
    }
    match relay(emu.addr(), &method, &uri, &headers, &body).await {
        Ok(resp) => resp,
        Err(e) => {
            let mut resp = Response::new(Body::from(format!("proxy: {e}")));
            *resp.status_mut() = StatusCode::BAD_GATEWAY;
            resp
        }
    }
}

/// Sends one request upstream and rebuilds the answer.
async fn relay(
    upstream: SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> std::io::Result<Response> {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let forwarded: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(k, _)| !HOP_BY_HOP.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or_default()))
        .collect();
    let answer = http::try_raw(upstream, method.as_str(), path, &forwarded, body).await?;
    let mut resp = Response::new(Body::from(answer.body));
    *resp.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (k, v) in &answer.headers {
        if HOP_BY_HOP.contains(&k.to_ascii_lowercase().as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(name, value);
        }
    }
    Ok(resp)
}
