//! Finding products by owner with the real `terraform` CLI: the plural data source's `owner`
//! filter lists exactly what one principal owns, with the other filters, and a bad owner is an
//! error at validate time naming the argument and the value.

use std::collections::BTreeSet;

use servicecatalog_provider::emulator::SeedProduct;

use crate::harness::hcl::hcl_string;
use crate::harness::sdk::{role, user};
use crate::harness::terraform::Cmd;
use crate::harness::World;

/// The ids the data source lists with `filters`, as an output.
fn owned_config(acc: &World, filters: &str) -> String {
    format!(
        r#"{provider}
data "servicecatalog_provisioned_products" "owned" {{
{filters}
}}

output "ids" {{
  value = data.servicecatalog_provisioned_products.owned.ids
}}

output "owners" {{
  value = distinct([for p in data.servicecatalog_provisioned_products.owned.provisioned_products : p.owner])
}}
"#,
        provider = acc.provider_hcl(""),
    )
}

async fn listed(acc: &World, filters: &str) -> (BTreeSet<String>, Vec<String>) {
    let wd = acc.workdir();
    wd.apply_step(&owned_config(acc, filters)).await;
    let state = wd.state_json().await;
    let strings = |name: &str| -> Vec<String> {
        state
            .pointer(&format!("/values/outputs/{name}/value"))
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    (strings("ids").into_iter().collect(), strings("owners"))
}

#[tokio::test]
async fn the_owner_filter_lists_exactly_what_one_principal_owns() {
    let acc = World::start().await;
    let alice = user("alice");
    let mut hers = BTreeSet::new();
    let mut hers_tagged = BTreeSet::new();
    for n in 0..6 {
        let tagged = n % 2 == 0;
        let id = acc
            .seed_with(SeedProduct {
                name: format!("alice-{n}"),
                owner_arn: Some(alice.clone()),
                tags: if tagged {
                    vec![("team".into(), "web".into())]
                } else {
                    Vec::new()
                },
                ..Default::default()
            })
            .await;
        if tagged {
            hers_tagged.insert(id.clone());
        }
        hers.insert(id);
    }
    // Owners whose ARNs only look like hers.
    for (n, owner) in [
        user("alice2"),
        user("Alice"),
        role("alice"),
        user("bob"),
        user("path/alice"),
    ]
    .into_iter()
    .enumerate()
    {
        acc.seed_with(SeedProduct {
            name: format!("other-{n}"),
            owner_arn: Some(owner),
            tags: vec![("team".into(), "web".into())],
            ..Default::default()
        })
        .await;
    }

    let (ids, owners) = listed(&acc, &format!("  owner = {}", hcl_string(&alice))).await;
    assert_eq!(ids, hers, "exactly alice's products");
    assert_eq!(owners, vec![alice.clone()], "and only hers");

    let filters = format!(
        "  owner = {}\n  tags  = {{ team = \"web\" }}",
        hcl_string(&alice)
    );
    let (ids, _) = listed(&acc, &filters).await;
    assert_eq!(ids, hers_tagged, "owner and the other filters, together");

    let (ids, _) = listed(&acc, &format!("  owner = {}", hcl_string(&user("nobody")))).await;
    assert!(ids.is_empty(), "an owner of nothing lists nothing: {ids:?}");
    acc.finish().await;
}

#[tokio::test]
async fn a_bad_owner_filter_is_refused_at_validate_naming_the_argument_and_the_value() {
    let acc = World::start().await;
    let wd = acc.workdir();
    for (owner, pattern) in [
        (
            "alice",
            r#"(?s)Invalid owner filter.*owner = "alice".*"alice" is not a valid ARN"#,
        ),
        (
            "arn:aws:s3:::alices-bucket",
            r#"(?s)Invalid owner filter.*arn:aws:s3:::alices-bucket.*must be an IAM user, IAM role or STS\s+assumed-role ARN"#,
        ),
    ] {
        let hcl = owned_config(&acc, &format!("  owner = {}", hcl_string(owner)));
        wd.expect_error(&hcl, Cmd::Validate, pattern).await;
    }
    acc.finish().await;
}
