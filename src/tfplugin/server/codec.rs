//! Values on the wire: `DynamicValue` decode (msgpack, else JSON) and encode (msgpack), identity
//! data, private state, client capabilities, and stored JSON.

use super::super::context::ClientCapabilities;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::private::PrivateState;
use super::super::proto;
use super::super::value::{self, Type, Value, ValueError};
use super::ResourceEntry;

/// msgpack first; JSON when msgpack is empty; an absent value is null.
pub(super) fn decode(
    dv: Option<&proto::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostic> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    let decoded = if !dv.msgpack.is_empty() {
        value::decode_msgpack(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        value::decode_json(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| decode_error(what, e))
}

pub(super) fn decode_error(what: &str, e: ValueError) -> Diagnostic {
    Diagnostic::error(
        format!("Invalid {what}"),
        format!("Terraform sent a {what} the provider cannot read: {e}"),
    )
    .at(e.path)
}

pub(super) fn encode(v: &Value, ty: &Type) -> Result<proto::DynamicValue, Diagnostic> {
    let msgpack = value::encode_msgpack(v, ty).map_err(|e| {
        Diagnostic::error(
            "Provider produced an invalid value",
            format!("The value does not match the schema: {e}. This is a bug in the provider."),
        )
        .at(e.path)
    })?;
    Ok(proto::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

/// Encodes `v`, or (with an error) `fallback` when `v` does not fit the schema.
pub(super) fn encode_or(
    v: &Value,
    fallback: &Value,
    ty: &Type,
    diags: &mut Diagnostics,
) -> proto::DynamicValue {
    match encode(v, ty) {
        Ok(dv) => dv,
        Err(d) => {
            diags.push(d);
            encode(fallback, ty).unwrap_or_default()
        }
    }
}

pub(super) fn private(bytes: &[u8]) -> Result<PrivateState, Diagnostic> {
    Ok(PrivateState::from_bytes(bytes)?)
}

/// What the caller supports; all false when the request carries none (older clients).
pub(super) fn client(caps: Option<&proto::ClientCapabilities>) -> ClientCapabilities {
    let caps = caps.cloned().unwrap_or_default();
    ClientCapabilities {
        deferral_allowed: caps.deferral_allowed,
        write_only_attributes_allowed: caps.write_only_attributes_allowed,
        store_planned_private: caps.store_planned_private,
        computed_blocks_allowed: caps.computed_blocks_allowed,
    }
}

/// The identity Terraform sent, decoded with the resource's identity schema (null when the
/// resource has none or Terraform sent none).
pub(super) fn decode_identity<D>(
    entry: &ResourceEntry<D>,
    data: Option<&proto::ResourceIdentityData>,
) -> Result<Value, Diagnostic> {
    match &entry.identity {
        Some(ident) => decode(
            data.and_then(|d| d.identity_data.as_ref()),
            &ident.ty,
            "resource identity",
        ),
        None => Ok(Value::Null),
    }
}

/// An identity as identity data (nothing for a resource without identity, or no identity).
pub(super) fn identity_data<D>(
    entry: &ResourceEntry<D>,
    identity: Option<Value>,
    diags: &mut Diagnostics,
) -> Option<proto::ResourceIdentityData> {
    let ty = &entry.identity.as_ref()?.ty;
    let identity = identity?;
    match encode(&identity, ty) {
        Ok(dv) => Some(proto::ResourceIdentityData {
            identity_data: Some(dv),
        }),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// Stored JSON (state or identity of the current version) as a value of `ty`: attributes no
/// longer in the schema are dropped, missing ones read as null.
pub(super) fn decode_stored(
    json: &serde_json::Value,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostic> {
    value::decode_stored_json(json, ty).map_err(|e| decode_error(what, e))
}
