//! servicecatalog-emulator: a local AWS Service Catalog endpoint (AWS JSON 1.1) for the
//! provisioned-product lifecycle, faithful enough for the AWS CLI, boto3 and the Rust SDK.
//!
//! Start it in-process with [`Emulator::start`]; control it through [`RunningEmulator`] (the same
//! controls as the HTTP API under `/_emulator/`). Choices where the service is not documented are
//! listed in `docs/emulator.md`.
//!
//! Modules, lowest first (each imports only modules listed before it): `error`, `model`, `sigv4`,
//! `arn`, `principal`, `input`, `store`, `wire`; `ops` (the operations and their table);
//! `ratelimit`, `metrics`; `faults`; `config`; `server` (router, pipeline layers, control API).

mod arn;
mod config;
mod error;
mod faults;
mod input;
mod metrics;
pub mod model;
mod ops;
mod principal;
mod ratelimit;
mod server;
mod sigv4;
mod store;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::{JoinError, JoinHandle};

pub use arn::{parse_principal, ArnKind, PrincipalArn};
pub use config::{partition_for, EmulatorConfig};
pub use error::{EmulatorError, ErrorCode, ServiceError};
pub use faults::Faults;
pub use metrics::{Metrics, OperationMetrics};
pub use model::{ProvisionedProduct, Record, RecordStatus, State};
pub use ops::{SeedProduct, OPERATIONS};
pub use principal::{AccessLevel, Principal, Principals};
pub use ratelimit::{parse_flag as parse_rate_limit, RateLimit, ALL_OPERATIONS};
pub use server::TARGET_PREFIX;

use server::Shared;

/// Entry point.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// Loads state (if `config.state_file` is set), binds `config.listen` and starts serving.
    pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
        config.validate()?;
        let state = match &config.state_file {
            Some(path) => store::load(path)?,
            None => State::default(),
        };
        let addr = config.listen;
        let bind_error = |source| EmulatorError::Bind { addr, source };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let shared = Arc::new(Shared::new(config, state));
        let app = server::router(shared.clone());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await
                .map_err(|e| EmulatorError::ServerStopped(e.to_string()))
        });
        Ok(RunningEmulator {
            addr,
            shared,
            stop: Some(stop_tx),
            task,
        })
    }
}

/// A started emulator. Dropping it begins a graceful stop in the background; [`RunningEmulator::shutdown`]
/// also waits for it.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), EmulatorError>>,
}

/// How long in-flight requests may run once a stop was asked for.
const STOP_GRACE_PERIOD: Duration = Duration::from_secs(5);

/// A server task that panicked or was aborted.
fn stopped(e: JoinError) -> EmulatorError {
    EmulatorError::ServerStopped(e.to_string())
}

impl RunningEmulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, for `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// Stops accepting connections, lets in-flight requests finish (at most 5 s), and returns.
    /// A stop that was not clean (the server had failed, or requests were cut off) is logged
    /// as an error; [`RunningEmulator::run_until`] returns it instead.
    pub async fn shutdown(self) {
        if let Err(e) = self.stop().await {
            tracing::error!("emulator stopped: {e}");
        }
    }

    /// Serves until `stop` resolves, then stops as [`RunningEmulator::shutdown`] does. The
    /// error says why the server stopped on its own before that, or why the stop was not clean.
    pub async fn run_until(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), EmulatorError> {
        let ended = tokio::select! {
            () = stop => None,
            ended = &mut self.task => Some(ended),
        };
        match ended {
            None => self.stop().await,
            Some(ended) => Err(ended
                .map_err(stopped)
                .and_then(|r| r)
                .err()
                .unwrap_or_else(|| {
                    EmulatorError::ServerStopped("it ended without being asked to".to_owned())
                })),
        }
    }

    async fn stop(mut self) -> Result<(), EmulatorError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match tokio::time::timeout(STOP_GRACE_PERIOD, &mut self.task).await {
            Ok(ended) => ended.map_err(stopped)?,
            Err(_) => {
                self.task.abort();
                Err(EmulatorError::ShutdownTimeout(STOP_GRACE_PERIOD))
            }
        }
    }

    /// Current faults.
    pub fn faults(&self) -> Faults {
        self.shared.lock().faults.clone()
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) -> Result<(), EmulatorError> {
        self.update_faults(|f| *f = faults)
    }

    /// Changes the faults in place (nothing changes if the result is invalid).
    pub fn update_faults(&self, f: impl FnOnce(&mut Faults)) -> Result<(), EmulatorError> {
        self.shared
            .update_faults(|faults| {
                f(faults);
                Ok(())
            })
            .map(drop)
            .map_err(EmulatorError::Config)
    }

    /// Forgets all products, records and tokens, restores the start-up faults (persisted) and
    /// zeroes the metrics.
    pub async fn reset(&self) -> Result<(), EmulatorError> {
        self.shared.reset().await
    }

    /// Calls and throttled calls by operation, since start or the last reset.
    pub fn metrics(&self) -> Metrics {
        self.shared.counters.snapshot()
    }

    /// A copy of the whole state, with records advanced to now.
    pub fn snapshot(&self) -> State {
        let mut inner = self.shared.lock();
        inner.state.advance(server::now_secs());
        inner.state.clone()
    }

    /// Records of one provisioned product, oldest first.
    pub fn records_for(&self, provisioned_product_id: &str) -> Vec<Record> {
        let mut records: Vec<Record> = self
            .snapshot()
            .records
            .into_values()
            .filter(|r| r.provisioned_product_id == provisioned_product_id)
            .collect();
        records.sort_by_key(|r| r.seq);
        records
    }

    /// Creates an `AVAILABLE` provisioned product at once (the `POST /_emulator/provisioned-products` shortcut).
    pub async fn seed_provisioned_product(
        &self,
        seed: SeedProduct,
    ) -> Result<ProvisionedProduct, EmulatorError> {
        self.shared.seed(&seed).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_server_that_ends_on_its_own_says_why() {
        let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
        emu.task.abort();
        let err = emu
            .run_until(std::future::pending())
            .await
            .expect_err("the server is gone");
        assert!(matches!(err, EmulatorError::ServerStopped(_)), "{err}");
        assert!(err.to_string().contains("cancelled"), "{err}");
    }

    #[tokio::test]
    async fn a_stop_that_leaves_requests_running_says_so() {
        let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
        emu.set_faults(Faults {
            latency: Duration::from_secs(30),
            ..Default::default()
        })
        .unwrap();
        let addr = emu.addr();
        let (sent_tx, sent_rx) = oneshot::channel();
        let client = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!(
                "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: {TARGET_PREFIX}ScanProvisionedProducts\r\n\
                 Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/servicecatalog/aws4_request, \
                 SignedHeaders=host, Signature=00\r\nContent-Length: 2\r\n\r\n{{}}"
            );
            tcp.write_all(request.as_bytes()).await.unwrap();
            let _ = sent_tx.send(());
            let mut answer = Vec::new();
            let _ = tcp.read_to_end(&mut answer).await;
        });
        sent_rx.await.unwrap();
        // The request is in the emulator's latency by the time it is stopped.
        while emu.metrics().total_calls() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let err = emu
            .run_until(async {})
            .await
            .expect_err("a request was still running");
        assert!(matches!(err, EmulatorError::ShutdownTimeout(_)), "{err}");
        client.abort();
    }

    #[tokio::test]
    async fn a_clean_stop_is_ok() {
        let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
        emu.run_until(async {}).await.expect("nothing was running");
    }
}
