//! The control API under `/_emulator/` (plain JSON, no auth): health, state dump, reset, faults,
//! seeding, records and per-operation metrics.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::shared::{now_secs, Shared};
use crate::emulator::error::EmulatorError;
use crate::emulator::faults::Faults;
use crate::emulator::model::{Record, STATE_VERSION};
use crate::emulator::ops::SeedProduct;

/// The `/_emulator/` routes.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/state", get(dump_state))
        .route("/_emulator/reset", post(reset))
        .route(
            "/_emulator/faults",
            get(get_faults).put(put_faults).patch(put_faults),
        )
        .route("/_emulator/provisioned-products", post(post_product))
        .route("/_emulator/records", get(list_records))
        .route("/_emulator/metrics", get(metrics))
}

fn control_error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

fn to_json<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_value(value) {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("encoding the answer failed: {e}"),
        ),
    }
}

async fn health() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

async fn dump_state(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let mut inner = shared.lock();
    inner.state.advance(now_secs());
    inner.state.version = STATE_VERSION;
    to_json(&inner.state)
}

async fn reset(AxState(shared): AxState<Arc<Shared>>) -> Response {
    match shared.reset().await {
        Ok(()) => Json(json!({"status": "reset"})).into_response(),
        Err(e) => control_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn get_faults(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let faults = shared.lock().faults.clone();
    to_json(&faults)
}

/// `PUT` replaces all faults (missing fields are off); `PATCH` replaces only the fields given.
async fn put_faults(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    body: Bytes,
) -> Response {
    let patch = match serde_json::from_slice(&body) {
        Ok(Value::Object(patch)) => patch,
        Ok(_) => return control_error(StatusCode::BAD_REQUEST, "faults must be a JSON object"),
        Err(e) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                format!("faults body is not JSON: {e}"),
            )
        }
    };
    let result = shared.update_faults(|faults| {
        let mut merged = if method == Method::PATCH {
            serde_json::to_value(&*faults).map_err(|e| e.to_string())?
        } else {
            json!({})
        };
        if let Value::Object(fields) = &mut merged {
            fields.extend(patch);
        }
        *faults = serde_json::from_value::<Faults>(merged).map_err(|e| e.to_string())?;
        Ok(())
    });
    match result {
        Ok(faults) => to_json(&faults),
        Err(e) => control_error(StatusCode::BAD_REQUEST, format!("invalid faults: {e}")),
    }
}

async fn post_product(AxState(shared): AxState<Arc<Shared>>, body: Bytes) -> Response {
    let seed: SeedProduct = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                format!("invalid provisioned product: {e}"),
            )
        }
    };
    match shared.seed(&seed).await {
        Ok(pp) => {
            let mut detail = pp.detail();
            detail["UserArn"] = json!(pp.user_arn);
            detail["UserArnSession"] = json!(pp.user_arn_session);
            (StatusCode::CREATED, Json(detail)).into_response()
        }
        Err(EmulatorError::Api(e)) => control_error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => control_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn list_records(AxState(shared): AxState<Arc<Shared>>, uri: Uri) -> Response {
    // Ids are `[a-zA-Z0-9_-]`, so no percent-decoding is needed.
    let wanted = uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("provisioned_product_id="))
            .map(str::to_owned)
    });
    let mut inner = shared.lock();
    inner.state.advance(now_secs());
    let mut records: Vec<&Record> = inner
        .state
        .records
        .values()
        .filter(|r| {
            wanted
                .as_ref()
                .is_none_or(|id| &r.provisioned_product_id == id)
        })
        .collect();
    records.sort_by_key(|r| r.seq);
    let list: Vec<Value> = records.iter().map(|r| r.detail()).collect();
    Json(json!({"records": list})).into_response()
}

async fn metrics(AxState(shared): AxState<Arc<Shared>>) -> Response {
    to_json(&shared.counters.snapshot())
}
