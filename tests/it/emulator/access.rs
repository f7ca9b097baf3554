//! Who sees what: user-, role- and account-level access after an owner change, and SigV4
//! signatures for keys the emulator has a secret for.

use aws_sdk_servicecatalog::types::{AccessLevelFilterKey, PropertyKey};
use servicecatalog_provider::emulator::{AccessLevel, EmulatorConfig, Principal, Principals};

use super::{code_of, final_status, level};
use crate::harness::sdk::{self, assumed_role, iam_arn, provision};
use crate::harness::World;

fn visibility_config() -> EmulatorConfig {
    EmulatorConfig {
        principals: Principals::default()
            .with_key(
                "AKIDALICE",
                Principal::new(iam_arn("user", "alice"), AccessLevel::User),
            )
            .with_key(
                "AKIDBOB",
                Principal::new(iam_arn("user", "bob"), AccessLevel::User),
            )
            .with_key(
                "AKIDDEV",
                Principal::new(assumed_role("Dev", "carol"), AccessLevel::Role),
            )
            .with_key(
                "AKIDADMIN",
                Principal::new(iam_arn("role", "Admin"), AccessLevel::Account),
            ),
        ..Default::default()
    }
}

#[tokio::test]
async fn previous_owner_loses_describe_but_keeps_history() {
    let world = World::with_config(visibility_config()).await;
    let emu = world.emu();
    let ep = emu.endpoint_url();
    let alice = sdk::client(&ep, "AKIDALICE", "s", 1);
    let bob = sdk::client(&ep, "AKIDBOB", "s", 1);
    let admin = sdk::client(&ep, "AKIDADMIN", "s", 1);
    let (id, prov_rec) = provision(&alice, "alices").await;
    final_status(&alice, &prov_rec).await;
    assert_eq!(
        sdk::owner(&admin, &id).await.as_deref(),
        Some(iam_arn("user", "alice").as_str())
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
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "bob"))
        .send()
        .await
        .unwrap();
    let change_rec = up.record_id().unwrap().to_owned();
    assert_eq!(final_status(&admin, &change_rec).await, "SUCCEEDED");

    let (code, _) = code_of(alice.describe_provisioned_product().id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = code_of(alice.describe_record().id(&prov_rec).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = code_of(
        alice
            .update_provisioned_product_properties()
            .provisioned_product_id(&id)
            .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "alice"))
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
    let dev = sdk::client(&ep, "AKIDDEV", "s", 1);
    let (code, _) = code_of(dev.describe_provisioned_product().id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let up = admin
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("role", "Dev"))
        .send()
        .await
        .unwrap();
    final_status(&admin, up.record_id().unwrap()).await;
    dev.describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    world.finish().await;
}

#[tokio::test]
async fn signatures_are_verified_for_keys_with_a_secret() {
    let world = World::with_config(EmulatorConfig {
        principals: Principals {
            reject_unknown_keys: true,
            ..Principals::default().with_key(
                "AKIDSIGNED",
                Principal::new(iam_arn("user", "s"), AccessLevel::Account)
                    .with_secret("right-secret"),
            )
        },
        ..Default::default()
    })
    .await;
    let emu = world.emu();
    let ep = emu.endpoint_url();
    sdk::client(&ep, "AKIDSIGNED", "right-secret", 1)
        .scan_provisioned_products()
        .send()
        .await
        .unwrap();
    let (code, _) = code_of(
        sdk::client(&ep, "AKIDSIGNED", "wrong-secret", 1)
            .scan_provisioned_products()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidSignatureException");
    let (code, msg) = code_of(
        sdk::client(&ep, "AKIDOTHER", "x", 1)
            .scan_provisioned_products()
            .send()
            .await,
    );
    assert_eq!(code, "UnrecognizedClientException");
    assert!(msg.contains("AKIDOTHER"), "{msg}");
    assert!(!msg.contains("right-secret"));
    world.finish().await;
}
