//! Injectable faults ([`Faults`]): throttling, 5xx, added latency, rate limits, record failures
//! and search lag.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ops::{self, RecordFaults};
use super::ratelimit::{self, RateLimit};

/// Faults to inject. The JSON form (control API) uses the same field names, durations in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Answer the next N API requests with `ThrottlingException` (HTTP 400) before doing anything.
    pub throttle_next: u32,
    /// Answer the next N API requests with HTTP `server_error_status` before doing anything.
    pub server_error_next: u32,
    /// Carry out the next N API requests, then answer HTTP `server_error_status` instead of the result
    /// (the change is applied; a retry with the same token must not apply it twice).
    pub server_error_after_commit_next: u32,
    /// Status for injected server errors: 500 (`InternalFailure`) or 503 (`ServiceUnavailableException`).
    pub server_error_status: Option<u16>,
    /// Extra delay before answering each API request.
    #[serde(with = "millis", rename = "latency_ms")]
    pub latency: Duration,
    /// Only requests to these operations (e.g. `UpdateProvisionedProductProperties`) get throttling,
    /// server errors and latency; empty means all operations.
    pub operations: BTreeSet<String>,
    /// The next N records created end in `FAILED`.
    pub fail_next_records: u32,
    /// Every record created for these provisioned products (ids or names) ends in `FAILED`.
    pub fail_provisioned_products: BTreeSet<String>,
    /// After an owner change succeeds, `SearchProvisionedProducts` shows the previous owner for this long.
    #[serde(with = "millis", rename = "search_lag_ms")]
    pub search_lag: Duration,
    /// After an owner change succeeds, the next N `SearchProvisionedProducts` answers that include the
    /// product show the previous owner.
    pub search_lag_calls: u32,
    /// Overrides the configured record latency (milliseconds) for records created from now on.
    pub record_latency_ms: Option<u64>,
    /// Token-bucket rate limits by operation name, or `all` for every operation without a limit
    /// of its own; each operation has its own bucket. They apply whatever `operations` says.
    pub rate_limits: BTreeMap<String, RateLimit>,
}

impl Faults {
    /// Checks values the emulator cannot honour.
    pub fn validate(&self) -> Result<(), String> {
        match self.server_error_status {
            None | Some(500) | Some(503) => {}
            Some(other) => {
                return Err(format!(
                    "server_error_status {other} is not supported (use 500 or 503)"
                ))
            }
        }
        for op in &self.operations {
            if ops::find(op).is_none() {
                return Err(format!(
                    "operations: '{op}' is not an operation of the emulator"
                ));
            }
        }
        ratelimit::validate(&self.rate_limits)
    }

    /// Whether throttling/5xx/latency apply to this operation.
    pub(crate) fn applies_to(&self, operation: &str) -> bool {
        self.operations.is_empty() || self.operations.contains(operation)
    }

    /// The part the operations use: record failures, record latency and search lag.
    pub(crate) fn for_records(&mut self) -> RecordFaults<'_> {
        RecordFaults {
            fail_next: &mut self.fail_next_records,
            fail_products: &self.fail_provisioned_products,
            latency_secs: self.record_latency_ms.map(|ms| ms as f64 / 1000.0),
            search_lag_secs: self.search_lag.as_secs_f64(),
            search_lag_calls: self.search_lag_calls,
        }
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
