//! What the JSON and msgpack codecs share: the path and depth of a walk ([`Trail`]), the messages
//! both give for the same fault, and the checks before a value is encoded ([`encodable`]).

use std::collections::BTreeMap;

use super::number::quote_truncated;
use super::{required_name, Number, Type, Value, ValueError, MAX_DEPTH};
use crate::tfplugin::path::{AttributePath, PathStep};

/// Where a walk is: path steps are pushed and popped as it goes, and only turned into an
/// [`AttributePath`] when an error is reported; the depth is bounded by [`MAX_DEPTH`].
#[derive(Default)]
pub(super) struct Trail {
    path: Vec<PathStep>,
    depth: usize,
}

impl Trail {
    pub(super) fn error(&self, message: impl Into<String>) -> ValueError {
        ValueError {
            path: AttributePath {
                steps: self.path.clone(),
            },
            message: message.into(),
        }
    }

    /// One level deeper (a container or a dynamic wrapper); an error past [`MAX_DEPTH`].
    pub(super) fn enter(&mut self) -> Result<(), ValueError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("value is nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth -= 1;
    }

    pub(super) fn push(&mut self, step: PathStep) {
        self.path.push(step);
    }

    pub(super) fn push_index(&mut self, i: usize) {
        self.path
            .push(PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX)));
    }

    pub(super) fn pop(&mut self) -> Option<PathStep> {
        self.path.pop()
    }
}

pub(super) fn tuple_length(required: usize, given: impl std::fmt::Display) -> String {
    format!("a tuple of length {required} is required ({given} given)")
}

pub(super) fn unsupported_attribute(name: &str) -> String {
    format!("unsupported attribute {}", quote_truncated(name))
}

/// The element types of a list, set or tuple: one for all, or one each.
#[derive(Clone, Copy)]
pub(super) enum Elements<'a> {
    All(&'a Type),
    Each(&'a [Type]),
}

impl<'a> Elements<'a> {
    /// The type of element `i` (`i` is in range: [`encodable`] checked tuple lengths).
    pub(super) fn at(self, i: usize) -> &'a Type {
        match self {
            Elements::All(ty) => ty,
            Elements::Each(tys) => &tys[i],
        }
    }
}

/// A value that can be written as a type, by what an encoder writes for it.
pub(super) enum Encodable<'a> {
    Unknown,
    Null,
    /// A dynamic attribute's value, with its concrete type.
    Dynamic(&'a Type, &'a Value),
    String(&'a str),
    Bool(bool),
    Number(&'a Number),
    /// A list, set or tuple.
    Elements(&'a [Value], Elements<'a>),
    Map(&'a BTreeMap<String, Value>, &'a Type),
    /// An object with exactly the type's attributes (so both iterate in the same order).
    Object(&'a BTreeMap<String, Value>, &'a BTreeMap<String, Type>),
}

/// What `value` is as a `ty`, or why it cannot be written as one (at this level; the encoder
/// checks the values inside as it reaches them).
pub(super) fn encodable<'a>(value: &'a Value, ty: &'a Type) -> Result<Encodable<'a>, String> {
    Ok(match (value, ty) {
        (Value::Unknown, _) => Encodable::Unknown,
        (Value::Null, _) => Encodable::Null,
        (Value::Dynamic(inner_ty, inner), Type::Dynamic) => Encodable::Dynamic(inner_ty, inner),
        (Value::String(s), Type::String) => Encodable::String(s),
        (Value::Bool(b), Type::Bool) => Encodable::Bool(*b),
        (Value::Number(n), Type::Number) => Encodable::Number(n),
        (Value::List(xs), Type::List(ety)) | (Value::Set(xs), Type::Set(ety)) => {
            Encodable::Elements(xs, Elements::All(ety))
        }
        (Value::Tuple(xs), Type::Tuple(etys)) => {
            if xs.len() != etys.len() {
                return Err(tuple_length(etys.len(), xs.len()));
            }
            Encodable::Elements(xs, Elements::Each(etys))
        }
        (Value::Map(entries), Type::Map(ety)) => Encodable::Map(entries, ety),
        (Value::Object(attrs), Type::Object(atys)) => {
            if let Some(extra) = attrs.keys().find(|k| !atys.contains_key(*k)) {
                return Err(unsupported_attribute(extra));
            }
            if let Some(missing) = atys.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(format!("attribute {missing:?} is required"));
            }
            Encodable::Object(attrs, atys)
        }
        (Value::Dynamic(..), _) => {
            return Err(format!(
                "{} is required, found a dynamic value (only dynamic attributes hold one)",
                required_name(ty)
            ))
        }
        (_, Type::Dynamic) => {
            return Err(format!(
                "a dynamic attribute needs Value::Dynamic(type, value), found {}",
                value.kind_name()
            ))
        }
        _ => {
            return Err(format!(
                "{} is required, found {}",
                required_name(ty),
                value.kind_name()
            ))
        }
    })
}
