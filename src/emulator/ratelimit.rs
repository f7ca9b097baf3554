//! Rate limits as AWS applies them: one token bucket per operation for the account. A bucket holds
//! at most `burst` calls, refills at `per_second`, and a call that finds it empty is answered
//! `ThrottlingException` ("Rate exceeded"). `all` sets the limit of every operation not named on
//! its own; each operation still has its own bucket.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::ops::{self, OPERATIONS};

/// The key of a rate-limit map that stands for every operation without a limit of its own.
pub const ALL_OPERATIONS: &str = "all";

/// The limit of one operation (or of `all`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Calls per second the bucket refills with; positive, fractions allowed.
    pub per_second: f64,
    /// Calls a full bucket holds; default: one second's worth (`per_second` rounded up, at least 1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_burst"
    )]
    pub burst: Option<u32>,
}

/// Reads `burst` as any JSON number, so that a negative or fractional one gets an error naming it.
fn whole_burst<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    n.as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "burst {n} is not a whole number of calls (1 to {})",
                u32::MAX
            ))
        })
}

impl RateLimit {
    /// `per_second` calls a second, with the default burst.
    pub fn per_second(per_second: f64) -> Self {
        RateLimit {
            per_second,
            burst: None,
        }
    }

    /// The same limit with this burst.
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = Some(burst);
        self
    }

    /// The burst in effect (the given one or the default).
    pub fn effective_burst(&self) -> u32 {
        self.burst.unwrap_or_else(|| {
            // Saturating float-to-int conversion; a validated rate is positive and finite.
            (self.per_second.ceil() as u32).max(1)
        })
    }

    /// Checks the numbers; `what` names the limit in the message.
    fn check(&self, what: &str) -> Result<(), String> {
        if !(self.per_second.is_finite() && self.per_second > 0.0) {
            return Err(format!(
                "{what}: per_second {} must be a number of calls per second greater than 0",
                self.per_second
            ));
        }
        if self.burst == Some(0) {
            return Err(format!("{what}: burst 0 must be at least 1"));
        }
        Ok(())
    }
}

fn check_key(key: &str, what: &str) -> Result<(), String> {
    if key == ALL_OPERATIONS || ops::find(key).is_some() {
        return Ok(());
    }
    Err(format!(
        "{what}: '{key}' is not an operation of the emulator (use {ALL_OPERATIONS} or one of {})",
        OPERATIONS.join(", ")
    ))
}

/// Checks a rate-limit map (the faults' `rate_limits`): keys are `all` or operation names, rates
/// positive, bursts at least 1.
pub fn validate(limits: &BTreeMap<String, RateLimit>) -> Result<(), String> {
    for (key, limit) in limits {
        let what = format!("rate_limits.{key}");
        check_key(key, &what)?;
        limit.check(&what)?;
    }
    Ok(())
}

/// Parses one `--rate-limit` value, `OPERATION=PER_SECOND[/BURST]` (e.g. `all=10/20`,
/// `SearchProvisionedProducts=5`).
pub fn parse_flag(text: &str) -> Result<(String, RateLimit), String> {
    let Some((key, numbers)) = text.split_once('=') else {
        return Err(format!(
            "'{text}' is not OPERATION=PER_SECOND[/BURST] (for example all=10/20)"
        ));
    };
    let key = key.trim();
    check_key(key, "rate limit")?;
    let (rate, burst) = match numbers.split_once('/') {
        Some((rate, burst)) => (rate.trim(), Some(burst.trim())),
        None => (numbers.trim(), None),
    };
    let per_second: f64 = rate.parse().map_err(|_| {
        format!("rate limit of {key}: '{rate}' is not a number of calls per second")
    })?;
    let burst = match burst {
        None => None,
        Some(b) => Some(b.parse::<u32>().map_err(|_| {
            format!("rate limit of {key}: burst '{b}' is not a whole number of calls")
        })?),
    };
    let limit = RateLimit { per_second, burst };
    limit.check(&format!("rate limit of {key}"))?;
    Ok((key.to_owned(), limit))
}

/// A token bucket. The caller passes the time, so tests drive it deterministically.
#[derive(Clone, Debug)]
pub(crate) struct TokenBucket {
    per_second: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket for `limit`.
    pub(crate) fn new(limit: &RateLimit, now: Instant) -> Self {
        let capacity = f64::from(limit.effective_burst());
        TokenBucket {
            per_second: limit.per_second,
            capacity,
            tokens: capacity,
            last: now,
        }
    }

    /// Takes one call's token if there is one.
    pub(crate) fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = self.last.max(now);
        // A little slack, so refills that land exactly on a whole token count as one.
        if self.tokens + 1e-9 >= 1.0 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            true
        } else {
            false
        }
    }
}

/// The buckets of all operations (by their place in the operation table), built from a
/// rate-limit map.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buckets {
    by_operation: Vec<Option<TokenBucket>>,
}

impl Buckets {
    /// Full buckets for `limits` (operations without a limit and no `all` get none).
    pub(crate) fn new(limits: &BTreeMap<String, RateLimit>, now: Instant) -> Self {
        let all = limits.get(ALL_OPERATIONS);
        Buckets {
            by_operation: OPERATIONS
                .iter()
                .map(|name| {
                    limits
                        .get(*name)
                        .or(all)
                        .map(|limit| TokenBucket::new(limit, now))
                })
                .collect(),
        }
    }

    /// Whether the operation at `index` of the table may run now (and takes its token).
    pub(crate) fn try_take(&mut self, index: usize, now: Instant) -> bool {
        match self.by_operation.get_mut(index) {
            Some(Some(bucket)) => bucket.try_take(now),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn a_full_bucket_takes_a_burst_then_refills_at_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(&RateLimit::per_second(10.0).with_burst(3), t0);
        assert!((0..3).all(|_| b.try_take(t0)), "the burst is accepted");
        assert!(!b.try_take(t0), "the fourth call at once is refused");
        assert!(!b.try_take(at(t0, 50)), "half a token is not a call");
        assert!(b.try_take(at(t0, 100)), "one token after 1/rate");
        assert!(!b.try_take(at(t0, 100)));
        // A long pause refills to the burst, not beyond.
        let later = at(t0, 10_000);
        assert!((0..3).all(|_| b.try_take(later)));
        assert!(!b.try_take(later));
    }

    #[test]
    fn refused_calls_take_nothing_and_time_never_runs_backwards() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(&RateLimit::per_second(2.0).with_burst(1), t0);
        assert!(b.try_take(at(t0, 0)));
        for ms in [100, 200, 300, 400] {
            assert!(!b.try_take(at(t0, ms)), "{ms} ms");
        }
        assert!(
            b.try_take(at(t0, 500)),
            "refused calls did not delay the refill"
        );
        // An earlier instant (another thread's clock read) adds nothing.
        assert!(!b.try_take(at(t0, 499)));
        assert!(b.try_take(at(t0, 1000)));
    }

    #[test]
    fn default_burst_is_one_second_of_calls() {
        assert_eq!(RateLimit::per_second(5.0).effective_burst(), 5);
        assert_eq!(RateLimit::per_second(2.5).effective_burst(), 3);
        assert_eq!(RateLimit::per_second(0.2).effective_burst(), 1);
        assert_eq!(
            RateLimit::per_second(5.0).with_burst(20).effective_burst(),
            20
        );
    }

    #[test]
    fn all_covers_operations_without_their_own_limit() {
        let t0 = Instant::now();
        let search = ops::find("SearchProvisionedProducts").unwrap().index;
        let describe = ops::find("DescribeRecord").unwrap().index;
        let limits = BTreeMap::from([
            (
                ALL_OPERATIONS.to_owned(),
                RateLimit::per_second(1.0).with_burst(1),
            ),
            (
                "SearchProvisionedProducts".to_owned(),
                RateLimit::per_second(1.0).with_burst(2),
            ),
        ]);
        let mut buckets = Buckets::new(&limits, t0);
        assert!(buckets.try_take(describe, t0));
        assert!(!buckets.try_take(describe, t0));
        // Search has its own bucket of 2, untouched by DescribeRecord's calls.
        assert!(buckets.try_take(search, t0));
        assert!(buckets.try_take(search, t0));
        assert!(!buckets.try_take(search, t0));
        // No limits: everything passes.
        let mut none = Buckets::new(&BTreeMap::new(), t0);
        assert!((0..1000).all(|_| none.try_take(describe, t0)));
    }

    #[test]
    fn flags_parse_rate_and_optional_burst() {
        assert_eq!(
            parse_flag("all=10/20").unwrap(),
            ("all".to_owned(), RateLimit::per_second(10.0).with_burst(20))
        );
        assert_eq!(
            parse_flag("SearchProvisionedProducts=5").unwrap(),
            (
                "SearchProvisionedProducts".to_owned(),
                RateLimit::per_second(5.0)
            )
        );
        assert_eq!(
            parse_flag("DescribeRecord=0.5").unwrap().1,
            RateLimit::per_second(0.5)
        );
    }

    #[test]
    fn bad_flags_name_the_bad_value() {
        for (flag, names) in [
            ("all", "'all'"),
            ("NoSuchOperation=5", "'NoSuchOperation'"),
            ("all=fast", "'fast'"),
            ("all=0", "per_second 0"),
            ("all=-3", "per_second -3"),
            ("all=inf", "per_second inf"),
            ("all=5/0", "burst 0"),
            ("all=5/2.5", "'2.5'"),
            ("all=5/many", "'many'"),
        ] {
            let err = parse_flag(flag).expect_err(flag);
            assert!(err.contains(names), "{flag}: {err}");
        }
    }

    #[test]
    fn maps_are_checked_key_by_key() {
        let ok = BTreeMap::from([
            (
                ALL_OPERATIONS.to_owned(),
                RateLimit::per_second(10.0).with_burst(20),
            ),
            (
                "ScanProvisionedProducts".to_owned(),
                RateLimit::per_second(1.0),
            ),
        ]);
        assert!(validate(&ok).is_ok());
        let err = validate(&BTreeMap::from([(
            "Nope".to_owned(),
            RateLimit::per_second(1.0),
        )]))
        .unwrap_err();
        assert!(
            err.contains("rate_limits.Nope") && err.contains("'Nope'"),
            "{err}"
        );
        let err = validate(&BTreeMap::from([(
            ALL_OPERATIONS.to_owned(),
            RateLimit::per_second(-1.0),
        )]))
        .unwrap_err();
        assert!(err.contains("rate_limits.all: per_second -1"), "{err}");
    }

    #[test]
    fn json_limits_read_like_the_flags_and_bad_numbers_are_named() {
        let limits: BTreeMap<String, RateLimit> = serde_json::from_str(
            r#"{"all": {"per_second": 10, "burst": 20}, "SearchProvisionedProducts": {"per_second": 5}}"#,
        )
        .unwrap();
        assert_eq!(
            limits[ALL_OPERATIONS],
            RateLimit::per_second(10.0).with_burst(20)
        );
        assert_eq!(
            limits["SearchProvisionedProducts"],
            RateLimit::per_second(5.0)
        );
        for (json, names) in [
            (r#"{"per_second": 1, "burst": -2}"#, "burst -2"),
            (r#"{"per_second": 1, "burst": 2.5}"#, "burst 2.5"),
            (r#"{"per_second": "fast"}"#, "\"fast\""),
            (r#"{"per_second": 1, "brust": 2}"#, "brust"),
        ] {
            let err = serde_json::from_str::<RateLimit>(json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(names), "{json}: {err}");
        }
    }
}
