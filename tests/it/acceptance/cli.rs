//! What only newer CLIs can do, run for real where the CLI has it: import by identity
//! (Terraform and OpenTofu 1.12+), `terraform query`, `-generate-config-out` and `terraform
//! apply -invoke` of the hand-over action (Terraform 1.14+). Below that, each test prints one `SKIP` line naming the version it needs. Their
//! steps (the fleet, the files, the checks after) are the harness's (`terraform::fleet`), run
//! here by the tests beside them on any CLI, so a gated test adds only its final CLI call.

use std::collections::BTreeMap;

use crate::harness::hcl::RESOURCE_TYPE;
use crate::harness::sdk::role;
use crate::harness::terraform::cli::{
    self, parse_version, skip_line, Cli, CliKind, Version, ACTIONS, IMPORT_BY_IDENTITY, QUERY,
    SUITE_MINIMUM,
};
use crate::harness::terraform::files::{import_blocks, properties_blocks, query_problems};
use crate::harness::terraform::fleet::{Fleet, ImportBy, HANDOVER_ACTION};

/// Returns from the test, after one `SKIP` line, unless this run's CLI has `$req`.
macro_rules! requires {
    ($req:expr, $test:literal) => {
        let test = format!("{}::{}", module_path!().trim_start_matches("it::"), $test);
        if !cli::skip_unless(&test, &$req) {
            return;
        }
    };
}

/// The import blocks of `by`, planned and applied: the whole fleet is imported in one apply,
/// nothing is changed, and the plans after are empty.
async fn import_the_fleet(by: ImportBy) {
    let (world, wd, fleet) = Fleet::start(20).await;
    wd.write_config(&fleet.import_config(&world, by));
    fleet.plan_and_apply_the_import(&wd).await;
    fleet.assert_managed(&world, &wd).await;
    world.finish().await;
}

#[tokio::test]
async fn import_blocks_by_id_bring_a_fleet_under_management() {
    import_the_fleet(ImportBy::Id).await;
}

#[tokio::test]
async fn import_by_identity() {
    requires!(IMPORT_BY_IDENTITY, "import_by_identity");
    import_the_fleet(ImportBy::Identity).await;
}

/// The identity blocks [`import_by_identity`] writes name exactly the identity the resource
/// declares, with the product ids as values.
#[tokio::test]
async fn identity_import_blocks_name_the_identity_the_resource_declares() {
    let (world, _wd, fleet) = Fleet::start(4).await;
    let resource = servicecatalog_provider::resources::all()
        .into_iter()
        .find(|r| r.type_name() == RESOURCE_TYPE)
        .expect("the resource");
    let declared: Vec<String> = resource
        .identity_schema()
        .expect("the resource has an identity")
        .attributes
        .iter()
        .map(|a| a.name.clone())
        .collect();
    let imports = import_blocks(&fleet.import_config(&world, ImportBy::Identity))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imports.len(), fleet.len());
    for (import, id) in imports.iter().zip(fleet.ids()) {
        let identity = import.identity.as_ref().expect("by identity");
        assert_eq!(identity.keys().cloned().collect::<Vec<_>>(), declared);
        assert_eq!(identity["provisioned_product_id"], id);
        assert_eq!(import.to, crate::harness::terraform::fleet::address(&id));
        assert_eq!(import.id, None);
    }
    world.finish().await;
}

/// What the query tests stand on, on any CLI: the query file is one Terraform 1.14 reads, and
/// its filter (the data source's, on the same arguments) selects exactly the fleet.
#[tokio::test]
async fn the_query_file_is_valid_and_its_filter_selects_exactly_the_fleet() {
    let (world, wd, fleet) = Fleet::start(15).await;
    let query = fleet.query_hcl(true);
    let problems = query_problems(&query, "servicecatalog");
    assert!(problems.is_empty(), "{problems:#?}\n{query}");
    wd.write_config(&format!(
        "{}\n{}",
        world.provider_hcl(""),
        fleet.data_source_hcl()
    ));
    wd.write_file("fleet.tfquery.hcl", &query);
    wd.validate().await;
    wd.refresh().await;
    let state = wd.state_json().await;
    let mut ids: Vec<String> = state
        .pointer("/values/outputs/ids/value")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        fleet.ids(),
        "the filter selects the fleet, not the others"
    );
    world.finish().await;
}

#[tokio::test]
async fn query_lists_the_fleet() {
    requires!(QUERY, "query_lists_the_fleet");
    let (world, wd, fleet) = Fleet::start(15).await;
    wd.write_config(&world.provider_hcl(""));
    wd.write_file("fleet.tfquery.hcl", &fleet.query_hcl(false));
    let out = wd.run_ok(&["query", "-json", "-no-color"]).await;
    fleet.assert_listed(&out);
    world.finish().await;
}

#[tokio::test]
async fn query_generate_config_out_imports_the_fleet_unchanged() {
    requires!(
        QUERY,
        "query_generate_config_out_imports_the_fleet_unchanged"
    );
    let (world, wd, fleet) = Fleet::start(15).await;
    wd.write_config(&world.provider_hcl(""));
    wd.write_file("fleet.tfquery.hcl", &fleet.query_hcl(true));
    wd.run_ok(&["query", "-no-color", "-generate-config-out=generated.tf"])
        .await;
    let generated = std::fs::read_to_string(wd.path().join("generated.tf"))
        .unwrap_or_else(|e| panic!("generated.tf: {e}\n{}", wd.transcript()));
    fleet.assert_generated(&generated);
    fleet.plan_and_apply_the_import(&wd).await;
    fleet.assert_managed(&world, &wd).await;
    world.finish().await;
}

/// The generated-file check of [`query_generate_config_out_imports_the_fleet_unchanged`] can
/// fail: a file as Terraform writes it passes, and each kind of mistake is reported.
#[tokio::test]
async fn the_generated_config_check_reports_each_kind_of_mistake() {
    let (world, _wd, fleet) = Fleet::start(2).await;
    let ids = fleet.ids();
    let block = |i: usize, id: &str, props: &BTreeMap<String, String>| {
        let props: String = props
            .iter()
            .map(|(k, v)| format!("    {k} = \"{v}\"\n"))
            .collect();
        format!(
            "import {{\n  to       = {RESOURCE_TYPE}.fleet_{i}\n  provider = servicecatalog\n  \
             identity = {{\n    provisioned_product_id = \"{id}\"\n  }}\n}}\n\n\
             resource \"{RESOURCE_TYPE}\" \"fleet_{i}\" {{\n  provider               = servicecatalog\n  \
             properties = {{\n{props}  }}\n  provisioned_product_id = \"{id}\"\n  \
             restore_on_destroy     = null\n}}\n"
        )
    };
    let live = |id: &str| fleet.products[id].properties.clone();
    let good = format!(
        "{}\n{}",
        block(0, &ids[0], &live(&ids[0])),
        block(1, &ids[1], &live(&ids[1]))
    );
    let addresses = fleet.assert_generated(&good);
    assert_eq!(addresses[&ids[1]], format!("{RESOURCE_TYPE}.fleet_1"));

    let mut other_owner = live(&ids[1]);
    other_owner.insert("OWNER".into(), role("Someone"));
    // By id, not identity: not what Terraform generates.
    let by_id = block(1, &ids[1], &live(&ids[1])).replace(
        &format!(
            "identity = {{\n    provisioned_product_id = \"{}\"\n  }}",
            ids[1]
        ),
        &format!("id = \"{}\"", ids[1]),
    );
    assert!(!by_id.contains("identity"), "{by_id}");
    let first = block(0, &ids[0], &live(&ids[0]));
    let bad = [
        first.clone(),
        format!("{first}\n{}", block(1, &ids[1], &other_owner)),
        format!("{first}\n{}", block(1, &ids[0], &live(&ids[0]))),
        format!("{first}\n{by_id}"),
    ];
    for text in bad {
        let caught = std::panic::catch_unwind(|| fleet.assert_generated(&text));
        assert!(caught.is_err(), "not caught:\n{text}");
    }
    assert!(properties_blocks("resource \"x\" {}").is_err());
    world.finish().await;
}

/// The steps of the hand-over action's test (issue 16; it adds `terraform apply
/// -invoke=action...` between them), run here through managed resources: every product goes
/// to the new owner with one record each, launch roles kept.
#[tokio::test]
async fn handing_a_fleet_over_through_resources() {
    let (world, wd, fleet) = Fleet::start(12).await;
    wd.apply_step(&fleet.import_config(&world, ImportBy::Id))
        .await;
    let owner = role("PlatformTeam");
    wd.apply_step(&format!(
        "{}\n{}",
        world.provider_hcl(""),
        fleet.handover_resources_hcl(&owner)
    ))
    .await;
    fleet.assert_handed_over(&world, &owner).await;
    world.finish().await;
}

/// `terraform apply -invoke` of the hand-over action: every product of the fleet goes to the
/// new owner with one record each; invoked again, it changes nothing.
#[tokio::test]
async fn apply_invoke_hands_the_fleet_over() {
    requires!(ACTIONS, "apply_invoke_hands_the_fleet_over");
    let (world, wd, fleet) = Fleet::start(12).await;
    let owner = role("PlatformTeam");
    wd.write_config(&format!(
        "{}\n{}",
        world.provider_hcl(""),
        fleet.handover_action_hcl(&owner)
    ));
    let invoke = format!("-invoke={HANDOVER_ACTION}");
    let args = [
        "apply",
        "-no-color",
        "-input=false",
        "-auto-approve",
        &invoke,
    ];
    wd.run_ok(&args).await;
    fleet.assert_handed_over(&world, &owner).await;
    wd.run_ok(&args).await;
    fleet.assert_handed_over(&world, &owner).await;
    world.finish().await;
}

/// The action block the hand-over test writes: one `action` of the action's type, its config
/// naming every product of the fleet and the new owner.
#[tokio::test]
async fn the_handover_action_block_names_every_product_and_the_owner() {
    let (world, _wd, fleet) = Fleet::start(3).await;
    let owner = role("PlatformTeam");
    let body = hcl::parse(&fleet.handover_action_hcl(&owner)).expect("HCL");
    let blocks: Vec<_> = body.blocks().collect();
    assert_eq!(blocks.len(), 1);
    let labels: Vec<&str> = blocks[0].labels().iter().map(|l| l.as_str()).collect();
    assert_eq!(
        (blocks[0].identifier(), labels.as_slice()),
        (
            "action",
            [
                "servicecatalog_update_provisioned_product_properties",
                "handover"
            ]
            .as_slice()
        )
    );
    assert_eq!(HANDOVER_ACTION, format!("action.{}", labels.join(".")));
    let config = blocks[0].body().blocks().next().expect("config block");
    let value: hcl::Value = hcl::from_body(config.body().clone()).expect("literal config");
    let expected = serde_json::json!({
        "provisioned_product_ids": fleet.ids(),
        "properties": { "OWNER": owner },
    });
    assert_eq!(serde_json::to_value(value).expect("JSON"), expected);
    world.finish().await;
}

#[test]
fn versions_of_both_clis_are_read() {
    let (kind, v) = parse_version("Terraform v1.11.4\non linux_amd64\n").expect("terraform");
    assert_eq!((kind, v.to_string()), (CliKind::Terraform, "1.11.4".into()));
    let (kind, v) = parse_version("OpenTofu v1.8.0\non linux_amd64\n").expect("tofu");
    assert_eq!((kind, v.to_string()), (CliKind::OpenTofu, "1.8.0".into()));
    let (_, v) = parse_version("Terraform v1.14.0-rc2\n").expect("pre-release");
    assert_eq!(v.pre.as_deref(), Some("rc2"));
    for bad in ["", "terraform 1.11", "Terraform v1.11\n", "Pulumi v3.1.0"] {
        let err = parse_version(bad).expect_err(bad);
        assert!(err.contains("Terraform vX.Y.Z"), "{err}");
    }
    // The CLI this run drives is one of them.
    let this = cli::cli();
    assert!(this.supports(&SUITE_MINIMUM), "{this}");
}

fn cli_of(kind: CliKind, major: u32, minor: u32) -> Cli {
    Cli {
        path: "/opt/bin/terraform".into(),
        kind,
        version: Version {
            major,
            minor,
            patch: 3,
            pre: None,
        },
    }
}

#[test]
fn a_cli_below_the_suite_minimum_is_refused_with_what_to_install() {
    let old = cli_of(CliKind::Terraform, 1, 6);
    let why = cli::below_minimum(&old).expect("1.6 is too old");
    assert!(
        why.contains("Terraform >= 1.7 or OpenTofu >= 1.7")
            && why.contains("import blocks with for_each")
            && why.contains("found Terraform 1.6.3 at /opt/bin/terraform")
            && why.contains("TF_ACC_TERRAFORM_PATH"),
        "{why}"
    );
    assert!(cli::below_minimum(&cli_of(CliKind::OpenTofu, 1, 6)).is_some());
    assert_eq!(cli::below_minimum(&cli_of(CliKind::Terraform, 1, 7)), None);
    assert_eq!(cli::below_minimum(&cli_of(CliKind::OpenTofu, 1, 8)), None);
    assert_eq!(cli::below_minimum(&cli_of(CliKind::Terraform, 2, 0)), None);
}

#[test]
fn version_gates_name_the_version_they_need() {
    let tf11 = cli_of(CliKind::Terraform, 1, 11);
    assert_eq!(
        skip_line(
            "acceptance::cli::import_by_identity",
            &IMPORT_BY_IDENTITY,
            &tf11
        ),
        "SKIP acceptance::cli::import_by_identity: needs Terraform >= 1.12 or OpenTofu >= 1.12, \
         found Terraform 1.11.3"
    );
    let tofu12 = cli_of(CliKind::OpenTofu, 1, 12);
    assert!(tofu12.supports(&IMPORT_BY_IDENTITY));
    assert!(!tofu12.supports(&QUERY), "OpenTofu has no terraform query");
    assert_eq!(
        skip_line("acceptance::cli::query_lists_the_fleet", &QUERY, &tofu12),
        "SKIP acceptance::cli::query_lists_the_fleet: needs Terraform >= 1.14, found OpenTofu 1.12.3"
    );
    assert!(cli_of(CliKind::Terraform, 1, 14).supports(&QUERY));
    assert!(cli_of(CliKind::Terraform, 1, 16).supports(&cli::ACTIONS));
    assert_eq!(
        cli_of(CliKind::OpenTofu, 1, 10).provider_address(),
        "registry.opentofu.org/servicecatalog/servicecatalog"
    );
    assert_eq!(
        tf11.provider_address(),
        "registry.terraform.io/servicecatalog/servicecatalog"
    );
}
