//! TEMPORARY stand-in for the codec in `value/` until it lands on main: the same
//! signatures, the subset of behaviour this layer's tests need. Delete on merge.

use std::collections::BTreeMap;

use rmp::Marker;

use super::path::AttributePath;
use super::value::{Number, Type, Value, ValueError};

pub fn type_to_json(ty: &Type) -> serde_json::Value {
    use serde_json::json;
    match ty {
        Type::String => json!("string"),
        Type::Number => json!("number"),
        Type::Bool => json!("bool"),
        Type::Dynamic => json!("dynamic"),
        Type::List(t) => json!(["list", type_to_json(t)]),
        Type::Set(t) => json!(["set", type_to_json(t)]),
        Type::Map(t) => json!(["map", type_to_json(t)]),
        Type::Object(m) => {
            let o: serde_json::Map<_, _> = m
                .iter()
                .map(|(k, v)| (k.clone(), type_to_json(v)))
                .collect();
            json!(["object", o])
        }
        Type::Tuple(v) => json!(["tuple", v.iter().map(type_to_json).collect::<Vec<_>>()]),
    }
}

pub fn type_to_json_bytes(ty: &Type) -> Vec<u8> {
    type_to_json(ty).to_string().into_bytes()
}

fn err(path: &AttributePath, m: impl Into<String>) -> ValueError {
    ValueError::new(path, m)
}

pub fn encode_msgpack(v: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::new();
    enc(&mut out, v, ty, &AttributePath::root())?;
    Ok(out)
}

fn enc(o: &mut Vec<u8>, v: &Value, ty: &Type, p: &AttributePath) -> Result<(), ValueError> {
    let io = |_e: rmp::encode::ValueWriteError| err(p, "write failed");
    match (v, ty) {
        (Value::Null, _) => rmp::encode::write_nil(o).map_err(|_| err(p, "write failed")),
        (Value::Unknown, _) => {
            o.extend_from_slice(&[0xd4, 0, 0]);
            Ok(())
        }
        (Value::String(s), Type::String) => {
            rmp::encode::write_str(o, s).map_err(|_| err(p, "write failed"))
        }
        (Value::Bool(b), Type::Bool) => {
            rmp::encode::write_bool(o, *b).map_err(|_| err(p, "write failed"))
        }
        (Value::Number(Number::Int(i)), Type::Number) => {
            rmp::encode::write_sint(o, *i).map(|_| ()).map_err(io)
        }
        (Value::Number(Number::Float(f)), Type::Number) => {
            rmp::encode::write_f64(o, *f).map_err(io)
        }
        (Value::Number(Number::Decimal(s)), Type::Number) => {
            rmp::encode::write_str(o, s).map_err(|_| err(p, "write failed"))
        }
        (Value::List(xs), Type::List(t)) | (Value::Set(xs), Type::Set(t)) => {
            rmp::encode::write_array_len(o, xs.len() as u32).map_err(io)?;
            for (i, x) in xs.iter().enumerate() {
                enc(o, x, t, &p.join_index(i as i64))?;
            }
            Ok(())
        }
        (Value::Map(m), Type::Map(t)) => {
            rmp::encode::write_map_len(o, m.len() as u32).map_err(io)?;
            for (k, x) in m {
                rmp::encode::write_str(o, k).map_err(|_| err(p, "write failed"))?;
                enc(o, x, t, &p.join_key(k))?;
            }
            Ok(())
        }
        (Value::Object(m), Type::Object(ts)) => {
            rmp::encode::write_map_len(o, ts.len() as u32).map_err(io)?;
            for (k, t) in ts {
                rmp::encode::write_str(o, k).map_err(|_| err(p, "write failed"))?;
                enc(o, m.get(k).unwrap_or(&Value::Null), t, &p.join_attr(k))?;
            }
            Ok(())
        }
        _ => Err(err(p, format!("value does not conform to type {ty:?}"))),
    }
}

pub fn decode_msgpack(b: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut rd = b;
    dec(&mut rd, ty, &AttributePath::root())
}

fn dec(rd: &mut &[u8], ty: &Type, p: &AttributePath) -> Result<Value, ValueError> {
    let e = |m: &str| err(p, m.to_string());
    let marker = *rd.first().ok_or_else(|| e("unexpected end of msgpack"))?;
    let marker = Marker::from_u8(marker);
    if marker == Marker::Null {
        *rd = &rd[1..];
        return Ok(Value::Null);
    }
    if matches!(
        marker,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    ) {
        let meta = rmp::decode::read_ext_meta(rd).map_err(|_| e("bad extension"))?;
        let n = meta.size as usize;
        if rd.len() < n {
            return Err(e("truncated extension"));
        }
        *rd = &rd[n..];
        return Ok(Value::Unknown);
    }
    match ty {
        Type::String => {
            let n = rmp::decode::read_str_len(rd).map_err(|_| e("expected a string"))? as usize;
            if rd.len() < n {
                return Err(e("truncated string"));
            }
            let s = std::str::from_utf8(&rd[..n]).map_err(|_| e("invalid utf-8"))?;
            *rd = &rd[n..];
            Ok(Value::String(s.to_string()))
        }
        Type::Bool => rmp::decode::read_bool(rd)
            .map(Value::Bool)
            .map_err(|_| e("expected a bool")),
        Type::Number => match marker {
            Marker::F64 => rmp::decode::read_f64(rd)
                .map(|f| Value::Number(Number::Float(f)))
                .map_err(|_| e("bad float")),
            Marker::FixStr(_) | Marker::Str8 => {
                let v = dec(rd, &Type::String, p)?;
                match v {
                    Value::String(s) => Ok(Value::Number(Number::Decimal(s))),
                    _ => Err(e("bad number")),
                }
            }
            _ => rmp::decode::read_int::<i64, _>(rd)
                .map(|i| Value::Number(Number::Int(i)))
                .map_err(|_| e("expected a number")),
        },
        Type::List(t) | Type::Set(t) => {
            let n = rmp::decode::read_array_len(rd).map_err(|_| e("expected an array"))?;
            let mut xs = Vec::new();
            for i in 0..n {
                xs.push(dec(rd, t, &p.join_index(i as i64))?);
            }
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(xs)
            } else {
                Value::Set(xs)
            })
        }
        Type::Map(t) => {
            let n = rmp::decode::read_map_len(rd).map_err(|_| e("expected a map"))?;
            let mut m = BTreeMap::new();
            for _ in 0..n {
                let Value::String(k) = dec(rd, &Type::String, p)? else {
                    return Err(e("bad key"));
                };
                let v = dec(rd, t, &p.join_key(&k))?;
                m.insert(k, v);
            }
            Ok(Value::Map(m))
        }
        Type::Object(ts) => {
            let n = rmp::decode::read_map_len(rd).map_err(|_| e("expected an object"))?;
            if n as usize != ts.len() {
                return Err(e(&format!(
                    "an object with {} attributes is required ({n} given)",
                    ts.len()
                )));
            }
            let mut m = BTreeMap::new();
            for _ in 0..n {
                let Value::String(k) = dec(rd, &Type::String, p)? else {
                    return Err(e("bad key"));
                };
                let t = ts
                    .get(&k)
                    .ok_or_else(|| err(&p.join_attr(&k), "unsupported attribute"))?;
                let v = dec(rd, t, &p.join_attr(&k))?;
                m.insert(k, v);
            }
            Ok(Value::Object(m))
        }
        _ => Err(e("type not supported by the temporary codec")),
    }
}

pub fn decode_json(b: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let j: serde_json::Value =
        serde_json::from_slice(b).map_err(|e| err(&AttributePath::root(), e.to_string()))?;
    from_json(&j, ty, &AttributePath::root())
}

fn from_json(j: &serde_json::Value, ty: &Type, p: &AttributePath) -> Result<Value, ValueError> {
    use serde_json::Value as J;
    Ok(match (j, ty) {
        (J::Null, _) => Value::Null,
        (J::String(s), Type::String) => Value::String(s.clone()),
        (J::Bool(b), Type::Bool) => Value::Bool(*b),
        (J::Number(n), Type::Number) => match n.as_i64() {
            Some(i) => Value::Number(Number::Int(i)),
            None => Value::Number(Number::Decimal(n.to_string())),
        },
        (J::Array(xs), Type::List(t)) | (J::Array(xs), Type::Set(t)) => {
            let mut out = Vec::new();
            for (i, x) in xs.iter().enumerate() {
                out.push(from_json(x, t, &p.join_index(i as i64))?);
            }
            if matches!(ty, Type::List(_)) {
                Value::List(out)
            } else {
                Value::Set(out)
            }
        }
        (J::Object(m), Type::Map(t)) => Value::Map(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), from_json(x, t, &p.join_key(k))?)))
                .collect::<Result<_, ValueError>>()?,
        ),
        (J::Object(m), Type::Object(ts)) => {
            let mut out = BTreeMap::new();
            for (k, t) in ts {
                let x = m.get(k).unwrap_or(&J::Null);
                out.insert(k.clone(), from_json(x, t, &p.join_attr(k))?);
            }
            if let Some(k) = m.keys().find(|k| !ts.contains_key(*k)) {
                return Err(err(&p.join_attr(k), "unsupported attribute"));
            }
            Value::Object(out)
        }
        _ => return Err(err(p, format!("JSON value does not conform to {ty:?}"))),
    })
}
