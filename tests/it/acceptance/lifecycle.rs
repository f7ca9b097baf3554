//! Create, update, replace, import, drift, destroy (with and without restoring the original
//! values), and products that disappear or are hidden.

use aws_sdk_servicecatalog::types::RecordStatus;

use super::{assert_state, map_of, string_map};
use crate::harness::hcl::{hcl_string, provider_hcl_with_keys, resource_hcl, ADDR};
use crate::harness::sdk::{assumed_role, role, user};
use crate::harness::terraform::Workdir;
use crate::harness::World;

#[tokio::test]
async fn create_with_owner_only() {
    let (acc, wd, pp) = World::with_product("owner-only").await;
    let owner_before = acc.owner(&pp).await;
    let role_before = acc.launch_role(&pp).await;
    let team = acc.owner_value(&role("TeamRole"));

    wd.apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;

    assert_live(
        &acc,
        &pp,
        &team,
        role_before.as_deref(),
        1,
        "exactly one change; unmanaged LAUNCH_ROLE untouched",
    )
    .await;
    let s = assert_state(&acc, &wd, &pp, &[("OWNER", &team)]).await;
    assert_eq!(
        string_map(&s["original_properties"]).get("OWNER"),
        Some(&owner_before),
        "original owner kept: {s}"
    );
    assert_eq!(s["restore_on_destroy"], false, "default is false: {s}");
    acc.finish().await;
}

#[tokio::test]
async fn create_with_launch_role_only() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("launch-role-only").await;
    let launch0 = role("Launch0");
    acc.change_out_of_band(&pp, &[("LAUNCH_ROLE", &launch0)])
        .await;
    let owner_before = acc.owner(&pp).await;
    let launch1 = role("service/Launch1");

    wd.apply_step(&acc.config(
        &pp,
        &[("LAUNCH_ROLE", &launch1)],
        "  accept_language = \"jp\"",
    ))
    .await;

    assert_eq!(
        acc.launch_role(&pp).await.as_deref(),
        Some(launch1.as_str())
    );
    assert_eq!(
        acc.owner(&pp).await,
        owner_before,
        "unmanaged OWNER untouched"
    );
    assert_eq!(
        acc.change_records(&pp).await.len(),
        2,
        "seeding change + exactly one change"
    );
    let s = assert_state(&acc, &wd, &pp, &[("LAUNCH_ROLE", &launch1)]).await;
    assert_eq!(s["accept_language"], "jp", "{s}");
    assert_eq!(
        string_map(&s["original_properties"]).get("LAUNCH_ROLE"),
        Some(&launch0),
        "{s}"
    );
    acc.finish().await;
}

#[tokio::test]
async fn create_with_both_update_in_place_and_replace_on_new_id() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("both").await;
    let other = acc.seed("both-other").await;
    let owner_before = acc.owner(&pp).await;
    let alice = user("alice");
    let launch_a = role("LaunchA");

    // Step 1: both keys.
    wd.apply_step(&acc.config(&pp, &[("OWNER", &alice), ("LAUNCH_ROLE", &launch_a)], ""))
        .await;
    assert_live(
        &acc,
        &pp,
        &alice,
        Some(launch_a.as_str()),
        1,
        "both keys in one change",
    )
    .await;
    assert_state(
        &acc,
        &wd,
        &pp,
        &[("OWNER", &alice), ("LAUNCH_ROLE", &launch_a)],
    )
    .await;

    // Step 2: a new owner (an STS assumed-role) is an in-place update.
    let ops_owner = assumed_role("Ops", "oncall");
    let step2 = acc.config(
        &pp,
        &[("OWNER", &ops_owner), ("LAUNCH_ROLE", &launch_a)],
        "",
    );
    wd.write_config(&step2);
    let text = wd.plan_text_with_changes(false).await;
    assert!(text.contains("update in-place"), "{text}");
    assert!(!text.contains("must be replaced"), "{text}");
    assert!(
        text.contains(&ops_owner),
        "plan shows the new owner: {text}"
    );
    assert!(text.contains("1 to change"), "{text}");
    wd.apply_step(&step2).await;
    assert_live(
        &acc,
        &pp,
        &ops_owner,
        Some(launch_a.as_str()),
        2,
        "one more change for the update",
    )
    .await;
    let s = assert_state(
        &acc,
        &wd,
        &pp,
        &[("OWNER", &ops_owner), ("LAUNCH_ROLE", &launch_a)],
    )
    .await;
    assert_eq!(
        string_map(&s["original_properties"]).get("OWNER"),
        Some(&owner_before),
        "original values are from before the first change: {s}"
    );

    // Step 3: only provisioned_product_id forces replacement.
    let step3 = acc.config(
        &other,
        &[("OWNER", &ops_owner), ("LAUNCH_ROLE", &launch_a)],
        "",
    );
    wd.write_config(&step3);
    let text = wd.plan_text_with_changes(false).await;
    assert!(text.contains("must be replaced"), "{text}");
    let re = regex::Regex::new(
        r#"provisioned_product_id = "pp-[^"]+" -> "pp-[^"]+" # forces replacement"#,
    )
    .expect("regex");
    assert!(re.is_match(&text), "{text}");
    wd.apply_step(&step3).await;
    assert_eq!(acc.owner(&other).await, ops_owner);
    assert_eq!(
        acc.launch_role(&other).await.as_deref(),
        Some(launch_a.as_str())
    );
    assert_eq!(
        acc.owner(&pp).await,
        ops_owner,
        "replacing without restore_on_destroy leaves the old product as it was"
    );
    assert_state(
        &acc,
        &wd,
        &other,
        &[("OWNER", &ops_owner), ("LAUNCH_ROLE", &launch_a)],
    )
    .await;
    acc.finish().await;
}

#[tokio::test]
async fn import_with_cli_fills_live_values() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let bob = user("bob");
    let launch_b = role("LaunchB");
    let pp = acc.seed("import-cli").await;
    acc.change_out_of_band(&pp, &[("OWNER", &bob), ("LAUNCH_ROLE", &launch_b)])
        .await;
    // A product without a launch role: the import fills OWNER only.
    let team2 = role("Team2");
    let pp2 = acc.seed("import-cli-owner-only").await;
    assert_eq!(
        acc.launch_role(&pp2).await,
        None,
        "seeded without launch role"
    );
    acc.change_out_of_band(&pp2, &[("OWNER", &team2)]).await;

    wd.write_config(&acc.config(&pp, &[("OWNER", &bob), ("LAUNCH_ROLE", &launch_b)], ""));
    wd.import(ADDR, &pp).await;
    let s = wd.resource_values(ADDR).await;
    assert_eq!(s["id"], pp.as_str(), "{s}");
    assert_eq!(s["provisioned_product_id"], pp.as_str(), "{s}");
    assert_eq!(
        string_map(&s["properties"]),
        map_of(&[("OWNER", &bob), ("LAUNCH_ROLE", &launch_b)]),
        "{s}"
    );
    wd.assert_plan_empty().await;
    assert_eq!(
        acc.change_records(&pp).await.len(),
        1,
        "import changes nothing"
    );

    let wd2 = Workdir::new();
    wd2.write_config(&acc.config(&pp2, &[("OWNER", &team2)], ""));
    wd2.import(ADDR, &pp2).await;
    let s2 = wd2.resource_values(ADDR).await;
    assert_eq!(
        string_map(&s2["properties"]),
        map_of(&[("OWNER", &team2)]),
        "no LAUNCH_ROLE key when the product has none: {s2}"
    );
    wd2.assert_plan_empty().await;

    // Importing an id that does not exist fails and leaves no state behind.
    let wd3 = Workdir::new();
    wd3.write_config(&acc.config("pp-doesnotexist1", &[("OWNER", &team2)], ""));
    let out = wd3
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            ADDR,
            "pp-doesnotexist1",
        ])
        .await;
    wd3.assert_failed_matching(
        &out,
        r"(?i)non-existent|not found|does not exist|no longer exists",
    );
    assert!(wd3.resource_state(ADDR).await.is_none());
    acc.finish().await;
}

#[tokio::test]
async fn import_block_fills_live_values() {
    let (acc, wd, pp) = World::with_product("import-block").await;
    // On AWS the product's live values are imported as they are.
    let (carol, launch) = if acc.is_aws() {
        (acc.owner(&pp).await, acc.launch_role(&pp).await)
    } else {
        let carol = user("carol");
        acc.change_out_of_band(&pp, &[("OWNER", &carol)]).await;
        (carol, None)
    };
    let before = acc.new_change_records(&pp).await.len();
    let props = owner_and_launch_role(&carol, launch.as_deref());

    let config = format!(
        "{}\nimport {{\n  to = {ADDR}\n  id = {}\n}}\n",
        acc.config(&pp, &props, ""),
        hcl_string(&pp)
    );
    wd.write_config(&config);
    let plan = wd.plan().await;
    assert!(
        plan.text()
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    wd.apply_step(&config).await;
    let s = wd.resource_values(ADDR).await;
    assert_eq!(s["id"], pp.as_str(), "{s}");
    assert_eq!(string_map(&s["properties"]), map_of(&props), "{s}");
    assert_eq!(acc.owner(&pp).await, carol);
    assert_eq!(
        acc.new_change_records(&pp).await.len(),
        before,
        "import changes nothing"
    );
    acc.finish().await;
}

#[tokio::test]
async fn drift_shows_as_update_and_is_repaired() {
    let (acc, wd, pp) = World::with_product("drift").await;
    let team = acc.owner_value(&role("TeamRole"));
    let config = acc.config(&pp, &[("OWNER", &team)], "");
    wd.apply_step(&config).await;

    // On AWS the drift puts the original owner back: a principal known to exist.
    let mallory = acc
        .original_owner()
        .map_or_else(|| user("mallory"), str::to_string);
    acc.change_out_of_band(&pp, &[("OWNER", &mallory)]).await;

    // Drift shows as a change, and the refresh-only plan reports it.
    let text = wd.plan_text_with_changes(false).await;
    assert!(text.contains("update in-place"), "{text}");
    assert!(!text.contains("must be replaced"), "{text}");
    assert!(
        text.contains(&format!("\"{mallory}\" -> \"{team}\"")),
        "plan shows the owner going back: {text}"
    );
    let text = wd.plan_text_with_changes(true).await;
    assert!(text.contains(&mallory), "{text}");

    wd.apply_step(&config).await;
    assert_eq!(acc.owner(&pp).await, team);
    assert_eq!(
        acc.new_change_records(&pp).await.len(),
        3,
        "create, drift, one repair"
    );
    acc.finish().await;
}

#[tokio::test]
async fn destroy_without_restore_only_forgets() {
    let (acc, wd, pp) = World::with_product("destroy-forget").await;
    let team = acc.owner_value(&role("TeamRole"));
    let launch = acc.launch_role_value(&role("LaunchX"));
    let launch_before = acc.launch_role(&pp).await;
    let props = owner_and_launch_role(&team, launch.as_deref());
    wd.apply_step(&acc.config(&pp, &props, "")).await;
    let changes = acc.new_change_records(&pp).await.len();

    wd.destroy().await;
    assert!(wd.resource_state(ADDR).await.is_none(), "state is empty");
    assert_live(
        &acc,
        &pp,
        &team,
        launch.or(launch_before).as_deref(),
        changes,
        "destroy makes no API change; values stay live",
    )
    .await;
    acc.finish().await;
}

#[tokio::test]
async fn destroy_with_restore_puts_back_the_original_values() {
    let (acc, wd, pp) = World::with_product("destroy-restore").await;
    if !acc.is_aws() {
        acc.change_out_of_band(&pp, &[("LAUNCH_ROLE", &role("Launch0"))])
            .await;
    }
    let launch0 = acc.launch_role(&pp).await;
    let owner0 = acc.owner(&pp).await;
    let before = acc.new_change_records(&pp).await.len();

    let restore = "  restore_on_destroy = true";
    let a = acc.owner_value(&role("OwnerA"));
    let launch_a = acc.launch_role_value(&role("LaunchA"));
    let props = |owner: &str| {
        let mut p = vec![("OWNER".to_string(), owner.to_string())];
        p.extend(launch_a.clone().map(|l| ("LAUNCH_ROLE".to_string(), l)));
        p
    };
    let config = |owner: &str| {
        let p = props(owner);
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        acc.config(&pp, &refs, restore)
    };
    wd.apply_step(&config(&a)).await;
    // A second change must not move the remembered originals (on AWS there is one owner value).
    let applies = if acc.is_aws() {
        1
    } else {
        wd.apply_step(&config(&user("ownerb"))).await;
        2
    };
    let s = wd.resource_values(ADDR).await;
    let mut originals = map_of(&[("OWNER", &owner0)]);
    if launch_a.is_some() {
        originals.insert("LAUNCH_ROLE".into(), launch0.clone().unwrap_or_default());
    }
    assert_eq!(string_map(&s["original_properties"]), originals, "{s}");
    assert_eq!(s["restore_on_destroy"], true, "{s}");

    wd.destroy().await;
    assert!(wd.resource_state(ADDR).await.is_none());
    assert_eq!(acc.owner(&pp).await, owner0, "owner restored");
    assert_eq!(acc.launch_role(&pp).await, launch0, "launch role restored");
    let changes = acc.new_change_records(&pp).await;
    assert_eq!(
        changes.len(),
        before + applies + 1,
        "the applies and one restore: {changes:?}"
    );
    assert_eq!(
        changes.last().and_then(|r| r.status()),
        Some(&RecordStatus::Succeeded)
    );
    acc.finish().await;
}

#[tokio::test]
async fn deleted_product_leaves_state_with_a_warning() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("deleted").await;
    let team = role("TeamRole");
    wd.apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;

    let out = acc
        .sc
        .terminate_provisioned_product()
        .provisioned_product_id(&pp)
        .terminate_token(uuid::Uuid::new_v4().to_string())
        .send()
        .await
        .expect("TerminateProvisionedProduct");
    let record_id = out
        .record_detail()
        .and_then(|r| r.record_id())
        .expect("terminate record")
        .to_string();
    acc.wait_record(&record_id).await;

    let refresh = wd.refresh().await;
    let warnings = refresh.warnings();
    assert!(
        warnings.iter().any(|w| w.contains(&pp)),
        "a warning names the product: {warnings:?}\n{}",
        wd.transcript()
    );
    assert!(
        wd.resource_state(ADDR).await.is_none(),
        "the resource left state"
    );
    acc.finish().await;
}

#[tokio::test]
async fn hidden_product_is_not_taken_for_deleted() {
    use servicecatalog_provider::emulator::{AccessLevel, EmulatorConfig, Principal, Principals};
    let limited = user("limited");
    let acc = World::with_config(EmulatorConfig {
        principals: Principals::default()
            .with_key("AKIDLIMITED", Principal::new(limited, AccessLevel::User)),
        ..Default::default()
    })
    .await;
    let wd = acc.workdir();
    let pp = acc.seed("hidden").await;
    let team = role("TeamRole");
    let resource = resource_hcl(&pp, &[("OWNER", &team)], "");
    wd.apply_step(&format!("{}\n{resource}", acc.provider_hcl("")))
        .await;

    // A caller with user-level access does not see a product it does not own.
    wd.write_config(&format!(
        "{}\n{resource}",
        provider_hcl_with_keys(acc.endpoint(), "AKIDLIMITED", "limited-secret", "")
    ));
    let out = wd
        .run(&[
            "apply",
            "-refresh-only",
            "-no-color",
            "-input=false",
            "-auto-approve",
        ])
        .await;
    // The error says which access is needed instead of dropping the resource.
    wd.assert_failed_matching(&out, r"(?i)account[- ]?level");
    assert!(
        wd.resource_state(ADDR).await.is_some(),
        "a hidden product stays in state\n{}",
        wd.transcript()
    );
    assert_eq!(acc.owner(&pp).await, team, "and is left alone");
    acc.finish().await;
}

/// `OWNER`, and `LAUNCH_ROLE` when the backend lets the test choose one.
fn owner_and_launch_role<'a>(
    owner: &'a str,
    launch: Option<&'a str>,
) -> Vec<(&'static str, &'a str)> {
    let mut props = vec![("OWNER", owner)];
    props.extend(launch.map(|l| ("LAUNCH_ROLE", l)));
    props
}

/// Asserts what is live of `pp`: its owner, its launch role, and how many changes were made to
/// it since the test took it (`why` says which).
async fn assert_live(
    acc: &World,
    pp: &str,
    owner: &str,
    launch_role: Option<&str>,
    changes: usize,
    why: &str,
) {
    assert_eq!(acc.owner(pp).await, owner, "owner of {pp}");
    assert_eq!(
        acc.launch_role(pp).await.as_deref(),
        launch_role,
        "launch role of {pp}"
    );
    assert_eq!(acc.new_change_records(pp).await.len(), changes, "{why}");
}
