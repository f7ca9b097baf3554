//! The `servicecatalog_provisioned_product` data source over real gRPC, against an in-process
//! emulator: what it reads must be what the emulator reports through the AWS SDK.

use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ProvisionedProductViewFilterBy,
};
use aws_smithy_types::date_time::Format;
use servicecatalog_provider::data_sources::provisioned_product::{ProvisionedProduct, TYPE_NAME};
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{DataSource, ObjectExt, Type, Value};

#[path = "support/tfplugin.rs"]
mod tfplugin_support;

#[path = "support/identity.rs"]
mod identity_support;

use identity_support::{iam_arn, Env};
use tfplugin_support::{dynamic, errors, path_of, undynamic};

fn ty() -> Type {
    ProvisionedProduct.schema().implied_type()
}

fn config(id: Option<&str>, name: Option<&str>) -> Value {
    let s = |v: Option<&str>| v.map_or(Value::Null, Value::string);
    ProvisionedProduct
        .schema()
        .null_object()
        .with_attr("id", s(id))
        .with_attr("name", s(name))
}

async fn read_data(env: &mut Env, config: &Value) -> proto::read_data_source::Response {
    env.client
        .read_data_source(proto::read_data_source::Request {
            type_name: TYPE_NAME.into(),
            config: dynamic(config, &ty()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn validate(env: &mut Env, config: &Value) -> Vec<proto::Diagnostic> {
    env.client
        .validate_data_resource_config(proto::validate_data_resource_config::Request {
            type_name: TYPE_NAME.into(),
            config: dynamic(config, &ty()),
        })
        .await
        .unwrap()
        .into_inner()
        .diagnostics
}

/// Every attribute as the emulator reports it through the SDK (Describe + account search).
async fn expected(env: &Env, id: &str) -> Value {
    let d = env
        .sdk
        .describe_provisioned_product()
        .id(id)
        .send()
        .await
        .expect("describe");
    let d = d.provisioned_product_detail().expect("detail");
    let search = env
        .sdk
        .search_provisioned_products()
        .access_level_filter(
            AccessLevelFilter::builder()
                .key(AccessLevelFilterKey::Account)
                .value("self")
                .build(),
        )
        .filters(
            ProvisionedProductViewFilterBy::SearchQuery,
            vec![format!("id:{id}")],
        )
        .send()
        .await
        .expect("search");
    let found = search
        .provisioned_products()
        .iter()
        .find(|p| p.id() == Some(id))
        .expect("search lists the product");
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
                .map(|t| t.fmt(Format::DateTime).unwrap())
                .as_deref()),
        ),
        ("launch_role_arn", s(d.launch_role_arn())),
        ("owner", s(found.user_arn())),
        ("owner_session", s(found.user_arn_session())),
    ])
}

#[tokio::test]
async fn read_by_id_matches_what_the_service_reports() {
    let mut env = Env::start().await;
    let pid = env.seed("ds-by-id").await;
    let resp = read_data(&mut env, &config(Some(&pid), None)).await;
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    let state = undynamic(&resp.state, &ty());
    assert_eq!(state, expected(&env, &pid).await);
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
    let mut env = Env::start().await;
    let _other = env.seed("ds-other").await;
    let pid = env.seed("ds-by-name").await;
    let resp = read_data(&mut env, &config(None, Some("ds-by-name"))).await;
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    let state = undynamic(&resp.state, &ty());
    assert_eq!(state.str_attr("id"), Some(pid.as_str()));
    assert_eq!(state, expected(&env, &pid).await);
}

#[tokio::test]
async fn the_owner_read_follows_a_property_change() {
    let mut env = Env::start().await;
    let pid = env.seed("ds-owner").await;
    let new_owner = iam_arn("role", "Platform");
    let out = env
        .sdk
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
    let status = env
        .sdk
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
    let resp = read_data(&mut env, &config(Some(&pid), None)).await;
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    let state = undynamic(&resp.state, &ty());
    assert_eq!(state.str_attr("owner"), Some(new_owner.as_str()));
    assert_eq!(state.str_attr("last_record_id"), Some(record.as_str()));
}

#[tokio::test]
async fn neither_or_both_is_a_validate_error_on_the_attribute() {
    let mut env = Env::start().await;
    let neither = validate(&mut env, &config(None, None)).await;
    let errs = errors(&neither);
    assert_eq!(errs.len(), 1, "{neither:?}");
    assert_eq!(path_of(errs[0]), vec!["id".to_string()]);
    assert!(
        errs[0].detail.contains("`id` and `name`"),
        "{}",
        errs[0].detail
    );

    let both = validate(&mut env, &config(Some("pp-abcd27bm4mldq"), Some("web"))).await;
    let errs = errors(&both);
    assert_eq!(errs.len(), 1, "{both:?}");
    assert_eq!(path_of(errs[0]), vec!["name".to_string()]);
    assert!(
        errs[0].detail.contains("pp-abcd27bm4mldq") && errs[0].detail.contains("\"web\""),
        "{}",
        errs[0].detail
    );

    let one = validate(&mut env, &config(Some("pp-abcd27bm4mldq"), None)).await;
    assert!(errors(&one).is_empty(), "{one:?}");
    // unknown at validate time (e.g. from another resource) is accepted
    let unknown = ProvisionedProduct
        .schema()
        .null_object()
        .with_attr("name", Value::Unknown);
    assert!(errors(&validate(&mut env, &unknown).await).is_empty());
}

#[tokio::test]
async fn not_found_names_the_id_or_name() {
    let mut env = Env::start().await;
    let by_id = read_data(&mut env, &config(Some("pp-doesnotexist1"), None)).await;
    let errs = errors(&by_id.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", by_id.diagnostics);
    assert_eq!(errs[0].summary, "Provisioned product not found");
    assert!(
        errs[0].detail.contains("id \"pp-doesnotexist1\""),
        "{}",
        errs[0].detail
    );
    assert_eq!(path_of(errs[0]), vec!["id".to_string()]);

    let by_name = read_data(&mut env, &config(None, Some("no-such-product"))).await;
    let errs = errors(&by_name.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", by_name.diagnostics);
    assert!(
        errs[0].detail.contains("name \"no-such-product\""),
        "{}",
        errs[0].detail
    );
    assert_eq!(path_of(errs[0]), vec!["name".to_string()]);
}
