//! Typed models: structs that configs, plans and states are read into and written back from.
//! A [`Model`] (declared with [`model!`](crate::model)) names its attributes; each field's type
//! says what it may hold: plain types for known values (`Option` for null), [`Field`] where a
//! plan may leave a value unknown. A value that does not fit is an error on its attribute.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::str::FromStr;

use super::object::ObjectExt;
use super::path::AttributePath;
use super::schema::Schema;
use super::value::{Number, Value, ValueError};

/// A value that a plan may leave unknown: null, unknown, or known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Field<T> {
    #[default]
    Null,
    /// Known only after apply.
    Unknown,
    Known(T),
}

impl<T> Field<T> {
    pub fn is_null(&self) -> bool {
        matches!(self, Field::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    /// The value, if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if known.
    pub fn into_known(self) -> Option<T> {
        match self {
            Field::Known(v) => Some(v),
            _ => None,
        }
    }

    /// This value, or `other` when this one is unknown.
    pub fn or_if_unknown(self, other: Field<T>) -> Field<T> {
        match self {
            Field::Unknown => other,
            known_or_null => known_or_null,
        }
    }
}

/// `None` is null.
impl<T> From<Option<T>> for Field<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Field::Null, Field::Known)
    }
}

/// Reads one attribute value as a Rust type.
pub trait FromValue: Sized {
    /// `path` is where `value` sits, for errors.
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ValueError>;
}

/// Writes a Rust type as an attribute value.
pub trait IntoValue {
    fn into_value(self) -> Value;
}

/// The error for a value of the wrong kind (null and unknown get their own words).
pub fn unexpected(value: &Value, path: &AttributePath, expected: &str) -> ValueError {
    let found = match value {
        Value::Null => "null, but a value is required".to_string(),
        Value::Unknown => "not known yet, but a known value is required".to_string(),
        other => format!("{}, but {expected} is expected", other.kind_name()),
    };
    ValueError::new(path, format!("the value is {found}"))
}

impl FromValue for Value {
    fn from_value(value: &Value, _: &AttributePath) -> Result<Self, ValueError> {
        Ok(value.clone())
    }
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

/// Types a value variant holds as it is.
macro_rules! held_values {
    ($($ty:ty: $variant:ident, $expected:literal;)*) => {$(
        impl FromValue for $ty {
            fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ValueError> {
                match value {
                    Value::$variant(v) => Ok(v.clone()),
                    other => Err(unexpected(other, path, $expected)),
                }
            }
        }

        impl IntoValue for $ty {
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
        }
    )*};
}

held_values! {
    String: String, "a string";
    bool: Bool, "a bool";
    Number: Number, "a number";
}

impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::string(self)
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match value {
            Value::Number(n) => n.as_i64().ok_or_else(|| {
                ValueError::new(path, "the number is not a whole number in the 64-bit range")
            }),
            other => Err(unexpected(other, path, "a whole number")),
        }
    }
}

impl IntoValue for i64 {
    fn into_value(self) -> Value {
        Value::Number(Number::Int(self))
    }
}

/// `None` is null; an unknown value is an error (use [`Field`] where it may be unknown).
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other, path).map(Some),
        }
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}

impl<T: FromValue> FromValue for Field<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match value {
            Value::Null => Ok(Field::Null),
            Value::Unknown => Ok(Field::Unknown),
            other => T::from_value(other, path).map(Field::Known),
        }
    }
}

impl<T: IntoValue> IntoValue for Field<T> {
    fn into_value(self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Unknown => Value::Unknown,
            Field::Known(v) => v.into_value(),
        }
    }
}

/// A map attribute. Keys parse with `FromStr` (an error points at the entry), so a map keyed by
/// an enum reads as one.
impl<K, V> FromValue for BTreeMap<K, V>
where
    K: FromStr + Ord,
    K::Err: Display,
    V: FromValue,
{
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        let Value::Map(entries) = value else {
            return Err(unexpected(value, path, "a map"));
        };
        entries
            .iter()
            .map(|(k, v)| {
                let at = path.join_key(k);
                let key = k
                    .parse()
                    .map_err(|e: K::Err| ValueError::new(&at, e.to_string()))?;
                Ok((key, V::from_value(v, &at)?))
            })
            .collect()
    }
}

impl<K: Display, V: IntoValue> IntoValue for BTreeMap<K, V> {
    fn into_value(self) -> Value {
        Value::Map(
            self.into_iter()
                .map(|(k, v)| (k.to_string(), v.into_value()))
                .collect(),
        )
    }
}

/// A list attribute; an error points at the element.
impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        let Value::List(items) = value else {
            return Err(unexpected(value, path, "a list"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, v)| T::from_value(v, &path.join_index(i as i64)))
            .collect()
    }
}

/// A set attribute; an error points at the set (its elements have no index).
impl<T: FromValue + Ord> FromValue for BTreeSet<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        let Value::Set(items) = value else {
            return Err(unexpected(value, path, "a set"));
        };
        items.iter().map(|v| T::from_value(v, path)).collect()
    }
}

impl<T: IntoValue> IntoValue for BTreeSet<T> {
    fn into_value(self) -> Value {
        Value::Set(self.into_iter().map(IntoValue::into_value).collect())
    }
}

impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::List(self.into_iter().map(IntoValue::into_value).collect())
    }
}

/// Reads and writes a type through its `FromStr` and `Display` as a string attribute (an
/// unparseable string is an error on the attribute):
/// `servicecatalog_provider::string_value!(Language);`.
#[macro_export]
macro_rules! string_value {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::tfplugin::model::FromValue for $ty {
            fn from_value(
                value: &$crate::tfplugin::Value,
                path: &$crate::tfplugin::AttributePath,
            ) -> Result<Self, $crate::tfplugin::value::ValueError> {
                let text = <String as $crate::tfplugin::model::FromValue>::from_value(value, path)?;
                text.parse()
                    .map_err(|e| $crate::tfplugin::value::ValueError::new(path, format!("{e}")))
            }
        }

        impl $crate::tfplugin::model::IntoValue for $ty {
            fn into_value(self) -> $crate::tfplugin::Value {
                $crate::tfplugin::Value::String(self.to_string())
            }
        }
    )+};
}

/// A struct of attributes: read from an object value (config, plan or state) and written into
/// one. Declare it with [`model!`](crate::model).
pub trait Model: Sized + Send + 'static {
    /// The attribute names it reads and writes.
    const ATTRIBUTES: &'static [&'static str];

    /// Reads the model's attributes of `object` (a missing attribute reads as null).
    fn from_object(object: &Value) -> Result<Self, ValueError>;

    /// Sets the model's attributes on `object`; the others keep their values.
    fn write_object(self, object: &mut Value);
}

/// No attributes: for a resource with nothing to refine at plan time.
impl Model for () {
    const ATTRIBUTES: &'static [&'static str] = &[];

    fn from_object(_: &Value) -> Result<Self, ValueError> {
        Ok(())
    }

    fn write_object(self, _: &mut Value) {}
}

/// A model as the value of an attribute of object type, e.g. an element of a list of objects
/// (what [`model!`](crate::model) implements [`FromValue`] with). Errors point inside it.
pub fn object_from_value<M: Model>(value: &Value, path: &AttributePath) -> Result<M, ValueError> {
    if !matches!(value, Value::Object(_)) {
        return Err(unexpected(value, path, "an object"));
    }
    M::from_object(value).map_err(|e| {
        let mut at = path.clone();
        at.steps.extend(e.path.steps);
        ValueError::new(&at, e.message)
    })
}

/// A model as an object value holding exactly its attributes (what [`model!`](crate::model)
/// implements [`IntoValue`] with).
pub fn object_into_value<M: Model>(model: M) -> Value {
    let mut object = Value::Object(BTreeMap::new());
    model.write_object(&mut object);
    object
}

/// The attribute names of two models, for [`Model::ATTRIBUTES`] of a model made of both:
/// `concat_attributes::<{ A::ATTRIBUTES.len() + B::ATTRIBUTES.len() }>(A::ATTRIBUTES, B::ATTRIBUTES)`.
pub const fn concat_attributes<const N: usize>(
    a: &[&'static str],
    b: &[&'static str],
) -> [&'static str; N] {
    assert!(a.len() + b.len() == N, "N is the sum of both lengths");
    let mut out = [""; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - a.len()];
        i += 1;
    }
    out
}

/// Attribute `name` of `object` as a `T` (what [`model!`](crate::model) reads with).
pub fn attribute<T: FromValue>(object: &Value, name: &str) -> Result<T, ValueError> {
    let value = object.get(name).unwrap_or(&Value::Null);
    T::from_value(value, &AttributePath::attr(name))
}

/// Sets attribute `name` of `object` (what [`model!`](crate::model) writes with).
pub fn set_attribute<T: IntoValue>(object: &mut Value, name: &str, value: T) {
    object.set_attr(name, value.into_value());
}

/// Attribute names of `M` that `schema` lacks (a model out of step with its schema; check it in
/// a unit test of the resource).
pub fn unknown_attributes<M: Model>(schema: &Schema) -> Vec<&'static str> {
    let block = &schema.block;
    M::ATTRIBUTES
        .iter()
        .copied()
        .filter(|a| block.get_attribute(a).is_none() && block.nested_block(a).is_none())
        .collect()
}

/// Declares a [`Model`]: a struct whose fields are attributes of the same name (or the name
/// after `as`), each of a type that is [`FromValue`] and [`IntoValue`]. See the module docs.
#[macro_export]
macro_rules! model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $fty:ty $(as $attr:literal)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $fty, )*
        }

        impl $crate::tfplugin::model::Model for $name {
            const ATTRIBUTES: &'static [&'static str] =
                &[$( $crate::model!(@name $field $($attr)?) ),*];

            fn from_object(
                object: &$crate::tfplugin::Value,
            ) -> Result<Self, $crate::tfplugin::value::ValueError> {
                Ok(Self {
                    $(
                        $field: $crate::tfplugin::model::attribute(
                            object,
                            $crate::model!(@name $field $($attr)?),
                        )?,
                    )*
                })
            }

            fn write_object(self, object: &mut $crate::tfplugin::Value) {
                $(
                    $crate::tfplugin::model::set_attribute(
                        object,
                        $crate::model!(@name $field $($attr)?),
                        self.$field,
                    );
                )*
            }
        }

        /// As an attribute of object type (e.g. an element of a list of objects).
        impl $crate::tfplugin::model::FromValue for $name {
            fn from_value(
                value: &$crate::tfplugin::Value,
                path: &$crate::tfplugin::AttributePath,
            ) -> Result<Self, $crate::tfplugin::value::ValueError> {
                $crate::tfplugin::model::object_from_value(value, path)
            }
        }

        impl $crate::tfplugin::model::IntoValue for $name {
            fn into_value(self) -> $crate::tfplugin::Value {
                $crate::tfplugin::model::object_into_value(self)
            }
        }
    };
    (@name $field:ident $attr:literal) => { $attr };
    (@name $field:ident) => { stringify!($field) };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::model! {
        #[derive(Clone, Debug, PartialEq)]
        struct Sample {
            name: String,
            count: Option<i64>,
            id: Field<String>,
            tags: BTreeMap<String, String>,
            kind: Option<String> as "type",
        }
    }

    fn object() -> Value {
        Value::object([
            ("name", Value::string("a")),
            ("count", Value::Null),
            ("id", Value::Unknown),
            ("tags", Value::map([("team", Value::string("x"))])),
            ("type", Value::string("small")),
            ("other", Value::Bool(true)),
        ])
    }

    #[test]
    fn reads_and_writes_back_the_same_object() {
        let sample = Sample::from_object(&object()).unwrap();
        assert_eq!(sample.kind.as_deref(), Some("small"));
        assert_eq!(sample.id, Field::Unknown);
        assert_eq!(sample.count, None);
        let mut out = object();
        out.set_attr("name", Value::Null);
        sample.write_object(&mut out);
        assert_eq!(out, object(), "attributes it does not name are kept");
        assert_eq!(Sample::ATTRIBUTES, ["name", "count", "id", "tags", "type"]);
    }

    #[test]
    fn errors_name_the_attribute_and_say_what_was_wrong() {
        let mut bad = object();
        bad.set_attr("name", Value::Unknown);
        let e = Sample::from_object(&bad).unwrap_err();
        assert_eq!(e.path, AttributePath::attr("name"));
        assert!(e.message.contains("not known yet"), "{e}");

        let mut bad = object();
        bad.set_attr("tags", Value::map([("team", Value::Bool(true))]));
        let e = Sample::from_object(&bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tags[\"team\"]: the value is a bool, but a string is expected"
        );

        let mut bad = object();
        bad.set_attr("count", Value::from(1.5));
        assert!(Sample::from_object(&bad).is_err());
    }

    #[test]
    fn map_keys_parse_and_point_at_the_entry() {
        #[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
        struct Upper(String);
        impl FromStr for Upper {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                if s.chars().all(|c| c.is_ascii_uppercase()) {
                    Ok(Upper(s.to_string()))
                } else {
                    Err(format!("{s:?} is not upper case"))
                }
            }
        }
        let path = AttributePath::attr("m");
        let ok = Value::map([("AB", Value::string("1"))]);
        let m: BTreeMap<Upper, String> = FromValue::from_value(&ok, &path).unwrap();
        assert_eq!(m.get(&Upper("AB".into())).map(String::as_str), Some("1"));
        let bad = Value::map([("ab", Value::string("1"))]);
        let e = <BTreeMap<Upper, String>>::from_value(&bad, &path).unwrap_err();
        assert_eq!(e.path, path.join_key("ab"));
    }

    #[test]
    fn fields_know_null_unknown_and_known() {
        assert_eq!(Field::from(Some(1)), Field::Known(1));
        assert_eq!(Field::<i64>::from(None), Field::Null);
        assert_eq!(
            Field::Unknown.or_if_unknown(Field::Known(2)),
            Field::Known(2)
        );
        assert_eq!(Field::Null.or_if_unknown(Field::Known(2)), Field::Null);
        assert_eq!(Field::Known(3).known(), Some(&3));
        assert_eq!(Field::<i64>::Unknown.into_value(), Value::Unknown);
    }

    crate::model! {
        #[derive(Clone, Debug, PartialEq)]
        struct Item {
            id: String,
            size: Option<i64>,
        }
    }

    #[test]
    fn a_list_of_models_is_a_list_of_objects_and_errors_point_inside() {
        let items = vec![
            Item {
                id: "a".into(),
                size: Some(1),
            },
            Item {
                id: "b".into(),
                size: None,
            },
        ];
        let v = items.clone().into_value();
        assert_eq!(
            v,
            Value::List(vec![
                Value::object([("id", Value::string("a")), ("size", Value::number(1))]),
                Value::object([("id", Value::string("b")), ("size", Value::Null)]),
            ])
        );
        let path = AttributePath::attr("items");
        assert_eq!(Vec::<Item>::from_value(&v, &path).unwrap(), items);

        let bad = Value::List(vec![
            Value::object([("id", Value::string("a")), ("size", Value::Null)]),
            Value::object([("id", Value::Null), ("size", Value::Null)]),
        ]);
        let e = Vec::<Item>::from_value(&bad, &path).unwrap_err();
        assert_eq!(
            e.to_string(),
            "items[1].id: the value is null, but a value is required"
        );
        let e = Vec::<Item>::from_value(&Value::string("x"), &path).unwrap_err();
        assert!(e.message.contains("a list is expected"), "{e}");
        let e = Item::from_value(&Value::List(vec![]), &path).unwrap_err();
        assert!(e.message.contains("an object is expected"), "{e}");
    }

    #[test]
    fn concatenated_attribute_names_keep_their_order() {
        const BOTH: [&str; 7] = concat_attributes(Sample::ATTRIBUTES, Item::ATTRIBUTES);
        assert_eq!(BOTH, ["name", "count", "id", "tags", "type", "id", "size"]);
        assert_eq!(concat_attributes::<0>(&[], &[]), [""; 0]);
    }

    #[test]
    fn unknown_attributes_lists_what_the_schema_lacks() {
        use crate::tfplugin::schema::Attribute;
        use crate::tfplugin::value::Type;
        let schema = Schema::new()
            .attribute(Attribute::required("name", Type::String))
            .attribute(Attribute::optional("count", Type::Number))
            .attribute(Attribute::computed("id", Type::String))
            .attribute(Attribute::optional("tags", Type::map(Type::String)));
        assert_eq!(unknown_attributes::<Sample>(&schema), ["type"]);
    }
}
