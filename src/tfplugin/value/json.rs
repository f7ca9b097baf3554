//! The JSON form of values (`DynamicValue.json`, and state as Terraform stores it), read and
//! written as go-cty's `cty/json` does; an attribute missing from an object reads as null.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::number::quote_truncated;
use super::walk::{encodable, tuple_length, unsupported_attribute, Elements, Encodable, Trail};
use super::{required_name, Number, Type, Value, ValueError};
use crate::tfplugin::path::{AttributePath, PathStep};

/// Decodes JSON as a value of `ty`.
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    // serde_json bounds its own recursion (128), so the parse cannot overflow the stack.
    let json: Json = serde_json::from_slice(bytes)
        .map_err(|e| ValueError::new(&AttributePath::root(), format!("invalid JSON: {e}")))?;
    Walk::default().decode(&json, ty)
}

/// Decodes stored JSON (state or identity of the current version) as a value of `ty`:
/// attributes the type no longer has are dropped (and missing ones read as null).
pub fn decode_stored_json(json: &Json, ty: &Type) -> Result<Value, ValueError> {
    let mut walk = Walk {
        stored: true,
        ..Walk::default()
    };
    walk.decode(json, ty)
}

/// Encodes `value` as compact JSON of type `ty`.
pub fn encode_json(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let json = Walk::default().encode(value, ty)?;
    serde_json::to_vec(&json)
        .map_err(|e| ValueError::new(&AttributePath::root(), format!("failed to write JSON: {e}")))
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[derive(Default)]
struct Walk {
    trail: Trail,
    /// Stored data: drop attributes the type does not have instead of refusing them.
    stored: bool,
}

impl Walk {
    fn error(&self, message: impl Into<String>) -> ValueError {
        self.trail.error(message)
    }

    fn mismatch(&self, ty: &Type, found: &Json) -> ValueError {
        self.error(format!(
            "{} is required, found {}",
            required_name(ty),
            json_kind(found)
        ))
    }

    fn decode(&mut self, json: &Json, ty: &Type) -> Result<Value, ValueError> {
        if json.is_null() {
            return Ok(Value::Null);
        }
        match (ty, json) {
            (Type::String, Json::String(s)) => Ok(Value::String(s.clone())),
            (Type::String, Json::Number(n)) => Ok(Value::String(n.as_str().to_owned())),
            (Type::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Bool, Json::String(s)) => match s.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(self.error(format!(
                    "bool is required, found the string {}",
                    quote_truncated(s)
                ))),
            },
            (Type::Number, Json::Number(n)) => self.number(n.as_str()),
            (Type::Number, Json::String(s)) => self.number(s),
            (Type::List(ety), Json::Array(xs)) => self.elements(xs, |_| ety).map(Value::List),
            (Type::Set(ety), Json::Array(xs)) => self.elements(xs, |_| ety).map(Value::Set),
            (Type::Tuple(etys), Json::Array(xs)) => {
                if xs.len() != etys.len() {
                    return Err(self.error(tuple_length(etys.len(), xs.len())));
                }
                self.elements(xs, |i| &etys[i]).map(Value::Tuple)
            }
            (Type::Map(ety), Json::Object(entries)) => {
                self.trail.enter()?;
                let mut out = BTreeMap::new();
                for (k, v) in entries {
                    self.trail.push(PathStep::Key(k.clone()));
                    out.insert(k.clone(), self.decode(v, ety)?);
                    self.trail.pop();
                }
                self.trail.leave();
                Ok(Value::Map(out))
            }
            (Type::Object(atys), Json::Object(attrs)) => {
                let extra = attrs.keys().find(|k| !atys.contains_key(*k));
                if let Some(extra) = extra.filter(|_| !self.stored) {
                    return Err(self.error(unsupported_attribute(extra)));
                }
                self.trail.enter()?;
                let mut out = BTreeMap::new();
                for (name, aty) in atys {
                    let v = match attrs.get(name) {
                        Some(v) => {
                            self.trail.push(PathStep::Attribute(name.clone()));
                            let v = self.decode(v, aty)?;
                            self.trail.pop();
                            v
                        }
                        None => Value::Null,
                    };
                    out.insert(name.clone(), v);
                }
                self.trail.leave();
                Ok(Value::Object(out))
            }
            (Type::Dynamic, Json::Object(wrapper)) => self.dynamic(wrapper),
            (Type::Dynamic, other) => Err(self.error(format!(
                "a dynamic value must be an object {{\"value\": ..., \"type\": ...}}, found {}",
                json_kind(other)
            ))),
            (_, other) => Err(self.mismatch(ty, other)),
        }
    }

    fn number(&self, text: &str) -> Result<Value, ValueError> {
        text.parse::<Number>().map(Value::Number).map_err(|_| {
            self.error(format!(
                "number is required, found {}",
                quote_truncated(text)
            ))
        })
    }

    fn elements<'t>(
        &mut self,
        xs: &[Json],
        ety: impl Fn(usize) -> &'t Type,
    ) -> Result<Vec<Value>, ValueError> {
        self.trail.enter()?;
        let mut out = Vec::with_capacity(xs.len());
        for (i, x) in xs.iter().enumerate() {
            self.trail.push_index(i);
            out.push(self.decode(x, ety(i))?);
            self.trail.pop();
        }
        self.trail.leave();
        Ok(out)
    }

    fn dynamic(&mut self, wrapper: &serde_json::Map<String, Json>) -> Result<Value, ValueError> {
        if let Some(extra) = wrapper.keys().find(|k| *k != "value" && *k != "type") {
            return Err(self.error(format!(
                "invalid key {} in dynamically-typed value",
                quote_truncated(extra)
            )));
        }
        let Some(type_json) = wrapper.get("type") else {
            return Err(self.error("missing type in dynamically-typed value"));
        };
        let Some(value_json) = wrapper.get("value") else {
            return Err(self.error("missing value in dynamically-typed value"));
        };
        let ty = Type::from_json(type_json)
            .map_err(|e| self.error(format!("dynamic value: {}", e.message)))?;
        self.trail.enter()?;
        let v = self.decode(value_json, &ty)?;
        self.trail.leave();
        Ok(Value::Dynamic(ty, Box::new(v)))
    }

    fn encode(&mut self, value: &Value, ty: &Type) -> Result<Json, ValueError> {
        match encodable(value, ty).map_err(|m| self.error(m))? {
            Encodable::Unknown => Err(self.error("an unknown value cannot be written as JSON")),
            Encodable::Null => Ok(Json::Null),
            Encodable::Dynamic(inner_ty, inner) => {
                self.trail.enter()?;
                let v = self.encode(inner, inner_ty)?;
                self.trail.leave();
                let mut wrapper = serde_json::Map::new();
                wrapper.insert("value".into(), v);
                wrapper.insert("type".into(), inner_ty.to_json());
                Ok(Json::Object(wrapper))
            }
            Encodable::String(s) => Ok(Json::String(s.to_owned())),
            Encodable::Bool(b) => Ok(Json::Bool(b)),
            Encodable::Number(n) => self.encode_number(n),
            Encodable::Elements(xs, etys) => self.encode_elements(xs, etys),
            Encodable::Map(entries, ety) => {
                self.trail.enter()?;
                let mut out = serde_json::Map::new();
                for (k, v) in entries {
                    self.trail.push(PathStep::Key(k.clone()));
                    out.insert(k.clone(), self.encode(v, ety)?);
                    self.trail.pop();
                }
                self.trail.leave();
                Ok(Json::Object(out))
            }
            Encodable::Object(attrs, atys) => {
                self.trail.enter()?;
                let mut out = serde_json::Map::new();
                for ((name, v), aty) in attrs.iter().zip(atys.values()) {
                    self.trail.push(PathStep::Attribute(name.clone()));
                    out.insert(name.clone(), self.encode(v, aty)?);
                    self.trail.pop();
                }
                self.trail.leave();
                Ok(Json::Object(out))
            }
        }
    }

    fn encode_number(&self, n: &Number) -> Result<Json, ValueError> {
        if let Some(reason) = n.invalid_reason() {
            return Err(self.error(reason));
        }
        if let Number::Float(f) = n {
            if f.is_infinite() {
                return Err(self.error("an infinite number cannot be written as JSON"));
            }
        }
        // Display gives cty's exponent-free text for Int and Float, the kept text for Decimal.
        let text = n.to_string();
        text.parse::<serde_json::Number>()
            .map(Json::Number)
            .map_err(|e| self.error(format!("failed to write number {text}: {e}")))
    }

    fn encode_elements(&mut self, xs: &[Value], etys: Elements<'_>) -> Result<Json, ValueError> {
        self.trail.enter()?;
        let mut out = Vec::with_capacity(xs.len());
        for (i, x) in xs.iter().enumerate() {
            self.trail.push_index(i);
            out.push(self.encode(x, etys.at(i))?);
            self.trail.pop();
        }
        self.trail.leave();
        Ok(Json::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("owner", Type::String),
            ("count", Type::Number),
            ("tags", Type::map(Type::String)),
        ])
    }

    #[test]
    fn missing_attribute_in_state_decodes_as_null() {
        let v = decode_json(br#"{"id":"pp-1","tags":{"a":"b"}}"#, &state_type()).unwrap();
        assert_eq!(
            v,
            Value::object([
                ("id", Value::string("pp-1")),
                ("owner", Value::Null),
                ("count", Value::Null),
                ("tags", Value::map([("a", Value::string("b"))])),
            ])
        );
    }

    #[test]
    fn unsupported_attribute_is_an_error_at_the_object() {
        let ty = Type::object([("nested", state_type())]);
        let err = decode_json(br#"{"nested":{"id":"x","removed":1}}"#, &ty).unwrap_err();
        assert_eq!(err.path.to_string(), "nested");
        assert_eq!(err.message, r#"unsupported attribute "removed""#);
        assert_eq!(
            err.to_string(),
            r#"nested: unsupported attribute "removed""#
        );
    }

    #[test]
    fn big_and_precise_numbers_are_kept_exactly() {
        let ty = Type::list(Type::Number);
        // (serde_json spells exponents with a sign, so `1e+400` is what survives byte for byte.)
        let text =
            br#"[1180591620717411303424,0.1,-12,3.14159265358979323846264338327950288,1e+400]"#;
        let v = decode_json(text, &ty).unwrap();
        let Value::List(xs) = &v else {
            panic!("not a list: {v:?}")
        };
        let decimals: Vec<_> = xs
            .iter()
            .map(|x| match x {
                Value::Number(Number::Decimal(t)) => t.as_str(),
                Value::Number(Number::Int(_)) => "int",
                _ => "other",
            })
            .collect();
        assert_eq!(
            decimals,
            [
                "1180591620717411303424",
                "0.1",
                "int",
                "3.14159265358979323846264338327950288",
                "1e+400"
            ]
        );
        assert_eq!(xs[2], Value::from(-12i64));
        // ... and written back unchanged.
        assert_eq!(encode_json(&v, &ty).unwrap(), text);
        let unsigned = decode_json(b"1E400", &Type::Number).unwrap();
        assert_eq!(unsigned, Value::Number(Number::Decimal("1e400".into())));
    }

    #[test]
    fn dynamic_uses_value_and_type_wrapper() {
        let ty = Type::object([("d", Type::Dynamic)]);
        let text = br#"{"d":{"value":{"a":["x"]},"type":["object",{"a":["list","string"]}]}}"#;
        let v = decode_json(text, &ty).unwrap();
        let inner_ty = Type::object([("a", Type::list(Type::String))]);
        let expected = Value::object([(
            "d",
            Value::dynamic(
                inner_ty,
                Value::object([("a", Value::List(vec!["x".into()]))]),
            ),
        )]);
        assert_eq!(v, expected);
        // serde_json writes keys sorted, so "type" comes before "value".
        assert_eq!(
            encode_json(&v, &ty).unwrap(),
            br#"{"d":{"type":["object",{"a":["list","string"]}],"value":{"a":["x"]}}}"#
        );
        let err = decode_json(br#"{"d":{"value":1}}"#, &ty).unwrap_err();
        assert_eq!(err.path.to_string(), "d");
        assert_eq!(err.message, "missing type in dynamically-typed value");
        let err = decode_json(br#"{"d":"x"}"#, &ty).unwrap_err();
        assert!(
            err.message.starts_with("a dynamic value must be an object"),
            "{err}"
        );
        assert_eq!(
            decode_json(br#"{"d":null}"#, &ty).unwrap(),
            Value::object([("d", Value::Null)])
        );
    }

    #[test]
    fn cty_style_primitive_conversions() {
        assert_eq!(
            decode_json(br#""true""#, &Type::Bool).unwrap(),
            Value::from(true)
        );
        assert_eq!(
            decode_json(b"12", &Type::String).unwrap(),
            Value::from("12")
        );
        assert_eq!(
            decode_json(br#""12""#, &Type::Number).unwrap(),
            Value::from(12i64)
        );
        let err = decode_json(br#"{"count":"twelve"}"#, &state_type()).unwrap_err();
        assert_eq!(err.path.to_string(), "count");
        assert_eq!(err.message, r#"number is required, found "twelve""#);
        let err = decode_json(br#"{"tags":{"k":[1]}}"#, &state_type()).unwrap_err();
        assert_eq!(err.path.to_string(), r#"tags["k"]"#);
        assert_eq!(err.message, "string is required, found an array");
    }

    #[test]
    fn tuple_length_and_trailing_garbage() {
        let ty = Type::Tuple(vec![Type::String, Type::Bool]);
        assert_eq!(
            decode_json(br#"["a",true]"#, &ty).unwrap(),
            Value::Tuple(vec!["a".into(), true.into()])
        );
        let err = decode_json(br#"["a"]"#, &ty).unwrap_err();
        assert_eq!(err.message, "a tuple of length 2 is required (1 given)");
        assert!(decode_json(br#"["a",true] x"#, &ty).is_err());
    }

    #[test]
    fn encoding_refuses_unknowns_and_missing_attributes() {
        let ty = state_type();
        let mut v = Value::empty_object_for(&ty);
        if let Value::Object(attrs) = &mut v {
            attrs.insert("owner".into(), Value::Unknown);
        }
        let err = encode_json(&v, &ty).unwrap_err();
        assert_eq!(err.path.to_string(), "owner");
        assert_eq!(err.message, "an unknown value cannot be written as JSON");
        let err = encode_json(&Value::object([("id", Value::Null)]), &ty).unwrap_err();
        assert_eq!(err.message, r#"attribute "count" is required"#);
    }

    #[test]
    fn floats_are_written_without_exponent() {
        let ty = Type::list(Type::Number);
        let v = Value::List(vec![1.5.into(), 1e21.into(), 2.0.into()]);
        assert_eq!(
            encode_json(&v, &ty).unwrap(),
            b"[1.5,1000000000000000000000,2]"
        );
        let err = encode_json(&Value::List(vec![f64::INFINITY.into()]), &ty).unwrap_err();
        assert_eq!(err.path.to_string(), "[0]");
    }
}
