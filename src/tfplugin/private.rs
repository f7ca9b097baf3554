//! Private state: bytes Terraform keeps beside a resource instance and hands back on the next
//! plan, apply and read; here a JSON object behind a small key/value API (empty bytes: no keys).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why private state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PrivateStateError {
    #[error("private state is not a JSON object: {0}")]
    Malformed(String),
    #[error("private state key {key:?}: {source}")]
    Value {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "private state key {0:?} is reserved (keys starting with '.' belong to the framework)"
    )]
    ReservedKey(String),
}

/// So hooks can use `?` on private-state calls.
impl From<PrivateStateError> for super::diag::Diagnostic {
    fn from(e: PrivateStateError) -> Self {
        super::diag::Diagnostic::error("Invalid private state", e.to_string())
    }
}

impl From<PrivateStateError> for super::diag::Diagnostics {
    fn from(e: PrivateStateError) -> Self {
        super::diag::Diagnostic::from(e).into()
    }
}

/// A JSON map of provider-private data for one resource instance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrivateState {
    map: serde_json::Map<String, serde_json::Value>,
}

impl PrivateState {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses what Terraform sent; empty bytes give an empty map.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PrivateStateError> {
        if bytes.is_empty() {
            return Ok(Self::default());
        }
        match serde_json::from_slice(bytes) {
            Ok(serde_json::Value::Object(map)) => Ok(Self { map }),
            Ok(other) => Err(PrivateStateError::Malformed(format!(
                "found a JSON {}",
                json_kind(&other)
            ))),
            Err(e) => Err(PrivateStateError::Malformed(e.to_string())),
        }
    }

    /// What goes back to Terraform; an empty map is sent as empty bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.map.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.map).unwrap_or_default()
    }

    /// The value under `key`, deserialized; `Ok(None)` when absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, PrivateStateError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|source| PrivateStateError::Value {
                    key: key.to_string(),
                    source,
                }),
        }
    }

    /// Stores `value` under `key`. Keys starting with `.` are reserved.
    pub fn set<T: Serialize>(&mut self, key: &str, value: &T) -> Result<(), PrivateStateError> {
        if key.starts_with('.') {
            return Err(PrivateStateError::ReservedKey(key.to_string()));
        }
        let v = serde_json::to_value(value).map_err(|source| PrivateStateError::Value {
            key: key.to_string(),
            source,
        })?;
        self.map.insert(key.to_string(), v);
        Ok(())
    }

    pub fn remove(&mut self, key: &str) -> Option<serde_json::Value> {
        self.map.remove(key)
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_bytes_are_an_empty_map_and_back() {
        let p = PrivateState::from_bytes(b"").unwrap();
        assert_eq!(p, PrivateState::new());
        assert!(p.to_bytes().is_empty());
    }

    #[test]
    fn typed_round_trip() {
        let mut p = PrivateState::new();
        p.set("record_id", &"rec-123").unwrap();
        p.set("attempts", &3u32).unwrap();
        let back = PrivateState::from_bytes(&p.to_bytes()).unwrap();
        assert_eq!(
            back.get::<String>("record_id").unwrap().as_deref(),
            Some("rec-123")
        );
        assert_eq!(back.get::<u32>("attempts").unwrap(), Some(3));
        assert_eq!(back.get::<u32>("missing").unwrap(), None);
        assert!(matches!(
            back.get::<u32>("record_id"),
            Err(PrivateStateError::Value { key, .. }) if key == "record_id"
        ));
    }

    #[test]
    fn rejects_non_objects_and_reserved_keys() {
        assert!(matches!(
            PrivateState::from_bytes(b"[1]"),
            Err(PrivateStateError::Malformed(m)) if m.contains("array")
        ));
        assert!(PrivateState::from_bytes(b"{nope").is_err());
        let mut p = PrivateState::new();
        assert!(matches!(
            p.set(".framework", &1),
            Err(PrivateStateError::ReservedKey(_))
        ));
    }
}
