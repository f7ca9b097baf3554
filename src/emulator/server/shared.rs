//! [`Shared`]: the state, faults, rate-limit buckets and counters every request works on, and
//! persistence (group commit) so that a change is acknowledged only once it is durable.

use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::emulator::config::EmulatorConfig;
use crate::emulator::error::EmulatorError;
use crate::emulator::faults::Faults;
use crate::emulator::metrics::Counters;
use crate::emulator::model::{ProvisionedProduct, State, STATE_VERSION};
use crate::emulator::ops::{self, Env, SeedProduct};
use crate::emulator::ratelimit::Buckets;
use crate::emulator::store;

/// What the lock guards.
pub(crate) struct Inner {
    pub(crate) state: State,
    pub(crate) faults: Faults,
    /// Token buckets of `faults.rate_limits`; refilled to full whenever the limits change.
    pub(crate) buckets: Buckets,
    /// Bumped on every change that must be persisted.
    pub(crate) version: u64,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    /// Highest version known durable.
    persisted: tokio::sync::Mutex<u64>,
    pub(crate) env: Env,
    pub(crate) config: EmulatorConfig,
    pub(crate) counters: Counters,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Wall-clock epoch seconds (record statuses are derived from them).
pub(crate) fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, state: State) -> Shared {
        let env = Env {
            account_id: config.account_id.clone(),
            region: config.region.clone(),
            partition: config.partition(),
            record_latency_secs: config.record_latency.as_secs_f64(),
            launch_role_arn: config.launch_role_arn.clone(),
        };
        Shared {
            inner: Mutex::new(Inner {
                state,
                buckets: Buckets::new(&config.faults.rate_limits, Instant::now()),
                faults: config.faults.clone(),
                version: 0,
            }),
            persisted: tokio::sync::Mutex::new(0),
            env,
            config,
            counters: Counters::default(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the state half-changed in a way
        // worse than refusing all further requests would, so keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes sure everything up to `version` is on disk (no-op without a state file).
    pub(crate) async fn persist_through(&self, version: u64) -> Result<(), EmulatorError> {
        let Some(path) = self.config.state_file.clone() else {
            return Ok(());
        };
        let mut persisted = self.persisted.lock().await;
        if *persisted >= version {
            return Ok(());
        }
        // Group commit: write the latest state, which covers every waiting writer.
        let (latest, bytes) = {
            let mut inner = self.lock();
            inner.state.version = STATE_VERSION;
            let bytes =
                serde_json::to_vec(&inner.state).map_err(|e| EmulatorError::CorruptState {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            (inner.version, bytes)
        };
        let target = path.clone();
        tokio::task::spawn_blocking(move || store::write_atomic(&target, &bytes))
            .await
            .map_err(|e| EmulatorError::StateFile {
                path,
                source: std::io::Error::other(e.to_string()),
            })??;
        *persisted = latest;
        Ok(())
    }

    /// Changes the faults through `change`, then validates them; on any error nothing changes.
    /// Returns the faults now active.
    pub(crate) fn update_faults(
        &self,
        change: impl FnOnce(&mut Faults) -> Result<(), String>,
    ) -> Result<Faults, String> {
        let mut inner = self.lock();
        let mut faults = inner.faults.clone();
        change(&mut faults)?;
        faults.validate()?;
        if faults.rate_limits != inner.faults.rate_limits {
            inner.buckets = Buckets::new(&faults.rate_limits, Instant::now());
        }
        inner.faults = faults.clone();
        Ok(faults)
    }

    /// Forgets all products, records and tokens, restores the start-up faults (with full rate-limit
    /// buckets) and zeroes the counters; acknowledged once persisted.
    pub(crate) async fn reset(&self) -> Result<(), EmulatorError> {
        let version = {
            let mut inner = self.lock();
            inner.state = State::default();
            inner.faults = self.config.faults.clone();
            inner.buckets = Buckets::new(&inner.faults.rate_limits, Instant::now());
            inner.version += 1;
            self.counters.clear();
            inner.version
        };
        self.persist_through(version).await
    }

    /// Creates an `AVAILABLE` product owned by the account admin (or the seed's owner).
    pub(crate) async fn seed(
        &self,
        seed: &SeedProduct,
    ) -> Result<ProvisionedProduct, EmulatorError> {
        let owner = self.config.admin_principal();
        let (pp, version) = {
            let mut inner = self.lock();
            let now = now_secs();
            inner.state.advance(now);
            let pp = ops::seed(&mut inner.state, &owner, now, &self.env, seed)?;
            inner.version += 1;
            (pp, inner.version)
        };
        self.persist_through(version).await?;
        Ok(pp)
    }
}
