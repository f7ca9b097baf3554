//! The HTTP side: the router (the AWS JSON 1.1 endpoint at `POST /` behind its layers, the control
//! API under `/_emulator/`) over [`Shared`], the state every request works on.
//!
//! Modules: `pipeline` (the API's layers, one per concern), `control` (the control API) and
//! `shared` (state, faults, rate-limit buckets, counters and persistence).

mod control;
mod pipeline;
mod shared;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::Router;

use super::error::{ErrorCode, ServiceError};

pub use pipeline::TARGET_PREFIX;
pub(crate) use shared::{now_secs, Shared};

/// Anything but `POST /`.
async fn not_served(method: Method, uri: Uri) -> Response {
    let mut resp = ServiceError::new(
        ErrorCode::UnknownOperation,
        format!("{method} {uri} is not served; AWS JSON 1.1 requests are POST /"),
    )
    .into_response();
    *resp.status_mut() = if uri.path() == "/" {
        StatusCode::METHOD_NOT_ALLOWED
    } else {
        StatusCode::NOT_FOUND
    };
    resp
}

/// The router: the API at `POST /` (routing → authentication → rate limit → faults → the
/// operation, outermost first), the control API under `/_emulator/`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = post(pipeline::call)
        // The authentication layer has already enforced `max_body_bytes`.
        .layer(DefaultBodyLimit::disable())
        .route_layer(from_fn_with_state(shared.clone(), pipeline::faults))
        .route_layer(from_fn_with_state(shared.clone(), pipeline::rate_limit))
        .route_layer(from_fn_with_state(shared.clone(), pipeline::authenticate))
        .route_layer(from_fn_with_state(shared.clone(), pipeline::route))
        .fallback(not_served);
    Router::new()
        .route("/", api)
        .merge(control::routes())
        .fallback(any(not_served))
        .with_state(shared)
}
