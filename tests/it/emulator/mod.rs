//! servicecatalog-emulator: its operations, validation, record lifecycle, visibility and
//! idempotency through the real `aws-sdk-servicecatalog` client (raw HTTP only for what the SDK
//! cannot send), its faults and control API, and its binary.

mod access;
mod api;
mod errors;
mod faults;
mod process;

use std::time::Duration;

use aws_sdk_servicecatalog::error::ProvideErrorMetadata;
use aws_sdk_servicecatalog::types::{AccessLevelFilter, AccessLevelFilterKey};
use aws_sdk_servicecatalog::Client;
use servicecatalog_provider::emulator::EmulatorConfig;

use crate::harness::{sdk, World};

/// How long a test waits for a record (a hang guard).
const RECORD_BUDGET: Duration = Duration::from_secs(10);

/// An emulator with `config` and an admin client.
async fn start(config: EmulatorConfig) -> (World, Client) {
    let world = World::with_config(config).await;
    let c = admin(&world);
    (world, c)
}

/// The account admin (any key the emulator does not know), without retries: errors reach the
/// test exactly as the emulator sends them.
fn admin(world: &World) -> Client {
    world.client("AKIDADMIN", "secret", 1)
}

/// Waits for a record to be terminal; its status as the API spells it.
async fn final_status(c: &Client, record_id: &str) -> String {
    sdk::wait_record(c, record_id, RECORD_BUDGET)
        .await
        .status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default()
}

fn code_of<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> (String, String) {
    let err = r.expect_err("call must fail");
    (
        err.code().unwrap_or("<none>").to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

fn level(key: AccessLevelFilterKey) -> AccessLevelFilter {
    AccessLevelFilter::builder().key(key).value("self").build()
}
