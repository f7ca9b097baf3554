//! Raw HTTP/1.1 for what an SDK cannot send (malformed requests, the emulator's control API) and
//! for the fault proxy's relay, plus an endpoint that only counts connections.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A raw HTTP/1.1 response.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the whole answer.
/// `Host` is added unless `headers` carry one (a proxy keeps the signed host).
pub async fn try_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<RawResponse> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Connection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes()).await?;
    // The server may answer (413) before reading a large body; ignore write errors then.
    let _ = stream.write_all(body).await;
    let mut buf = Vec::new();
    // A reset after a complete early answer is not an error for the caller.
    let _ = stream.read_to_end(&mut buf).await;
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("the answer has no end of headers"))?;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line in {head:?}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(RawResponse {
        status,
        headers,
        body: buf[split + 4..].to_vec(),
    })
}

/// [`try_raw`] for tests: a failure to get an answer fails the test.
pub async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    try_raw(addr, method, path, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path} on {addr}: {e}"))
}

/// A SigV4 `Authorization` header with a dummy signature (the emulator checks signatures only
/// for keys it has a secret for).
pub const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250101/us-east-1/servicecatalog/aws4_request, SignedHeaders=host, Signature=00";

/// A raw Service Catalog API call with a dummy signature.
pub async fn raw_api(addr: SocketAddr, operation: &str, body: &str) -> RawResponse {
    let target = format!("AWS242ServiceCatalogService.{operation}");
    raw(
        addr,
        "POST",
        "/",
        &[
            ("X-Amz-Target", &target),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Authorization", AUTH),
        ],
        body.as_bytes(),
    )
    .await
}

/// A TCP listener that counts connections and answers none: an endpoint that proves no API call
/// was made when its count stays at zero.
pub struct CountingEndpoint {
    pub url: String,
    count: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl CountingEndpoint {
    pub async fn start() -> CountingEndpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind counting listener");
        let addr = listener.local_addr().expect("listener address");
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                drop(sock);
            }
        });
        CountingEndpoint {
            url: format!("http://{addr}"),
            count,
            task,
        }
    }

    pub fn connections(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for CountingEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}
