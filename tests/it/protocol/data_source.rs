//! The `servicecatalog_provisioned_product` data source over real gRPC, against an in-process
//! emulator: what it reads must be what the emulator reports through the AWS SDK.

use aws_smithy_types::date_time::Format;
use servicecatalog_provider::data_sources::provisioned_product::{ProvisionedProduct, TYPE_NAME};
use servicecatalog_provider::tfplugin::{DataSource, ObjectExt, Value};

use super::{assert_no_errors, seed_owned, start};
use crate::harness::plugin::{errors, path_of, PluginClient, Typed};
use crate::harness::sdk::iam_arn;
use crate::harness::World;

/// The data source, typed.
fn ds() -> Typed {
    Typed::new(TYPE_NAME, &ProvisionedProduct.schema())
}

fn config(id: Option<&str>, name: Option<&str>) -> Value {
    let s = |v: Option<&str>| v.map_or(Value::Null, Value::string);
    ProvisionedProduct
        .schema()
        .null_object()
        .with_attr("id", s(id))
        .with_attr("name", s(name))
}

/// Reads `config`, which must succeed, and returns the state read.
async fn read(c: &mut PluginClient, config: &Value) -> Value {
    let resp = c.read_data(&ds(), config).await;
    assert_no_errors(&resp.diagnostics);
    ds().value(&resp.state)
}

/// Every attribute as the emulator reports it through the SDK (Describe + account search).
async fn expected(world: &World, id: &str) -> Value {
    let live = world.live(id).await;
    let (d, found) = (&live.detail, &live.search);
    let s = |v: Option<&str>| v.map_or(Value::Null, Value::string);
    Value::object([
        ("id", s(d.id())),
        ("name", s(d.name())),
        ("arn", s(d.arn())),
        ("type", s(d.r#type())),
        ("status", s(d.status().map(|s| s.as_str()))),
        ("status_message", s(d.status_message())),
        ("product_id", s(d.product_id())),
        ("provisioning_artifact_id", s(d.provisioning_artifact_id())),
        ("last_record_id", s(d.last_record_id())),
        (
            "created_time",
            s(d.created_time()
                .map(|t| t.fmt(Format::DateTime).expect("a formattable time"))
                .as_deref()),
        ),
        ("launch_role_arn", s(d.launch_role_arn())),
        ("owner", s(found.user_arn())),
        ("owner_session", s(found.user_arn_session())),
    ])
}

#[tokio::test]
async fn read_by_id_matches_what_the_service_reports() {
    let (world, mut c) = start().await;
    let pid = seed_owned(&world, "ds-by-id").await;
    let state = read(&mut c, &config(Some(&pid), None)).await;
    assert_eq!(state, expected(&world, &pid).await);
    // the seeded values, so the comparison is not vacuous
    assert_eq!(state.str_attr("name"), Some("ds-by-id"));
    assert_eq!(
        state.str_attr("owner"),
        Some(iam_arn("user", "owner-ds-by-id").as_str())
    );
    assert_eq!(
        state.str_attr("launch_role_arn"),
        Some(iam_arn("role", "launch-ds-by-id").as_str())
    );
    assert_eq!(state.str_attr("status"), Some("AVAILABLE"));
    let created = state.str_attr("created_time").expect("created_time");
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "not RFC 3339: {created}"
    );
}

#[tokio::test]
async fn read_by_name_finds_the_same_product() {
    let (world, mut c) = start().await;
    let _other = seed_owned(&world, "ds-other").await;
    let pid = seed_owned(&world, "ds-by-name").await;
    let state = read(&mut c, &config(None, Some("ds-by-name"))).await;
    assert_eq!(state.str_attr("id"), Some(pid.as_str()));
    assert_eq!(state, expected(&world, &pid).await);
}

#[tokio::test]
async fn the_owner_read_follows_a_property_change() {
    let (world, mut c) = start().await;
    let pid = seed_owned(&world, "ds-owner").await;
    let new_owner = iam_arn("role", "Platform");
    let out = world
        .sc
        .update_provisioned_product_properties()
        .provisioned_product_id(&pid)
        .provisioned_product_properties(
            aws_sdk_servicecatalog::types::PropertyKey::Owner,
            &new_owner,
        )
        .idempotency_token("ds-owner-change")
        .send()
        .await
        .expect("update properties");
    let record = out.record_id().expect("record id").to_owned();
    // the emulator runs with zero record latency: the record is terminal at the next read
    let status = world
        .sc
        .describe_record()
        .id(&record)
        .send()
        .await
        .expect("describe record");
    assert_eq!(
        status
            .record_detail()
            .and_then(|d| d.status())
            .map(|s| s.as_str()),
        Some("SUCCEEDED")
    );
    let state = read(&mut c, &config(Some(&pid), None)).await;
    assert_eq!(state.str_attr("owner"), Some(new_owner.as_str()));
    assert_eq!(state.str_attr("last_record_id"), Some(record.as_str()));
}

#[tokio::test]
async fn neither_or_both_is_a_validate_error_on_the_attribute() {
    let (_world, mut c) = start().await;
    let neither = c.validate_data(&ds(), &config(None, None)).await;
    let errs = errors(&neither);
    assert_eq!(errs.len(), 1, "{neither:?}");
    assert_eq!(path_of(errs[0]), vec!["id".to_string()]);
    assert!(
        errs[0].detail.contains("`id` and `name`"),
        "{}",
        errs[0].detail
    );

    let both = c
        .validate_data(&ds(), &config(Some("pp-abcd27bm4mldq"), Some("web")))
        .await;
    let errs = errors(&both);
    assert_eq!(errs.len(), 1, "{both:?}");
    assert_eq!(path_of(errs[0]), vec!["name".to_string()]);
    assert!(
        errs[0].detail.contains("pp-abcd27bm4mldq") && errs[0].detail.contains("\"web\""),
        "{}",
        errs[0].detail
    );

    let one = c
        .validate_data(&ds(), &config(Some("pp-abcd27bm4mldq"), None))
        .await;
    assert!(errors(&one).is_empty(), "{one:?}");
    // unknown at validate time (e.g. from another resource) is accepted
    let unknown = ProvisionedProduct
        .schema()
        .null_object()
        .with_attr("name", Value::Unknown);
    assert!(errors(&c.validate_data(&ds(), &unknown).await).is_empty());
}

#[tokio::test]
async fn not_found_names_the_id_or_name() {
    let (_world, mut c) = start().await;
    let by_id = c
        .read_data(&ds(), &config(Some("pp-doesnotexist1"), None))
        .await;
    let errs = errors(&by_id.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", by_id.diagnostics);
    assert_eq!(errs[0].summary, "Provisioned product not found");
    assert!(
        errs[0].detail.contains("id \"pp-doesnotexist1\""),
        "{}",
        errs[0].detail
    );
    assert_eq!(path_of(errs[0]), vec!["id".to_string()]);

    let by_name = c
        .read_data(&ds(), &config(None, Some("no-such-product")))
        .await;
    let errs = errors(&by_name.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", by_name.diagnostics);
    assert!(
        errs[0].detail.contains("name \"no-such-product\""),
        "{}",
        errs[0].detail
    );
    assert_eq!(path_of(errs[0]), vec!["name".to_string()]);
}
