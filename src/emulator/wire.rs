//! AWS JSON 1.1 answers: [`AwsJson`] for results and `IntoResponse` for [`ServiceError`]
//! (`__type`/`Message` body, `x-amzn-errortype`, status from the code). Every answer carries a fresh
//! `x-amzn-requestid`.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::error::ServiceError;

/// `Content-Type` of AWS JSON 1.1 requests and answers.
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A successful API answer (HTTP 200).
pub(crate) struct AwsJson(pub Value);

fn answer(status: StatusCode, body: String) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

impl IntoResponse for AwsJson {
    fn into_response(self) -> Response {
        answer(StatusCode::OK, self.0.to_string())
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let body = json!({"__type": self.code.as_str(), "Message": self.message});
        let mut resp = answer(status, body.to_string());
        resp.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.code.as_str()),
        );
        // Kept for the request log and the throttling counters.
        resp.extensions_mut().insert(self);
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::error::ErrorCode;

    #[tokio::test]
    async fn errors_carry_code_message_status_and_request_id() {
        let resp = ServiceError::new(ErrorCode::InvalidSignature, "bad signature").into_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let h = resp.headers();
        assert_eq!(h["x-amzn-errortype"], "InvalidSignatureException");
        assert_eq!(h[header::CONTENT_TYPE], CONTENT_TYPE);
        assert_eq!(h["x-amzn-requestid"].len(), 36);
        let body = axum::body::to_bytes(resp.into_body(), 1024).await.unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            json!({"__type": "InvalidSignatureException", "Message": "bad signature"})
        );
    }
}
