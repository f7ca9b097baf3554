//! API call counting from the emulator's own per-operation metrics
//! ([`RunningEmulator::metrics`](servicecatalog_provider::emulator::RunningEmulator::metrics)):
//! calls and throttled calls by operation, as differences between two snapshots.
//!
//! Everything the rest of the bench knows about counting is [`ApiCalls`] (the calls made since
//! the last [`ApiCalls::take`]) and [`Calls`] (what was counted).

use std::collections::BTreeMap;

use servicecatalog_provider::emulator::{Metrics, OperationMetrics};

/// Calls counted between two snapshots, by operation (operations with no calls left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls {
    by_operation: BTreeMap<String, OperationMetrics>,
}

impl Calls {
    /// What happened between `before` and `after` (counters never run backwards between two
    /// snapshots of one emulator; a reset in between is the caller's to avoid).
    pub fn between(before: &Metrics, after: &Metrics) -> Self {
        let by_operation = after
            .operations
            .iter()
            .map(|(name, now)| {
                let then = before.get(name);
                let diff = OperationMetrics {
                    calls: now.calls.saturating_sub(then.calls),
                    throttled: now.throttled.saturating_sub(then.throttled),
                };
                (name.clone(), diff)
            })
            .filter(|(_, m)| m.calls > 0 || m.throttled > 0)
            .collect();
        Calls { by_operation }
    }

    /// Every API call, throttled ones included.
    pub fn total(&self) -> u64 {
        self.by_operation.values().map(|m| m.calls).sum()
    }

    /// Calls answered `ThrottlingException`.
    pub fn throttled(&self) -> u64 {
        self.by_operation.values().map(|m| m.throttled).sum()
    }

    /// The counters of one operation.
    pub fn get(&self, operation: &str) -> OperationMetrics {
        self.by_operation
            .get(operation)
            .copied()
            .unwrap_or_default()
    }

    /// Adds another count to this one (for totals over runs).
    pub fn add(&mut self, other: &Calls) {
        for (name, m) in &other.by_operation {
            let sum = self.by_operation.entry(name.clone()).or_default();
            sum.calls += m.calls;
            sum.throttled += m.throttled;
        }
    }

    /// Calls by operation divided by `per` (e.g. resources times runs), most called first:
    /// `SearchProvisionedProducts 1.00, DescribeRecord 0.50 (0.10 throttled)`; `none` when no
    /// call was made.
    pub fn breakdown(&self, per: f64) -> String {
        let mut ops: Vec<(&String, &OperationMetrics)> = self.by_operation.iter().collect();
        ops.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then_with(|| a.0.cmp(b.0)));
        let parts: Vec<String> = ops
            .into_iter()
            .map(|(name, m)| {
                let calls = m.calls as f64 / per;
                if m.throttled > 0 {
                    let throttled = m.throttled as f64 / per;
                    format!("{name} {calls:.2} ({throttled:.2} throttled)")
                } else {
                    format!("{name} {calls:.2}")
                }
            })
            .collect();
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Counts the provider's API calls to the emulator from its metrics.
#[derive(Debug, Default)]
pub struct ApiCalls {
    last: Metrics,
}

impl ApiCalls {
    /// The calls made between the previous take (or [`ApiCalls::rebase`]) and `now`, a fresh
    /// snapshot of the emulator's metrics.
    pub fn take(&mut self, now: Metrics) -> Calls {
        let calls = Calls::between(&self.last, &now);
        self.last = now;
        calls
    }

    /// Counts from `now` on (after the emulator's counters were reset).
    pub fn rebase(&mut self, now: Metrics) {
        self.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(ops: &[(&str, u64, u64)]) -> Metrics {
        Metrics {
            operations: ops
                .iter()
                .map(|(name, calls, throttled)| {
                    (
                        (*name).to_owned(),
                        OperationMetrics {
                            calls: *calls,
                            throttled: *throttled,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn takes_count_what_happened_since_the_previous_take() {
        let mut api = ApiCalls::default();
        let first = api.take(metrics(&[
            ("DescribeRecord", 4, 0),
            ("SearchProvisionedProducts", 2, 1),
            ("ScanProvisionedProducts", 0, 0),
        ]));
        assert_eq!(first.total(), 6);
        assert_eq!(first.throttled(), 1);
        let second = api.take(metrics(&[
            ("DescribeRecord", 10, 0),
            ("SearchProvisionedProducts", 2, 1),
            ("ScanProvisionedProducts", 0, 0),
        ]));
        assert_eq!(second.total(), 6);
        assert_eq!(second.get("DescribeRecord").calls, 6);
        assert_eq!(second.get("SearchProvisionedProducts").calls, 0);
        assert_eq!(second.throttled(), 0);
        // After a reset of the emulator's counters, a rebase starts from zero again.
        api.rebase(metrics(&[("DescribeRecord", 0, 0)]));
        assert_eq!(api.take(metrics(&[("DescribeRecord", 3, 0)])).total(), 3);
    }

    #[test]
    fn breakdown_lists_operations_per_resource_most_called_first() {
        let mut calls = Calls::between(
            &Metrics::default(),
            &metrics(&[
                ("DescribeRecord", 500, 0),
                ("SearchProvisionedProducts", 1000, 200),
                ("ScanProvisionedProducts", 0, 0),
                ("UpdateProvisionedProductProperties", 500, 0),
            ]),
        );
        assert_eq!(
            calls.breakdown(500.0),
            "SearchProvisionedProducts 2.00 (0.40 throttled), DescribeRecord 1.00, \
             UpdateProvisionedProductProperties 1.00"
        );
        calls.add(&calls.clone());
        assert_eq!(calls.total(), 4000);
        assert_eq!(calls.get("DescribeRecord").calls, 1000);
        assert_eq!(Calls::default().breakdown(1.0), "none");
    }
}
