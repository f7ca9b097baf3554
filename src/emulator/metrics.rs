//! Per-operation counters: calls and throttled calls, readable in-process
//! ([`RunningEmulator::metrics`](super::RunningEmulator::metrics)) and at `GET /_emulator/metrics`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::ops::OPERATIONS;

/// Counters of every operation the emulator serves (zeros included). JSON:
/// `{"operations": {"<OperationName>": {"calls": 3, "throttled": 1}, ...}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// By operation name.
    pub operations: BTreeMap<String, OperationMetrics>,
}

/// The counters of one operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationMetrics {
    /// Requests routed to the operation (by `X-Amz-Target`), whatever their answer.
    pub calls: u64,
    /// Those answered `ThrottlingException` (rate limit or injected throttling).
    pub throttled: u64,
}

impl Metrics {
    /// The counters of `operation` (zeros for a name the emulator does not serve).
    pub fn get(&self, operation: &str) -> OperationMetrics {
        self.operations.get(operation).copied().unwrap_or_default()
    }

    /// Calls over all operations.
    pub fn total_calls(&self) -> u64 {
        self.operations.values().map(|m| m.calls).sum()
    }
}

/// The live counters, by place in the operation table.
#[derive(Debug)]
pub(crate) struct Counters {
    calls: Vec<AtomicU64>,
    throttled: Vec<AtomicU64>,
}

impl Default for Counters {
    fn default() -> Self {
        let zeros = || OPERATIONS.iter().map(|_| AtomicU64::new(0)).collect();
        Counters {
            calls: zeros(),
            throttled: zeros(),
        }
    }
}

impl Counters {
    /// Counts a request routed to the operation at `index`.
    pub(crate) fn call(&self, index: usize) {
        if let Some(c) = self.calls.get(index) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a `ThrottlingException` answer of the operation at `index`.
    pub(crate) fn throttled(&self, index: usize) {
        if let Some(c) = self.throttled.get(index) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Zeroes every counter.
    pub(crate) fn clear(&self) {
        for c in self.calls.iter().chain(&self.throttled) {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// The current values.
    pub(crate) fn snapshot(&self) -> Metrics {
        let operations = OPERATIONS
            .iter()
            .zip(self.calls.iter().zip(&self.throttled))
            .map(|(name, (calls, throttled))| {
                (
                    (*name).to_owned(),
                    OperationMetrics {
                        calls: calls.load(Ordering::Relaxed),
                        throttled: throttled.load(Ordering::Relaxed),
                    },
                )
            })
            .collect();
        Metrics { operations }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_lists_every_operation_in_the_documented_shape() {
        let c = Counters::default();
        c.call(0);
        c.call(0);
        c.throttled(0);
        let m = c.snapshot();
        assert_eq!(m.operations.len(), OPERATIONS.len());
        assert_eq!(
            m.get(OPERATIONS[0]),
            OperationMetrics {
                calls: 2,
                throttled: 1
            }
        );
        assert_eq!(m.total_calls(), 2);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["operations"][OPERATIONS[0]]["calls"], 2);
        assert_eq!(json["operations"][OPERATIONS[1]]["throttled"], 0);
        let back: Metrics = serde_json::from_value(json).unwrap();
        assert_eq!(back, m);
        c.clear();
        assert_eq!(c.snapshot().total_calls(), 0);
    }
}
