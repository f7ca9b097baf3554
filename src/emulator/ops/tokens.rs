//! Idempotency tokens: what "the same request" means (a fingerprint of caller and body without the
//! token), and the per-operation memory of tokens already used.

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::emulator::error::ServiceError;
use crate::emulator::model::{State, TokenUse};
use crate::emulator::principal::Principal;

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for k in keys {
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&m[k], out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for i in items {
                canonical(i, out);
                out.push(',');
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Hash of caller + request without its token and language: what "the same request" means.
pub(super) fn fingerprint(
    caller: &Principal,
    body: &Map<String, Value>,
    token_key: &str,
) -> String {
    let mut m = body.clone();
    m.remove(token_key);
    m.remove("AcceptLanguage");
    let mut text = caller.arn.clone();
    text.push('\n');
    canonical(&Value::Object(m), &mut text);
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn key(op: &str, token: &str) -> String {
    format!("{op}/{token}")
}

/// The record an earlier use of `token` created, if this request repeats it; `None` for a new
/// token; `InvalidParametersException` when the token was used for a different request.
pub(super) fn replayed(
    state: &State,
    op: &str,
    token_member: &str,
    token: &str,
    fingerprint: &str,
) -> Result<Option<String>, ServiceError> {
    match state.tokens.get(&key(op, token)) {
        None => Ok(None),
        Some(used) if used.fingerprint == fingerprint => Ok(Some(used.record_id.clone())),
        Some(used) => Err(ServiceError::invalid_parameters(format!(
            "{token_member} '{token}' was already used for a different {op} request (record {}); \
             use a new token for a new request",
            used.record_id
        ))),
    }
}

/// Remembers that `token` created `record_id`.
pub(super) fn remember(
    state: &mut State,
    op: &str,
    token: &str,
    fingerprint: String,
    record_id: &str,
) {
    state.tokens.insert(
        key(op, token),
        TokenUse {
            fingerprint,
            record_id: record_id.to_owned(),
        },
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::emulator::principal::AccessLevel;

    fn body(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("test bodies are objects"),
        }
    }

    #[test]
    fn fingerprint_ignores_token_language_and_key_order_but_not_caller() {
        let alice = Principal::new("arn:aws:iam::123456789012:user/alice", AccessLevel::Account);
        let bob = Principal::new("arn:aws:iam::123456789012:user/bob", AccessLevel::Account);
        let a = body(json!({"Id": "pp-1", "P": {"x": 1, "y": [1, 2]}, "Token": "t1"}));
        let b = body(
            json!({"AcceptLanguage": "jp", "P": {"y": [1, 2], "x": 1}, "Token": "t2", "Id": "pp-1"}),
        );
        assert_eq!(
            fingerprint(&alice, &a, "Token"),
            fingerprint(&alice, &b, "Token")
        );
        assert_ne!(
            fingerprint(&alice, &a, "Token"),
            fingerprint(&bob, &a, "Token")
        );
        let c = body(json!({"Id": "pp-2", "P": {"x": 1, "y": [1, 2]}, "Token": "t1"}));
        assert_ne!(
            fingerprint(&alice, &a, "Token"),
            fingerprint(&alice, &c, "Token")
        );
    }

    #[test]
    fn a_token_replays_the_same_request_and_refuses_another() {
        let mut state = State::default();
        assert_eq!(replayed(&state, "Op", "Token", "t", "fp1").unwrap(), None);
        remember(&mut state, "Op", "t", "fp1".into(), "rec-1");
        assert_eq!(
            replayed(&state, "Op", "Token", "t", "fp1")
                .unwrap()
                .as_deref(),
            Some("rec-1")
        );
        let err = replayed(&state, "Op", "Token", "t", "fp2").unwrap_err();
        assert!(
            err.message.contains("Token 't'") && err.message.contains("rec-1"),
            "{}",
            err.message
        );
        // Tokens are per operation.
        assert_eq!(
            replayed(&state, "Other", "Token", "t", "fp2").unwrap(),
            None
        );
    }
}
