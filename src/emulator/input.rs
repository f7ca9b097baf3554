//! Request decoding and framework-level validation: member types (`SerializationException`) and
//! length/pattern/range/required constraints (`ValidationException`, reported all at once, AWS style).

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::error::{ErrorCode, ServiceError};

/// A string constraint from the service model: a length in characters and, maybe, a pattern as
/// the model spells it (messages quote it) that must match the whole value.
pub struct StrRule {
    pub min: usize,
    pub max: usize,
    pattern: Option<(&'static str, OnceLock<Regex>)>,
}

impl StrRule {
    const fn length(min: usize, max: usize) -> StrRule {
        StrRule {
            min,
            max,
            pattern: None,
        }
    }

    const fn matching(min: usize, max: usize, pattern: &'static str) -> StrRule {
        StrRule {
            min,
            max,
            pattern: Some((pattern, OnceLock::new())),
        }
    }

    /// The pattern, if `value` does not match it.
    fn mismatch(&self, value: &str) -> Option<&'static str> {
        let (text, re) = self.pattern.as_ref()?;
        let re = re.get_or_init(|| Regex::new(&format!("^(?:{text})$")).expect("model pattern"));
        (!re.is_match(value)).then_some(*text)
    }
}

/// `Id` shape.
pub static ID: StrRule = StrRule::matching(1, 100, r"^[a-zA-Z0-9_\-]*");
/// `ProvisionedProductName` shape.
pub static PP_NAME: StrRule = StrRule::matching(1, 128, "[a-zA-Z0-9][a-zA-Z0-9._-]*");
/// `ProvisionedProductNameOrArn` shape.
pub static PP_NAME_OR_ARN: StrRule = StrRule::matching(
    1,
    1224,
    r"[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}|arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[^/].{0,1023}",
);
/// `IdempotencyToken` shape.
pub static TOKEN: StrRule = StrRule::matching(1, 128, "[a-zA-Z0-9][a-zA-Z0-9_-]*");
/// `AcceptLanguage` shape.
pub static ACCEPT_LANGUAGE: StrRule = StrRule::length(0, 100);
/// `PageToken` shape.
pub static PAGE_TOKEN: StrRule =
    StrRule::matching(0, 2024, r"[\u0009\u000a\u000d\u0020-\uD7FF\uE000-\uFFFD]*");
/// `TagKey` shape.
pub static TAG_KEY: StrRule = StrRule::matching(1, 128, r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$");
/// `TagValue` shape.
pub static TAG_VALUE: StrRule = StrRule::matching(1, 256, r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$");
/// `ProductViewName` shape.
pub static PRODUCT_NAME: StrRule = StrRule::length(0, 8191);
/// `ProvisioningArtifactName` shape.
pub static ARTIFACT_NAME: StrRule = StrRule::length(0, 8192);
/// `PortfolioDisplayName` shape.
pub static PATH_NAME: StrRule = StrRule::length(1, 100);
/// `ParameterKey` shape.
pub static PARAM_KEY: StrRule = StrRule::length(1, 1000);
/// `ParameterValue` shape.
pub static PARAM_VALUE: StrRule = StrRule::length(0, 4096);
/// `PropertyKey` shape (the enum is checked separately, as a parameter error).
pub static PROPERTY_KEY: StrRule = StrRule::length(1, 128);
/// `PropertyValue` shape.
pub static PROPERTY_VALUE: StrRule = StrRule::length(0, 1024);
/// Free strings with no model constraint.
pub static ANY: StrRule = StrRule::length(0, usize::MAX);

/// Parses a request body: empty means `{}`, anything but a JSON object is a `SerializationException`.
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ServiceError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ServiceError::serialization(format!(
            "request body must be a JSON object, got {}",
            kind(&other)
        ))),
        Err(e) => Err(ServiceError::serialization(format!(
            "request body is not valid JSON: {e}"
        ))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn member_name(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Collects constraint violations of one request.
#[derive(Default)]
pub struct Violations(Vec<String>);

impl Violations {
    /// Records one violation of `member` by `value`.
    pub fn push(&mut self, value: Option<&str>, member: &str, constraint: impl AsRef<str>) {
        let shown = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_owned(),
        };
        self.0.push(format!(
            "Value {shown} at '{member}' failed to satisfy constraint: {}",
            constraint.as_ref()
        ));
    }

    /// Checks a string against a rule.
    pub fn check(&mut self, value: &str, member: &str, rule: &StrRule) {
        let len = value.chars().count();
        if len < rule.min {
            self.push(
                Some(value),
                member,
                format!(
                    "Member must have length greater than or equal to {}",
                    rule.min
                ),
            );
        } else if len > rule.max {
            // Long values are shown shortened so a 1 MiB value does not make a 1 MiB message.
            let shown: String = value.chars().take(64).collect();
            let shown = if len > 64 {
                format!("{shown}...")
            } else {
                shown
            };
            self.push(
                Some(&shown),
                member,
                format!("Member must have length less than or equal to {}", rule.max),
            );
        } else if let Some(text) = rule.mismatch(value) {
            self.push(
                Some(value),
                member,
                format!("Member must satisfy regular expression pattern: {text}"),
            );
        }
    }

    /// Turns collected violations into a `ValidationException`.
    pub fn finish(self) -> Result<(), ServiceError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(ServiceError::new(
                ErrorCode::Validation,
                format!("1 validation error detected: {}", self.0[0]),
            )),
            n => Err(ServiceError::new(
                ErrorCode::Validation,
                format!("{n} validation errors detected: {}", self.0.join("; ")),
            )),
        }
    }
}

/// Typed access to the members of one request object.
pub struct Input<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
    /// Violations found so far.
    pub violations: Violations,
}

impl<'a> Input<'a> {
    /// Wraps a request object.
    pub fn new(obj: &'a Map<String, Value>) -> Self {
        Input {
            obj,
            prefix: String::new(),
            violations: Violations::default(),
        }
    }

    /// A request object; every operation takes an `AcceptLanguage`, checked and otherwise ignored.
    pub fn request(obj: &'a Map<String, Value>) -> Result<Self, ServiceError> {
        let mut input = Input::new(obj);
        input.opt_str("AcceptLanguage", &ACCEPT_LANGUAGE)?;
        Ok(input)
    }

    /// The model member name (lowerCamel, with the nesting path).
    pub fn member(&self, key: &str) -> String {
        format!("{}{}", self.prefix, member_name(key))
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    /// The member `key`, if present, as `pick` reads it; a value of another JSON type is a
    /// `SerializationException`.
    fn typed<T>(
        &self,
        key: &str,
        want: &str,
        pick: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, ServiceError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let got = kind(v);
        pick(v).map(Some).ok_or_else(|| {
            ServiceError::serialization(format!("member '{key}' must be {want}, got {got}"))
        })
    }

    /// A string member, checked against `rule`.
    pub fn opt_str(&mut self, key: &str, rule: &StrRule) -> Result<Option<&'a str>, ServiceError> {
        let s = self.typed(key, "a string", Value::as_str)?;
        if let Some(s) = s {
            let member = self.member(key);
            self.violations.check(s, &member, rule);
        }
        Ok(s)
    }

    /// A required string member. A missing one is a violation, read as `""` until
    /// [`Input::finish`] refuses the request.
    pub fn req_str(&mut self, key: &str, rule: &StrRule) -> Result<&'a str, ServiceError> {
        let v = self.opt_str(key, rule)?;
        if v.is_none() {
            let member = self.member(key);
            self.violations
                .push(None, &member, "Member must not be null");
        }
        Ok(v.unwrap_or_default())
    }

    /// An integer member within `min..=max`.
    pub fn opt_int(&mut self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ServiceError> {
        let v = self.typed(key, "an integer", Value::as_i64)?;
        let bound = match v {
            Some(i) if i < min => format!("greater than or equal to {min}"),
            Some(i) if i > max => format!("less than or equal to {max}"),
            _ => return Ok(v),
        };
        let (member, shown) = (self.member(key), v.unwrap_or_default().to_string());
        self.violations.push(
            Some(&shown),
            &member,
            format!("Member must have value {bound}"),
        );
        Ok(v)
    }

    /// A boolean member.
    pub fn opt_bool(&mut self, key: &str) -> Result<Option<bool>, ServiceError> {
        self.typed(key, "a boolean", Value::as_bool)
    }

    /// A string member that must be one of `allowed`.
    pub fn opt_enum(
        &mut self,
        key: &str,
        allowed: &[&str],
    ) -> Result<Option<&'a str>, ServiceError> {
        let v = self.opt_str(key, &ANY)?;
        if let Some(s) = v {
            if !allowed.contains(&s) {
                let member = self.member(key);
                self.violations.push(
                    Some(s),
                    &member,
                    format!(
                        "Member must satisfy enum value set: [{}]",
                        allowed.join(", ")
                    ),
                );
            }
        }
        Ok(v)
    }

    /// A list member (its items are returned raw).
    pub fn opt_list(
        &mut self,
        key: &str,
        max: usize,
    ) -> Result<Option<&'a Vec<Value>>, ServiceError> {
        let items = self.typed(key, "a list", Value::as_array)?;
        if let Some(items) = items.filter(|items| items.len() > max) {
            let member = self.member(key);
            self.violations.push(
                Some(&format!("list of {} items", items.len())),
                &member,
                format!("Member must have length less than or equal to {max}"),
            );
        }
        Ok(items)
    }

    /// A map/structure member.
    pub fn opt_object(
        &mut self,
        key: &str,
    ) -> Result<Option<&'a Map<String, Value>>, ServiceError> {
        self.typed(key, "an object", Value::as_object)
    }

    /// A list member of structures, each read by `read` (given its index) as [`Input::nested`]
    /// reads one, at `<member>.<n>.member`.
    pub fn list_of<T>(
        &mut self,
        key: &str,
        max: usize,
        mut read: impl FnMut(&mut Input<'a>, usize) -> Result<T, ServiceError>,
    ) -> Result<Option<Vec<T>>, ServiceError> {
        let Some(items) = self.opt_list(key, max)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}.{}.member", self.member(key), i + 1);
            out.push(self.nested(item_object(key, item)?, path, |item| read(item, i))?);
        }
        Ok(Some(out))
    }

    /// Reads a nested structure with the same violation list, members prefixed with `path`.
    pub fn nested<T>(
        &mut self,
        obj: &'a Map<String, Value>,
        path: String,
        f: impl FnOnce(&mut Input<'a>) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let mut inner = Input {
            obj,
            prefix: format!("{path}."),
            violations: std::mem::take(&mut self.violations),
        };
        let out = f(&mut inner);
        self.violations = inner.violations;
        out
    }

    /// Ends validation: `ValidationException` if anything was violated.
    pub fn finish(&mut self) -> Result<(), ServiceError> {
        std::mem::take(&mut self.violations).finish()
    }
}

/// Expects a list item to be an object.
fn item_object<'a>(key: &str, item: &'a Value) -> Result<&'a Map<String, Value>, ServiceError> {
    match item {
        Value::Object(m) => Ok(m),
        other => Err(ServiceError::serialization(format!(
            "items of '{key}' must be objects, got {}",
            kind(other)
        ))),
    }
}

/// Expects a value to be a string.
pub fn item_str<'a>(key: &str, item: &'a Value) -> Result<&'a str, ServiceError> {
    match item {
        Value::String(s) => Ok(s),
        other => Err(ServiceError::serialization(format!(
            "values of '{key}' must be strings, got {}",
            kind(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_use_the_aws_message_format() {
        let body = parse_body(br#"{"ProvisionedProductName":"My Test Sandbox1"}"#).unwrap();
        let mut input = Input::new(&body);
        input.req_str("ProvisionedProductName", &PP_NAME).unwrap();
        input.req_str("ProvisionToken", &TOKEN).unwrap();
        let err = input.finish().unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation);
        assert_eq!(
            err.message,
            "2 validation errors detected: Value 'My Test Sandbox1' at 'provisionedProductName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9][a-zA-Z0-9._-]*; \
             Value null at 'provisionToken' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn wrong_types_and_non_objects_are_serialization_errors() {
        assert_eq!(
            parse_body(b"[1]").unwrap_err().code,
            ErrorCode::Serialization
        );
        assert_eq!(parse_body(b"{").unwrap_err().code, ErrorCode::Serialization);
        assert!(parse_body(b"").unwrap().is_empty());
        let body = parse_body(br#"{"Id": 5}"#).unwrap();
        let err = Input::new(&body).opt_str("Id", &ID).unwrap_err();
        assert_eq!(err.code, ErrorCode::Serialization);
        assert!(err.message.contains("'Id'"), "{}", err.message);
    }
}
