//! The arithmetic and wording of the report, kept pure so it is unit-tested: medians, load
//! ranges, floors, a figure beside its goal, pass/fail checks, record counts per change.

use std::collections::BTreeMap;

use servicecatalog_provider::emulator::RateLimit;

/// The median (NaN for no values).
pub fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The 1-minute load averages seen at the start of a figure's runs.
#[derive(Debug, Default, Clone)]
pub struct Loads(Vec<f64>);

impl Loads {
    /// One reading.
    pub fn of(load: Option<f64>) -> Self {
        Loads(load.into_iter().collect())
    }

    /// Adds one reading (`None`: unreadable, left out).
    pub fn push(&mut self, load: Option<f64>) {
        self.0.extend(load);
    }

    /// `1.6` or `1.6–2.3` (min–max), `?` when none was readable.
    pub fn range(&self) -> String {
        if self.0.is_empty() {
            return "?".to_owned();
        }
        let lo = self.0.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if format!("{lo:.1}") == format!("{hi:.1}") {
            format!("{lo:.1}")
        } else {
            format!("{lo:.1}–{hi:.1}")
        }
    }
}

/// An upper bound a figure should stay within.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    max: f64,
    /// How the bound reads, e.g. `1.3x`, `0.1`.
    label: &'static str,
}

impl Goal {
    pub const fn at_most(max: f64, label: &'static str) -> Self {
        Goal { max, label }
    }

    pub fn met(&self, value: f64) -> bool {
        value <= self.max
    }

    /// `shown (goal ≤ label: met|missed)`, e.g. `**8.04x** (goal ≤ 1.3x: missed)`.
    pub fn beside(&self, value: f64, shown: &str) -> String {
        let verdict = if !value.is_finite() {
            "not measured"
        } else if self.met(value) {
            "met"
        } else {
            "missed"
        };
        format!("**{shown}** (goal ≤ {}: {verdict})", self.label)
    }
}

/// `pass` or `FAIL`.
pub fn pass(ok: bool) -> &'static str {
    if ok {
        "pass"
    } else {
        "FAIL"
    }
}

/// The least an apply of `changes` can take at `parallelism`: the no-op's time plus, for each
/// wave of `parallelism` changes, the round trips one change cannot avoid (`per_change_s`: one
/// `UpdateProvisionedProductProperties` and one `DescribeRecord` at the per-call latency, plus
/// the record latency).
pub fn apply_floor(noop_s: f64, changes: usize, parallelism: usize, per_change_s: f64) -> f64 {
    noop_s + changes as f64 / parallelism.max(1) as f64 * per_change_s
}

/// The least time `calls` calls of one operation take under `limit`: a full bucket's burst at
/// once, the rest at the refill rate.
pub fn rate_floor(calls: u64, limit: &RateLimit) -> f64 {
    calls.saturating_sub(u64::from(limit.effective_burst())) as f64 / limit.per_second
}

/// `n` distinct indexes spread evenly over `0..total` (`n` at most `total`).
pub fn spread(n: usize, total: usize) -> Vec<usize> {
    let n = n.min(total);
    (0..n).map(|i| i * total / n).collect()
}

/// Rate limits as the flag reads them, `all=10/20, SearchProvisionedProducts=5`; `none`.
pub fn format_limits(limits: &BTreeMap<String, RateLimit>) -> String {
    if limits.is_empty() {
        return "none".to_owned();
    }
    let parts: Vec<String> = limits
        .iter()
        .map(|(op, l)| match l.burst {
            Some(burst) => format!("{op}={}/{burst}", l.per_second),
            None => format!("{op}={}", l.per_second),
        })
        .collect();
    parts.join(", ")
}

/// Successful property-change records per managed product in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCount {
    /// Products checked.
    pub products: usize,
    /// The fewest and most successful records any of them got.
    pub min: usize,
    pub max: usize,
}

impl RecordCount {
    /// Counts, for each of `ids`, the entries of `succeeded` (the product ids of the successful
    /// records) naming it; records of other products are ignored.
    pub fn of<'a>(ids: &[String], succeeded: impl IntoIterator<Item = &'a str>) -> Self {
        let mut per: BTreeMap<&str, usize> = ids.iter().map(|id| (id.as_str(), 0)).collect();
        for id in succeeded {
            if let Some(n) = per.get_mut(id) {
                *n += 1;
            }
        }
        RecordCount {
            products: ids.len(),
            min: per.values().copied().min().unwrap_or(0),
            max: per.values().copied().max().unwrap_or(0),
        }
    }

    /// Every product got exactly one.
    pub fn exactly_one(&self) -> bool {
        self.products > 0 && self.min == 1 && self.max == 1
    }

    /// `1 per product` or `0–2 per product`.
    pub fn describe(&self) -> String {
        if self.min == self.max {
            format!("{} per product", self.min)
        } else {
            format!("{}–{} per product", self.min, self.max)
        }
    }
}

/// The first diagnostic summary (`Error: ...`) in a terraform log, without the box drawing.
pub fn first_error(log: &str) -> Option<String> {
    log.lines()
        .map(|l| l.trim_start_matches(['│', '╷', ' ']).trim_end())
        .find(|l| l.starts_with("Error: "))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn load_ranges_collapse_when_equal_and_skip_unreadable_readings() {
        let mut loads = Loads::default();
        assert_eq!(loads.range(), "?");
        loads.push(Some(2.31));
        loads.push(None);
        assert_eq!(loads.range(), "2.3");
        loads.push(Some(1.62));
        assert_eq!(loads.range(), "1.6–2.3");
    }

    #[test]
    fn the_apply_floor_is_the_no_op_plus_one_change_per_wave() {
        // 500 changes, 10 at a time, UPPP + DescribeRecord at 50 ms each: 50 waves of 0.1 s.
        let floor = apply_floor(2.9, 500, 10, 2.0 * 0.050);
        assert!((floor - 7.9).abs() < 1e-9, "{floor}");
        // With no per-call latency the floor is the no-op.
        assert_eq!(apply_floor(2.9, 500, 10, 0.0), 2.9);
        // 100 changes with 2 s records: 10 waves of 2.1 s.
        let slow = apply_floor(1.0, 100, 10, 2.0 + 2.0 * 0.050);
        assert!((slow - 22.0).abs() < 1e-9, "{slow}");
        // A parallelism of 0 is read as 1, not a division by zero.
        assert_eq!(apply_floor(0.0, 3, 0, 1.0), 3.0);
    }

    #[test]
    fn the_rate_floor_spends_the_burst_first() {
        let limit = RateLimit::per_second(10.0).with_burst(20);
        assert_eq!(rate_floor(500, &limit), 48.0);
        assert_eq!(rate_floor(15, &limit), 0.0);
        assert_eq!(rate_floor(12, &RateLimit::per_second(2.0)), 5.0);
    }

    #[test]
    fn managed_products_are_spread_over_the_account() {
        assert_eq!(spread(5, 2000), [0, 400, 800, 1200, 1600]);
        assert_eq!(spread(3, 3), [0, 1, 2]);
        assert_eq!(spread(4, 10), [0, 2, 5, 7]);
        assert_eq!(spread(9, 2), [0, 1]);
    }

    #[test]
    fn rate_limits_read_back_as_flags() {
        assert_eq!(format_limits(&BTreeMap::new()), "none");
        let limits = BTreeMap::from([
            ("all".to_owned(), RateLimit::per_second(10.0).with_burst(20)),
            ("DescribeRecord".to_owned(), RateLimit::per_second(0.5)),
        ]);
        assert_eq!(format_limits(&limits), "DescribeRecord=0.5, all=10/20");
    }

    #[test]
    fn a_figure_is_printed_beside_its_goal_and_verdict() {
        let plan = Goal::at_most(1.3, "1.3x");
        assert_eq!(
            plan.beside(8.04, "8.04x"),
            "**8.04x** (goal ≤ 1.3x: missed)"
        );
        assert_eq!(plan.beside(1.3, "1.30x"), "**1.30x** (goal ≤ 1.3x: met)");
        assert_eq!(
            Goal::at_most(0.1, "0.1").beside(f64::NAN, "–"),
            "**–** (goal ≤ 0.1: not measured)"
        );
        assert_eq!((pass(true), pass(false)), ("pass", "FAIL"));
    }

    #[test]
    fn records_are_counted_per_managed_product() {
        let ids: Vec<String> = ["pp-a", "pp-b", "pp-c"].map(str::to_owned).into();
        let once = RecordCount::of(&ids, ["pp-c", "pp-a", "pp-b", "pp-other"]);
        assert!(once.exactly_one(), "{once:?}");
        assert_eq!(once.describe(), "1 per product");
        let uneven = RecordCount::of(&ids, ["pp-a", "pp-a", "pp-b"]);
        assert!(!uneven.exactly_one());
        assert_eq!((uneven.min, uneven.max), (0, 2));
        assert_eq!(uneven.describe(), "0–2 per product");
        assert!(!RecordCount::of(&[], []).exactly_one());
    }

    #[test]
    fn the_first_error_summary_is_found_with_or_without_the_box() {
        let boxed = "Plan: 0 to add\n╷\n│ Error: Rate exceeded\n│\n│   with servicecatalog_x.p[3],\n╵\n│ Error: second\n";
        assert_eq!(first_error(boxed).as_deref(), Some("Error: Rate exceeded"));
        assert_eq!(
            first_error("\nError: creating the change failed\n").as_deref(),
            Some("Error: creating the change failed")
        );
        assert_eq!(first_error("Apply complete! Resources: 1 added"), None);
    }
}
