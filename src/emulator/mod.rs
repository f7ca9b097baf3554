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
use tokio::task::JoinHandle;

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
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: config.listen,
                source,
            })?;
        let shared = Arc::new(Shared::new(config, state));
        let app = server::router(shared.clone());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await;
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
    task: JoinHandle<()>,
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
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
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
