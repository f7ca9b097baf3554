//! The HTTP side: the AWS JSON 1.1 endpoint (`POST /`), faults, caller lookup, persistence before
//! acknowledging, and the `/_emulator/` control API.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use serde_json::{json, Value};

use super::config::EmulatorConfig;
use super::error::{ApiError, EmulatorError, ErrorCode};
use super::faults::Faults;
use super::model::{State, STATE_VERSION};
use super::ops::{self, Ctx, Env, SeedProduct};
use super::principal::Principal;
use super::{sigv4, store};

/// `X-Amz-Target` prefix.
pub const TARGET_PREFIX: &str = "AWS242ServiceCatalogService.";

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

pub(crate) struct Inner {
    pub(crate) state: State,
    pub(crate) faults: Faults,
    /// Bumped on every change that must be persisted.
    pub(crate) version: u64,
}

pub(crate) struct Shared {
    pub(crate) inner: Mutex<Inner>,
    /// Highest version known durable.
    persisted: tokio::sync::Mutex<u64>,
    pub(crate) env: Env,
    pub(crate) config: EmulatorConfig,
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, state: State) -> Shared {
        let env = Env {
            account_id: config.account_id.clone(),
            region: config.region.clone(),
            partition: config.partition(),
            record_latency_secs: config.record_latency.as_secs_f64(),
            launch_role_arn: config.launch_role_arn.clone(),
        };
        Shared {
            inner: Mutex::new(Inner {
                state,
                faults: config.faults.clone(),
                version: 0,
            }),
            persisted: tokio::sync::Mutex::new(0),
            env,
            config,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the state half-changed in a way
        // worse than refusing all further requests would, so keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes sure everything up to `version` is on disk (no-op without a state file).
    pub(crate) async fn persist_through(&self, version: u64) -> Result<(), EmulatorError> {
        let Some(path) = self.config.state_file.clone() else {
            return Ok(());
        };
        let mut persisted = self.persisted.lock().await;
        if *persisted >= version {
            return Ok(());
        }
        // Group commit: write the latest state, which covers every waiting writer.
        let (latest, bytes) = {
            let mut inner = self.lock();
            inner.state.version = STATE_VERSION;
            let bytes =
                serde_json::to_vec(&inner.state).map_err(|e| EmulatorError::CorruptState {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            (inner.version, bytes)
        };
        let target = path.clone();
        tokio::task::spawn_blocking(move || store::write_atomic(&target, &bytes))
            .await
            .map_err(|e| EmulatorError::StateFile {
                path,
                source: std::io::Error::other(e.to_string()),
            })??;
        *persisted = latest;
        Ok(())
    }

    pub(crate) fn caller(
        &self,
        headers: &HeaderMap,
    ) -> Result<(Principal, Option<String>), ApiError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::new(
                ErrorCode::MissingAuthenticationToken,
                "Missing Authentication Token: the request has no Authorization header (sign it with SigV4)",
            ));
        };
        let text = value.to_str().unwrap_or_default();
        let auth = sigv4::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::IncompleteSignature,
                "Authorization header is not a well-formed AWS4-HMAC-SHA256 header \
                 (Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders, Signature)",
            )
        })?;
        let key = auth.access_key_id;
        let principals = &self.config.principals;
        let principal = match principals.keys.get(key) {
            Some(p) => p.clone(),
            None if principals.reject_unknown_keys => {
                return Err(ApiError::new(
                    ErrorCode::UnrecognizedClient,
                    format!("The security token included in the request is invalid: unknown access key id '{key}'"),
                ))
            }
            None => self.config.admin_principal(),
        };
        let verify_key = principal_secret_key(key, &principal);
        Ok((principal, verify_key))
    }
}

fn principal_secret_key(key: &str, p: &Principal) -> Option<String> {
    p.secret_access_key.as_ref().map(|_| key.to_owned())
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn json_response(status: StatusCode, body: Vec<u8>, rid: &str, code: Option<&str>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(rid) {
        h.insert("x-amzn-requestid", v);
    }
    if let Some(code) = code.and_then(|c| HeaderValue::from_str(c).ok()) {
        h.insert("x-amzn-errortype", code);
    }
    resp
}

fn error_response(err: &ApiError, rid: &str) -> Response {
    let body = json!({"__type": err.code.as_str(), "Message": err.message});
    let status = StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    json_response(
        status,
        body.to_string().into_bytes(),
        rid,
        Some(err.code.as_str()),
    )
}

fn server_error(status: u16) -> ApiError {
    if status == 503 {
        ApiError::new(
            ErrorCode::ServiceUnavailable,
            "Service unavailable (injected fault)",
        )
    } else {
        ApiError::new(
            ErrorCode::InternalFailure,
            "Internal failure (injected fault)",
        )
    }
}

async fn api(AxState(shared): AxState<Arc<Shared>>, req: Request<Body>) -> Response {
    let rid = request_id();
    match api_inner(&shared, req).await {
        Ok(body) => json_response(StatusCode::OK, body, &rid, None),
        Err(e) => {
            tracing::debug!(request_id = %rid, code = e.code.as_str(), "{}", e.message);
            error_response(&e, &rid)
        }
    }
}

async fn read_body(body: Body, limit: usize, headers: &HeaderMap) -> Result<Bytes, ApiError> {
    let too_large = |n: Option<u64>| {
        ApiError::new(
            ErrorCode::RequestEntityTooLarge,
            match n {
                Some(n) => format!("request body of {n} bytes exceeds the limit of {limit} bytes"),
                None => format!("request body exceeds the limit of {limit} bytes"),
            },
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared {
        if n > limit as u64 {
            return Err(too_large(Some(n)));
        }
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let msg = e.to_string();
        if msg.contains("length limit") {
            too_large(None)
        } else {
            ApiError::serialization(format!("could not read request body: {msg}"))
        }
    })
}

async fn api_inner(shared: &Shared, req: Request<Body>) -> Result<Vec<u8>, ApiError> {
    let (parts, body) = req.into_parts();
    let target = parts
        .headers
        .get("x-amz-target")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let op = match &target {
        None => {
            return Err(ApiError::new(
                ErrorCode::UnknownOperation,
                format!("missing X-Amz-Target header (expected {TARGET_PREFIX}<Operation>)"),
            ))
        }
        Some(t) => match t.strip_prefix(TARGET_PREFIX).and_then(ops::find) {
            Some(op) => op,
            None => {
                return Err(ApiError::new(
                    ErrorCode::UnknownOperation,
                    format!("unknown operation '{t}' (X-Amz-Target)"),
                ))
            }
        },
    };
    let body = read_body(body, shared.config.max_body_bytes, &parts.headers).await?;
    let (caller, verify_key) = shared.caller(&parts.headers)?;
    if let (Some(key), Some(secret)) = (verify_key, caller.secret_access_key.as_deref()) {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let ok = sigv4::parse(header).is_some_and(|auth| {
            sigv4::verify(
                &auth,
                secret,
                parts.method.as_str(),
                parts.uri.path(),
                parts.uri.query().unwrap_or_default(),
                &parts.headers,
                &body,
            )
        });
        if !ok {
            return Err(ApiError::new(
                ErrorCode::InvalidSignature,
                format!(
                    "The request signature we calculated does not match the signature you provided \
                     (access key '{key}'). Check your AWS Secret Access Key and signing method."
                ),
            ));
        }
    }
    // Faults that strike before any work is done.
    let latency = {
        let mut inner = shared.lock();
        let f = &mut inner.faults;
        if f.applies_to(op.name) {
            if f.throttle_next > 0 {
                f.throttle_next -= 1;
                return Err(ApiError::new(
                    ErrorCode::Throttling,
                    "Rate exceeded (injected fault)",
                ));
            }
            if f.server_error_next > 0 {
                f.server_error_next -= 1;
                return Err(server_error(f.server_error_status.unwrap_or(500)));
            }
            f.latency
        } else {
            Duration::ZERO
        }
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let request = super::input::parse_body(&body)?;
    let (result, version, fail_after) = {
        let mut guard = shared.lock();
        let inner = &mut *guard;
        let now = now_secs();
        inner.state.advance(now);
        let mut ctx = Ctx {
            caller: &caller,
            now,
            env: &shared.env,
            faults: inner.faults.for_records(),
        };
        let answer = (op.handler)(&mut inner.state, &mut ctx, &request)?;
        let mut version = None;
        if op.mutates {
            inner.version += 1;
            version = Some(inner.version);
        }
        let f = &mut inner.faults;
        let fail_after = if f.applies_to(op.name) && f.server_error_after_commit_next > 0 {
            f.server_error_after_commit_next -= 1;
            Some(f.server_error_status.unwrap_or(500))
        } else {
            None
        };
        (answer, version, fail_after)
    };
    if let Some(v) = version {
        // Acknowledge only what is durable.
        shared.persist_through(v).await.map_err(|e| {
            tracing::error!("persisting state failed: {e}");
            ApiError::new(
                ErrorCode::InternalFailure,
                "could not persist the change; it may be lost",
            )
        })?;
    }
    if let Some(status) = fail_after {
        return Err(server_error(status));
    }
    serde_json::to_vec(&result).map_err(|e| {
        ApiError::new(
            ErrorCode::InternalFailure,
            format!("encoding response: {e}"),
        )
    })
}

async fn not_post(method: Method, uri: Uri) -> Response {
    let err = ApiError::new(
        ErrorCode::UnknownOperation,
        format!("{method} {uri} is not served; AWS JSON 1.1 requests are POST /"),
    );
    let mut resp = error_response(&err, &request_id());
    *resp.status_mut() = if uri.path() == "/" {
        StatusCode::METHOD_NOT_ALLOWED
    } else {
        StatusCode::NOT_FOUND
    };
    resp
}

fn control_error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, axum::Json(json!({"error": msg.into()}))).into_response()
}

async fn health() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn dump_state(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let mut inner = shared.lock();
    inner.state.advance(now_secs());
    inner.state.version = STATE_VERSION;
    axum::Json(serde_json::to_value(&inner.state).unwrap_or(Value::Null)).into_response()
}

async fn reset(AxState(shared): AxState<Arc<Shared>>) -> Response {
    match reset_state(&shared).await {
        Ok(()) => axum::Json(json!({"status": "reset"})).into_response(),
        Err(e) => control_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

pub(crate) async fn reset_state(shared: &Shared) -> Result<(), EmulatorError> {
    let version = {
        let mut inner = shared.lock();
        inner.state = State::default();
        inner.faults = shared.config.faults.clone();
        inner.version += 1;
        inner.version
    };
    shared.persist_through(version).await
}

async fn get_faults(AxState(shared): AxState<Arc<Shared>>) -> Response {
    axum::Json(serde_json::to_value(&shared.lock().faults).unwrap_or(Value::Null)).into_response()
}

fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                b.insert(k, v);
            }
        }
        (b, p) => *b = p,
    }
}

async fn put_faults(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    body: Bytes,
) -> Response {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return control_error(StatusCode::BAD_REQUEST, "faults must be a JSON object"),
        Err(e) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                format!("faults body is not JSON: {e}"),
            )
        }
    };
    let mut inner = shared.lock();
    let mut merged = if method == Method::PATCH {
        serde_json::to_value(&inner.faults).unwrap_or_else(|_| json!({}))
    } else {
        json!({})
    };
    merge(&mut merged, patch);
    let faults: Faults = match serde_json::from_value(merged) {
        Ok(f) => f,
        Err(e) => return control_error(StatusCode::BAD_REQUEST, format!("invalid faults: {e}")),
    };
    if let Err(e) = faults.validate() {
        return control_error(StatusCode::BAD_REQUEST, format!("invalid faults: {e}"));
    }
    inner.faults = faults;
    axum::Json(serde_json::to_value(&inner.faults).unwrap_or(Value::Null)).into_response()
}

pub(crate) async fn seed_product(
    shared: &Shared,
    seed: &SeedProduct,
) -> Result<super::model::ProvisionedProduct, EmulatorError> {
    let owner = shared.config.admin_principal();
    let (pp, version) = {
        let mut inner = shared.lock();
        let now = now_secs();
        inner.state.advance(now);
        let pp = ops::seed(&mut inner.state, &owner, now, &shared.env, seed)?;
        inner.version += 1;
        (pp, inner.version)
    };
    shared.persist_through(version).await?;
    Ok(pp)
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
    match seed_product(&shared, &seed).await {
        Ok(pp) => {
            let mut detail = pp.detail();
            detail["UserArn"] = json!(pp.user_arn);
            detail["UserArnSession"] = json!(pp.user_arn_session);
            (StatusCode::CREATED, axum::Json(detail)).into_response()
        }
        Err(EmulatorError::Api(e)) => control_error(
            StatusCode::BAD_REQUEST,
            format!("{}: {}", e.code.as_str(), e.message),
        ),
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
    let mut records: Vec<&super::model::Record> = inner
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
    axum::Json(json!({"records": list})).into_response()
}

/// The router: API at `/`, control API under `/_emulator/`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", post(api).fallback(not_post))
        .route("/_emulator/health", get(health))
        .route("/_emulator/state", get(dump_state))
        .route("/_emulator/reset", post(reset))
        .route(
            "/_emulator/faults",
            get(get_faults).put(put_faults).patch(put_faults),
        )
        .route("/_emulator/provisioned-products", post(post_product))
        .route("/_emulator/records", get(list_records))
        .fallback(any(not_post))
        .with_state(shared)
}
