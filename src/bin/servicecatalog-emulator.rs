//! servicecatalog-emulator: a local AWS Service Catalog endpoint (AWS JSON 1.1) for the provisioned-product lifecycle.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use servicecatalog_provider::emulator::{
    parse_rate_limit, Emulator, EmulatorConfig, Faults, Principals, RateLimit,
};
use servicecatalog_provider::tfplugin::timeouts::parse_duration;

const AFTER_HELP: &str = r#"Principals file (--principals), JSON:
  {"keys": {"AKIDALICE": {"arn": "arn:aws:iam::123456789012:user/alice",
                          "access_level": "User",            (Account | Role | User; default Account)
                          "secret_access_key": "s3cret"}},   (optional: verify SigV4 signatures)
   "default": {"arn": "...", "access_level": "Account"},     (optional: principal of unknown keys)
   "reject_unknown_keys": false}                            (true: unknown keys get UnrecognizedClientException)
  Without a file every access key is the account admin arn:aws:iam::<account>:user/admin.

Faults at run time (same fields as the flags; durations in ms):
  curl -X PATCH http://ADDR/_emulator/faults -d '{"throttle_next": 2, "operations": ["UpdateProvisionedProductProperties"]}'
  Fields: throttle_next, server_error_next, server_error_after_commit_next, server_error_status, latency_ms,
  operations, fail_next_records, fail_provisioned_products, search_lag_ms, search_lag_calls,
  record_latency_ms (overrides --record-latency for new records),
  rate_limits ({"all": {"per_second": 10, "burst": 20}, "SearchProvisionedProducts": {"per_second": 5}}).

State file (--state-file): every change is written (temp file, fsync, rename, directory fsync) before it is
acknowledged, so kill -9 never loses an acknowledged change or leaves a partial file."#;

/// A local AWS Service Catalog endpoint for the provisioned-product lifecycle
/// (ProvisionProduct, DescribeProvisionedProduct, SearchProvisionedProducts, ScanProvisionedProducts,
/// UpdateProvisionedProductProperties, DescribeRecord, ListRecordHistory, UpdateProvisionedProduct,
/// TerminateProvisionedProduct).
///
/// Once ready it prints one line `listening on http://ADDR` on stdout. Point clients at it with
/// `--endpoint-url http://ADDR` (AWS CLI) or `endpoint_url` (SDKs). Faults can be changed at run time
/// through the control API: GET/PUT/PATCH /_emulator/faults, POST /_emulator/reset, GET /_emulator/state,
/// POST /_emulator/provisioned-products, GET /_emulator/records, GET /_emulator/metrics (calls and
/// throttled calls by operation). SIGINT/SIGTERM stop it gracefully.
/// Durations are Go durations: `250ms`, `2s`, `1m30s`, `0` (a number without a unit other than 0 is
/// refused).
#[derive(Debug, Parser)]
#[command(name = "servicecatalog-emulator", version, after_long_help = AFTER_HELP)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,
    /// The 12-digit account the emulator models.
    #[arg(long, default_value = "123456789012")]
    account_id: String,
    /// Region used in ARNs.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Time from CREATED to SUCCEEDED/FAILED for every record (0 = immediate).
    #[arg(long, default_value = "0", value_parser = duration, value_name = "DURATION")]
    record_latency: Duration,
    /// JSON file mapping access key ids to principals (see docs/emulator.md). Default: any key is the account admin.
    #[arg(long, value_name = "FILE")]
    principals: Option<PathBuf>,
    /// Keep all state in this file across restarts (atomic writes). Default: memory only.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,
    /// Launch role given to newly provisioned products.
    #[arg(long, value_name = "ARN")]
    launch_role_arn: Option<String>,
    /// Largest accepted request body in bytes (larger ones get HTTP 413).
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    max_body_bytes: usize,
    /// Fault: answer the next N API requests with ThrottlingException.
    #[arg(long, default_value_t = 0, value_name = "N")]
    throttle_next: u32,
    /// Fault: answer the next N API requests with HTTP 500/503 before doing anything.
    #[arg(long, default_value_t = 0, value_name = "N")]
    server_error_next: u32,
    /// Fault: carry out the next N API requests, then answer HTTP 500/503 anyway.
    #[arg(long, default_value_t = 0, value_name = "N")]
    server_error_after_commit_next: u32,
    /// Status of injected server errors: 500 or 503.
    #[arg(long, default_value_t = 500, value_name = "STATUS")]
    server_error_status: u16,
    /// Fault: extra delay before each API answer.
    #[arg(long, default_value = "0", value_parser = duration, value_name = "DURATION")]
    latency: Duration,
    /// Limit throttling, server errors and latency to this operation (repeatable). Default: all.
    #[arg(long = "fault-operation", value_name = "OPERATION")]
    fault_operations: Vec<String>,
    /// Fault: the next N records end in FAILED.
    #[arg(long, default_value_t = 0, value_name = "N")]
    fail_next_records: u32,
    /// Fault: every record of this provisioned product (id or name) ends in FAILED (repeatable).
    #[arg(long = "fail-provisioned-product", value_name = "ID_OR_NAME")]
    fail_provisioned_products: Vec<String>,
    /// Fault: after an owner change, SearchProvisionedProducts shows the old owner for this long.
    #[arg(long, default_value = "0", value_parser = duration, value_name = "DURATION")]
    search_lag: Duration,
    /// Fault: after an owner change, the next N searches including the product show the old owner.
    #[arg(long, default_value_t = 0, value_name = "N")]
    search_lag_calls: u32,
    /// Rate limit of an operation for the account, as AWS throttles: a token bucket refilled at
    /// PER_SECOND calls a second holding BURST calls (default: one second's worth); an empty
    /// bucket answers ThrottlingException "Rate exceeded". Repeatable; `all` covers every
    /// operation not named on its own, e.g. --rate-limit all=10/20 --rate-limit SearchProvisionedProducts=5.
    #[arg(long = "rate-limit", value_parser = parse_rate_limit, value_name = "OPERATION=PER_SECOND[/BURST]")]
    rate_limits: Vec<(String, RateLimit)>,
    /// Log every request outcome to stderr.
    #[arg(long, short)]
    verbose: bool,
}

/// Go durations, as the provider's `timeouts` take them (`250ms`, `2s`, `1m30s`, `0`).
fn duration(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| {
        format!(
            "'{}' is not a duration: {}; use a Go duration such as 250ms, 2s, 1m30s or 0",
            e.input, e.reason
        )
    })
}

fn config(cli: Cli) -> Result<EmulatorConfig, String> {
    let principals = match &cli.principals {
        Some(path) => Principals::from_file(path).map_err(|e| e.to_string())?,
        None => Principals::default(),
    };
    let mut rate_limits = BTreeMap::new();
    for (operation, limit) in cli.rate_limits {
        if rate_limits.insert(operation.clone(), limit).is_some() {
            return Err(format!(
                "--rate-limit names {operation} more than once; give each operation one limit"
            ));
        }
    }
    Ok(EmulatorConfig {
        listen: cli.listen,
        account_id: cli.account_id,
        region: cli.region,
        record_latency: cli.record_latency,
        principals,
        state_file: cli.state_file,
        launch_role_arn: cli.launch_role_arn,
        max_body_bytes: cli.max_body_bytes,
        faults: Faults {
            throttle_next: cli.throttle_next,
            server_error_next: cli.server_error_next,
            server_error_after_commit_next: cli.server_error_after_commit_next,
            server_error_status: Some(cli.server_error_status),
            latency: cli.latency,
            operations: cli.fault_operations.into_iter().collect(),
            fail_next_records: cli.fail_next_records,
            fail_provisioned_products: cli.fail_provisioned_products.into_iter().collect(),
            search_lag: cli.search_lag,
            search_lag_calls: cli.search_lag_calls,
            record_latency_ms: None,
            rate_limits,
        },
    })
}

/// SIGTERM or SIGINT. The handlers are installed when this is called, not when it is awaited:
/// it is called before the ready line, so a stop sent as soon as that line is read is not lost
/// (the default action would kill the process without a graceful shutdown).
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let handlers = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        );
        async move {
            match handlers {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = if cli.verbose {
        tracing::Level::DEBUG
    } else {
        tracing::Level::WARN
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .init();
    let config = match config(cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("servicecatalog-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let running = match Emulator::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("servicecatalog-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = stop_signal();
    let mut out = std::io::stdout().lock();
    if writeln!(out, "listening on {}", running.endpoint_url())
        .and_then(|()| out.flush())
        .is_err()
    {
        // Nobody reads stdout any more; keep serving anyway.
    }
    drop(out);
    match running.run_until(stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("servicecatalog-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}
