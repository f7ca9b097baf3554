//! The one place this layer reaches the value codec, so swapping its source is one edit.

pub use super::codec_shim::{decode_json, decode_msgpack, encode_msgpack};

use super::value::Type;

pub fn type_json_bytes(ty: &Type) -> Vec<u8> {
    super::codec_shim::type_to_json_bytes(ty)
}

pub fn type_json(ty: &Type) -> serde_json::Value {
    super::codec_shim::type_to_json(ty)
}
