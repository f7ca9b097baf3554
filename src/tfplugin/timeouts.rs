//! The `timeouts` block: a single nested block with one optional Go-style duration per operation
//! (`30s`, `1h5m`), checked at validate time; [`Timeouts`] reads it as a model field.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::diag::Diagnostics;
use super::model::{FromValue, IntoValue};
use super::path::AttributePath;
use super::schema::{Attribute, Block, NestedBlock};
use super::validator::{DynValidator, Validator};
use super::value::{Type, Value, ValueError};

/// Name of the nested block.
pub const BLOCK_NAME: &str = "timeouts";

/// A SINGLE `timeouts` block with an optional duration string per operation name.
pub fn block(operations: &[&str]) -> NestedBlock {
    let mut inner = Block::new().description("Timeouts for long-running operations.");
    for op in operations {
        inner = inner.attribute(
            Attribute::optional(*op, Type::String)
                .description(format!(
                    "How long to wait for {op} before giving up, as a duration like \
                     `30s`, `10m` or `1h30m`."
                ))
                .validator(duration()),
        );
    }
    NestedBlock::single(BLOCK_NAME, inner)
}

/// The timeouts configured on a resource object (config, plan or state). As a model field
/// (named `timeouts`) it reads the block and writes it back as it was.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeouts {
    set: BTreeMap<String, Duration>,
    /// The block as configured.
    block: Value,
}

impl Timeouts {
    /// Reads the `timeouts` block of `object`; a missing block or null/unknown entries mean
    /// "not set". Unparseable entries are ignored here (validation has already rejected them).
    pub fn from_object(object: &Value) -> Self {
        Self::from_block(object.get(BLOCK_NAME).unwrap_or(&Value::Null))
    }

    fn from_block(block: &Value) -> Self {
        let mut set = BTreeMap::new();
        if let Value::Object(fields) = block {
            for (name, v) in fields {
                if let Some(d) = v.as_str().and_then(|s| parse_duration(s).ok()) {
                    set.insert(name.clone(), d);
                }
            }
        }
        Self {
            set,
            block: block.clone(),
        }
    }

    /// The configured duration for `operation`, or `default`.
    pub fn get(&self, operation: &str, default: Duration) -> Duration {
        self.set.get(operation).copied().unwrap_or(default)
    }
}

impl FromValue for Timeouts {
    fn from_value(block: &Value, _: &AttributePath) -> Result<Self, ValueError> {
        Ok(Self::from_block(block))
    }
}

impl IntoValue for Timeouts {
    fn into_value(self) -> Value {
        self.block
    }
}

/// Why a duration string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {reason}")]
pub struct DurationError {
    pub input: String,
    pub reason: &'static str,
}

/// Parses a Go `time.ParseDuration` string: one or more `<decimal><unit>` parts with units
/// `ns`, `us` (`µs`, `μs`), `ms`, `s`, `m`, `h`, or a bare `0`. Negative durations are
/// rejected (they make no sense as timeouts), as are days and unit-less numbers.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let fail = |reason| DurationError {
        input: input.to_string(),
        reason,
    };
    let mut s = input;
    if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    } else if s.starts_with('-') {
        return Err(fail("negative durations are not allowed"));
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(fail("empty duration"));
    }
    const MAX_NANOS: u128 = i64::MAX as u128; // Go's limit, about 290 years
                                              // Fraction digits past the 18th are worth less than a nanosecond even in hours (3.6e12 ns),
                                              // so they are dropped, as Go drops sub-nanosecond precision; 18 digits times the largest
                                              // unit stay far inside u128.
    const MAX_FRACTION_DIGITS: usize = 18;
    let too_large = || fail("duration too large");
    let mut total: u128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, rest) = s.split_at(int_len);
        let (frac_part, rest) = match rest.strip_prefix('.') {
            Some(after) => {
                let n = after.bytes().take_while(u8::is_ascii_digit).count();
                after.split_at(n)
            }
            None => ("", rest),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(fail("expected a number"));
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let (unit, rest) = rest.split_at(unit_len);
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3_600 * 1_000_000_000,
            "" => return Err(fail("missing unit (use ns, us, ms, s, m or h)")),
            _ => return Err(fail("unknown unit (use ns, us, ms, s, m or h)")),
        };
        let mut whole: u128 = 0;
        for d in int_part.bytes() {
            whole = whole * 10 + u128::from(d - b'0');
            if whole > MAX_NANOS {
                return Err(too_large());
            }
        }
        let mut scale: u128 = 1;
        let mut frac: u128 = 0;
        for d in frac_part.bytes().take(MAX_FRACTION_DIGITS) {
            frac = frac * 10 + u128::from(d - b'0');
            scale *= 10;
        }
        let part = whole
            .checked_mul(unit_nanos)
            .and_then(|p| p.checked_add(frac.checked_mul(unit_nanos)? / scale))
            .ok_or_else(too_large)?;
        total = total
            .checked_add(part)
            .filter(|t| *t <= MAX_NANOS)
            .ok_or_else(too_large)?;
        s = rest;
    }
    let secs = (total / 1_000_000_000) as u64;
    let nanos = (total % 1_000_000_000) as u32;
    Ok(Duration::new(secs, nanos))
}

#[derive(Debug)]
struct GoDuration;

impl Validator for GoDuration {
    fn description(&self) -> String {
        "a duration such as \"30s\", \"10m\" or \"1h30m\"".to_string()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(s) = value.as_str() else { return };
        if let Err(e) = parse_duration(s) {
            diags.attribute_error(
                path.clone(),
                "Invalid timeout",
                format!("{path}: {e}; expected {}", self.description()),
            );
        }
    }
}

/// Validator for Go-style duration strings.
pub fn duration() -> DynValidator {
    Arc::new(GoDuration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        let cases = [
            ("30s", Duration::from_secs(30)),
            ("1h5m", Duration::from_secs(3900)),
            ("1.5h", Duration::from_secs(5400)),
            ("300ms", Duration::from_millis(300)),
            (
                "2h45m30.5s",
                Duration::from_millis((2 * 3600 + 45 * 60 + 30) * 1000 + 500),
            ),
            ("1µs", Duration::from_micros(1)),
            ("1us2ns", Duration::from_nanos(1002)),
            (".5s", Duration::from_millis(500)),
            ("0", Duration::ZERO),
            ("+10m", Duration::from_secs(600)),
            // Up to 30 fraction digits used to be multiplied in a u128: from 26 digits with `h`
            // that overflowed (a panic in debug builds, about 197 s in release).
            (
                "0.99999999999999999999999999h",
                Duration::from_nanos(3_599_999_999_999),
            ),
            (
                "1.000000000000000000000000000000000000000001s",
                Duration::from_secs(1),
            ),
            ("0.000000001s", Duration::from_nanos(1)),
            (
                "2562047h47m16.854775807s",
                Duration::from_nanos(i64::MAX as u64),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_duration(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn rejects_what_go_rejects_and_negatives() {
        for input in [
            "",
            "5",
            "1d",
            "-5s",
            "-0",
            "s",
            ".s",
            "1h-5m",
            "10 s",
            "1e3s",
            "9999999999h",
            "2562047h47m16.854775808s",
            "9223372036854775808ns",
            "99999999999999999999999999999999999999999h",
        ] {
            let err = parse_duration(input).expect_err(input);
            assert_eq!(err.input, input);
            assert!(err.to_string().contains(&format!("{input:?}")));
        }
    }

    #[test]
    fn reads_configured_values_with_defaults() {
        let obj = Value::Object(
            [(
                "timeouts".to_string(),
                Value::Object(
                    [
                        ("create".to_string(), Value::String("90s".into())),
                        ("delete".to_string(), Value::Null),
                    ]
                    .into(),
                ),
            )]
            .into(),
        );
        let t = Timeouts::from_object(&obj);
        let d = Duration::from_secs(1200);
        assert_eq!(t.get("create", d), Duration::from_secs(90));
        assert_eq!(t.get("delete", d), d);
        assert_eq!(Timeouts::from_object(&Value::Null).get("create", d), d);
    }

    #[test]
    fn validator_names_the_path() {
        let mut diags = Diagnostics::new();
        let path = AttributePath::attr("timeouts").join_attr("create");
        duration().validate(&path, &Value::String("1d".into()), &mut diags);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.attribute.as_ref().unwrap().to_string(), "timeouts.create");
        assert!(d.detail.contains("\"1d\""));
    }
}
