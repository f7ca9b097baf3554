//! Exact cty numbers: decimal text (the JSON number grammar), equality by numeric value across
//! the `Int` / `Float` / `Decimal` forms, and lossless conversions.

use std::fmt;
use std::str::FromStr;

use super::{Number, ValueError};
use crate::tfplugin::path::AttributePath;

/// Significant digits requested when expanding an f64 exactly; any finite f64 has at most
/// 767 significant decimal digits, so this prints every one of them.
const F64_EXACT_DIGITS: usize = 800;

/// A finite number as `digits × 10^exponent`, normalised so that equal numbers compare equal:
/// no leading or trailing zeros in `digits`, and zero is `digits` empty, not negative.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ExactDecimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl ExactDecimal {
    /// Parses JSON-number text; `None` when it is not one (or its exponent overflows i64).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let mut i = 0;
        let negative = b.first() == Some(&b'-');
        if negative {
            i = 1;
        }
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &b[int_start..i];
        if int_digits.is_empty() || (int_digits.len() > 1 && int_digits[0] == b'0') {
            return None;
        }
        let mut frac_digits: &[u8] = &[];
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &b[start..i];
            if frac_digits.is_empty() {
                return None;
            }
        }
        let mut exp: i64 = 0;
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            let exp_negative = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                exp = exp.checked_mul(10)?.checked_add(i64::from(b[i] - b'0'))?;
                i += 1;
            }
            if i == start {
                return None;
            }
            if exp_negative {
                exp = -exp;
            }
        }
        if i != b.len() {
            return None;
        }

        let mut exponent = exp.checked_sub(i64::try_from(frac_digits.len()).ok()?)?;
        let all = int_digits.iter().chain(frac_digits);
        let mut digits: Vec<u8> = all.skip_while(|&&d| d == b'0').copied().collect();
        while digits.last() == Some(&b'0') {
            digits.pop();
            exponent = exponent.checked_add(1)?;
        }
        if digits.is_empty() {
            return Some(Self::zero());
        }
        Some(Self {
            negative,
            digits,
            exponent,
        })
    }

    fn zero() -> Self {
        Self {
            negative: false,
            digits: Vec::new(),
            exponent: 0,
        }
    }

    /// The exact value of a finite f64 (`None` for NaN and infinities).
    pub(crate) fn from_f64(f: f64) -> Option<Self> {
        if !f.is_finite() {
            return None;
        }
        // `{:.N e}` formats exactly (not the shortest round-trip form), so nothing is lost.
        Self::parse(&format!("{f:.F64_EXACT_DIGITS$e}"))
    }

    pub(crate) fn from_i64(i: i64) -> Self {
        // Integer text always parses; zero is the fallback only to avoid a panic path.
        Self::parse(&i.to_string()).unwrap_or_else(Self::zero)
    }

    /// The value as an i64, when it is an integer in range.
    pub(crate) fn to_i64(&self) -> Option<i64> {
        if self.digits.is_empty() {
            return Some(0);
        }
        if self.exponent < 0 {
            return None;
        }
        let width = i64::try_from(self.digits.len())
            .ok()?
            .checked_add(self.exponent)?;
        if width > 19 {
            return None;
        }
        let mut text = String::with_capacity(21);
        if self.negative {
            text.push('-');
        }
        text.extend(self.digits.iter().map(|&d| char::from(d)));
        text.extend(std::iter::repeat_n(
            '0',
            usize::try_from(self.exponent).ok()?,
        ));
        text.parse().ok()
    }
}

/// True when `f` is exactly the integer `i`.
fn float_equals_int(f: f64, i: i64) -> bool {
    // 2^63 as f64; `as` saturates, so the range is checked before converting.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f) && f as i64 == i
}

impl Number {
    /// The exact value of this number, `None` for NaN, infinities and invalid decimal text.
    pub(crate) fn exact(&self) -> Option<ExactDecimal> {
        match self {
            Number::Int(i) => Some(ExactDecimal::from_i64(*i)),
            Number::Float(f) => ExactDecimal::from_f64(*f),
            Number::Decimal(text) => ExactDecimal::parse(text),
        }
    }

    /// A number from an unsigned integer: `Int` when it fits in i64, otherwise `Decimal`.
    pub fn from_u64(u: u64) -> Number {
        match i64::try_from(u) {
            Ok(i) => Number::Int(i),
            Err(_) => Number::Decimal(u.to_string()),
        }
    }

    /// The number as an i64 when it is exactly an integer in range (`Float(3.0)` gives 3,
    /// `Float(3.5)` and `Decimal("1e30")` give `None`).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Float(f) => {
                let i = *f as i64;
                float_equals_int(*f, i).then_some(i)
            }
            Number::Decimal(_) => self.exact()?.to_i64(),
        }
    }

    /// The nearest f64 (which may round, e.g. for 2^70 + 1, or overflow to an infinity).
    /// `None` only for a `Decimal` whose text is not a number.
    pub fn to_f64(&self) -> Option<f64> {
        match self {
            Number::Int(i) => Some(*i as f64),
            Number::Float(f) => Some(*f),
            Number::Decimal(text) => {
                ExactDecimal::parse(text)?;
                text.parse().ok()
            }
        }
    }

    /// Why the number cannot be written, if it cannot: NaN, or `Decimal` text that is
    /// not a decimal number.
    pub(crate) fn invalid_reason(&self) -> Option<String> {
        match self {
            Number::Float(f) if f.is_nan() => Some("NaN is not a valid number".into()),
            Number::Decimal(text) if ExactDecimal::parse(text).is_none() => Some(format!(
                "{} is not a valid decimal number",
                quote_truncated(text)
            )),
            _ => None,
        }
    }
}

/// Text for an error message, cut short so a huge input cannot flood a diagnostic.
pub(crate) fn truncated(text: &str) -> String {
    const MAX_CHARS: usize = 64;
    if text.chars().count() <= MAX_CHARS {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX_CHARS).collect();
        format!("{head}…")
    }
}

/// Like [`truncated`], quoted and escaped.
pub(crate) fn quote_truncated(text: &str) -> String {
    format!("\"{}\"", truncated(text).escape_debug())
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Float(a), Number::Float(b)) => a == b,
            (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
                float_equals_int(*f, *i)
            }
            (Number::Decimal(a), Number::Decimal(b)) if a == b => ExactDecimal::parse(a).is_some(),
            _ => match (self.exact(), other.exact()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }
}

/// Parses decimal text: `Int` for a plain integer that fits in i64, otherwise a validated
/// `Decimal` holding the text unchanged.
impl FromStr for Number {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if ExactDecimal::parse(text).is_none() {
            return Err(ValueError::new(
                &AttributePath::root(),
                format!("{} is not a valid decimal number", quote_truncated(text)),
            ));
        }
        let plain_integer = text
            .strip_prefix('-')
            .unwrap_or(text)
            .bytes()
            .all(|b| b.is_ascii_digit());
        match text.parse::<i64>() {
            Ok(i) if plain_integer => Ok(Number::Int(i)),
            _ => Ok(Number::Decimal(text.to_owned())),
        }
    }
}

/// Decimal text without an exponent for `Int` and `Float` (like cty), the stored text for `Decimal`.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Decimal(text) => f.write_str(text),
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::Int(i)
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Self {
        Number::Int(i64::from(i))
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Self {
        Number::from_u64(u)
    }
}

impl From<f64> for Number {
    fn from(f: f64) -> Self {
        Number::Float(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_number_grammar_only() {
        for ok in ["0", "-0", "12", "-1.5", "1e3", "1E+3", "2.50e-2", "0.000"] {
            assert!(ExactDecimal::parse(ok).is_some(), "{ok} should parse");
        }
        for bad in [
            "", "-", "01", "1.", ".5", "+1", "1e", "1e+", "abc", "1.5x", "NaN", "inf",
        ] {
            assert!(
                ExactDecimal::parse(bad).is_none(),
                "{bad:?} should not parse"
            );
        }
        assert!(ExactDecimal::parse("1e99999999999999999999").is_none());
    }

    #[test]
    fn equal_numbers_normalise_alike() {
        assert_eq!(ExactDecimal::parse("1.50e1"), ExactDecimal::parse("15"));
        assert_eq!(ExactDecimal::parse("-0.0"), ExactDecimal::parse("0"));
        assert_eq!(ExactDecimal::parse("100"), ExactDecimal::parse("1e2"));
        assert_ne!(ExactDecimal::parse("100"), ExactDecimal::parse("10"));
    }

    #[test]
    fn equality_is_numeric_and_exact() {
        assert_eq!(Number::Int(2), Number::Float(2.0));
        assert_eq!(Number::Float(1.5), Number::Decimal("1.50".into()));
        assert_eq!(Number::Int(1000), Number::Decimal("1e3".into()));
        assert_ne!(Number::Float(0.1), Number::Decimal("0.1".into()));
        assert_eq!(
            Number::Float(0.1),
            Number::Decimal("0.1000000000000000055511151231257827021181583404541015625".into())
        );
        assert_ne!(Number::Int(i64::MAX), Number::Float(i64::MAX as f64));
        assert_eq!(
            Number::from_u64(1 << 63),
            Number::Float(9_223_372_036_854_775_808.0)
        );
        assert_ne!(Number::Decimal("x".into()), Number::Decimal("x".into()));
        assert_ne!(Number::Float(f64::NAN), Number::Float(f64::NAN));
    }

    #[test]
    fn conversions() {
        assert_eq!(Number::Float(3.0).as_i64(), Some(3));
        assert_eq!(Number::Float(3.5).as_i64(), None);
        assert_eq!(Number::Decimal("4.0e1".into()).as_i64(), Some(40));
        assert_eq!(Number::Decimal("1e30".into()).as_i64(), None);
        assert_eq!(
            Number::Decimal("-9223372036854775808".into()).as_i64(),
            Some(i64::MIN)
        );
        assert_eq!(Number::Decimal("9223372036854775808".into()).as_i64(), None);
        assert_eq!(Number::Decimal("0.25".into()).to_f64(), Some(0.25));
        assert_eq!(Number::Decimal("nope".into()).to_f64(), None);
        assert_eq!(
            Number::from_u64(u64::MAX),
            Number::Decimal(u64::MAX.to_string())
        );
    }

    #[test]
    fn from_str_keeps_text_and_names_bad_value() {
        assert_eq!("42".parse::<Number>().ok(), Some(Number::Int(42)));
        let big: Number = "1180591620717411303424".parse().unwrap();
        assert!(matches!(&big, Number::Decimal(t) if t == "1180591620717411303424"));
        let err = "12abc".parse::<Number>().unwrap_err();
        assert_eq!(err.message, r#""12abc" is not a valid decimal number"#);
    }

    #[test]
    fn displays_without_exponent() {
        assert_eq!(Number::Float(1e21).to_string(), "1000000000000000000000");
        assert_eq!(Number::Float(2.5e-3).to_string(), "0.0025");
        assert_eq!(Number::Int(-7).to_string(), "-7");
    }
}
