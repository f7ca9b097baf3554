//! The msgpack form of `DynamicValue`, read and written as go-cty does (`cty/msgpack`), driven
//! by the type; where cty leaves room it is strict (choices in `docs/design.md`).

use rmp::decode::{self, ValueReadError};
use rmp::encode;
use rmp::Marker;

use super::number::{quote_truncated, ExactDecimal};
use super::walk::{encodable, tuple_length, unsupported_attribute, Elements, Encodable, Trail};
use super::{required_name, Number, Type, Value, ValueError};
use crate::tfplugin::path::{AttributePath, PathStep};

/// Decodes a msgpack `DynamicValue` as a value of `ty`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut decoder = Decoder {
        rd: bytes,
        trail: Trail::default(),
    };
    let value = decoder.value(ty)?;
    if !decoder.rd.is_empty() {
        return Err(ValueError::new(
            &AttributePath::root(),
            format!("{} unexpected bytes after the value", decoder.rd.len()),
        ));
    }
    Ok(value)
}

/// Encodes `value` as msgpack of type `ty`, failing (with the path) where it does not conform.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut encoder = Encoder {
        out: Vec::new(),
        trail: Trail::default(),
    };
    encoder.value(value, ty)?;
    Ok(encoder.out)
}

fn is_ext(m: Marker) -> bool {
    use Marker::*;
    matches!(
        m,
        FixExt1 | FixExt2 | FixExt4 | FixExt8 | FixExt16 | Ext8 | Ext16 | Ext32
    )
}

fn is_str(m: Marker) -> bool {
    matches!(
        m,
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32
    )
}

fn is_bin(m: Marker) -> bool {
    matches!(m, Marker::Bin8 | Marker::Bin16 | Marker::Bin32)
}

fn is_array(m: Marker) -> bool {
    matches!(m, Marker::FixArray(_) | Marker::Array16 | Marker::Array32)
}

fn is_map(m: Marker) -> bool {
    matches!(m, Marker::FixMap(_) | Marker::Map16 | Marker::Map32)
}

/// What a marker introduces, for "X is required, found Y" messages.
fn marker_kind(m: Marker) -> &'static str {
    use Marker::*;
    match m {
        Null => "nil",
        True | False => "a bool",
        FixPos(_) | FixNeg(_) | U8 | U16 | U32 | U64 | I8 | I16 | I32 | I64 => "an integer",
        F32 | F64 => "a float",
        _ if is_str(m) => "a string",
        _ if is_bin(m) => "binary data",
        _ if is_array(m) => "an array",
        _ if is_map(m) => "a map",
        _ if is_ext(m) => "an extension",
        _ => "the reserved byte 0xc1",
    }
}

struct Decoder<'a> {
    rd: &'a [u8],
    trail: Trail,
}

impl<'a> Decoder<'a> {
    fn error(&self, message: impl Into<String>) -> ValueError {
        self.trail.error(message)
    }

    fn read_error<E: decode::RmpReadErr>(&self, e: ValueReadError<E>) -> ValueError {
        match e {
            ValueReadError::TypeMismatch(m) => self.error(format!(
                "malformed MessagePack: unexpected {}",
                marker_kind(m)
            )),
            _ => self.error("unexpected end of input"),
        }
    }

    fn peek(&self) -> Result<Marker, ValueError> {
        match self.rd.first() {
            Some(&b) => Ok(Marker::from_u8(b)),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn advance_marker(&mut self) {
        self.rd = &self.rd[1..];
    }

    fn take(&mut self, len: u32) -> Result<&'a [u8], ValueError> {
        match usize::try_from(len) {
            Ok(len) if len <= self.rd.len() => {
                let (head, tail) = self.rd.split_at(len);
                self.rd = tail;
                Ok(head)
            }
            _ => Err(self.error("unexpected end of input")),
        }
    }

    fn mismatch(&self, ty: &Type, found: Marker) -> ValueError {
        self.error(format!(
            "{} is required, found {}",
            required_name(ty),
            marker_kind(found)
        ))
    }

    fn value(&mut self, ty: &Type) -> Result<Value, ValueError> {
        let marker = self.peek()?;
        if is_ext(marker) {
            let meta = decode::read_ext_meta(&mut self.rd).map_err(|e| self.read_error(e))?;
            self.take(meta.size)?;
            return Ok(Value::Unknown);
        }
        if marker == Marker::Null {
            self.advance_marker();
            return Ok(Value::Null);
        }
        match ty {
            Type::String => match self.text(marker)? {
                Some(s) => Ok(Value::String(s.to_owned())),
                None => Err(self.mismatch(ty, marker)),
            },
            Type::Bool => match marker {
                Marker::True | Marker::False => {
                    self.advance_marker();
                    Ok(Value::Bool(marker == Marker::True))
                }
                _ => Err(self.mismatch(ty, marker)),
            },
            Type::Number => self.number(marker).map(Value::Number),
            Type::List(ety) => {
                let len = self.array_len(ty, marker)?;
                self.elements(len, |_| ety).map(Value::List)
            }
            Type::Set(ety) => {
                let len = self.array_len(ty, marker)?;
                self.elements(len, |_| ety).map(Value::Set)
            }
            Type::Tuple(etys) => {
                let len = self.array_len(ty, marker)?;
                if usize::try_from(len).ok() != Some(etys.len()) {
                    return Err(self.error(tuple_length(etys.len(), len)));
                }
                self.elements(len, |i| &etys[i]).map(Value::Tuple)
            }
            Type::Map(ety) => self.map(ty, marker, ety),
            Type::Object(attrs) => self.object(ty, marker, attrs),
            Type::Dynamic => self.dynamic(marker),
        }
    }

    /// A str or bin as text; `None` (nothing consumed) for any other marker.
    fn text(&mut self, marker: Marker) -> Result<Option<&'a str>, ValueError> {
        let len = if is_str(marker) {
            decode::read_str_len(&mut self.rd).map_err(|e| self.read_error(e))?
        } else if is_bin(marker) {
            decode::read_bin_len(&mut self.rd).map_err(|e| self.read_error(e))?
        } else {
            return Ok(None);
        };
        let raw = self.take(len)?;
        match std::str::from_utf8(raw) {
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(self.error("string is not valid UTF-8")),
        }
    }

    fn number(&mut self, marker: Marker) -> Result<Number, ValueError> {
        use Marker::*;
        match marker {
            U64 => {
                let u: u64 = decode::read_u64(&mut self.rd).map_err(|e| self.read_error(e))?;
                Ok(Number::from_u64(u))
            }
            FixPos(_) | FixNeg(_) | U8 | U16 | U32 | I8 | I16 | I32 | I64 => {
                match decode::read_int::<i64, _>(&mut self.rd) {
                    Ok(i) => Ok(Number::Int(i)),
                    Err(_) => Err(self.error("unexpected end of input")),
                }
            }
            F32 => {
                let f = decode::read_f32(&mut self.rd).map_err(|e| self.read_error(e))?;
                self.float(f64::from(f))
            }
            F64 => {
                let f = decode::read_f64(&mut self.rd).map_err(|e| self.read_error(e))?;
                self.float(f)
            }
            _ => match self.text(marker)? {
                // Kept as text even when it would fit an Int, so it is written back as it came.
                Some(text) if ExactDecimal::parse(text).is_some() => {
                    Ok(Number::Decimal(text.to_owned()))
                }
                Some(text) => Err(self.error(format!(
                    "number is required, found the string {}",
                    quote_truncated(text)
                ))),
                None => Err(self.mismatch(&Type::Number, marker)),
            },
        }
    }

    fn float(&self, f: f64) -> Result<Number, ValueError> {
        if f.is_nan() {
            return Err(self.error("number is required, found NaN"));
        }
        let as_int = Number::Float(f).as_i64();
        Ok(as_int.map_or(Number::Float(f), Number::Int))
    }

    fn array_len(&mut self, ty: &Type, marker: Marker) -> Result<u32, ValueError> {
        if !is_array(marker) {
            return Err(self.mismatch(ty, marker));
        }
        decode::read_array_len(&mut self.rd).map_err(|e| self.read_error(e))
    }

    fn map_len(&mut self, ty: &Type, marker: Marker) -> Result<u32, ValueError> {
        if !is_map(marker) {
            return Err(self.mismatch(ty, marker));
        }
        decode::read_map_len(&mut self.rd).map_err(|e| self.read_error(e))
    }

    /// Room for `len` items, capped by the bytes left (each item takes at least one byte),
    /// so a forged length cannot make us allocate.
    fn capacity(&self, len: u32) -> usize {
        usize::try_from(len)
            .unwrap_or(usize::MAX)
            .min(self.rd.len())
    }

    fn elements<'t>(
        &mut self,
        len: u32,
        ety: impl Fn(usize) -> &'t Type,
    ) -> Result<Vec<Value>, ValueError> {
        self.trail.enter()?;
        let mut out = Vec::with_capacity(self.capacity(len));
        for i in 0..len {
            self.trail.push(PathStep::Index(i64::from(i)));
            out.push(self.value(ety(out.len()))?);
            self.trail.pop();
        }
        self.trail.leave();
        Ok(out)
    }

    fn key(&mut self, what: &str) -> Result<String, ValueError> {
        let marker = self.peek()?;
        match self.text(marker)? {
            Some(k) => Ok(k.to_owned()),
            None => Err(self.error(format!(
                "{what} must be strings, found {}",
                marker_kind(marker)
            ))),
        }
    }

    fn map(&mut self, ty: &Type, marker: Marker, ety: &Type) -> Result<Value, ValueError> {
        let len = self.map_len(ty, marker)?;
        self.trail.enter()?;
        let mut out = std::collections::BTreeMap::new();
        for _ in 0..len {
            let key = self.key("map keys")?;
            if out.contains_key(&key) {
                return Err(self.error(format!("duplicate map key {}", quote_truncated(&key))));
            }
            self.trail.push(PathStep::Key(key));
            let v = self.value(ety)?;
            if let Some(PathStep::Key(key)) = self.trail.pop() {
                out.insert(key, v);
            }
        }
        self.trail.leave();
        Ok(Value::Map(out))
    }

    fn object(
        &mut self,
        ty: &Type,
        marker: Marker,
        attrs: &std::collections::BTreeMap<String, Type>,
    ) -> Result<Value, ValueError> {
        let len = self.map_len(ty, marker)?;
        self.trail.enter()?;
        let mut out = std::collections::BTreeMap::new();
        for _ in 0..len {
            let name = self.key("object attribute names")?;
            let Some(aty) = attrs.get(&name) else {
                return Err(self.error(unsupported_attribute(&name)));
            };
            if out.contains_key(&name) {
                return Err(self.error(format!("duplicate attribute {name:?}")));
            }
            self.trail.push(PathStep::Attribute(name));
            let v = self.value(aty)?;
            if let Some(PathStep::Attribute(name)) = self.trail.pop() {
                out.insert(name, v);
            }
        }
        if let Some(missing) = attrs.keys().find(|k| !out.contains_key(*k)) {
            return Err(self.error(format!("attribute {missing:?} is required")));
        }
        self.trail.leave();
        Ok(Value::Object(out))
    }

    fn dynamic(&mut self, marker: Marker) -> Result<Value, ValueError> {
        let shape = "a dynamic value must be a two-element array [type JSON, value]";
        if !is_array(marker) {
            return Err(self.error(format!("{shape}, found {}", marker_kind(marker))));
        }
        let len = decode::read_array_len(&mut self.rd).map_err(|e| self.read_error(e))?;
        if len != 2 {
            return Err(self.error(format!("{shape}, found {len} elements")));
        }
        self.trail.enter()?;
        let type_marker = self.peek()?;
        let Some(type_json) = self.text(type_marker)? else {
            return Err(self.error(format!(
                "the type of a dynamic value must be JSON in bin or str, found {}",
                marker_kind(type_marker)
            )));
        };
        let ty = Type::from_json_bytes(type_json.as_bytes())
            .map_err(|e| self.error(format!("dynamic value: {}", e.message)))?;
        let v = self.value(&ty)?;
        self.trail.leave();
        Ok(Value::Dynamic(ty, Box::new(v)))
    }
}

struct Encoder {
    out: Vec<u8>,
    trail: Trail,
}

impl Encoder {
    fn error(&self, message: impl Into<String>) -> ValueError {
        self.trail.error(message)
    }

    /// Writing to a Vec cannot fail; this keeps that assumption out of `unwrap`s.
    fn wrote<T, E: std::fmt::Display>(&self, r: Result<T, E>) -> Result<(), ValueError> {
        r.map(|_| ())
            .map_err(|e| self.error(format!("failed to write MessagePack: {e}")))
    }

    fn len_u32(&self, len: usize) -> Result<u32, ValueError> {
        u32::try_from(len)
            .map_err(|_| self.error(format!("{len} elements is too many for MessagePack")))
    }

    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), ValueError> {
        match encodable(value, ty).map_err(|m| self.error(m))? {
            Encodable::Unknown => {
                let r = encode::write_ext_meta(&mut self.out, 1, 0);
                self.wrote(r)?;
                self.out.push(0);
                Ok(())
            }
            Encodable::Null => {
                let r = encode::write_nil(&mut self.out);
                self.wrote(r)
            }
            Encodable::Dynamic(inner_ty, inner) => {
                self.trail.enter()?;
                let r = encode::write_array_len(&mut self.out, 2);
                self.wrote(r)?;
                let r = encode::write_bin(&mut self.out, &inner_ty.to_json_bytes());
                self.wrote(r)?;
                self.value(inner, inner_ty)?;
                self.trail.leave();
                Ok(())
            }
            Encodable::String(s) => {
                let r = encode::write_str(&mut self.out, s);
                self.wrote(r)
            }
            Encodable::Bool(b) => {
                let r = encode::write_bool(&mut self.out, b);
                self.wrote(r)
            }
            Encodable::Number(n) => self.number(n),
            Encodable::Elements(xs, etys) => self.elements(xs, etys),
            Encodable::Map(entries, ety) => {
                let fields = entries.iter().map(|(k, v)| (k, v, ety));
                self.fields(entries.len(), fields, PathStep::Key)
            }
            Encodable::Object(attrs, atys) => {
                let fields = attrs.iter().zip(atys.values());
                let fields = fields.map(|((name, v), aty)| (name, v, aty));
                self.fields(atys.len(), fields, PathStep::Attribute)
            }
        }
    }

    /// A map or an object: `len` keys, each written as a str before its value; `step` is how
    /// a key appears in paths.
    fn fields<'v>(
        &mut self,
        len: usize,
        fields: impl Iterator<Item = (&'v String, &'v Value, &'v Type)>,
        step: fn(String) -> PathStep,
    ) -> Result<(), ValueError> {
        self.trail.enter()?;
        let len = self.len_u32(len)?;
        let r = encode::write_map_len(&mut self.out, len);
        self.wrote(r)?;
        for (key, v, ty) in fields {
            let r = encode::write_str(&mut self.out, key);
            self.wrote(r)?;
            self.trail.push(step(key.clone()));
            self.value(v, ty)?;
            self.trail.pop();
        }
        self.trail.leave();
        Ok(())
    }

    fn number(&mut self, n: &Number) -> Result<(), ValueError> {
        if let Some(reason) = n.invalid_reason() {
            return Err(self.error(reason));
        }
        let r = match n {
            Number::Int(i) => encode::write_sint(&mut self.out, *i).map(|_| ()),
            Number::Float(f) => match n.as_i64() {
                // cty writes an integral number as an int whenever it fits.
                Some(i) => encode::write_sint(&mut self.out, i).map(|_| ()),
                None => encode::write_f64(&mut self.out, *f),
            },
            Number::Decimal(text) => encode::write_str(&mut self.out, text),
        };
        self.wrote(r)
    }

    fn elements(&mut self, xs: &[Value], etys: Elements<'_>) -> Result<(), ValueError> {
        self.trail.enter()?;
        let len = self.len_u32(xs.len())?;
        let r = encode::write_array_len(&mut self.out, len);
        self.wrote(r)?;
        for (i, x) in xs.iter().enumerate() {
            self.trail.push_index(i);
            self.value(x, etys.at(i))?;
            self.trail.pop();
        }
        self.trail.leave();
        Ok(())
    }
}
