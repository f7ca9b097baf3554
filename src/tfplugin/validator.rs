//! Validators declared in the schema, run at validate time: a [`Validator`] checks one attribute
//! (known, non-null values only), a [`ConfigValidator`] the whole config (rules across
//! attributes, e.g. [`exactly_one_of`]).

use std::fmt::{self, Display};
use std::sync::Arc;

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::schema::Block;
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

/// The string must be one of `allowed`.
pub fn one_of<I, S>(allowed: I) -> DynValidator
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let allowed: Vec<String> = allowed.into_iter().map(Into::into).collect();
    let description = format!("one of {}", quoted_list(&allowed));
    let must = description.clone();
    let errors = move |path: &AttributePath, value: &Value| match value.as_str() {
        Some(s) if !allowed.iter().any(|a| a == s) => {
            vec![(
                path.clone(),
                format!("{path}: {s:?} is not allowed; must be {must}"),
            )]
        }
        _ => Vec::new(),
    };
    checked("Invalid attribute value", description, Box::new(errors))
}

/// The string must be `min..=max` characters long (Unicode scalar values).
pub fn length(min: usize, max: usize) -> DynValidator {
    let description = format!("between {min} and {max} characters long");
    let must = description.clone();
    let errors = move |path: &AttributePath, value: &Value| {
        let len = value.as_str().map(|s| s.chars().count());
        match len {
            Some(len) if len < min || len > max => {
                vec![(
                    path.clone(),
                    format!("{path}: must be {must}, got {len} characters"),
                )]
            }
            _ => Vec::new(),
        }
    };
    checked(
        "Invalid attribute value length",
        description,
        Box::new(errors),
    )
}

#[derive(Debug)]
struct EachValue(DynValidator);

impl Validator for EachValue {
    fn description(&self) -> String {
        format!("every element {}", self.0.description())
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let elements: Vec<(AttributePath, &Value)> = match value {
            Value::Map(m) => m.iter().map(|(k, v)| (path.join_key(k), v)).collect(),
            Value::List(xs) | Value::Set(xs) => (xs.iter().enumerate())
                .map(|(i, v)| (path.join_index(i as i64), v))
                .collect(),
            _ => Vec::new(),
        };
        for (at, v) in elements.into_iter().filter(|(_, v)| !v.is_null()) {
            self.0.validate(&at, v, diags);
        }
    }
}

/// Applies `inner` to every element of a map, list or set attribute (path per element).
pub fn each_value(inner: DynValidator) -> DynValidator {
    Arc::new(EachValue(inner))
}

/// The errors a check finds in a value: where, and what is wrong.
type CheckFn = Box<dyn Fn(&AttributePath, &Value) -> Vec<(AttributePath, String)> + Send + Sync>;

/// A pure check as a validator: each error it finds is a diagnostic with `summary`.
struct Check {
    summary: String,
    description: String,
    check: CheckFn,
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Validator for Check {
    fn description(&self) -> String {
        self.description.clone()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        for (at, detail) in (self.check)(path, value) {
            diags.attribute_error(at, self.summary.clone(), detail);
        }
    }
}

fn checked(
    summary: impl Into<String>,
    description: impl Into<String>,
    check: CheckFn,
) -> DynValidator {
    Arc::new(Check {
        summary: summary.into(),
        description: description.into(),
        check,
    })
}

/// A string attribute checked by `check`; its error becomes the detail of an error with
/// `summary`. `description` says what a valid value looks like.
pub fn check<T: 'static, E: Display + 'static>(
    summary: impl Into<String>,
    description: impl Into<String>,
    check: fn(&str) -> Result<T, E>,
) -> DynValidator {
    let errors = move |path: &AttributePath, value: &Value| {
        let error = value.as_str().and_then(|s| check(s).err());
        error
            .map(|e| (path.clone(), e.to_string()))
            .into_iter()
            .collect()
    };
    checked(summary, description, Box::new(errors))
}

/// Each entry of a map of strings checked by `check(key, value)`; an error points at the
/// entry.
pub fn check_entries<T: 'static, E: Display + 'static>(
    summary: impl Into<String>,
    description: impl Into<String>,
    check: fn(&str, &str) -> Result<T, E>,
) -> DynValidator {
    let errors = move |path: &AttributePath, value: &Value| {
        let Value::Map(entries) = value else {
            return Vec::new();
        };
        let error = |(key, v): (&String, &Value)| {
            let e = check(key, v.as_str()?).err()?;
            Some((path.join_key(key), e.to_string()))
        };
        entries.iter().filter_map(error).collect()
    };
    checked(summary, description, Box::new(errors))
}

/// A map, list or set with at least one element; an empty one is an error with `summary` and
/// `detail`.
pub fn not_empty(summary: impl Into<String>, detail: impl Into<String>) -> DynValidator {
    let detail = detail.into();
    let errors = move |path: &AttributePath, value: &Value| {
        let empty = match value {
            Value::Map(m) => m.is_empty(),
            Value::List(xs) | Value::Set(xs) => xs.is_empty(),
            _ => false,
        };
        let error = empty.then(|| (path.clone(), detail.clone()));
        error.into_iter().collect()
    };
    checked(summary, "at least one element", Box::new(errors))
}

/// Checks a whole configuration: rules across attributes. Runs at validate time on the config
/// as it is then (it may hold unknown values); `block` is the schema's, for attribute flags.
pub trait ConfigValidator: Send + Sync + fmt::Debug {
    /// The rule, in words.
    fn description(&self) -> String;

    /// Adds errors (on attribute paths) for a config breaking the rule.
    fn validate(&self, block: &Block, config: &Value, diags: &mut Diagnostics);
}

/// Shared config validator handle, as stored in a schema.
pub type DynConfigValidator = Arc<dyn ConfigValidator>;

/// Exactly one of some top-level attributes is set; build it with [`exactly_one_of`]. An
/// unknown value counts as set (it will be one value at apply).
#[derive(Debug, Clone)]
pub struct ExactlyOneOf {
    names: Vec<String>,
    missing: String,
    conflicting: String,
}

/// Exactly one of the attributes `names` must be set: none set is an error on the first,
/// two set is an error on the second one set (quoting both values unless sensitive).
pub fn exactly_one_of<I, S>(names: I) -> ExactlyOneOf
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    ExactlyOneOf {
        names: names.into_iter().map(Into::into).collect(),
        missing: "Missing attribute configuration".to_owned(),
        conflicting: "Invalid attribute combination".to_owned(),
    }
}

impl ExactlyOneOf {
    /// The summaries of the two errors (none set, several set).
    pub fn summaries(mut self, missing: impl Into<String>, conflicting: impl Into<String>) -> Self {
        self.missing = missing.into();
        self.conflicting = conflicting.into();
        self
    }

    fn listed(&self) -> String {
        let quoted: Vec<String> = self.names.iter().map(|n| format!("`{n}`")).collect();
        match quoted.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => quoted.join(""),
        }
    }
}

impl ConfigValidator for ExactlyOneOf {
    fn description(&self) -> String {
        format!("exactly one of {} is set", self.listed())
    }

    fn validate(&self, block: &Block, config: &Value, diags: &mut Diagnostics) {
        let value = |name: &str| config.get(name).unwrap_or(&Value::Null);
        let set: Vec<&String> = self.names.iter().filter(|n| !value(n).is_null()).collect();
        match set.as_slice() {
            [] => {
                let Some(first) = self.names.first() else {
                    return;
                };
                let none = if self.names.len() == 2 {
                    "neither"
                } else {
                    "none"
                };
                diags.attribute_error(
                    AttributePath::attr(first),
                    self.missing.clone(),
                    format!("Set exactly one of {}: {none} is set.", self.listed()),
                );
            }
            [_] => {}
            [_, second, ..] => {
                let shown: Vec<String> = set
                    .iter()
                    .map(|n| {
                        let sensitive = block.get_attribute(n).is_some_and(|a| a.sensitive);
                        format!("{n} = {}", shown(value(n), sensitive))
                    })
                    .collect();
                let not_both = if set.len() == 2 {
                    "not both"
                } else {
                    "not several"
                };
                diags.attribute_error(
                    AttributePath::attr(*second),
                    self.conflicting.clone(),
                    format!(
                        "Set exactly one of {}, {not_both} ({}).",
                        self.listed(),
                        shown.join(", ")
                    ),
                );
            }
        }
    }
}

/// A configured value for a message: quoted when it is a (non-sensitive) string.
fn shown(v: &Value, sensitive: bool) -> String {
    match v {
        _ if sensitive => "(sensitive value)".to_owned(),
        Value::String(s) => format!("{s:?}"),
        Value::Unknown => "(known after apply)".to_owned(),
        Value::Null => "null".to_owned(),
        other => format!("({})", other.kind_name()),
    }
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
    fn length_counts_characters() {
        let l = length(1, 3);
        assert!(run(&l, Value::String("abc".into())).is_empty());
        assert!(run(&l, Value::String("".into())).has_errors());
        assert!(run(&l, Value::String("abcd".into())).has_errors());
    }

    fn digits(s: &str) -> Result<(), String> {
        match s.chars().find(|c| !c.is_ascii_digit()) {
            Some(c) => Err(format!("{s:?} holds {c:?}, not only digits")),
            None => Ok(()),
        }
    }

    #[test]
    fn pure_checks_become_errors_on_the_attribute_or_entry() {
        let v = check("Invalid code", "digits only", digits);
        assert!(run(&v, Value::string("123")).is_empty());
        let diags = run(&v, Value::string("12a"));
        let d = diags.iter().next().unwrap();
        assert_eq!(d.summary, "Invalid code");
        assert_eq!(d.detail, "\"12a\" holds 'a', not only digits");
        assert_eq!(d.attribute, Some(AttributePath::attr("a")));

        let v = check_entries("Invalid entry", "digit values", |_: &str, value: &str| {
            digits(value)
        });
        let m = Value::map([("ok", Value::string("1")), ("bad", Value::string("x"))]);
        let diags = run(&v, m);
        assert_eq!(diags.len(), 1);
        let at = diags.iter().next().unwrap().attribute.clone().unwrap();
        assert_eq!(at, AttributePath::attr("a").join_key("bad"));

        let v = not_empty("Nothing set", "Set at least one entry.");
        assert!(run(&v, Value::map([("k", Value::string("v"))])).is_empty());
        let diags = run(&v, Value::Map(Default::default()));
        assert_eq!(
            diags.iter().next().unwrap().detail,
            "Set at least one entry."
        );
    }

    #[test]
    fn exactly_one_of_points_at_the_attribute_and_quotes_only_what_it_may() {
        use crate::tfplugin::schema::Attribute;
        use crate::tfplugin::value::Type;
        let block = Block::new()
            .attribute(Attribute::optional("id", Type::String))
            .attribute(Attribute::optional("name", Type::String))
            .attribute(Attribute::optional("key", Type::String).sensitive());
        let rule = exactly_one_of(["id", "name"]).summaries("Missing id or name", "Both");
        let run = |rule: &ExactlyOneOf, pairs: &[(&str, Value)]| {
            let config = Value::object(pairs.iter().cloned());
            let mut diags = Diagnostics::new();
            rule.validate(&block, &config, &mut diags);
            diags.into_iter().collect::<Vec<_>>()
        };
        assert!(run(&rule, &[("id", Value::string("x"))]).is_empty());
        // unknown counts as set
        assert!(run(&rule, &[("name", Value::Unknown)]).is_empty());

        let neither = run(&rule, &[("id", Value::Null)]);
        assert_eq!(neither.len(), 1);
        assert_eq!(neither[0].summary, "Missing id or name");
        assert_eq!(neither[0].attribute, Some(AttributePath::attr("id")));
        assert_eq!(
            neither[0].detail,
            "Set exactly one of `id` and `name`: neither is set."
        );

        let both = run(
            &rule,
            &[("id", Value::string("x")), ("name", Value::string("y"))],
        );
        assert_eq!(both[0].attribute, Some(AttributePath::attr("name")));
        assert_eq!(
            both[0].detail,
            "Set exactly one of `id` and `name`, not both (id = \"x\", name = \"y\")."
        );

        let secret = exactly_one_of(["id", "key"]);
        let both = run(
            &secret,
            &[("id", Value::string("x")), ("key", Value::string("s3cret"))],
        );
        assert!(!both[0].detail.contains("s3cret"), "{}", both[0].detail);
        assert_eq!(both[0].summary, "Invalid attribute combination");
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
