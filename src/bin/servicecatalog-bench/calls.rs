//! API call counting: the provider is pointed at a loopback TCP proxy in front of the emulator,
//! which counts `X-Amz-Target` values in the request bytes going through.
//!
//! Everything the rest of the bench knows about counting is [`ApiCalls`]: where the provider
//! sends its calls, and the calls made since the last [`ApiCalls::take`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Result;

/// Calls counted between two [`ApiCalls::take`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calls {
    /// Every Service Catalog API call.
    pub total: u64,
    /// `DescribeRecord` calls among them.
    pub describe_record: u64,
}

/// Counts the provider's API calls to the emulator.
pub struct ApiCalls {
    endpoint: SocketAddr,
    counters: Arc<Counters>,
}

impl ApiCalls {
    /// Starts counting calls to the emulator at `emulator`.
    pub async fn start(emulator: SocketAddr) -> Result<Self> {
        let counters = Arc::new(Counters::default());
        let endpoint = counting_proxy(emulator, counters.clone()).await?;
        Ok(Self { endpoint, counters })
    }

    /// The address the provider's `endpoint` must point at for its calls to be counted.
    pub fn endpoint(&self) -> SocketAddr {
        self.endpoint
    }

    /// The calls made since the previous take (or the start), resetting the count.
    pub async fn take(&mut self) -> Result<Calls> {
        Ok(Calls {
            total: self.counters.api_calls.swap(0, Ordering::SeqCst),
            describe_record: self.counters.describe_record.swap(0, Ordering::SeqCst),
        })
    }
}

/// What the counting proxy has seen.
#[derive(Default)]
struct Counters {
    api_calls: AtomicU64,
    describe_record: AtomicU64,
}

/// Forwards loopback TCP to `upstream`, counting API targets in the client→server bytes.
async fn counting_proxy(upstream: SocketAddr, counters: Arc<Counters>) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counters = counters.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let down = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                    let _ = cw.shutdown().await;
                });
                let mut scanner = Scanner::default();
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let n = match cr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let (all, describe) = scanner.feed(&buf[..n]);
                    counters.api_calls.fetch_add(all, Ordering::SeqCst);
                    counters
                        .describe_record
                        .fetch_add(describe, Ordering::SeqCst);
                    if sw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = sw.shutdown().await;
                let _ = down.await;
            });
        }
    });
    Ok(addr)
}

const TARGET: &[u8] = b"AWS242ServiceCatalogService.";
const DESCRIBE_RECORD: &[u8] = b"AWS242ServiceCatalogService.DescribeRecord\r";

/// Counts needles in a byte stream, across read boundaries.
#[derive(Default)]
struct Scanner {
    carry: Vec<u8>,
}

impl Scanner {
    fn feed(&mut self, chunk: &[u8]) -> (u64, u64) {
        let carried = self.carry.len();
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let all = count_new(&data, TARGET, carried);
        let describe = count_new(&data, DESCRIBE_RECORD, carried);
        // Enough for the longest needle to straddle reads; count_new skips what was counted.
        let keep = (DESCRIBE_RECORD.len() - 1).min(data.len());
        self.carry = data[data.len() - keep..].to_vec();
        (all, describe)
    }
}

/// Matches of `needle` in `hay` that end after the first `carried` bytes (those were seen before).
fn count_new(hay: &[u8], needle: &[u8], carried: usize) -> u64 {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(i, w)| i + needle.len() > carried && *w == needle)
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_counts_targets_split_across_reads() {
        let req = b"POST / HTTP/1.1\r\nX-Amz-Target: AWS242ServiceCatalogService.DescribeRecord\r\n\r\n{}";
        let other = b"POST / HTTP/1.1\r\nx-amz-target: AWS242ServiceCatalogService.DescribeProvisionedProduct\r\n\r\n{}";
        let mut stream = Vec::new();
        stream.extend_from_slice(req);
        stream.extend_from_slice(other);
        stream.extend_from_slice(req);
        // Every split point, so needles straddle reads.
        for cut in 1..stream.len() {
            let mut s = Scanner::default();
            let (a1, d1) = s.feed(&stream[..cut]);
            let (a2, d2) = s.feed(&stream[cut..]);
            assert_eq!((a1 + a2, d1 + d2), (3, 2), "cut at {cut}");
        }
    }
}
