//! The acceptance suites, written from the specification: the real `terraform` CLI drives
//! the provider binary (`dev_overrides`) against an in-process emulator, one per test. Every config
//! step is followed by an empty plan and an empty refresh-only plan (`Workdir::apply_step`); live
//! values are checked through the SDK, as a user would check them in the console. Tests that start
//! with `World::with_product` or `World::start_on_backend` also run against real AWS (`TF_ACC_AWS=1`).

mod by_owner;
mod cli;
mod config;
mod data_source;
mod errors;
mod faults;
mod fleet;
mod import_fleet;
mod lifecycle;
mod workdir;

use std::collections::BTreeMap;

use crate::harness::hcl::ADDR;
use crate::harness::terraform::Workdir;
use crate::harness::World;

/// State checks shared by the create tests.
async fn assert_state(
    acc: &World,
    wd: &Workdir,
    pp: &str,
    props: &[(&str, &str)],
) -> serde_json::Value {
    let s = wd.resource_values(ADDR).await;
    assert_eq!(s["id"], pp, "id is the provisioned product id: {s}");
    assert_eq!(s["provisioned_product_id"], pp, "{s}");
    assert_eq!(string_map(&s["properties"]), map_of(props), "{s}");
    let last = acc
        .change_records(pp)
        .await
        .pop()
        .expect("at least one change record");
    assert_eq!(
        s["record_id"].as_str(),
        last.record_id(),
        "record_id is the last change's record: {s}"
    );
    assert_eq!(s["record_status"], "SUCCEEDED", "{s}");
    s
}

/// A map attribute of the state as a sorted map of strings (empty when null).
fn string_map(v: &serde_json::Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn map_of(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
