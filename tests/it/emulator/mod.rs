//! servicecatalog-emulator: its operations, validation, record lifecycle, visibility and
//! idempotency through the real `aws-sdk-servicecatalog` client (raw HTTP only for what the SDK
//! cannot send, and SigV4 checks over requests signed at chosen times), its faults and control
//! API, and its binary. The helpers below are the calls and set-ups the suites share.

mod access;
mod api;
mod errors;
mod faults;
mod fleet;
mod process;
mod sigv4;

use std::fmt::Debug;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use aws_sdk_servicecatalog::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_servicecatalog::operation::describe_provisioned_product::DescribeProvisionedProductError;
use aws_sdk_servicecatalog::operation::update_provisioned_product_properties::{
    UpdateProvisionedProductPropertiesError, UpdateProvisionedProductPropertiesOutput,
};
use aws_sdk_servicecatalog::types::{AccessLevelFilter, AccessLevelFilterKey, PropertyKey};
use aws_sdk_servicecatalog::Client;
use servicecatalog_provider::emulator::{EmulatorConfig, Faults};

use crate::harness::http::{raw, RawResponse};
use crate::harness::{sdk, World};

/// How long a test waits for a record (a hang guard).
const RECORD_BUDGET: Duration = Duration::from_secs(10);

/// An emulator with `config` and an admin client.
async fn start(config: EmulatorConfig) -> (World, Client) {
    let world = World::with_config(config).await;
    let c = admin(&world);
    (world, c)
}

/// An emulator whose records take `latency`, and an admin client.
async fn with_record_latency(latency: Duration) -> (World, Client) {
    start(EmulatorConfig {
        record_latency: latency,
        ..Default::default()
    })
    .await
}

/// An emulator with the default configuration, an admin client, and one product named `name`.
async fn seeded(name: &str) -> (World, Client, String) {
    let (world, c) = start(EmulatorConfig::default()).await;
    let id = world.seed(name).await;
    (world, c, id)
}

/// The account admin (any key the emulator does not know), without retries: errors reach the
/// test exactly as the emulator sends them.
fn admin(world: &World) -> Client {
    world.client("AKIDADMIN", "secret", 1)
}

/// Faults with only what `set` sets.
fn faults(set: impl FnOnce(&mut Faults)) -> Faults {
    let mut f = Faults::default();
    set(&mut f);
    f
}

/// Sets one property of `pp`; the answer as the SDK gives it.
async fn try_set(
    c: &Client,
    pp: &str,
    key: PropertyKey,
    value: impl Into<String>,
) -> Result<
    UpdateProvisionedProductPropertiesOutput,
    SdkError<UpdateProvisionedProductPropertiesError>,
> {
    c.update_provisioned_product_properties()
        .provisioned_product_id(pp)
        .provisioned_product_properties(key, value)
        .send()
        .await
}

/// Sets one property of `pp`, which must be accepted.
async fn set(
    c: &Client,
    pp: &str,
    key: PropertyKey,
    value: impl Into<String>,
) -> UpdateProvisionedProductPropertiesOutput {
    try_set(c, pp, key, value)
        .await
        .expect("UpdateProvisionedProductProperties")
}

/// Sets one property of `pp` and waits for its record; the record's final status.
async fn set_and_wait(c: &Client, pp: &str, key: PropertyKey, value: impl Into<String>) -> String {
    let out = set(c, pp, key, value).await;
    final_status(c, out.record_id().expect("record id")).await
}

/// `DescribeProvisionedProduct` of `pp`, which must fail; the error.
async fn describe_err(c: &Client, pp: &str) -> SdkError<DescribeProvisionedProductError> {
    c.describe_provisioned_product()
        .id(pp)
        .send()
        .await
        .expect_err("DescribeProvisionedProduct must fail")
}

/// Waits for a record to be terminal; its status as the API spells it.
async fn final_status(c: &Client, record_id: &str) -> String {
    sdk::wait_record(c, record_id, RECORD_BUDGET)
        .await
        .status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default()
}

fn code_of<T: Debug, E: ProvideErrorMetadata + Debug>(r: Result<T, E>) -> (String, String) {
    let err = r.expect_err("call must fail");
    (
        err.code().unwrap_or("<none>").to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

fn level(key: AccessLevelFilterKey) -> AccessLevelFilter {
    AccessLevelFilter::builder().key(key).value("self").build()
}

/// Every page of a listing, in order: `page` sends the request for a page token, `next` reads the
/// answer's next token.
async fn all_pages<O, E: Debug, F: Future<Output = Result<O, E>>>(
    mut page: impl FnMut(Option<String>) -> F,
    next: impl Fn(&O) -> Option<&str>,
) -> Vec<O> {
    let mut pages = Vec::new();
    let mut token = None;
    loop {
        let out = page(token).await.expect("a page of the listing");
        token = next(&out).map(str::to_owned);
        pages.push(out);
        if token.is_none() {
            return pages;
        }
    }
}

/// A control-API request with a JSON body.
async fn control(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> RawResponse {
    raw(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    )
    .await
}

/// `PATCH /_emulator/faults` with `body`.
async fn patch_faults(addr: SocketAddr, body: &str) -> RawResponse {
    control(addr, "PATCH", "/_emulator/faults", body.as_bytes()).await
}

/// A `GET` with no headers or body.
async fn get(addr: SocketAddr, path: &str) -> RawResponse {
    raw(addr, "GET", path, &[], b"").await
}
