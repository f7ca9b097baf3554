//! cty's JSON type syntax (`"string"`, `["list","string"]`, ...), small constructors and a
//! readable `Display`.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as Json;

use super::{Type, ValueError, MAX_DEPTH};
use crate::tfplugin::path::AttributePath;

impl Type {
    /// Reads a type from cty's JSON form. The optional-attributes third element of
    /// `["object", {...}, [...]]` is accepted and ignored: optional attributes only matter
    /// when converting configuration, never on the wire.
    pub fn from_json(v: &Json) -> Result<Type, ValueError> {
        type_from_json(v, 0)
    }

    /// Reads a type from cty's JSON form given as bytes.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Type, ValueError> {
        let v: Json = serde_json::from_slice(bytes).map_err(|e| {
            ValueError::new(
                &AttributePath::root(),
                format!("type is not valid JSON: {e}"),
            )
        })?;
        Type::from_json(&v)
    }

    /// The type in cty's JSON form.
    pub fn to_json(&self) -> Json {
        match self {
            Type::String => Json::from("string"),
            Type::Number => Json::from("number"),
            Type::Bool => Json::from("bool"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(t) => Json::Array(vec!["list".into(), t.to_json()]),
            Type::Set(t) => Json::Array(vec!["set".into(), t.to_json()]),
            Type::Map(t) => Json::Array(vec!["map".into(), t.to_json()]),
            Type::Object(attrs) => {
                let attrs = attrs.iter().map(|(k, t)| (k.clone(), t.to_json()));
                Json::Array(vec!["object".into(), Json::Object(attrs.collect())])
            }
            Type::Tuple(elems) => Json::Array(vec![
                "tuple".into(),
                Json::Array(elems.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// The type in cty's compact JSON form (object attributes sorted), as bytes.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // serde_json's map is ordered by key here (no `preserve_order`); and even with it,
        // `to_json` inserts keys from a BTreeMap, so they stay sorted.
        serde_json::to_vec(&self.to_json()).expect("a JSON value always serialises to memory")
    }

    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object type from `(attribute name, type)` pairs.
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object(attrs.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    /// The attribute types when this is an object type.
    pub fn attribute_types(&self) -> Option<&BTreeMap<String, Type>> {
        match self {
            Type::Object(attrs) => Some(attrs),
            _ => None,
        }
    }
}

fn type_from_json(v: &Json, depth: usize) -> Result<Type, ValueError> {
    let invalid = |why: &str| {
        let shown = super::number::truncated(&v.to_string());
        ValueError::new(
            &AttributePath::root(),
            format!("invalid type {shown}: {why}"),
        )
    };
    if depth > MAX_DEPTH {
        return Err(invalid(&format!(
            "nested more than {MAX_DEPTH} levels deep"
        )));
    }
    match v {
        Json::String(name) => match name.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            _ => Err(invalid("unknown primitive type name")),
        },
        Json::Array(items) => {
            let Some(Json::String(kind)) = items.first() else {
                return Err(invalid("a type array must start with its kind"));
            };
            let arg = |n: usize| -> Result<&Json, ValueError> {
                if items.len() == n {
                    Ok(&items[1])
                } else {
                    Err(invalid(&format!("a {kind} type has {} elements", n)))
                }
            };
            match kind.as_str() {
                "list" => Ok(Type::list(type_from_json(arg(2)?, depth + 1)?)),
                "set" => Ok(Type::set(type_from_json(arg(2)?, depth + 1)?)),
                "map" => Ok(Type::map(type_from_json(arg(2)?, depth + 1)?)),
                "tuple" => match arg(2)? {
                    Json::Array(elems) => elems
                        .iter()
                        .map(|e| type_from_json(e, depth + 1))
                        .collect::<Result<_, _>>()
                        .map(Type::Tuple),
                    _ => Err(invalid("tuple element types must be an array")),
                },
                "object" => {
                    if !(items.len() == 2 || items.len() == 3) {
                        return Err(invalid("an object type has 2 or 3 elements"));
                    }
                    let Json::Object(attrs) = &items[1] else {
                        return Err(invalid("object attribute types must be a JSON object"));
                    };
                    if let Some(optional) = items.get(2) {
                        let names_ok = matches!(optional, Json::Array(names)
                            if names.iter().all(Json::is_string));
                        if !names_ok {
                            return Err(invalid(
                                "optional attributes must be an array of attribute names",
                            ));
                        }
                    }
                    attrs
                        .iter()
                        .map(|(k, t)| Ok((k.clone(), type_from_json(t, depth + 1)?)))
                        .collect::<Result<_, _>>()
                        .map(Type::Object)
                }
                _ => Err(invalid("unknown type kind")),
            }
        }
        _ => Err(invalid("a type is a string or an array")),
    }
}

/// Names the type the way cty's messages do: `string`, `list of string`, `object`, ...
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(t) => write!(f, "list of {t}"),
            Type::Set(t) => write!(f, "set of {t}"),
            Type::Map(t) => write!(f, "map of {t}"),
            Type::Object(_) => f.write_str("object"),
            Type::Tuple(_) => f.write_str("tuple"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Type {
        let ty = Type::from_json_bytes(text.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(ty.to_json_bytes()).unwrap(), text);
        ty
    }

    #[test]
    fn primitives_round_trip() {
        assert_eq!(round_trip(r#""string""#), Type::String);
        assert_eq!(round_trip(r#""number""#), Type::Number);
        assert_eq!(round_trip(r#""bool""#), Type::Bool);
        assert_eq!(round_trip(r#""dynamic""#), Type::Dynamic);
    }

    #[test]
    fn collections_round_trip_compact_with_sorted_keys() {
        assert_eq!(round_trip(r#"["list","string"]"#), Type::list(Type::String));
        assert_eq!(
            round_trip(r#"["set",["map","bool"]]"#),
            Type::set(Type::map(Type::Bool))
        );
        let obj = round_trip(r#"["object",{"a":"number","b":["tuple",["string","dynamic"]]}]"#);
        assert_eq!(
            obj,
            Type::object([
                ("b", Type::Tuple(vec![Type::String, Type::Dynamic])),
                ("a", Type::Number),
            ])
        );
        assert_eq!(
            round_trip(r#"["object",{}]"#),
            Type::Object(BTreeMap::new())
        );
        assert_eq!(round_trip(r#"["tuple",[]]"#), Type::Tuple(vec![]));
    }

    #[test]
    fn keys_come_out_sorted_whatever_the_input_order() {
        let ty = Type::from_json_bytes(br#"["object",{"z":"string","a":"bool"}]"#).unwrap();
        assert_eq!(
            ty.to_json_bytes(),
            br#"["object",{"a":"bool","z":"string"}]"#
        );
    }

    #[test]
    fn optional_attributes_are_accepted_and_dropped() {
        let ty = Type::from_json_bytes(br#"["object",{"a":"string"},["a"]]"#).unwrap();
        assert_eq!(ty, Type::object([("a", Type::String)]));
        assert_eq!(ty.to_json_bytes(), br#"["object",{"a":"string"}]"#);
    }

    #[test]
    fn bad_types_are_named_in_the_error() {
        let err = Type::from_json_bytes(br#"["list"]"#).unwrap_err();
        assert_eq!(
            err.message,
            r#"invalid type ["list"]: a list type has 2 elements"#
        );
        let err = Type::from_json_bytes(br#""strin""#).unwrap_err();
        assert_eq!(
            err.message,
            r#"invalid type "strin": unknown primitive type name"#
        );
        for bad in [
            &br#"42"#[..],
            br#"["capsule","x"]"#,
            br#"["object",["a"]]"#,
            br#"["object",{},[1]]"#,
            br#"["tuple","string"]"#,
            br#"[]"#,
            br#"{"#,
        ] {
            assert!(Type::from_json_bytes(bad).is_err());
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let mut v = Json::from("string");
        for _ in 0..200 {
            v = Json::Array(vec!["list".into(), v]);
        }
        let err = Type::from_json(&v).unwrap_err();
        assert!(
            err.message.contains("nested more than 128 levels deep"),
            "{err}"
        );
    }
}
