//! SigV4 as AWS checks it, for a key with a known secret: requests signed by `aws-sigv4` (the
//! AWS SDK's own signer) at chosen times, some altered after signing, sent over raw HTTP.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use servicecatalog_provider::emulator::{AccessLevel, EmulatorConfig, Principal, Principals};
use sha2::{Digest as _, Sha256};

use crate::harness::http::{raw, RawResponse};
use crate::harness::sdk::iam_arn;
use crate::harness::World;

const KEY: &str = "AKIDSIGV4";
const SECRET: &str = "sigv4-secret";
const TARGET: &str = "AWS242ServiceCatalogService.ScanProvisionedProducts";

async fn world() -> World {
    World::with_config(EmulatorConfig {
        principals: Principals::default().with_key(
            KEY,
            Principal::new(iam_arn("user", "signer"), AccessLevel::Account).with_secret(SECRET),
        ),
        ..Default::default()
    })
    .await
}

/// The headers of a `ScanProvisionedProducts` call over `body` signed at `at`, with `extra`
/// headers signed too.
fn signed(
    addr: SocketAddr,
    at: SystemTime,
    body: &[u8],
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let identity: Identity = Credentials::new(KEY, SECRET, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("servicecatalog")
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let host = addr.to_string();
    let mut headers: Vec<(&str, &str)> = vec![
        ("host", &host),
        ("x-amz-target", TARGET),
        ("content-type", "application/x-amz-json-1.1"),
    ];
    headers.extend_from_slice(extra);
    let request = SignableRequest::new(
        "POST",
        format!("http://{addr}/"),
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .expect("signable request");
    let (instructions, _) = sign(request, &params).expect("sign").into_parts();
    let mut out: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    out.extend(
        instructions
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    out
}

async fn send(addr: SocketAddr, headers: &[(String, String)], body: &[u8]) -> RawResponse {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    raw(addr, "POST", "/", &headers, body).await
}

fn error_of(resp: &RawResponse) -> (u16, String, String) {
    let v = resp.json();
    (
        resp.status,
        v["__type"].as_str().unwrap_or_default().to_owned(),
        v["Message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn requests_more_than_15_minutes_off_the_clock_are_refused_as_aws_refuses_them() {
    let world = world().await;
    let addr = world.emu().addr();
    let now = SystemTime::now();
    let minutes = |m: u64| Duration::from_secs(m * 60);

    let fresh = send(addr, &signed(addr, now, b"{}", &[]), b"{}").await;
    assert_eq!(fresh.status, 200, "{}", fresh.text());
    for within in [now - minutes(14), now + minutes(14)] {
        let resp = send(addr, &signed(addr, within, b"{}", &[]), b"{}").await;
        assert_eq!(
            resp.status,
            200,
            "14 minutes off is accepted: {}",
            resp.text()
        );
    }

    let (status, code, message) =
        error_of(&send(addr, &signed(addr, now - minutes(16), b"{}", &[]), b"{}").await);
    assert_eq!((status, code.as_str()), (400, "InvalidSignatureException"));
    assert!(
        message.starts_with("Signature expired: ")
            && message.contains(" is now earlier than ")
            && message.ends_with(" - 15 min.)"),
        "{message}"
    );

    let (status, code, message) =
        error_of(&send(addr, &signed(addr, now + minutes(16), b"{}", &[]), b"{}").await);
    assert_eq!((status, code.as_str()), (400, "InvalidSignatureException"));
    assert!(
        message.starts_with("Signature not yet current: ")
            && message.contains(" is still later than ")
            && message.ends_with(" + 15 min.)"),
        "{message}"
    );
    world.finish().await;
}

#[tokio::test]
async fn the_signature_covers_the_body_received_not_the_hash_a_client_claims() {
    let world = world().await;
    let addr = world.emu().addr();
    let body = br#"{"PageSize":1}"#;
    let claimed = hex::encode(Sha256::digest(body));
    // Signed with the body's hash in `x-amz-content-sha256`, as S3-style clients send it.
    let headers = signed(
        addr,
        SystemTime::now(),
        body,
        &[("x-amz-content-sha256", &claimed)],
    );
    let ok = send(addr, &headers, body).await;
    assert_eq!(ok.status, 200, "{}", ok.text());

    // Same headers, same claimed hash, another body of the same length.
    let tampered = br#"{"PageSize":2}"#;
    let (status, code, _) = error_of(&send(addr, &headers, tampered).await);
    assert_eq!((status, code.as_str()), (400, "InvalidSignatureException"));
    world.finish().await;
}

#[tokio::test]
async fn host_and_x_amz_date_must_be_signed() {
    let world = world().await;
    let addr = world.emu().addr();
    let headers = signed(addr, SystemTime::now(), b"{}", &[]);
    let authorization = headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone())
        .expect("the signer sets authorization");
    let without = |name: &str| {
        let mut headers = headers.clone();
        let list = authorization
            .split("SignedHeaders=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .expect("a SignedHeaders list");
        let shorter: Vec<&str> = list.split(';').filter(|h| *h != name).collect();
        for (k, v) in &mut headers {
            if k == "authorization" {
                *v = authorization.replace(list, &shorter.join(";"));
            }
        }
        headers
    };
    let (status, code, message) = error_of(&send(addr, &without("host"), b"{}").await);
    assert_eq!(
        (status, code.as_str()),
        (403, "IncompleteSignatureException")
    );
    assert_eq!(
        message,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );
    let (status, code, message) = error_of(&send(addr, &without("x-amz-date"), b"{}").await);
    assert_eq!(
        (status, code.as_str()),
        (403, "IncompleteSignatureException")
    );
    assert_eq!(
        message,
        "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."
    );
    world.finish().await;
}
