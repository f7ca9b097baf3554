//! servicecatalog-emulator-bench: loopback load generator for the emulator (`DescribeRecord` and
//! `UpdateProvisionedProductProperties`), over raw HTTP/1.1 keep-alive connections; prints req/s and
//! p50/p99 latency, against an emulator it runs in-process.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use servicecatalog_provider::emulator::{Emulator, EmulatorConfig, SeedProduct};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Op {
    DescribeRecord,
    UpdateProvisionedProductProperties,
}

/// Benchmark the emulator over loopback.
#[derive(Debug, Parser)]
#[command(name = "servicecatalog-emulator-bench")]
struct Cli {
    /// Operations to measure (repeatable); default both.
    #[arg(long = "op", value_enum)]
    ops: Vec<Op>,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Longest time per operation, in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Most requests per operation.
    #[arg(long, default_value_t = 200_000)]
    max_requests: u64,
    /// Worker threads of the in-process emulator and load generator.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Persist to this state file (measures durable writes); default in memory.
    #[arg(long)]
    state_file: Option<std::path::PathBuf>,
}

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20250101/us-east-1/servicecatalog/aws4_request, SignedHeaders=host, Signature=00";

fn request(addr: SocketAddr, op: &str, body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWS242ServiceCatalogService.{op}\r\nAuthorization: {AUTH}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends one request and reads one response; returns the HTTP status.
async fn round_trip(stream: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> std::io::Result<u16> {
    stream.write_all(req).await?;
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let status = head.split_whitespace().nth(1);
                return Ok(status.and_then(|s| s.parse().ok()).unwrap_or(0));
            }
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

struct Report {
    requests: u64,
    errors: u64,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

async fn run(
    addr: SocketAddr,
    cli: &Cli,
    bodies: Vec<(String, Vec<String>)>,
) -> std::io::Result<Report> {
    let issued = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(cli.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (conn, (op, conn_bodies)) in bodies.into_iter().enumerate() {
        let issued = issued.clone();
        let max = cli.max_requests;
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let fixed: Vec<Vec<u8>> = conn_bodies.iter().map(|b| request(addr, &op, b)).collect();
            let templated = conn_bodies.iter().any(|b| b.contains("TOKEN"));
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut buf = Vec::with_capacity(8192);
            let mut i = 0usize;
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max {
                let t = Instant::now();
                let body = &conn_bodies[i % conn_bodies.len()];
                let req: std::borrow::Cow<'_, [u8]> = if templated {
                    request(addr, &op, &body.replace("TOKEN", &format!("c{conn}n{i}"))).into()
                } else {
                    fixed[i % fixed.len()].as_slice().into()
                };
                let status = round_trip(&mut stream, &req, &mut buf).await?;
                lat.push(t.elapsed());
                if status != 200 {
                    errors += 1;
                }
                i += 1;
            }
            Ok::<_, std::io::Error>((lat, errors))
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await.map_err(std::io::Error::other)??;
        all.extend(lat);
        errors += e;
    }
    let elapsed = start.elapsed();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    Ok(Report {
        requests: all.len() as u64,
        errors,
        elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
        max: all.last().copied().unwrap_or_default(),
    })
}

async fn bench(cli: Cli) -> Result<(), String> {
    let emu = Emulator::start(EmulatorConfig {
        state_file: cli.state_file.clone(),
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let addr = emu.addr();
    let ops = if cli.ops.is_empty() {
        vec![Op::DescribeRecord, Op::UpdateProvisionedProductProperties]
    } else {
        cli.ops.clone()
    };
    // One product per connection, so property updates never collide on a busy product.
    let mut products = Vec::new();
    for i in 0..cli.connections {
        let pp = emu
            .seed_provisioned_product(SeedProduct {
                name: format!("bench-{i}"),
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        let rec = pp.last_record_id.clone().unwrap_or_default();
        products.push((pp.id, rec));
    }
    println!(
        "servicecatalog-emulator-bench: {} connections, {} threads, up to {} s / {} requests per operation",
        cli.connections, cli.threads, cli.seconds, cli.max_requests
    );
    for op in ops {
        let bodies: Vec<(String, Vec<String>)> = match op {
            Op::DescribeRecord => products
                .iter()
                .map(|(_, rec)| ("DescribeRecord".to_owned(), vec![format!(r#"{{"Id":"{rec}"}}"#)]))
                .collect(),
            Op::UpdateProvisionedProductProperties => products
                .iter()
                .map(|(id, _)| {
                    // Alternate two owners; `TOKEN` is replaced by a fresh token per request, so every
                    // request is a new change (no idempotent replays).
                    let bodies = ["a", "b"]
                        .iter()
                        .map(|u| {
                            format!(
                                r#"{{"ProvisionedProductId":"{id}","ProvisionedProductProperties":{{"OWNER":"arn:aws:iam::123456789012:user/{u}"}},"IdempotencyToken":"TOKEN"}}"#
                            )
                        })
                        .collect();
                    ("UpdateProvisionedProductProperties".to_owned(), bodies)
                })
                .collect(),
        };
        let r = run(addr, &cli, bodies).await.map_err(|e| e.to_string())?;
        println!(
            "{:<36} {:>8} req in {:>6.2} s = {:>8.0} req/s   p50 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms   non-200: {}",
            format!("{op:?}"),
            r.requests,
            r.elapsed.as_secs_f64(),
            r.requests as f64 / r.elapsed.as_secs_f64(),
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3,
            r.max.as_secs_f64() * 1e3,
            r.errors
        );
    }
    let state_arg = cli
        .state_file
        .as_ref()
        .map(|p| format!(" --state-file {}", p.display()))
        .unwrap_or_default();
    println!(
        "rerun: cargo run --release --bin servicecatalog-emulator-bench -- --connections {} --seconds {} --max-requests {} --threads {}{state_arg}",
        cli.connections, cli.seconds, cli.max_requests, cli.threads
    );
    emu.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads.max(1))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("servicecatalog-emulator-bench: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(bench(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("servicecatalog-emulator-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
