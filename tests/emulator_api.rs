//! The emulator's operations, validation, record lifecycle, visibility and idempotency, driven by the
//! real `aws-sdk-servicecatalog` client (raw HTTP only for wire-level cases the SDK cannot produce).

#[path = "support/emulator.rs"]
mod support;

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_servicecatalog::error::ProvideErrorMetadata;
use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ListRecordHistorySearchFilter, PropertyKey,
    ProvisionedProductViewFilterBy, ProvisioningParameter, SortOrder, UpdateProvisioningParameter,
};
use servicecatalog_provider::emulator::{
    AccessLevel, EmulatorConfig, Faults, Principal, Principals,
};
use support::*;

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

#[tokio::test]
async fn every_operation_works_through_the_sdk() {
    let (emu, c) = start_default().await;
    let out = c
        .provision_product()
        .product_id("prod-abcdefgh12345")
        .provisioning_artifact_id("pa-abcdefgh12345")
        .provisioned_product_name("web-1")
        .provisioning_parameters(
            ProvisioningParameter::builder()
                .key("Size")
                .value("small")
                .build(),
        )
        .provision_token("p-1")
        .send()
        .await
        .unwrap();
    let rec = out.record_detail().unwrap();
    assert_eq!(rec.status().unwrap().as_str(), "CREATED");
    assert_eq!(rec.record_type(), Some("PROVISION_PRODUCT"));
    let id = rec.provisioned_product_id().unwrap().to_owned();
    assert!(id.starts_with("pp-") && id.len() == 16, "{id}");
    assert_eq!(wait_record(&c, rec.record_id().unwrap()).await, "SUCCEEDED");

    let by_id = c
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    let detail = by_id.provisioned_product_detail().unwrap();
    assert_eq!(detail.status().unwrap().as_str(), "AVAILABLE");
    assert_eq!(
        detail.arn(),
        Some(format!("arn:aws:servicecatalog:us-east-1:{ACCOUNT}:stack/web-1/{id}").as_str())
    );
    let by_name = c
        .describe_provisioned_product()
        .name("web-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_name.provisioned_product_detail().unwrap().id(),
        Some(id.as_str())
    );

    assert_eq!(
        search_owner(&c, &id).await.as_deref(),
        Some(arn("user", "admin").as_str())
    );
    let scan = c
        .scan_provisioned_products()
        .access_level_filter(level(AccessLevelFilterKey::Account))
        .send()
        .await
        .unwrap();
    assert_eq!(scan.provisioned_products().len(), 1);

    let role = arn("role", "Launch");
    let up = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::LaunchRole, &role)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status().unwrap().as_str(), "CREATED");
    assert_eq!(
        up.provisioned_product_properties().unwrap()[&PropertyKey::LaunchRole],
        role
    );
    assert_eq!(wait_record(&c, up.record_id().unwrap()).await, "SUCCEEDED");
    let detail = c
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        detail
            .provisioned_product_detail()
            .unwrap()
            .launch_role_arn(),
        Some(role.as_str())
    );

    let upd = c
        .update_provisioned_product()
        .provisioned_product_id(&id)
        .provisioning_parameters(
            UpdateProvisioningParameter::builder()
                .key("Size")
                .use_previous_value(true)
                .build(),
        )
        .provisioning_artifact_id("pa-version2abcdef")
        .update_token("u-1")
        .send()
        .await
        .unwrap();
    let upd_rec = upd.record_detail().unwrap();
    assert_eq!(upd_rec.record_type(), Some("UPDATE_PROVISIONED_PRODUCT"));
    assert_eq!(upd_rec.launch_role_arn(), Some(role.as_str()));
    assert_eq!(
        upd_rec.provisioning_artifact_id(),
        Some("pa-version2abcdef")
    );
    assert_eq!(
        wait_record(&c, upd_rec.record_id().unwrap()).await,
        "SUCCEEDED"
    );
    let rec = c
        .describe_record()
        .id(upd_rec.record_id().unwrap())
        .send()
        .await
        .unwrap();
    let outputs: Vec<_> = rec
        .record_outputs()
        .iter()
        .map(|o| (o.output_key().unwrap(), o.output_value().unwrap()))
        .collect();
    assert!(outputs.contains(&("Size", "small")), "{outputs:?}");
    let detail = c
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    let detail = detail.provisioned_product_detail().unwrap();
    assert_eq!(detail.provisioning_artifact_id(), Some("pa-version2abcdef"));
    assert_eq!(
        detail.last_successful_provisioning_record_id(),
        upd_rec.record_id()
    );

    let history = c
        .list_record_history()
        .search_filter(
            ListRecordHistorySearchFilter::builder()
                .key("provisionedproduct")
                .value(&id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let types: Vec<_> = history
        .record_details()
        .iter()
        .map(|r| r.record_type().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "UPDATE_PROVISIONED_PRODUCT",
            "UPDATE_PROVISIONED_PRODUCT_PROPERTIES",
            "PROVISION_PRODUCT"
        ]
    );

    let term = c
        .terminate_provisioned_product()
        .provisioned_product_id(&id)
        .terminate_token("t-1")
        .send()
        .await
        .unwrap();
    let term_rec = term.record_detail().unwrap();
    assert_eq!(
        term_rec.record_type(),
        Some("TERMINATE_PROVISIONED_PRODUCT")
    );
    assert_eq!(
        wait_record(&c, term_rec.record_id().unwrap()).await,
        "SUCCEEDED"
    );
    let (code, msg) = code_of(c.describe_provisioned_product().id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    assert!(msg.contains(&id), "{msg}");
    emu.shutdown().await;
}

#[tokio::test]
async fn property_update_lifecycle_with_latency() {
    let emu = start(EmulatorConfig {
        record_latency: Duration::from_secs(3),
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let pp = emu
        .seed_provisioned_product(servicecatalog_provider::emulator::SeedProduct {
            name: "db".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let before = c
        .describe_provisioned_product()
        .id(&pp.id)
        .send()
        .await
        .unwrap();
    let provisioning_record = before
        .provisioned_product_detail()
        .unwrap()
        .last_provisioning_record_id()
        .unwrap()
        .to_owned();
    let owner = arn("role", "Team");
    let up = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&pp.id)
        .provisioned_product_properties(PropertyKey::Owner, &owner)
        .send()
        .await
        .unwrap();
    let rid = up.record_id().unwrap().to_owned();
    assert_eq!(up.status().unwrap().as_str(), "CREATED");

    // While the record is open: product UNDER_CHANGE, owner unchanged, second change refused.
    let during = c
        .describe_provisioned_product()
        .id(&pp.id)
        .send()
        .await
        .unwrap();
    let d = during.provisioned_product_detail().unwrap();
    assert_eq!(d.status().unwrap().as_str(), "UNDER_CHANGE");
    assert_eq!(d.last_record_id(), Some(rid.as_str()));
    assert_eq!(
        search_owner(&c, &pp.id).await.as_deref(),
        Some(arn("user", "admin").as_str())
    );
    let (code, msg) = code_of(
        c.update_provisioned_product_properties()
            .provisioned_product_id(&pp.id)
            .provisioned_product_properties(PropertyKey::LaunchRole, arn("role", "L"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidStateException");
    assert!(
        msg.contains(&pp.id) && msg.contains("UNDER_CHANGE"),
        "{msg}"
    );

    // Statuses seen while polling follow CREATED → IN_PROGRESS → SUCCEEDED.
    let order = ["CREATED", "IN_PROGRESS", "SUCCEEDED"];
    let mut seen = vec![];
    loop {
        let r = c.describe_record().id(&rid).send().await.unwrap();
        let s = r
            .record_detail()
            .unwrap()
            .status()
            .unwrap()
            .as_str()
            .to_owned();
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if s == "SUCCEEDED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let idx: Vec<usize> = seen
        .iter()
        .map(|s| order.iter().position(|o| o == s).expect("known status"))
        .collect();
    assert!(idx.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(
        search_owner(&c, &pp.id).await.as_deref(),
        Some(owner.as_str())
    );
    let after = c
        .describe_provisioned_product()
        .id(&pp.id)
        .send()
        .await
        .unwrap();
    let a = after.provisioned_product_detail().unwrap();
    assert_eq!(a.status().unwrap().as_str(), "AVAILABLE");
    assert_eq!(a.last_record_id(), Some(rid.as_str()));
    assert_eq!(
        a.last_provisioning_record_id(),
        Some(provisioning_record.as_str())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn failed_record_reports_errors_and_changes_nothing() {
    let emu = start(EmulatorConfig {
        record_latency: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let (id, rec) = provision(&c, "app").await;
    wait_record(&c, &rec).await;
    emu.update_faults(|f| f.fail_next_records = 1).unwrap();
    let up = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::LaunchRole, arn("role", "Launch"))
        .send()
        .await
        .unwrap();
    assert_eq!(wait_record(&c, up.record_id().unwrap()).await, "FAILED");
    let r = c
        .describe_record()
        .id(up.record_id().unwrap())
        .send()
        .await
        .unwrap();
    let errors = r.record_detail().unwrap().record_errors();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].description().unwrap().contains(&id));
    let d = c
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    let d = d.provisioned_product_detail().unwrap();
    assert_eq!(d.launch_role_arn(), None);
    assert_eq!(d.status().unwrap().as_str(), "AVAILABLE");
    // The fault was for one record only.
    let ok = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::LaunchRole, arn("role", "Launch"))
        .send()
        .await
        .unwrap();
    assert_eq!(wait_record(&c, ok.record_id().unwrap()).await, "SUCCEEDED");
    emu.shutdown().await;
}

#[tokio::test]
async fn validation_errors_name_the_member_and_value() {
    let (emu, c) = start_default().await;
    let (id, _) = provision(&c, "v").await;
    let uppp = || c.update_provisioned_product_properties();

    let (code, msg) = code_of(
        uppp()
            .provisioned_product_properties(PropertyKey::Owner, arn("user", "a"))
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
            .provisioned_product_properties(PropertyKey::Owner, arn("user", "a"))
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
            .provisioned_product_properties(PropertyKey::Owner, arn("user", "a"))
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
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_parameters_not_found_state_and_duplicate_errors() {
    let emu = start(EmulatorConfig {
        record_latency: Duration::from_secs(30),
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let pp = emu
        .seed_provisioned_product(servicecatalog_provider::emulator::SeedProduct {
            name: "p".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = pp.id.clone();
    let uppp = |k: PropertyKey, v: String| {
        c.update_provisioned_product_properties()
            .provisioned_product_id(&id)
            .provisioned_product_properties(k, v)
    };

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
        (PropertyKey::LaunchRole, arn("user", "alice"), "user/alice"),
        (
            PropertyKey::LaunchRole,
            "arn:aws:iam::999999999999:role/R".to_owned(),
            "999999999999",
        ),
    ];
    for (k, v, needle) in cases {
        let (code, msg) = code_of(uppp(k.clone(), v.clone()).send().await);
        assert_eq!(code, "InvalidParametersException", "{k:?}={v}");
        assert!(msg.contains(needle), "{msg}");
    }
    // Assumed-role owners are accepted.
    let accepted = uppp(PropertyKey::Owner, arn("assumed-role", "Team/session"))
        .send()
        .await
        .unwrap();
    let rid = accepted.record_id().unwrap().to_owned();

    let (code, _) = code_of(uppp(PropertyKey::Owner, arn("user", "b")).send().await);
    assert_eq!(code, "InvalidStateException");

    let (code, msg) = code_of(
        c.update_provisioned_product_properties()
            .provisioned_product_id("pp-doesnotexist1")
            .provisioned_product_properties(PropertyKey::Owner, arn("user", "b"))
            .send()
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
    emu.shutdown().await;
}

#[tokio::test]
async fn wire_errors_carry_code_header_and_message() {
    let (emu, _c) = start_default().await;
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
    emu.shutdown().await;
}

fn visibility_config() -> EmulatorConfig {
    EmulatorConfig {
        principals: Principals::default()
            .with_key(
                "AKIDALICE",
                Principal::new(arn("user", "alice"), AccessLevel::User),
            )
            .with_key(
                "AKIDBOB",
                Principal::new(arn("user", "bob"), AccessLevel::User),
            )
            .with_key(
                "AKIDDEV",
                Principal::new(arn("assumed-role", "Dev/carol"), AccessLevel::Role),
            )
            .with_key(
                "AKIDADMIN",
                Principal::new(arn("role", "Admin"), AccessLevel::Account),
            ),
        ..Default::default()
    }
}

#[tokio::test]
async fn previous_owner_loses_describe_but_keeps_history() {
    let emu = start(visibility_config()).await;
    let ep = emu.endpoint_url();
    let alice = client_with(&ep, "AKIDALICE", "s", 1);
    let bob = client_with(&ep, "AKIDBOB", "s", 1);
    let admin = client_with(&ep, "AKIDADMIN", "s", 1);
    let (id, prov_rec) = provision(&alice, "alices").await;
    wait_record(&alice, &prov_rec).await;
    assert_eq!(
        search_owner(&admin, &id).await.as_deref(),
        Some(arn("user", "alice").as_str())
    );
    // Bob cannot see Alice's product at user level.
    let (code, _) = code_of(bob.describe_provisioned_product().id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    // A user-level principal may not ask for account-level search.
    let (code, msg) = code_of(
        alice
            .search_provisioned_products()
            .access_level_filter(level(AccessLevelFilterKey::Account))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(msg.contains("alice"), "{msg}");

    let up = admin
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, arn("user", "bob"))
        .send()
        .await
        .unwrap();
    let change_rec = up.record_id().unwrap().to_owned();
    assert_eq!(wait_record(&admin, &change_rec).await, "SUCCEEDED");

    let (code, _) = code_of(alice.describe_provisioned_product().id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = code_of(alice.describe_record().id(&prov_rec).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = code_of(
        alice
            .update_provisioned_product_properties()
            .provisioned_product_id(&id)
            .provisioned_product_properties(PropertyKey::Owner, arn("user", "alice"))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let hist = alice.list_record_history().send().await.unwrap();
    let ids: Vec<_> = hist
        .record_details()
        .iter()
        .map(|r| r.record_id().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [change_rec.clone(), prov_rec.clone()]);

    // The new owner sees the product and all its past records.
    bob.describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    bob.describe_record().id(&prov_rec).send().await.unwrap();
    let scan = bob.scan_provisioned_products().send().await.unwrap();
    assert_eq!(scan.provisioned_products().len(), 1);
    let search = alice
        .search_provisioned_products()
        .access_level_filter(level(AccessLevelFilterKey::User))
        .send()
        .await
        .unwrap();
    assert_eq!(search.total_results_count(), 0);

    // Role level: a session of role Dev sees products owned by role Dev.
    let dev = client_with(&ep, "AKIDDEV", "s", 1);
    let (code, _) = code_of(dev.describe_provisioned_product().id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let up = admin
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, arn("role", "Dev"))
        .send()
        .await
        .unwrap();
    wait_record(&admin, up.record_id().unwrap()).await;
    dev.describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn idempotency_token_replays_or_conflicts() {
    let (emu, c) = start_default().await;
    let pp = emu
        .seed_provisioned_product(servicecatalog_provider::emulator::SeedProduct {
            name: "i".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let send = |owner: String| {
        c.update_provisioned_product_properties()
            .provisioned_product_id(&pp.id)
            .provisioned_product_properties(PropertyKey::Owner, owner)
            .idempotency_token("fixed-token-1")
            .send()
    };
    let first = send(arn("user", "a")).await.unwrap();
    wait_record(&c, first.record_id().unwrap()).await;
    let again = send(arn("user", "a")).await.unwrap();
    assert_eq!(again.record_id(), first.record_id());
    assert_eq!(again.status().unwrap().as_str(), "SUCCEEDED");
    let uppp_records = emu
        .records_for(&pp.id)
        .iter()
        .filter(|r| r.record_type == "UPDATE_PROVISIONED_PRODUCT_PROPERTIES")
        .count();
    assert_eq!(uppp_records, 1);
    let (code, msg) = code_of(send(arn("user", "b")).await);
    assert_eq!(code, "InvalidParametersException");
    assert!(
        msg.contains("fixed-token-1") && msg.contains(first.record_id().unwrap()),
        "{msg}"
    );
    assert_eq!(
        search_owner(&c, &pp.id).await.as_deref(),
        Some(arn("user", "a").as_str())
    );

    // ProvisionProduct: same token + same request → same record and product.
    let p = || {
        c.provision_product()
            .product_id("prod-a")
            .provisioning_artifact_id("pa-a")
            .provisioned_product_name("twice")
            .provision_token("pt")
    };
    let a = p().send().await.unwrap();
    let b = p().send().await.unwrap();
    assert_eq!(
        a.record_detail().unwrap().record_id(),
        b.record_detail().unwrap().record_id()
    );
    assert_eq!(
        emu.snapshot()
            .products
            .values()
            .filter(|x| x.name == "twice")
            .count(),
        1
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn search_queries_sorting_and_paging() {
    let (emu, c) = start_default().await;
    let mut ids = vec![];
    for name in ["delta", "alpha", "echo", "charlie", "bravo"] {
        ids.push(provision(&c, name).await.0);
    }
    let search = |q: &str| {
        c.search_provisioned_products()
            .filters(
                ProvisionedProductViewFilterBy::SearchQuery,
                vec![q.to_owned()],
            )
            .send()
    };
    let names = |o: &aws_sdk_servicecatalog::operation::search_provisioned_products::SearchProvisionedProductsOutput| {
        o.provisioned_products().iter().map(|p| p.name().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names(&search("name:echo").await.unwrap()), ["echo"]);
    assert_eq!(
        names(&search(&format!("id:{}", ids[1])).await.unwrap()),
        ["alpha"]
    );
    assert_eq!(
        search("status:AVAILABLE")
            .await
            .unwrap()
            .total_results_count(),
        5
    );
    assert_eq!(
        search(&format!("userArn:{}", arn("user", "admin")))
            .await
            .unwrap()
            .total_results_count(),
        5
    );
    assert_eq!(
        search("productId:prod-abcdefgh12345")
            .await
            .unwrap()
            .total_results_count(),
        5
    );
    assert_eq!(
        search("productId:prod-other")
            .await
            .unwrap()
            .total_results_count(),
        0
    );
    assert_eq!(names(&search("arli").await.unwrap()), ["charlie"]);

    let mut pages = vec![];
    let mut token: Option<String> = None;
    loop {
        let out = c
            .search_provisioned_products()
            .sort_by("name")
            .sort_order(SortOrder::Descending)
            .page_size(2)
            .set_page_token(token.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(out.total_results_count(), 5);
        pages.extend(names(&out));
        token = out.next_page_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, ["echo", "delta", "charlie", "bravo", "alpha"]);

    // DescribeRecord pages its outputs.
    let params: Vec<_> = (0..5)
        .map(|i| {
            ProvisioningParameter::builder()
                .key(format!("P{i}"))
                .value("v")
                .build()
        })
        .collect();
    let out = c
        .provision_product()
        .product_id("prod-a")
        .provisioning_artifact_id("pa-a")
        .provisioned_product_name("outs")
        .set_provisioning_parameters(Some(params))
        .provision_token("o")
        .send()
        .await
        .unwrap();
    let rid = out.record_detail().unwrap().record_id().unwrap().to_owned();
    let mut keys = HashSet::new();
    let mut token = None;
    let mut calls = 0;
    loop {
        let r = c
            .describe_record()
            .id(&rid)
            .page_size(2)
            .set_page_token(token)
            .send()
            .await
            .unwrap();
        assert!(r.record_outputs().len() <= 2);
        keys.extend(
            r.record_outputs()
                .iter()
                .map(|o| o.output_key().unwrap().to_owned()),
        );
        calls += 1;
        token = r.next_page_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!((keys.len(), calls), (6, 3), "{keys:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn signatures_are_verified_for_keys_with_a_secret() {
    let emu = start(EmulatorConfig {
        principals: Principals {
            reject_unknown_keys: true,
            ..Principals::default().with_key(
                "AKIDSIGNED",
                Principal::new(arn("user", "s"), AccessLevel::Account).with_secret("right-secret"),
            )
        },
        ..Default::default()
    })
    .await;
    let ep = emu.endpoint_url();
    client_with(&ep, "AKIDSIGNED", "right-secret", 1)
        .scan_provisioned_products()
        .send()
        .await
        .unwrap();
    let (code, _) = code_of(
        client_with(&ep, "AKIDSIGNED", "wrong-secret", 1)
            .scan_provisioned_products()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidSignatureException");
    let (code, msg) = code_of(
        client_with(&ep, "AKIDOTHER", "x", 1)
            .scan_provisioned_products()
            .send()
            .await,
    );
    assert_eq!(code, "UnrecognizedClientException");
    assert!(msg.contains("AKIDOTHER"), "{msg}");
    assert!(!msg.contains("right-secret"));
    emu.shutdown().await;
}

#[tokio::test]
async fn faults_field_is_rejected_when_unknown_operation() {
    let (emu, _c) = start_default().await;
    let err = emu
        .set_faults(Faults {
            operations: ["NoSuchOp".to_owned()].into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("'NoSuchOp'"), "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn any_member_of_any_type_gets_an_answer_not_a_crash() {
    let (emu, c) = start_default().await;
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
                    r.body
                );
                if r.status == 400 {
                    let t = r.json()["__type"].as_str().unwrap_or_default().to_owned();
                    assert!(t.ends_with("Exception"), "{op} {body}: {}", r.body);
                }
            }
        }
    }
    // Still serving, state intact.
    c.describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn fleet_reads_page_through_the_whole_account() {
    use std::collections::BTreeSet;

    use aws_sdk_servicecatalog::types::Tag;
    use servicecatalog_provider::emulator::SeedProduct;
    let role = arn("role", "Launch");
    let emu = start(EmulatorConfig {
        launch_role_arn: Some(role.clone()),
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let alice = arn("user", "alice");
    let mut all = BTreeSet::new();
    let mut created = vec![];
    for n in 0..130 {
        let name = format!("fleet-{n:03}");
        let pp = emu
            .seed_provisioned_product(SeedProduct {
                name: name.clone(),
                owner_arn: (n % 2 == 0).then(|| alice.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        all.insert(pp.id);
        created.push(name);
    }
    for (name, team) in [("tagged-a", "blue"), ("tagged-b", "red")] {
        let out = c
            .provision_product()
            .product_id("prod-abcdefgh12345")
            .provisioning_artifact_id("pa-abcdefgh12345")
            .provisioned_product_name(name)
            .tags(Tag::builder().key("team").value(team).build().unwrap())
            .provision_token(name)
            .send()
            .await
            .unwrap();
        let rec = out.record_detail().unwrap();
        assert_eq!(wait_record(&c, rec.record_id().unwrap()).await, "SUCCEEDED");
        all.insert(rec.provisioned_product_id().unwrap().to_owned());
        created.push(name.to_owned());
    }

    // Search at account level, 100 a page, in creation order: every product exactly once.
    let mut names = vec![];
    let mut ids = BTreeSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .search_provisioned_products()
            .access_level_filter(level(AccessLevelFilterKey::Account))
            .sort_by("createdTime")
            .page_size(100)
            .set_page_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert_eq!(out.total_results_count(), 132);
        assert!(out.provisioned_products().len() <= 100);
        for p in out.provisioned_products() {
            names.push(p.name().unwrap().to_owned());
            assert!(ids.insert(p.id().unwrap().to_owned()), "{p:?} twice");
        }
        token = out.next_page_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(ids, all);
    assert_eq!(names, created);
    let (code, msg) = code_of(c.search_provisioned_products().page_size(101).send().await);
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("'101'"), "{msg}");

    // SearchQuery terms: field filters are ANDed, bare terms are free text.
    let query = |terms: &[&str]| {
        c.search_provisioned_products()
            .filters(
                ProvisionedProductViewFilterBy::SearchQuery,
                terms.iter().map(|t| (*t).to_owned()).collect(),
            )
            .page_size(100)
            .send()
    };
    let owner = format!("userArn:{alice}");
    let total = |out: aws_sdk_servicecatalog::operation::search_provisioned_products::SearchProvisionedProductsOutput| {
        out.total_results_count()
    };
    assert_eq!(total(query(&[&owner]).await.unwrap()), 65);
    assert_eq!(total(query(&[&owner, "name:fleet-004"]).await.unwrap()), 1);
    assert_eq!(total(query(&[&owner, "name:fleet-005"]).await.unwrap()), 0);
    assert_eq!(
        total(
            query(&["status:AVAILABLE", "productId:prod-emulator0000"])
                .await
                .unwrap()
        ),
        130
    );
    assert_eq!(total(query(&["fleet-12"]).await.unwrap()), 10);
    for (term, want) in [("tags:team:blue", "tagged-a"), ("tags:red", "tagged-b")] {
        let out = query(&[term]).await.unwrap();
        let found: Vec<_> = out
            .provisioned_products()
            .iter()
            .map(|p| p.name())
            .collect();
        assert_eq!(found, [Some(want)], "{term}");
    }

    // Scan at account level, 20 a page, carries the launch role of every product.
    let mut scanned = BTreeSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .scan_provisioned_products()
            .access_level_filter(level(AccessLevelFilterKey::Account))
            .page_size(20)
            .set_page_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.provisioned_products().len() <= 20);
        for p in out.provisioned_products() {
            assert_eq!(p.launch_role_arn(), Some(role.as_str()), "{p:?}");
            assert!(scanned.insert(p.id().unwrap().to_owned()));
        }
        token = out.next_page_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 7);
    assert_eq!(scanned, all);
    let (code, _) = code_of(c.scan_provisioned_products().page_size(21).send().await);
    assert_eq!(code, "ValidationException");

    // Record history at account level: every product's record, newest first.
    let mut records = vec![];
    let mut token: Option<String> = None;
    loop {
        let out = c
            .list_record_history()
            .access_level_filter(level(AccessLevelFilterKey::Account))
            .page_size(20)
            .set_page_token(token)
            .send()
            .await
            .unwrap();
        assert!(out.record_details().len() <= 20);
        records.extend(out.record_details().iter().cloned());
        token = out.next_page_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let products: BTreeSet<String> = records
        .iter()
        .map(|r| r.provisioned_product_id().unwrap().to_owned())
        .collect();
    assert_eq!(records.len(), 132);
    assert_eq!(products, all);
    assert_eq!(records[0].provisioned_product_name(), Some("tagged-b"));
    assert!(records
        .windows(2)
        .all(|w| w[0].created_time() >= w[1].created_time()));

    // Sorted by createdTime, products terminated between two pages make search skip no live one.
    let by_age = || {
        c.search_provisioned_products()
            .access_level_filter(level(AccessLevelFilterKey::Account))
            .sort_by("createdTime")
            .page_size(100)
    };
    let first = by_age().send().await.unwrap();
    let gone: Vec<String> = first.provisioned_products()[..3]
        .iter()
        .map(|p| p.id().unwrap().to_owned())
        .collect();
    for id in &gone {
        let out = c
            .terminate_provisioned_product()
            .provisioned_product_id(id)
            .send()
            .await
            .unwrap();
        let rec = out.record_detail().unwrap().record_id().unwrap();
        assert_eq!(wait_record(&c, rec).await, "SUCCEEDED");
    }
    let second = by_age()
        .set_page_token(first.next_page_token().map(str::to_owned))
        .send()
        .await
        .unwrap();
    assert_eq!(second.total_results_count(), 129);
    assert_eq!(second.provisioned_products().len(), 32);
    let seen: BTreeSet<String> = first
        .provisioned_products()
        .iter()
        .chain(second.provisioned_products())
        .map(|p| p.id().unwrap().to_owned())
        .collect();
    let live: BTreeSet<String> = all
        .difference(&gone.into_iter().collect())
        .cloned()
        .collect();
    assert!(seen.is_superset(&live));
    emu.shutdown().await;
}
