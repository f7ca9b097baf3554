//! The emulator's answers to bad requests: validation that names the member and value, the
//! service's error codes, wire-level errors (raw HTTP, for what the SDK cannot send), and no crash
//! whatever the input.

use std::time::Duration;

use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ListRecordHistorySearchFilter, PropertyKey,
};
use servicecatalog_provider::emulator::EmulatorConfig;

use super::{code_of, faults, set, start, try_set, with_record_latency};
use crate::harness::http::{raw, raw_api};
use crate::harness::sdk::{self, assumed_role, iam_arn, provision, ACCOUNT};

#[tokio::test]
async fn validation_errors_name_the_member_and_value() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let (id, _) = provision(&c, "v").await;
    let uppp = || c.update_provisioned_product_properties();

    let (code, msg) = code_of(
        uppp()
            .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "a"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("Value null at 'provisionedProductId'"),
        "{msg}"
    );

    let (code, msg) = code_of(
        uppp()
            .provisioned_product_id("pp bad")
            .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "a"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("'pp bad'") && msg.contains("regular expression"),
        "{msg}"
    );

    let (code, msg) = code_of(uppp().provisioned_product_id(&id).send().await);
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("'provisionedProductProperties'") && msg.contains("must not be null"),
        "{msg}"
    );

    let (code, msg) = code_of(
        uppp()
            .provisioned_product_id(&id)
            .provisioned_product_properties(PropertyKey::Owner, "x".repeat(1025))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("less than or equal to 1024"), "{msg}");

    let (code, msg) = code_of(
        uppp()
            .provisioned_product_id(&id)
            .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "a"))
            .idempotency_token("-bad")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("'-bad'") && msg.contains("idempotencyToken"),
        "{msg}"
    );

    let (code, msg) = code_of(
        c.provision_product()
            .product_id("prod-a")
            .provisioning_artifact_id("pa-a")
            .provisioned_product_name("My Sandbox")
            .provision_token("t")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("'My Sandbox' at 'provisionedProductName'"),
        "{msg}"
    );

    let (code, msg) = code_of(c.describe_record().id("rec-x").page_size(21).send().await);
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("'21'") && msg.contains("pageSize"), "{msg}");
    world.finish().await;
}

#[tokio::test]
async fn invalid_parameters_not_found_state_and_duplicate_errors() {
    let (world, c) = with_record_latency(Duration::from_secs(30)).await;
    let emu = world.emu();
    let id = world.seed("p").await;

    let cases = [
        (PropertyKey::from("COLOR"), "blue".to_owned(), "'COLOR'"),
        (PropertyKey::Owner, "alice".to_owned(), "'alice'"),
        (
            PropertyKey::Owner,
            "arn:aws:iam::999999999999:user/bob".to_owned(),
            "999999999999",
        ),
        (
            PropertyKey::Owner,
            format!("arn:aws:iam::{ACCOUNT}:group/devs"),
            "group/devs",
        ),
        (
            PropertyKey::LaunchRole,
            iam_arn("user", "alice"),
            "user/alice",
        ),
        (
            PropertyKey::LaunchRole,
            "arn:aws:iam::999999999999:role/R".to_owned(),
            "999999999999",
        ),
    ];
    for (k, v, needle) in cases {
        let (code, msg) = code_of(try_set(&c, &id, k.clone(), v.clone()).await);
        assert_eq!(code, "InvalidParametersException", "{k:?}={v}");
        assert!(msg.contains(needle), "{msg}");
    }
    // Assumed-role owners are accepted.
    let accepted = set(&c, &id, PropertyKey::Owner, assumed_role("Team", "session")).await;
    let rid = accepted.record_id().unwrap().to_owned();

    let (code, _) = code_of(try_set(&c, &id, PropertyKey::Owner, iam_arn("user", "b")).await);
    assert_eq!(code, "InvalidStateException");

    let (code, msg) = code_of(
        try_set(
            &c,
            "pp-doesnotexist1",
            PropertyKey::Owner,
            iam_arn("user", "b"),
        )
        .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert!(msg.contains("pp-doesnotexist1"), "{msg}");
    let (code, _) = code_of(c.describe_record().id("rec-doesnotexist").send().await);
    assert_eq!(code, "ResourceNotFoundException");

    let (code, msg) = code_of(c.describe_provisioned_product().send().await);
    assert_eq!(code, "InvalidParametersException");
    assert!(msg.contains("Id") && msg.contains("Name"), "{msg}");
    let (code, _) = code_of(
        c.describe_provisioned_product()
            .id(&id)
            .name("p")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParametersException");

    let (code, msg) = code_of(
        c.provision_product()
            .product_id("prod-a")
            .provisioning_artifact_id("pa-a")
            .provisioned_product_name("p")
            .provision_token("other")
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateResourceException");
    assert!(msg.contains("'p'"), "{msg}");

    let (code, msg) = code_of(
        c.list_record_history()
            .search_filter(
                ListRecordHistorySearchFilter::builder()
                    .key("bogus")
                    .value("x")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParametersException");
    assert!(msg.contains("'bogus'"), "{msg}");
    let (code, msg) = code_of(
        c.search_provisioned_products()
            .sort_by("color")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParametersException");
    assert!(msg.contains("'color'"), "{msg}");
    let (code, _) = code_of(
        c.search_provisioned_products()
            .page_token("garbage")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParametersException");
    let (code, msg) = code_of(
        c.search_provisioned_products()
            .access_level_filter(
                AccessLevelFilter::builder()
                    .key(AccessLevelFilterKey::Account)
                    .value("all")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParametersException");
    assert!(msg.contains("'all'"), "{msg}");
    assert_eq!(
        emu.records_for(&id).iter().filter(|r| r.id == rid).count(),
        1
    );
    world.finish().await;
}

#[tokio::test]
async fn wire_errors_carry_code_header_and_message() {
    let (world, _) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let addr = emu.addr();
    let r = raw_api(addr, "CreatePortfolio", "{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("UnknownOperationException")
    );
    assert_eq!(r.json()["__type"], "UnknownOperationException");
    assert!(r.json()["Message"]
        .as_str()
        .unwrap()
        .contains("CreatePortfolio"));
    assert!(r.header("x-amzn-requestid").is_some_and(|v| !v.is_empty()));
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));

    let r = raw_api(addr, "DescribeRecord", "{\"Id\": ").await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str()),
        (400, Some("SerializationException"))
    );
    let r = raw_api(addr, "DescribeRecord", "[]").await;
    assert_eq!(r.json()["__type"], "SerializationException");
    let r = raw_api(addr, "DescribeRecord", "{\"Id\": 12}").await;
    assert_eq!(r.json()["__type"], "SerializationException");
    assert!(r.json()["Message"].as_str().unwrap().contains("'Id'"));
    let big = format!("{{\"Id\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let r = raw_api(addr, "DescribeRecord", &big).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["__type"], "RequestEntityTooLargeException");
    let r = raw(
        addr,
        "POST",
        "/",
        &[("X-Amz-Target", "AWS242ServiceCatalogService.DescribeRecord")],
        b"{}",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str()),
        (403, Some("MissingAuthenticationTokenException"))
    );
    let r = raw(
        addr,
        "POST",
        "/",
        &[
            ("X-Amz-Target", "AWS242ServiceCatalogService.DescribeRecord"),
            ("Authorization", "Bearer x"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(r.json()["__type"], "IncompleteSignatureException");
    let r = raw(addr, "GET", "/", &[], b"").await;
    assert_eq!(r.status, 405);
    // Garbage bytes never crash it: it still answers afterwards.
    let r = raw_api(addr, "DescribeRecord", "\u{0}\u{1}\u{fffd}").await;
    assert_eq!(r.json()["__type"], "SerializationException");
    let r = raw_api(addr, "ScanProvisionedProducts", "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ProvisionedProducts"], serde_json::json!([]));
    world.finish().await;
}

#[tokio::test]
async fn faults_field_is_rejected_when_unknown_operation() {
    let (world, _) = start(EmulatorConfig::default()).await;
    let err = world
        .emu()
        .set_faults(faults(|f| f.operations = ["NoSuchOp".to_owned()].into()))
        .unwrap_err();
    assert!(err.to_string().contains("'NoSuchOp'"), "{err}");
    world.finish().await;
}

#[tokio::test]
async fn any_member_of_any_type_gets_an_answer_not_a_crash() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let (id, rec) = provision(&c, "robust").await;
    let members = [
        "Id",
        "Name",
        "ProvisionedProductId",
        "ProvisionedProductName",
        "ProvisionedProductProperties",
        "IdempotencyToken",
        "ProvisionToken",
        "UpdateToken",
        "TerminateToken",
        "ProductId",
        "ProvisioningArtifactId",
        "PathId",
        "Tags",
        "ProvisioningParameters",
        "AccessLevelFilter",
        "Filters",
        "SortBy",
        "SortOrder",
        "PageSize",
        "PageToken",
        "SearchFilter",
        "AcceptLanguage",
        "NotificationArns",
        "ProvisioningPreferences",
        "IgnoreErrors",
    ];
    let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
    let values = [
        "null".to_owned(),
        "true".to_owned(),
        "-1".to_owned(),
        "1e400".to_owned(),
        "123456789012345678901234567890".to_owned(),
        "\"\"".to_owned(),
        "\"\u{1F600}\\u0000\"".to_owned(),
        "[]".to_owned(),
        "{}".to_owned(),
        "[{}]".to_owned(),
        "{\"OWNER\": 5}".to_owned(),
        "{\"Key\": [], \"Value\": {}}".to_owned(),
        "[{\"Key\": null, \"Value\": 1}]".to_owned(),
        format!("\"{id}\""),
        format!("\"{rec}\""),
        deep,
    ];
    for op in servicecatalog_provider::emulator::OPERATIONS {
        for m in members {
            for v in &values {
                let body = format!("{{\"{m}\": {v}}}");
                let r = raw_api(emu.addr(), op, &body).await;
                assert!(
                    r.status == 200 || r.status == 400,
                    "{op} {body}: {} {}",
                    r.status,
                    r.text()
                );
                if r.status == 400 {
                    let t = r.json()["__type"].as_str().unwrap_or_default().to_owned();
                    assert!(t.ends_with("Exception"), "{op} {body}: {}", r.text());
                }
            }
        }
    }
    // Still serving, state intact.
    sdk::describe(&c, &id).await;
    world.finish().await;
}
