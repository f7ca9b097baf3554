//! The emulator's operations and record lifecycle, idempotency, and search through the real
//! `aws-sdk-servicecatalog` client.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_servicecatalog::operation::describe_record::DescribeRecordOutput;
use aws_sdk_servicecatalog::operation::search_provisioned_products::SearchProvisionedProductsOutput;
use aws_sdk_servicecatalog::types::{
    AccessLevelFilterKey, ListRecordHistorySearchFilter, PropertyKey,
    ProvisionedProductViewFilterBy, ProvisioningParameter, SortOrder, UpdateProvisioningParameter,
};
use servicecatalog_provider::emulator::EmulatorConfig;

use super::{
    all_pages, code_of, final_status, level, seeded, set, set_and_wait, start, try_set,
    with_record_latency,
};
use crate::harness::sdk::{self, iam_arn, provision, ACCOUNT};

#[tokio::test]
async fn every_operation_works_through_the_sdk() {
    let (world, c) = start(EmulatorConfig::default()).await;
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
    assert_eq!(
        final_status(&c, rec.record_id().unwrap()).await,
        "SUCCEEDED"
    );

    let detail = sdk::describe(&c, &id).await;
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
        sdk::owner(&c, &id).await.as_deref(),
        Some(iam_arn("user", "admin").as_str())
    );
    let scan = c
        .scan_provisioned_products()
        .access_level_filter(level(AccessLevelFilterKey::Account))
        .send()
        .await
        .unwrap();
    assert_eq!(scan.provisioned_products().len(), 1);

    let role = iam_arn("role", "Launch");
    let up = set(&c, &id, PropertyKey::LaunchRole, &role).await;
    assert_eq!(up.status().unwrap().as_str(), "CREATED");
    assert_eq!(
        up.provisioned_product_properties().unwrap()[&PropertyKey::LaunchRole],
        role
    );
    assert_eq!(final_status(&c, up.record_id().unwrap()).await, "SUCCEEDED");
    assert_eq!(sdk::launch_role(&c, &id).await, Some(role.clone()));

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
        final_status(&c, upd_rec.record_id().unwrap()).await,
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
    let detail = sdk::describe(&c, &id).await;
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
        final_status(&c, term_rec.record_id().unwrap()).await,
        "SUCCEEDED"
    );
    let (code, msg) = code_of(c.describe_provisioned_product().id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    assert!(msg.contains(&id), "{msg}");
    world.finish().await;
}

#[tokio::test]
async fn property_update_lifecycle_with_latency() {
    let (world, c) = with_record_latency(Duration::from_secs(3)).await;
    let id = world.seed("db").await;
    let provisioning_record = sdk::describe(&c, &id)
        .await
        .last_provisioning_record_id()
        .unwrap()
        .to_owned();
    let owner = iam_arn("role", "Team");
    let up = set(&c, &id, PropertyKey::Owner, &owner).await;
    let rid = up.record_id().unwrap().to_owned();
    assert_eq!(up.status().unwrap().as_str(), "CREATED");

    // While the record is open: product UNDER_CHANGE, owner unchanged, second change refused.
    let d = sdk::describe(&c, &id).await;
    assert_eq!(d.status().unwrap().as_str(), "UNDER_CHANGE");
    assert_eq!(d.last_record_id(), Some(rid.as_str()));
    assert_eq!(
        sdk::owner(&c, &id).await.as_deref(),
        Some(iam_arn("user", "admin").as_str())
    );
    let (code, msg) =
        code_of(try_set(&c, &id, PropertyKey::LaunchRole, iam_arn("role", "L")).await);
    assert_eq!(code, "InvalidStateException");
    assert!(msg.contains(&id) && msg.contains("UNDER_CHANGE"), "{msg}");

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
    assert_eq!(sdk::owner(&c, &id).await.as_deref(), Some(owner.as_str()));
    let a = sdk::describe(&c, &id).await;
    assert_eq!(a.status().unwrap().as_str(), "AVAILABLE");
    assert_eq!(a.last_record_id(), Some(rid.as_str()));
    assert_eq!(
        a.last_provisioning_record_id(),
        Some(provisioning_record.as_str())
    );
    world.finish().await;
}

#[tokio::test]
async fn failed_record_reports_errors_and_changes_nothing() {
    let (world, c) = with_record_latency(Duration::from_millis(300)).await;
    let emu = world.emu();
    let (id, rec) = provision(&c, "app").await;
    final_status(&c, &rec).await;
    emu.update_faults(|f| f.fail_next_records = 1).unwrap();
    let up = set(&c, &id, PropertyKey::LaunchRole, iam_arn("role", "Launch")).await;
    assert_eq!(final_status(&c, up.record_id().unwrap()).await, "FAILED");
    let r = c
        .describe_record()
        .id(up.record_id().unwrap())
        .send()
        .await
        .unwrap();
    let errors = r.record_detail().unwrap().record_errors();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].description().unwrap().contains(&id));
    let d = sdk::describe(&c, &id).await;
    assert_eq!(d.launch_role_arn(), None);
    assert_eq!(d.status().unwrap().as_str(), "AVAILABLE");
    // The fault was for one record only.
    let status = set_and_wait(&c, &id, PropertyKey::LaunchRole, iam_arn("role", "Launch")).await;
    assert_eq!(status, "SUCCEEDED");
    world.finish().await;
}

#[tokio::test]
async fn idempotency_token_replays_or_conflicts() {
    let (world, c, id) = seeded("i").await;
    let emu = world.emu();
    let send = |owner: String| {
        c.update_provisioned_product_properties()
            .provisioned_product_id(&id)
            .provisioned_product_properties(PropertyKey::Owner, owner)
            .idempotency_token("fixed-token-1")
            .send()
    };
    let first = send(iam_arn("user", "a")).await.unwrap();
    final_status(&c, first.record_id().unwrap()).await;
    let again = send(iam_arn("user", "a")).await.unwrap();
    assert_eq!(again.record_id(), first.record_id());
    assert_eq!(again.status().unwrap().as_str(), "SUCCEEDED");
    let uppp_records = emu
        .records_for(&id)
        .iter()
        .filter(|r| r.record_type == "UPDATE_PROVISIONED_PRODUCT_PROPERTIES")
        .count();
    assert_eq!(uppp_records, 1);
    let (code, msg) = code_of(send(iam_arn("user", "b")).await);
    assert_eq!(code, "InvalidParametersException");
    assert!(
        msg.contains("fixed-token-1") && msg.contains(first.record_id().unwrap()),
        "{msg}"
    );
    assert_eq!(
        sdk::owner(&c, &id).await.as_deref(),
        Some(iam_arn("user", "a").as_str())
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
    world.finish().await;
}

#[tokio::test]
async fn search_queries_sorting_and_paging() {
    let (world, c) = start(EmulatorConfig::default()).await;
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
    let names = |o: &SearchProvisionedProductsOutput| {
        o.provisioned_products()
            .iter()
            .map(|p| p.name().unwrap().to_owned())
            .collect::<Vec<_>>()
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
        search(&format!("userArn:{}", iam_arn("user", "admin")))
            .await
            .unwrap()
            .total_results_count(),
        5
    );
    // An owner matches exactly: another case, or a part of the ARN, matches nothing.
    for near in [
        iam_arn("user", "ADMIN"),
        iam_arn("user", "adm"),
        format!("{}x", iam_arn("user", "admin")),
    ] {
        let found = search(&format!("userArn:{near}")).await.unwrap();
        assert_eq!(found.total_results_count(), 0, "{near}");
    }
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

    let pages = all_pages(
        |token| {
            c.search_provisioned_products()
                .sort_by("name")
                .sort_order(SortOrder::Descending)
                .page_size(2)
                .set_page_token(token)
                .send()
        },
        SearchProvisionedProductsOutput::next_page_token,
    )
    .await;
    assert!(pages.iter().all(|p| p.total_results_count() == 5));
    let sorted: Vec<String> = pages.iter().flat_map(names).collect();
    assert_eq!(sorted, ["echo", "delta", "charlie", "bravo", "alpha"]);

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
    let pages = all_pages(
        |token| {
            c.describe_record()
                .id(&rid)
                .page_size(2)
                .set_page_token(token)
                .send()
        },
        DescribeRecordOutput::next_page_token,
    )
    .await;
    assert!(pages.iter().all(|r| r.record_outputs().len() <= 2));
    let keys: HashSet<&str> = pages
        .iter()
        .flat_map(|r| r.record_outputs())
        .map(|o| o.output_key().unwrap())
        .collect();
    assert_eq!((keys.len(), pages.len()), (6, 3), "{keys:?}");
    world.finish().await;
}
