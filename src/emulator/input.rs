//! Request decoding and framework-level validation: member types (`SerializationException`) and
//! length/pattern/range/required constraints (`ValidationException`, reported all at once, AWS style).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::error::{ErrorCode, ServiceError};

/// A string constraint from the service model.
pub struct StrRule {
    /// Minimum length in characters.
    pub min: usize,
    /// Maximum length in characters.
    pub max: usize,
    /// Full-match pattern and its model text.
    pub pattern: Option<(&'static LazyLock<Regex>, &'static str)>,
}

impl StrRule {
    /// A length bound only.
    const fn length(min: usize, max: usize) -> StrRule {
        StrRule {
            min,
            max,
            pattern: None,
        }
    }

    /// A length bound and a pattern (`text` as the model spells it, for messages).
    const fn matching(
        min: usize,
        max: usize,
        re: &'static LazyLock<Regex>,
        text: &'static str,
    ) -> StrRule {
        StrRule {
            min,
            max,
            pattern: Some((re, text)),
        }
    }
}

macro_rules! full_match {
    ($name:ident, $text:expr) => {
        pub static $name: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(concat!("^(?:", $text, ")$")).expect("static regex"));
    };
}

full_match!(ID_RE, r"[a-zA-Z0-9_\-]*");
full_match!(NAME_RE, r"[a-zA-Z0-9][a-zA-Z0-9._-]*");
full_match!(TOKEN_RE, r"[a-zA-Z0-9][a-zA-Z0-9_-]*");
full_match!(TAG_RE, r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*");
full_match!(
    PAGE_TOKEN_RE,
    r"[\x09\x0a\x0d\x20-\x{D7FF}\x{E000}-\x{FFFD}]*"
);
full_match!(
    NAME_OR_ARN_RE,
    r"[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}|arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[^/].{0,1023}"
);

/// `Id` shape.
pub const ID: StrRule = StrRule::matching(1, 100, &ID_RE, r"^[a-zA-Z0-9_\-]*");
/// `ProvisionedProductName` shape.
pub const PP_NAME: StrRule = StrRule::matching(1, 128, &NAME_RE, "[a-zA-Z0-9][a-zA-Z0-9._-]*");
/// `ProvisionedProductNameOrArn` shape.
pub const PP_NAME_OR_ARN: StrRule = StrRule::matching(
    1,
    1224,
    &NAME_OR_ARN_RE,
    r"[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}|arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[^/].{0,1023}",
);
/// `IdempotencyToken` shape.
pub const TOKEN: StrRule = StrRule::matching(1, 128, &TOKEN_RE, "[a-zA-Z0-9][a-zA-Z0-9_-]*");
/// `AcceptLanguage` shape.
pub const ACCEPT_LANGUAGE: StrRule = StrRule::length(0, 100);
/// `PageToken` shape.
pub const PAGE_TOKEN: StrRule = StrRule::matching(
    0,
    2024,
    &PAGE_TOKEN_RE,
    r"[\u0009\u000a\u000d\u0020-\uD7FF\uE000-\uFFFD]*",
);
/// `TagKey` shape.
pub const TAG_KEY: StrRule = StrRule::matching(1, 128, &TAG_RE, r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$");
/// `TagValue` shape.
pub const TAG_VALUE: StrRule =
    StrRule::matching(1, 256, &TAG_RE, r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$");
/// `ProductViewName` shape.
pub const PRODUCT_NAME: StrRule = StrRule::length(0, 8191);
/// `ProvisioningArtifactName` shape.
pub const ARTIFACT_NAME: StrRule = StrRule::length(0, 8192);
/// `PortfolioDisplayName` shape.
pub const PATH_NAME: StrRule = StrRule::length(1, 100);
/// `ParameterKey` shape.
pub const PARAM_KEY: StrRule = StrRule::length(1, 1000);
/// `ParameterValue` shape.
pub const PARAM_VALUE: StrRule = StrRule::length(0, 4096);
/// `PropertyKey` shape (the enum is checked separately, as a parameter error).
pub const PROPERTY_KEY: StrRule = StrRule::length(1, 128);
/// `PropertyValue` shape.
pub const PROPERTY_VALUE: StrRule = StrRule::length(0, 1024);
/// Free strings with no model constraint.
pub const ANY: StrRule = StrRule::length(0, usize::MAX);

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
        } else if let Some((re, text)) = rule.pattern {
            if !re.is_match(value) {
                self.push(
                    Some(value),
                    member,
                    format!("Member must satisfy regular expression pattern: {text}"),
                );
            }
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

    fn type_error(&self, key: &str, want: &str, got: &Value) -> ServiceError {
        ServiceError::serialization(format!("member '{key}' must be {want}, got {}", kind(got)))
    }

    /// A string member, checked against `rule`.
    pub fn opt_str(&mut self, key: &str, rule: &StrRule) -> Result<Option<&'a str>, ServiceError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let member = self.member(key);
                self.violations.check(s, &member, rule);
                Ok(Some(s.as_str()))
            }
            Some(other) => Err(self.type_error(key, "a string", other)),
        }
    }

    /// A required string member; a missing one is a violation (`None` returned).
    pub fn req_str(&mut self, key: &str, rule: &StrRule) -> Result<Option<&'a str>, ServiceError> {
        let v = self.opt_str(key, rule)?;
        if v.is_none() {
            let member = self.member(key);
            self.violations
                .push(None, &member, "Member must not be null");
        }
        Ok(v)
    }

    /// An integer member within `min..=max`.
    pub fn opt_int(&mut self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ServiceError> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Number(n)) => {
                let Some(i) = n.as_i64() else {
                    return Err(self.type_error(key, "an integer", v));
                };
                let member = self.member(key);
                if i < min {
                    self.violations.push(
                        Some(&i.to_string()),
                        &member,
                        format!("Member must have value greater than or equal to {min}"),
                    );
                } else if i > max {
                    self.violations.push(
                        Some(&i.to_string()),
                        &member,
                        format!("Member must have value less than or equal to {max}"),
                    );
                }
                Ok(Some(i))
            }
            Some(other) => Err(self.type_error(key, "an integer", other)),
        }
    }

    /// A boolean member.
    pub fn opt_bool(&mut self, key: &str) -> Result<Option<bool>, ServiceError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.type_error(key, "a boolean", other)),
        }
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
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                if items.len() > max {
                    let member = self.member(key);
                    self.violations.push(
                        Some(&format!("list of {} items", items.len())),
                        &member,
                        format!("Member must have length less than or equal to {max}"),
                    );
                }
                Ok(Some(items))
            }
            Some(other) => Err(self.type_error(key, "a list", other)),
        }
    }

    /// A map/structure member.
    pub fn opt_object(
        &mut self,
        key: &str,
    ) -> Result<Option<&'a Map<String, Value>>, ServiceError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(self.type_error(key, "an object", other)),
        }
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
pub fn item_object<'a>(key: &str, item: &'a Value) -> Result<&'a Map<String, Value>, ServiceError> {
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
