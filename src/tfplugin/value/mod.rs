//! cty values and types, and their wire encodings (msgpack; JSON where Terraform sends it). A
//! [`Value`] has no type of its own: it is read and written against a [`Type`] (for a resource,
//! the schema's implied type), so decoding checks the shape and reports errors with paths.

use std::collections::BTreeMap;

use super::path::AttributePath;

mod json;
mod msgpack;
mod number;
mod types;
mod walk;

pub use json::{decode_json, decode_stored_json, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};

/// How deep values and types may nest (containers and dynamic wrappers alike) before
/// decoding gives up, so hostile input cannot exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// A cty type, as Terraform describes it in JSON (`"string"`, `["list","string"]`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    /// Any type, chosen per value; on the wire a `[type-json, value]` pair.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

/// A number without loss: cty numbers are arbitrary precision.
///
/// Equality is numeric and exact across variants (see the `number` module).
#[derive(Clone, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
    /// A decimal string for values that fit neither (e.g. 2^70), kept exactly. The text is
    /// a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`); encoders reject others.
    Decimal(String),
}

/// A cty value.
///
/// Equality is structural, except that numbers compare numerically and sets ignore order.
#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    /// Not known until apply. Any msgpack extension decodes to this, refined or not.
    Unknown,
    String(String),
    Number(Number),
    Bool(bool),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value of an attribute typed `dynamic`, with the concrete type it was given.
    Dynamic(Type, Box<Value>),
}

/// A value that could not be decoded or encoded, and where in it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}{message}", if path.is_root() { String::new() } else { format!("{path}: ") })]
pub struct ValueError {
    pub path: AttributePath,
    pub message: String,
}

impl ValueError {
    pub fn new(path: &AttributePath, message: impl Into<String>) -> Self {
        Self {
            path: path.clone(),
            message: message.into(),
        }
    }
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
            _ => true,
        }
    }

    /// An attribute of an object value (`None` for a non-object or a missing attribute).
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(name),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) | (Value::Unknown, Value::Unknown) => true,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            (Value::Set(a), Value::Set(b)) => same_elements(a, b),
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Dynamic(ta, a), Value::Dynamic(tb, b)) => ta == tb && a == b,
            _ => false,
        }
    }
}

/// Multiset equality; quadratic, which is fine for the sizes schemas carry.
fn same_elements(a: &[Value], b: &[Value]) -> bool {
    let count = |xs: &[Value], x: &Value| xs.iter().filter(|y| *y == x).count();
    a.len() == b.len() && a.iter().all(|x| count(a, x) == count(b, x))
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// An object value from `(attribute name, value)` pairs.
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A map value from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A value for a `dynamic` attribute: `value` read and written as `ty`.
    pub fn dynamic(ty: Type, value: Value) -> Value {
        Value::Dynamic(ty, Box::new(value))
    }

    /// For an object type, an object with every attribute null (a starting point to fill in);
    /// for any other type, null.
    pub fn empty_object_for(ty: &Type) -> Value {
        match ty {
            Type::Object(attrs) => {
                Value::Object(attrs.keys().map(|k| (k.clone(), Value::Null)).collect())
            }
            _ => Value::Null,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// The entries of a map value, or the attributes of an object value.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple value.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A short name of the value's kind for error messages (never the value itself).
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "an unknown value",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a bool",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Tuple(_) => "a tuple",
            Value::Dynamic(..) => "a dynamic value",
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Number(Number::Int(i))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Number(Number::Float(f))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

/// The article-and-name cty uses in "... is required" messages.
pub(crate) fn required_name(ty: &Type) -> String {
    match ty {
        Type::String => "string".into(),
        Type::Number => "number".into(),
        Type::Bool => "bool".into(),
        Type::Dynamic => "a dynamic value".into(),
        Type::List(_) => "a list".into(),
        Type::Set(_) => "a set".into(),
        Type::Map(_) => "a map".into(),
        Type::Object(_) => "an object".into(),
        Type::Tuple(_) => "a tuple".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_compare_without_order_but_with_multiplicity() {
        let a = Value::Set(vec!["x".into(), "y".into()]);
        let b = Value::Set(vec!["y".into(), "x".into()]);
        assert_eq!(a, b);
        let c = Value::Set(vec!["x".into(), "x".into()]);
        assert_ne!(a, c);
        assert_ne!(
            Value::List(vec!["x".into(), "y".into()]),
            Value::List(vec!["y".into(), "x".into()])
        );
    }

    #[test]
    fn numbers_inside_values_compare_numerically() {
        assert_eq!(Value::from(2i64), Value::from(2.0));
        assert_ne!(Value::from(2i64), Value::from("2"));
    }

    #[test]
    fn helpers_build_what_they_say() {
        let ty = Type::object([("a", Type::String), ("b", Type::Bool)]);
        let empty = Value::empty_object_for(&ty);
        assert_eq!(
            empty,
            Value::object([("a", Value::Null), ("b", Value::Null)])
        );
        assert_eq!(Value::empty_object_for(&Type::String), Value::Null);
        let m = Value::map([("k", Value::string("v"))]);
        assert_eq!(
            m.as_map().and_then(|m| m.get("k")).and_then(Value::as_str),
            Some("v")
        );
        assert_eq!(Value::from(true).as_bool(), Some(true));
        assert_eq!(
            Value::number(7i64).as_number().and_then(Number::as_i64),
            Some(7)
        );
        assert!(Value::Unknown.is_unknown());
        assert_eq!(
            Value::Tuple(vec![Value::Null])
                .as_elements()
                .map(<[Value]>::len),
            Some(1)
        );
    }
}
