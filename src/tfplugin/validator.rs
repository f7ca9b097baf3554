//! Per-attribute validators, run at validate time on known, non-null values only (config may
//! still hold unknowns then; those are checked again once known).

use std::fmt;
use std::sync::Arc;

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::value::Value;

/// Checks one attribute value. Only ever called with a wholly known, non-null value.
pub trait Validator: Send + Sync + fmt::Debug {
    /// What a valid value looks like, in words (used in docs and error details).
    fn description(&self) -> String;

    /// Adds an error (with `path`) for a bad value.
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics);
}

/// Shared validator handle, as stored in a schema.
pub type DynValidator = Arc<dyn Validator>;

#[derive(Debug)]
struct OneOf(Vec<String>);

impl Validator for OneOf {
    fn description(&self) -> String {
        format!("one of {}", quoted_list(&self.0))
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(s) = value.as_str() else { return };
        if !self.0.iter().any(|allowed| allowed == s) {
            diags.attribute_error(
                path.clone(),
                "Invalid attribute value",
                format!(
                    "{path}: {s:?} is not allowed; must be {}",
                    self.description()
                ),
            );
        }
    }
}

/// The string must be one of `allowed`.
pub fn one_of<I, S>(allowed: I) -> DynValidator
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Arc::new(OneOf(allowed.into_iter().map(Into::into).collect()))
}

#[derive(Debug)]
struct Matches {
    re: regex::Regex,
    message: String,
}

impl Validator for Matches {
    fn description(&self) -> String {
        self.message.clone()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(s) = value.as_str() else { return };
        if !self.re.is_match(s) {
            diags.attribute_error(
                path.clone(),
                "Invalid attribute value",
                format!("{path}: {s:?} is not valid: {}", self.message),
            );
        }
    }
}

/// The string must match `re`; `message` says in words what is expected.
pub fn regex(re: regex::Regex, message: impl Into<String>) -> DynValidator {
    Arc::new(Matches {
        re,
        message: message.into(),
    })
}

#[derive(Debug)]
struct Length {
    min: usize,
    max: usize,
}

impl Validator for Length {
    fn description(&self) -> String {
        format!("between {} and {} characters long", self.min, self.max)
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(s) = value.as_str() else { return };
        let len = s.chars().count();
        if len < self.min || len > self.max {
            diags.attribute_error(
                path.clone(),
                "Invalid attribute value length",
                format!(
                    "{path}: must be {}, got {len} characters",
                    self.description()
                ),
            );
        }
    }
}

/// The string must be `min..=max` characters long (Unicode scalar values).
pub fn length(min: usize, max: usize) -> DynValidator {
    Arc::new(Length { min, max })
}

#[derive(Debug)]
struct EachValue(DynValidator);

impl Validator for EachValue {
    fn description(&self) -> String {
        format!("every element {}", self.0.description())
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        match value {
            Value::Map(m) => {
                for (k, v) in m {
                    if !v.is_null() {
                        self.0.validate(&path.join_key(k), v, diags);
                    }
                }
            }
            Value::List(xs) | Value::Set(xs) => {
                for (i, v) in xs.iter().enumerate() {
                    if !v.is_null() {
                        self.0.validate(&path.join_index(i as i64), v, diags);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Applies `inner` to every element of a map, list or set attribute (path per element).
pub fn each_value(inner: DynValidator) -> DynValidator {
    Arc::new(EachValue(inner))
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: &DynValidator, value: Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        v.validate(&AttributePath::attr("a"), &value, &mut diags);
        diags
    }

    #[test]
    fn one_of_names_the_value_and_choices() {
        let v = one_of(["OWNER", "LAUNCH_ROLE"]);
        assert!(run(&v, Value::String("OWNER".into())).is_empty());
        let diags = run(&v, Value::String("owner".into()));
        let d = diags.iter().next().unwrap();
        assert!(d.detail.contains("\"owner\""), "{}", d.detail);
        assert!(d.detail.contains("\"LAUNCH_ROLE\""), "{}", d.detail);
        assert_eq!(d.attribute, Some(AttributePath::attr("a")));
    }

    #[test]
    fn regex_and_length() {
        let v = regex(regex::Regex::new("^arn:").unwrap(), "must be an ARN");
        assert!(run(&v, Value::String("arn:aws:iam::1:role/x".into())).is_empty());
        assert!(run(&v, Value::String("role/x".into())).has_errors());
        let l = length(1, 3);
        assert!(run(&l, Value::String("abc".into())).is_empty());
        assert!(run(&l, Value::String("".into())).has_errors());
        assert!(run(&l, Value::String("abcd".into())).has_errors());
    }

    #[test]
    fn each_value_points_at_the_element() {
        let v = each_value(length(1, 2));
        let m = [("k".to_string(), Value::String("long".into()))].into();
        let diags = run(&v, Value::Map(m));
        assert_eq!(
            diags
                .iter()
                .next()
                .unwrap()
                .attribute
                .as_ref()
                .unwrap()
                .to_string(),
            r#"a["k"]"#
        );
    }
}
