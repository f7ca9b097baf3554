//! Helpers for the reliability suite: a fault proxy that turns the emulator's "next N" fault
//! counters into per-request rates, multi-resource configurations, Terraform JSON diagnostics, and
//! process-tree checks for the interruption tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use rand::Rng;
use servicecatalog_provider::emulator::RunningEmulator;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::terraform::hcl_string;

/// Whether the long variants (issue sizes) run: `RELIABILITY_FULL=1`.
pub fn full() -> bool {
    std::env::var("RELIABILITY_FULL").is_ok_and(|v| v == "1")
}

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

/// Sends one request upstream on a fresh connection and rebuilds the answer.
async fn relay(
    upstream: SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> std::io::Result<Response> {
    let mut stream = tokio::net::TcpStream::connect(upstream).await?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        if matches!(
            k.as_str(),
            "connection" | "content-length" | "transfer-encoding"
        ) {
            continue;
        }
        head.push_str(&format!("{}: {}\r\n", k, v.to_str().unwrap_or_default()));
    }
    head.push_str(&format!(
        "Connection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await?;
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("upstream answer has no header end"))?;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("upstream status line"))?;
    let mut resp = Response::new(Body::from(buf[split + 4..].to_vec()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        if matches!(
            k.as_str(),
            "connection" | "content-length" | "transfer-encoding"
        ) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v.trim()),
        ) {
            resp.headers_mut().append(name, value);
        }
    }
    Ok(resp)
}

/// One resource block `servicecatalog_provisioned_product_properties.<name>`.
pub fn resource_block(name: &str, pp: &str, props: &BTreeMap<&str, String>) -> String {
    let mut s = format!(
        "resource \"servicecatalog_provisioned_product_properties\" \"{name}\" {{\n  provisioned_product_id = {}\n  properties = {{\n",
        hcl_string(pp)
    );
    for (k, v) in props {
        s.push_str(&format!("    {k} = {}\n", hcl_string(v)));
    }
    s.push_str("  }\n}\n");
    s
}

/// Diagnostics from `terraform validate -json` (one JSON document) or the `-json` line stream of
/// plan/apply (`{"type":"diagnostic","diagnostic":{...}}` lines).
pub fn json_diagnostics(stdout: &str) -> Vec<serde_json::Value> {
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(stdout) {
        if let Some(d) = doc.get("diagnostics").and_then(|d| d.as_array()) {
            return d.clone();
        }
    }
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "diagnostic")
        .map(|v| v["diagnostic"].clone())
        .collect()
}

/// Direct children of a process (Linux `/proc/<pid>/task/*/children`).
pub fn child_pids(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            out.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
    }
    out
}

/// Whether a process still exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// The executable a process runs, if readable.
pub fn exe_of(pid: u32) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// An emulator shared with a fault proxy, an SDK client for seeding and checks, and a workdir.
pub struct World {
    pub emu: Arc<RunningEmulator>,
    pub sc: aws_sdk_servicecatalog::Client,
    pub wd: super::terraform::Workdir,
}

impl World {
    pub async fn start(config: servicecatalog_provider::emulator::EmulatorConfig) -> World {
        let emu = servicecatalog_provider::emulator::Emulator::start(config)
            .await
            .expect("start the emulator");
        World {
            sc: super::acceptance::sdk_client(&emu.endpoint_url()),
            emu: Arc::new(emu),
            wd: super::terraform::Workdir::new(),
        }
    }

    /// Provisions `n` products named `<prefix>-<i>` and waits for them; returns their ids in order.
    pub async fn seed_many(&self, prefix: &str, n: usize) -> Vec<String> {
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            ids.push(seed(&self.sc, &format!("{prefix}-{i}")).await);
        }
        ids
    }

    /// Property-change records of a product (oldest first), from the emulator's own store.
    pub fn change_records(&self, pp: &str) -> Vec<servicecatalog_provider::emulator::Record> {
        self.emu
            .records_for(pp)
            .into_iter()
            .filter(|r| r.record_type == "UPDATE_PROVISIONED_PRODUCT_PROPERTIES")
            .collect()
    }
}

/// Provisions one product through the API and waits for its record; returns its id.
pub async fn seed(sc: &aws_sdk_servicecatalog::Client, name: &str) -> String {
    let out = sc
        .provision_product()
        .product_id("prod-reliability01")
        .provisioning_artifact_id("pa-reliability0001")
        .provisioned_product_name(name)
        .provision_token(uuid::Uuid::new_v4().to_string())
        .send()
        .await
        .expect("ProvisionProduct");
    let record = out.record_detail().expect("record detail");
    let pp = record.provisioned_product_id().expect("pp id").to_string();
    let record_id = record.record_id().expect("record id").to_string();
    wait_record(sc, &record_id).await;
    pp
}

/// Polls `DescribeRecord` until the record is terminal; returns its status.
pub async fn wait_record(sc: &aws_sdk_servicecatalog::Client, record_id: &str) -> String {
    for _ in 0..1200 {
        let out = sc
            .describe_record()
            .id(record_id)
            .send()
            .await
            .expect("DescribeRecord");
        let status = out
            .record_detail()
            .and_then(|d| d.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if status == "SUCCEEDED" || status == "FAILED" {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("record {record_id} never finished");
}

/// Live (owner, launch role) through the SDK: owner as `SearchProvisionedProducts` shows it,
/// launch role from `DescribeProvisionedProduct`.
pub async fn live_properties(
    sc: &aws_sdk_servicecatalog::Client,
    pp: &str,
) -> (Option<String>, Option<String>) {
    let search = sc
        .search_provisioned_products()
        .access_level_filter(super::acceptance::account_level())
        .filters(
            aws_sdk_servicecatalog::types::ProvisionedProductViewFilterBy::SearchQuery,
            vec![format!("id:{pp}")],
        )
        .send()
        .await
        .expect("SearchProvisionedProducts");
    let owner = search
        .provisioned_products()
        .iter()
        .find(|p| p.id() == Some(pp))
        .and_then(|p| p.user_arn())
        .map(str::to_string);
    let launch = sc
        .describe_provisioned_product()
        .id(pp)
        .send()
        .await
        .expect("DescribeProvisionedProduct")
        .provisioned_product_detail()
        .and_then(|d| d.launch_role_arn())
        .map(str::to_string);
    (owner, launch)
}
