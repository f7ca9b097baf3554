//! Acceptance tests for the `servicecatalog_provisioned_product` data source: the real `terraform`
//! CLI reads products on the emulator (or, with `TF_ACC_AWS=1`, the configured real product), and
//! every attribute is checked against what the API reports through the SDK.

use serde_json::Value;

use crate::harness::hcl::{hcl_string, resource_hcl, ADDR};
use crate::harness::sdk::role;
use crate::harness::terraform::{find_resource, squash, Cmd};
use crate::harness::world::Live;
use crate::harness::World;

const DS: &str = "data.servicecatalog_provisioned_product";

/// A string attribute, `None` when null.
fn text(v: &Value, attr: &str) -> Option<String> {
    v.get(attr).and_then(Value::as_str).map(str::to_string)
}

/// Every attribute of one data source instance against the API's view.
fn assert_matches_api(v: &Value, pp: &str, live: &Live) {
    let d = &live.detail;
    assert_eq!(text(v, "id").as_deref(), Some(pp), "{v}");
    assert_eq!(text(v, "name").as_deref(), d.name(), "{v}");
    assert_eq!(
        text(v, "owner").as_deref(),
        live.search.user_arn(),
        "owner is UserArn: {v}"
    );
    assert_eq!(
        text(v, "owner_session").as_deref(),
        live.search.user_arn_session(),
        "owner_session is UserArnSession: {v}"
    );
    assert_eq!(
        text(v, "launch_role_arn").as_deref(),
        d.launch_role_arn(),
        "{v}"
    );
    assert_eq!(
        text(v, "status").as_deref(),
        d.status().map(|s| s.as_str()),
        "{v}"
    );
    assert_eq!(
        text(v, "status_message").as_deref(),
        d.status_message(),
        "{v}"
    );
    assert_eq!(text(v, "arn").as_deref(), d.arn(), "{v}");
    assert_eq!(text(v, "type").as_deref(), d.r#type(), "{v}");
    assert_eq!(text(v, "product_id").as_deref(), d.product_id(), "{v}");
    assert_eq!(
        text(v, "provisioning_artifact_id").as_deref(),
        d.provisioning_artifact_id(),
        "{v}"
    );
    assert_eq!(
        text(v, "last_record_id").as_deref(),
        d.last_record_id(),
        "{v}"
    );

    // RFC 3339, the same instant as the API's timestamp (to the millisecond it carries).
    let created = text(v, "created_time").unwrap_or_else(|| panic!("no created_time: {v}"));
    let parsed =
        time::OffsetDateTime::parse(&created, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("created_time {created:?} is not RFC 3339: {e}"));
    assert!(created.ends_with('Z'), "created_time {created:?} is in UTC");
    let api = d.created_time().expect("API reports CreatedTime");
    let api_ms = api.secs() * 1000 + i64::from(api.subsec_nanos() / 1_000_000);
    let ours_ms = i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).expect("ms fit i64");
    assert_eq!(ours_ms, api_ms, "created_time {created:?} vs API {api:?}");
}

fn data_hcl(label: &str, body: &str) -> String {
    format!("data \"servicecatalog_provisioned_product\" \"{label}\" {{\n{body}\n}}\n")
}

#[tokio::test]
async fn reads_by_id_and_by_name_what_the_api_reports() {
    let (acc, wd, pp) = World::with_product("ds-read").await;
    if !acc.is_aws() {
        // A launch role, so that attribute is not trivially null.
        acc.change_out_of_band(&pp, &[("LAUNCH_ROLE", &role("DsLaunch"))])
            .await;
    }
    let name = acc
        .live(&pp)
        .await
        .detail
        .name()
        .expect("the product has a name")
        .to_string();

    let config = format!(
        "{}\n{}\n{}\noutput \"owner_by_name\" {{\n  value = {DS}.by_name.owner\n}}\n",
        acc.provider_hcl(""),
        data_hcl("by_id", &format!("  id = {}", hcl_string(&pp))),
        data_hcl("by_name", &format!("  name = {}", hcl_string(&name))),
    );
    wd.apply_step(&config).await;

    let state = wd.state_json().await;
    let live = acc.live(&pp).await;
    for label in ["by_id", "by_name"] {
        let v = find_resource(&state, &format!("{DS}.{label}"))
            .unwrap_or_else(|| panic!("no {label} in state: {state}"));
        assert_matches_api(&v, &pp, &live);
    }
    assert_eq!(
        state.pointer("/values/outputs/owner_by_name/value"),
        live.search.user_arn().map(Value::from).as_ref(),
        "the output shows the owner: {state}"
    );
    if !acc.is_aws() {
        assert_eq!(
            live.detail.launch_role_arn(),
            Some(role("DsLaunch").as_str())
        );
    }
    acc.finish().await;
}

#[tokio::test]
async fn reflects_the_owner_the_resource_set() {
    let (acc, wd, pp) = World::with_product("ds-with-resource").await;
    let team = acc.owner_value(&role("DsTeam"));
    let config = format!(
        "{}\n{}\n{}",
        acc.provider_hcl(""),
        resource_hcl(&pp, &[("OWNER", &team)], ""),
        data_hcl(
            "after",
            &format!("  id = {}\n  depends_on = [{ADDR}]", hcl_string(&pp))
        ),
    );
    wd.apply_step(&config).await;

    let state = wd.state_json().await;
    let v = find_resource(&state, &format!("{DS}.after"))
        .unwrap_or_else(|| panic!("no data source in state: {state}"));
    let r = find_resource(&state, ADDR).unwrap_or_else(|| panic!("no resource: {state}"));
    assert_eq!(text(&v, "owner").as_deref(), Some(team.as_str()), "{v}");
    assert_eq!(acc.owner(&pp).await, team);
    assert_eq!(
        text(&v, "last_record_id"),
        text(&r, "record_id"),
        "the data source sees the resource's change record: {v}\n{r}"
    );
    assert_matches_api(&v, &pp, &acc.live(&pp).await);
    acc.finish().await;
}

#[tokio::test]
async fn neither_or_both_of_id_and_name_fail_validate() {
    let acc = World::start_on_backend().await;
    let wd = acc.workdir();
    let neither = wd
        .expect_error(
            &format!("{}\n{}", acc.provider_hcl(""), data_hcl("this", "")),
            Cmd::Validate,
            r"Missing provisioned product id or name",
        )
        .await;
    let text = squash(&neither.combined());
    assert!(
        text.contains(&format!("with {DS}.this")) && text.contains("neither is set"),
        "{text}"
    );

    let both = wd
        .expect_error(
            &format!(
                "{}\n{}",
                acc.provider_hcl(""),
                data_hcl("this", "  id   = \"pp-abcd27bm4mldq\"\n  name = \"web-1\""),
            ),
            Cmd::Validate,
            r"Conflicting provisioned product id and name",
        )
        .await;
    let text = squash(&both.combined());
    assert!(
        text.contains(&format!("with {DS}.this"))
            && text.contains(r#"name = "web-1""#)
            && text.contains(r#"id = "pp-abcd27bm4mldq""#),
        "the error points at the attribute and shows both values: {text}"
    );
    acc.finish().await;
}

#[tokio::test]
async fn unknown_id_is_a_clear_error() {
    let acc = World::start_on_backend().await;
    let wd = acc.workdir();
    let missing = "pp-doesnotexist1";
    let out = wd
        .expect_error(
            &format!(
                "{}\n{}",
                acc.provider_hcl(""),
                data_hcl("this", &format!("  id = {}", hcl_string(missing))),
            ),
            Cmd::Plan,
            r"Provisioned product not found",
        )
        .await;
    let text = squash(&out.combined());
    assert!(
        text.contains(missing) && text.contains(&format!("with {DS}.this")),
        "the error names the id and the data source: {text}"
    );
    acc.finish().await;
}
