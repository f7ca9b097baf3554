//! The API pipeline at `POST /`, one layer per concern, outermost first:
//! [`route`] (`X-Amz-Target` → operation table row; counts calls and throttled answers; logs
//! errors) → [`authenticate`] (body size, `Authorization` → caller, SigV4 when the key has a
//! secret) → [`rate_limit`] (the operation's token bucket) → [`faults`] (injected throttling and
//! server errors, latency, errors after commit) → [`call`] (decode, run the operation under the
//! lock, persist before acknowledging).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Extension, Request, State as AxState};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::shared::{now_secs, Shared};
use crate::emulator::config::EmulatorConfig;
use crate::emulator::error::{ErrorCode, ServiceError};
use crate::emulator::input;
use crate::emulator::ops::{self, Call, Ctx, Operation};
use crate::emulator::principal::Principal;
use crate::emulator::sigv4;
use crate::emulator::wire::AwsJson;

/// `X-Amz-Target` prefix.
pub const TARGET_PREFIX: &str = "AWS242ServiceCatalogService.";

/// The operation a request was routed to (request extension).
#[derive(Clone, Copy, Debug)]
pub(super) struct Routed(pub &'static Operation);

/// The authenticated caller (request extension).
#[derive(Clone, Debug)]
pub(super) struct Caller(pub Principal);

fn operation_of(headers: &HeaderMap) -> Result<&'static Operation, ServiceError> {
    let Some(target) = headers.get("x-amz-target") else {
        return Err(ServiceError::new(
            ErrorCode::UnknownOperation,
            format!("missing X-Amz-Target header (expected {TARGET_PREFIX}<Operation>)"),
        ));
    };
    let target = target.to_str().unwrap_or_default();
    target
        .strip_prefix(TARGET_PREFIX)
        .and_then(ops::find)
        .ok_or_else(|| {
            ServiceError::new(
                ErrorCode::UnknownOperation,
                format!("unknown operation '{target}' (X-Amz-Target)"),
            )
        })
}

fn log_error(resp: &Response) {
    if let Some(err) = resp.extensions().get::<ServiceError>() {
        let request_id = resp
            .headers()
            .get("x-amzn-requestid")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        tracing::debug!(request_id, code = err.code.as_str(), "{}", err.message);
    }
}

/// Routes by `X-Amz-Target` and keeps the per-operation counters.
pub(super) async fn route(
    AxState(shared): AxState<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    let op = match operation_of(req.headers()) {
        Ok(op) => op,
        Err(e) => {
            let resp = e.into_response();
            log_error(&resp);
            return resp;
        }
    };
    shared.counters.call(op.index);
    req.extensions_mut().insert(Routed(op));
    let resp = next.run(req).await;
    if resp
        .extensions()
        .get::<ServiceError>()
        .is_some_and(|e| e.code == ErrorCode::Throttling)
    {
        shared.counters.throttled(op.index);
    }
    log_error(&resp);
    resp
}

async fn read_body(body: Body, limit: usize, headers: &HeaderMap) -> Result<Bytes, ServiceError> {
    let too_large = |n: Option<u64>| {
        ServiceError::new(
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
            ServiceError::serialization(format!("could not read request body: {msg}"))
        }
    })
}

/// The caller of a request: the principal of the access key in its SigV4 `Authorization` header,
/// with the request checked as AWS checks it (`sigv4::check`) when that principal has a secret.
fn caller_of(
    config: &EmulatorConfig,
    parts: &Parts,
    body: &[u8],
) -> Result<Principal, ServiceError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Err(ServiceError::new(
            ErrorCode::MissingAuthenticationToken,
            "Missing Authentication Token: the request has no Authorization header (sign it with SigV4)",
        ));
    };
    let auth = sigv4::parse(value.to_str().unwrap_or_default()).ok_or_else(|| {
        ServiceError::new(
            ErrorCode::IncompleteSignature,
            "Authorization header is not a well-formed AWS4-HMAC-SHA256 header \
             (Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders, Signature)",
        )
    })?;
    let key = auth.access_key_id;
    let principals = &config.principals;
    let principal = match principals.keys.get(key) {
        Some(p) => p.clone(),
        None if principals.reject_unknown_keys => {
            return Err(ServiceError::new(
                ErrorCode::UnrecognizedClient,
                format!("The security token included in the request is invalid: unknown access key id '{key}'"),
            ))
        }
        None => config.admin_principal(),
    };
    if let Some(secret) = principal.secret_access_key.as_deref() {
        let received = sigv4::Received {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or_default(),
            headers: &parts.headers,
            body,
        };
        sigv4::check(&auth, secret, &received, time::OffsetDateTime::now_utc())?;
    }
    Ok(principal)
}

/// Reads the body (within `max_body_bytes`) and finds the caller.
pub(super) async fn authenticate(
    AxState(shared): AxState<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Result<Response, ServiceError> {
    let (mut parts, body) = req.into_parts();
    let body = read_body(body, shared.config.max_body_bytes, &parts.headers).await?;
    let caller = caller_of(&shared.config, &parts, &body)?;
    parts.extensions.insert(Caller(caller));
    Ok(next.run(Request::from_parts(parts, Body::from(body))).await)
}

/// Answers `ThrottlingException` ("Rate exceeded") when the operation's token bucket is empty, as
/// AWS throttles an account's calls per operation.
pub(super) async fn rate_limit(
    AxState(shared): AxState<Arc<Shared>>,
    Extension(Routed(op)): Extension<Routed>,
    req: Request,
    next: Next,
) -> Result<Response, ServiceError> {
    if !shared.lock().buckets.try_take(op.index, Instant::now()) {
        return Err(ServiceError::new(ErrorCode::Throttling, "Rate exceeded"));
    }
    Ok(next.run(req).await)
}

fn server_error(status: Option<u16>) -> ServiceError {
    if status == Some(503) {
        ServiceError::new(
            ErrorCode::ServiceUnavailable,
            "Service unavailable (injected fault)",
        )
    } else {
        ServiceError::new(
            ErrorCode::InternalFailure,
            "Internal failure (injected fault)",
        )
    }
}

/// Injected faults of the operation: throttling and server errors before any work, latency, and
/// server errors after a successful (and persisted) call.
pub(super) async fn faults(
    AxState(shared): AxState<Arc<Shared>>,
    Extension(Routed(op)): Extension<Routed>,
    req: Request,
    next: Next,
) -> Result<Response, ServiceError> {
    let latency = {
        let mut inner = shared.lock();
        let f = &mut inner.faults;
        if !f.applies_to(op.name) {
            Duration::ZERO
        } else if f.throttle_next > 0 {
            f.throttle_next -= 1;
            return Err(ServiceError::new(
                ErrorCode::Throttling,
                "Rate exceeded (injected fault)",
            ));
        } else if f.server_error_next > 0 {
            f.server_error_next -= 1;
            return Err(server_error(f.server_error_status));
        } else {
            f.latency
        }
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let resp = next.run(req).await;
    if resp.status() == StatusCode::OK {
        let mut inner = shared.lock();
        let f = &mut inner.faults;
        if f.applies_to(op.name) && f.server_error_after_commit_next > 0 {
            f.server_error_after_commit_next -= 1;
            return Err(server_error(f.server_error_status));
        }
    }
    Ok(resp)
}

/// Runs the operation on the state and answers once a change is durable.
pub(super) async fn call(
    AxState(shared): AxState<Arc<Shared>>,
    Extension(Routed(op)): Extension<Routed>,
    Extension(Caller(caller)): Extension<Caller>,
    body: Bytes,
) -> Result<AwsJson, ServiceError> {
    let request = input::parse_body(&body)?;
    let (answer, version) = {
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
        let answer = (op.handler)(Call {
            state: &mut inner.state,
            ctx: &mut ctx,
            body: &request,
        })?;
        let version = op.mutates.then(|| {
            inner.version += 1;
            inner.version
        });
        (answer, version)
    };
    if let Some(v) = version {
        // Acknowledge only what is durable.
        shared.persist_through(v).await.map_err(|e| {
            tracing::error!("persisting state failed: {e}");
            ServiceError::new(
                ErrorCode::InternalFailure,
                "could not persist the change; it may be lost",
            )
        })?;
    }
    Ok(AwsJson(answer))
}
