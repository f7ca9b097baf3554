//! Shared helpers for the emulator tests: SDK clients against a running emulator, a tiny raw HTTP/1.1
//! client for wire-level checks and the control API, and fixtures.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_servicecatalog::config::retry::RetryConfig;
use aws_sdk_servicecatalog::config::{BehaviorVersion, Region};
use aws_sdk_servicecatalog::Client;
use servicecatalog_provider::emulator::{Emulator, EmulatorConfig, RunningEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const ACCOUNT: &str = "123456789012";

pub fn arn(kind: &str, name: &str) -> String {
    match kind {
        "assumed-role" => format!("arn:aws:sts::{ACCOUNT}:assumed-role/{name}"),
        _ => format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}"),
    }
}

/// An SDK client for `endpoint` using `access_key`, with up to `attempts` attempts and short backoff.
pub fn client_with(endpoint: &str, access_key: &str, secret: &str, attempts: u32) -> Client {
    let conf = aws_sdk_servicecatalog::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key,
            secret,
            None,
            None,
            "emulator-tests",
        ))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .build();
    Client::from_conf(conf)
}

/// An admin client (any unknown key is the account admin), no retries.
pub fn client(emu: &RunningEmulator) -> Client {
    client_with(&emu.endpoint_url(), "AKIDADMIN", "secret", 1)
}

pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    Emulator::start(config).await.expect("emulator starts")
}

pub async fn start_default() -> (RunningEmulator, Client) {
    let emu = start(EmulatorConfig::default()).await;
    let c = client(&emu);
    (emu, c)
}

/// Provisions a product through the API; returns (provisioned product id, record id).
pub async fn provision(c: &Client, name: &str) -> (String, String) {
    let out = c
        .provision_product()
        .product_id("prod-abcdefgh12345")
        .provisioning_artifact_id("pa-abcdefgh12345")
        .provisioned_product_name(name)
        .provision_token(format!("tok-{name}"))
        .send()
        .await
        .expect("provision");
    let rec = out.record_detail().expect("record detail");
    (
        rec.provisioned_product_id().expect("pp id").to_owned(),
        rec.record_id().expect("record id").to_owned(),
    )
}

/// Polls DescribeRecord until the record is terminal; returns its status string.
pub async fn wait_record(c: &Client, record_id: &str) -> String {
    for _ in 0..400 {
        let out = c
            .describe_record()
            .id(record_id)
            .send()
            .await
            .expect("describe record");
        let status = out
            .record_detail()
            .and_then(|d| d.status())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        if status == "SUCCEEDED" || status == "FAILED" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("record {record_id} did not finish");
}

/// Current owner as search shows it.
pub async fn search_owner(c: &Client, id: &str) -> Option<String> {
    let out = c
        .search_provisioned_products()
        .access_level_filter(
            aws_sdk_servicecatalog::types::AccessLevelFilter::builder()
                .key(aws_sdk_servicecatalog::types::AccessLevelFilterKey::Account)
                .value("self")
                .build(),
        )
        .filters(
            aws_sdk_servicecatalog::types::ProvisionedProductViewFilterBy::SearchQuery,
            vec![format!("id:{id}")],
        )
        .send()
        .await
        .expect("search");
    out.provisioned_products()
        .iter()
        .find(|p| p.id() == Some(id))
        .and_then(|p| p.user_arn().map(str::to_owned))
}

/// A raw HTTP/1.1 response.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the whole answer.
pub async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("write head");
    // The server may answer (413) before reading a large body; ignore write errors then.
    let _ = stream.write_all(body).await;
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}

pub const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250101/us-east-1/servicecatalog/aws4_request, SignedHeaders=host, Signature=00";

/// A raw API call with a dummy (unverified) signature.
pub async fn raw_api(addr: SocketAddr, operation: &str, body: &str) -> RawResponse {
    let target = format!("AWS242ServiceCatalogService.{operation}");
    raw(
        addr,
        "POST",
        "/",
        &[
            ("X-Amz-Target", &target),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Authorization", AUTH),
        ],
        body.as_bytes(),
    )
    .await
}
