//! Acceptance suite for `servicecatalog_provisioned_product_properties`, written from the issue's
//! specification: the real `terraform` CLI drives the provider binary (dev_overrides) against an
//! in-process emulator, one per test. Every config step is followed by an empty plan and an empty
//! refresh-only plan (`Workdir::apply_step`); live values are checked through the SDK, as a user
//! would check them in the console.

#[path = "support/terraform.rs"]
mod terraform;

#[path = "support/acceptance.rs"]
mod acceptance;

use std::collections::BTreeSet;
use std::time::Duration;

use acceptance::{
    assumed_role, map_of, role, skip_on_aws, string_map, user, Acc, Backend, CountingEndpoint, ADDR,
};
use aws_sdk_servicecatalog::types::RecordStatus;
use servicecatalog_provider::emulator::Faults;
use terraform::{Cmd, PlanOutcome, Workdir};

const UPPP: &str = "UpdateProvisionedProductProperties";

fn ops(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// State checks shared by the create tests.
async fn assert_state(acc: &Acc, pp: &str, props: &[(&str, &str)]) -> serde_json::Value {
    let s = acc.wd.resource_values(ADDR).await;
    assert_eq!(s["id"], pp, "id is the provisioned product id: {s}");
    assert_eq!(s["provisioned_product_id"], pp, "{s}");
    assert_eq!(string_map(&s["properties"]), map_of(props), "{s}");
    let last = acc
        .change_records(pp)
        .await
        .pop()
        .expect("at least one change record");
    assert_eq!(
        s["record_id"].as_str(),
        last.record_id(),
        "record_id is the last change's record: {s}"
    );
    assert_eq!(s["record_status"], "SUCCEEDED", "{s}");
    s
}

#[tokio::test]
async fn create_with_owner_only() {
    let acc = Acc::start_on_backend().await;
    let pp = acc.product("owner-only").await;
    let owner_before = acc.owner(&pp).await;
    let role_before = acc.launch_role(&pp).await;
    let team = acc.owner_value(&role("TeamRole"));

    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;

    assert_eq!(acc.owner(&pp).await, team);
    assert_eq!(
        acc.launch_role(&pp).await,
        role_before,
        "unmanaged LAUNCH_ROLE untouched"
    );
    assert_eq!(
        acc.new_change_records(&pp).await.len(),
        1,
        "exactly one change"
    );
    let s = assert_state(&acc, &pp, &[("OWNER", &team)]).await;
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
    if skip_on_aws(
        "create_with_launch_role_only",
        "sets a known launch role out of band first and counts that record",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("launch-role-only").await;
    let launch0 = role("Launch0");
    acc.change_out_of_band(&pp, &[("LAUNCH_ROLE", &launch0)])
        .await;
    let owner_before = acc.owner(&pp).await;
    let launch1 = role("service/Launch1");

    acc.wd
        .apply_step(&acc.config(
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
    let s = assert_state(&acc, &pp, &[("LAUNCH_ROLE", &launch1)]).await;
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
    if skip_on_aws(
        "create_with_both_update_in_place_and_replace_on_new_id",
        "needs two products",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("both").await;
    let other = acc.seed("both-other").await;
    let owner_before = acc.owner(&pp).await;
    let alice = user("alice");
    let launch_a = role("LaunchA");

    // Step 1: both keys.
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &alice), ("LAUNCH_ROLE", &launch_a)], ""))
        .await;
    assert_eq!(acc.owner(&pp).await, alice);
    assert_eq!(
        acc.launch_role(&pp).await.as_deref(),
        Some(launch_a.as_str())
    );
    assert_eq!(
        acc.change_records(&pp).await.len(),
        1,
        "both keys in one change"
    );
    assert_state(&acc, &pp, &[("OWNER", &alice), ("LAUNCH_ROLE", &launch_a)]).await;

    // Step 2: a new owner (an STS assumed-role) is an in-place update.
    let ops_owner = assumed_role("Ops", "oncall");
    let step2 = acc.config(
        &pp,
        &[("OWNER", &ops_owner), ("LAUNCH_ROLE", &launch_a)],
        "",
    );
    acc.wd.write_config(&step2);
    match acc.wd.plan_detailed_exitcode().await {
        PlanOutcome::Changes(out) => {
            let text = out.text();
            assert!(text.contains("update in-place"), "{}", out.stdout);
            assert!(!text.contains("must be replaced"), "{}", out.stdout);
            assert!(
                text.contains(&ops_owner),
                "plan shows the new owner: {}",
                out.stdout
            );
            assert!(text.contains("1 to change"), "{}", out.stdout);
        }
        other => panic!("expected an update plan: {other:?}"),
    }
    acc.wd.apply_step(&step2).await;
    assert_eq!(acc.owner(&pp).await, ops_owner);
    assert_eq!(
        acc.launch_role(&pp).await.as_deref(),
        Some(launch_a.as_str())
    );
    assert_eq!(
        acc.change_records(&pp).await.len(),
        2,
        "one more change for the update"
    );
    let s = assert_state(
        &acc,
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
    acc.wd.write_config(&step3);
    match acc.wd.plan_detailed_exitcode().await {
        PlanOutcome::Changes(out) => {
            let text = out.text();
            assert!(text.contains("must be replaced"), "{}", out.stdout);
            let re = regex::Regex::new(
                r#"provisioned_product_id = "pp-[^"]+" -> "pp-[^"]+" # forces replacement"#,
            )
            .expect("regex");
            assert!(re.is_match(&text), "{}", out.stdout);
        }
        other => panic!("expected a replacement plan: {other:?}"),
    }
    acc.wd.apply_step(&step3).await;
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
        &other,
        &[("OWNER", &ops_owner), ("LAUNCH_ROLE", &launch_a)],
    )
    .await;
    acc.finish().await;
}

#[tokio::test]
async fn import_with_cli_fills_live_values() {
    if skip_on_aws(
        "import_with_cli_fills_live_values",
        "seeds several products with chosen owners",
    ) {
        return;
    }
    let acc = Acc::start().await;
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

    acc.wd
        .write_config(&acc.config(&pp, &[("OWNER", &bob), ("LAUNCH_ROLE", &launch_b)], ""));
    acc.wd.import(ADDR, &pp).await;
    let s = acc.wd.resource_values(ADDR).await;
    assert_eq!(s["id"], pp.as_str(), "{s}");
    assert_eq!(s["provisioned_product_id"], pp.as_str(), "{s}");
    assert_eq!(
        string_map(&s["properties"]),
        map_of(&[("OWNER", &bob), ("LAUNCH_ROLE", &launch_b)]),
        "{s}"
    );
    acc.wd.assert_plan_empty().await;
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
    let acc = Acc::start_on_backend().await;
    let pp = acc.product("import-block").await;
    // On AWS the product's live values are imported as they are.
    let (carol, launch) = if acc.is_aws() {
        (acc.owner(&pp).await, acc.launch_role(&pp).await)
    } else {
        let carol = user("carol");
        acc.change_out_of_band(&pp, &[("OWNER", &carol)]).await;
        (carol, None)
    };
    let before = acc.new_change_records(&pp).await.len();
    let mut props = vec![("OWNER", carol.as_str())];
    props.extend(launch.as_deref().map(|l| ("LAUNCH_ROLE", l)));

    let config = format!(
        "{}\nimport {{\n  to = {ADDR}\n  id = {}\n}}\n",
        acc.config(&pp, &props, ""),
        terraform::hcl_string(&pp)
    );
    acc.wd.write_config(&config);
    let plan = acc.wd.plan().await;
    assert!(
        plan.text()
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    acc.wd.apply_step(&config).await;
    let s = acc.wd.resource_values(ADDR).await;
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
    let acc = Acc::start_on_backend().await;
    let pp = acc.product("drift").await;
    let team = acc.owner_value(&role("TeamRole"));
    let config = acc.config(&pp, &[("OWNER", &team)], "");
    acc.wd.apply_step(&config).await;

    // On AWS the drift puts the original owner back: a principal known to exist.
    let mallory = acc
        .original_owner()
        .map_or_else(|| user("mallory"), str::to_string);
    acc.change_out_of_band(&pp, &[("OWNER", &mallory)]).await;

    match acc.wd.plan_detailed_exitcode().await {
        PlanOutcome::Changes(out) => {
            let text = out.text();
            assert!(text.contains("update in-place"), "{}", out.stdout);
            assert!(!text.contains("must be replaced"), "{}", out.stdout);
            assert!(
                text.contains(&format!("\"{mallory}\" -> \"{team}\"")),
                "plan shows the owner going back: {}",
                out.stdout
            );
        }
        other => panic!("drift must show as a change: {other:?}"),
    }
    match acc.wd.refresh_plan_detailed_exitcode().await {
        PlanOutcome::Changes(out) => assert!(out.text().contains(&mallory), "{}", out.stdout),
        other => panic!("refresh-only plan must report the drift: {other:?}"),
    }

    acc.wd.apply_step(&config).await;
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
    let acc = Acc::start_on_backend().await;
    let pp = acc.product("destroy-forget").await;
    let team = acc.owner_value(&role("TeamRole"));
    let launch = acc.launch_role_value(&role("LaunchX"));
    let launch_before = acc.launch_role(&pp).await;
    let mut props = vec![("OWNER", team.as_str())];
    props.extend(launch.as_deref().map(|l| ("LAUNCH_ROLE", l)));
    acc.wd.apply_step(&acc.config(&pp, &props, "")).await;
    let changes = acc.change_records(&pp).await.len();

    acc.wd.destroy().await;
    assert!(
        acc.wd.resource_state(ADDR).await.is_none(),
        "state is empty"
    );
    assert_eq!(acc.owner(&pp).await, team, "values stay live");
    assert_eq!(acc.launch_role(&pp).await, launch.or(launch_before));
    assert_eq!(
        acc.change_records(&pp).await.len(),
        changes,
        "destroy makes no API change"
    );
    acc.finish().await;
}

#[tokio::test]
async fn destroy_with_restore_puts_back_the_original_values() {
    let acc = Acc::start_on_backend().await;
    let pp = acc.product("destroy-restore").await;
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
    acc.wd.apply_step(&config(&a)).await;
    // A second change must not move the remembered originals (on AWS there is one owner value).
    let applies = if acc.is_aws() {
        1
    } else {
        acc.wd.apply_step(&config(&user("ownerb"))).await;
        2
    };
    let s = acc.wd.resource_values(ADDR).await;
    let mut originals = map_of(&[("OWNER", &owner0)]);
    if launch_a.is_some() {
        originals.insert("LAUNCH_ROLE".into(), launch0.clone().unwrap_or_default());
    }
    assert_eq!(string_map(&s["original_properties"]), originals, "{s}");
    assert_eq!(s["restore_on_destroy"], true, "{s}");

    acc.wd.destroy().await;
    assert!(acc.wd.resource_state(ADDR).await.is_none());
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
async fn failed_record_is_reported_and_a_later_apply_converges() {
    if skip_on_aws(
        "failed_record_is_reported_and_a_later_apply_converges",
        "fault injection",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("failing").await;
    let owner0 = acc.owner(&pp).await;
    let a = role("OwnerA");
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &a)], ""))
        .await;

    acc.set_faults(Faults {
        fail_provisioned_products: ops(&[&pp]),
        ..Default::default()
    });
    let b = role("OwnerB");
    let config_b = acc.config(&pp, &[("OWNER", &b)], "");
    acc.wd.write_config(&config_b);
    let out = acc.wd.try_apply().await;
    assert!(!out.success(), "apply must fail\n{}", acc.wd.transcript());

    let failed = acc
        .change_records(&pp)
        .await
        .pop()
        .expect("the failed change has a record");
    assert_eq!(failed.status(), Some(&RecordStatus::Failed));
    let record_id = failed.record_id().expect("record id");
    let text = out.messages();
    assert!(
        text.contains(record_id),
        "error names record {record_id}: {text}"
    );
    assert!(!failed.record_errors().is_empty(), "emulator gave reasons");
    for err in failed.record_errors() {
        for part in [err.code(), err.description()].into_iter().flatten() {
            assert!(
                text.contains(&terraform::squash(part)),
                "error quotes record error {part:?}: {text}"
            );
        }
    }

    // Nothing lost: live and state values are the ones really in effect.
    assert_eq!(acc.owner(&pp).await, a);
    let s = acc.wd.resource_values(ADDR).await;
    assert_eq!(string_map(&s["properties"]).get("OWNER"), Some(&a), "{s}");
    assert_eq!(
        string_map(&s["original_properties"]).get("OWNER"),
        Some(&owner0),
        "{s}"
    );

    acc.set_faults(Faults::default());
    acc.wd.apply_step(&config_b).await;
    assert_eq!(acc.owner(&pp).await, b);
    assert_state(&acc, &pp, &[("OWNER", &b)]).await;
    acc.finish().await;
}

#[tokio::test]
async fn busy_product_is_waited_for() {
    if skip_on_aws(
        "busy_product_is_waited_for",
        "record latency and a product held busy",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("busy").await;
    // From now on records take a few seconds, so an out-of-band change keeps the product busy.
    acc.set_faults(Faults {
        record_latency_ms: Some(6_000),
        ..Default::default()
    });
    let launch = role("LaunchBusy");
    let oob = acc
        .start_change_out_of_band(&pp, &[("LAUNCH_ROLE", &launch)])
        .await;
    assert_eq!(acc.status(&pp).await, "UNDER_CHANGE");

    let team = role("TeamRole");
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;

    assert_eq!(acc.owner(&pp).await, team);
    assert_eq!(
        acc.launch_role(&pp).await.as_deref(),
        Some(launch.as_str()),
        "the other change landed too"
    );
    let changes = acc.change_records(&pp).await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].record_id(), Some(oob.as_str()));
    for r in &changes {
        assert_eq!(r.status(), Some(&RecordStatus::Succeeded), "{r:?}");
    }
    let oob_done = changes[0].updated_time().expect("updated time").secs();
    let ours_started = changes[1].created_time().expect("created time").secs();
    assert!(
        ours_started >= oob_done,
        "our change started only after the product was free"
    );
    acc.finish().await;
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_with_one_record_per_change() {
    if skip_on_aws(
        "throttling_and_server_errors_are_retried_with_one_record_per_change",
        "fault injection",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("faults").await;

    // Throttled UPPP: the SDK retries with the same token.
    acc.set_faults(Faults {
        throttle_next: 2,
        operations: ops(&[UPPP]),
        ..Default::default()
    });
    let a = role("OwnerA");
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &a)], ""))
        .await;
    assert_eq!(acc.faults().throttle_next, 0, "throttling was exercised");
    assert_eq!(acc.owner(&pp).await, a);
    assert_eq!(acc.change_records(&pp).await.len(), 1);

    // 503s while polling the record.
    acc.set_faults(Faults {
        server_error_next: 2,
        server_error_status: Some(503),
        operations: ops(&["DescribeRecord"]),
        ..Default::default()
    });
    let b = role("OwnerB");
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &b)], ""))
        .await;
    assert_eq!(acc.faults().server_error_next, 0, "5xx was exercised");
    assert_eq!(acc.owner(&pp).await, b);
    assert_eq!(acc.change_records(&pp).await.len(), 2);

    // A 500 after the change was committed: the retry must not make a second change.
    acc.set_faults(Faults {
        server_error_after_commit_next: 1,
        server_error_status: Some(500),
        operations: ops(&[UPPP]),
        ..Default::default()
    });
    let c = user("ownerc");
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &c)], ""))
        .await;
    assert_eq!(
        acc.faults().server_error_after_commit_next,
        0,
        "lost answer was exercised"
    );
    assert_eq!(acc.owner(&pp).await, c);
    let changes = acc.change_records(&pp).await;
    assert_eq!(
        changes.len(),
        3,
        "exactly one record per change: {changes:?}"
    );
    assert_state(&acc, &pp, &[("OWNER", &c)]).await;
    acc.finish().await;
}

/// One invalid configuration: the resource body, regexes for the config lines the diagnostic may
/// point at (its attribute path), and a regex the diagnostic message must match.
struct Invalid {
    what: &'static str,
    props: Vec<(&'static str, String)>,
    extra: &'static str,
    id: String,
    at: Vec<&'static str>,
    message: String,
}

/// 1-based numbers of the lines of `hcl` that start with a match of any of `patterns`.
fn config_lines(hcl: &str, patterns: &[&str]) -> Vec<usize> {
    let res: Vec<regex::Regex> = patterns
        .iter()
        .map(|p| regex::Regex::new(&format!(r"^\s*{p}")).expect("pattern"))
        .collect();
    hcl.lines()
        .enumerate()
        .filter(|(_, l)| res.iter().any(|re| re.is_match(l)))
        .map(|(i, _)| i + 1)
        .collect()
}

fn invalid_cases() -> Vec<Invalid> {
    let esc = |s: &str| regex::escape(s);
    let alice = user("alice");
    let group = format!("arn:aws:iam::{}:group/devs", acceptance::ACCOUNT);
    let long_owner = user(&"a".repeat(1100));
    let bad_id = "pp bad/id!".to_string();
    let long_id = format!("pp-{}", "a".repeat(100));
    let pp = "pp-abcdefghijklm".to_string();
    // A map entry's diagnostic may point at the entry or at the whole map.
    let case =
        |what, props: Vec<(&'static str, String)>, at: &'static str, message: String| Invalid {
            what,
            props,
            extra: "",
            id: pp.clone(),
            at: vec![at, r"properties\s*="],
            message,
        };
    vec![
        case(
            "unknown key",
            vec![("OWNERS", alice.clone())],
            r"OWNERS\s*=",
            "OWNERS".to_string(),
        ),
        case(
            "OWNER is a group ARN",
            vec![("OWNER", group.clone())],
            r"OWNER\s*=",
            esc(&group),
        ),
        case(
            "OWNER is not an ARN",
            vec![("OWNER", "not-an-arn".to_string())],
            r"OWNER\s*=",
            "not-an-arn".to_string(),
        ),
        case(
            "LAUNCH_ROLE is a user ARN",
            vec![("LAUNCH_ROLE", alice.clone())],
            r"LAUNCH_ROLE\s*=",
            esc(&alice),
        ),
        case(
            "LAUNCH_ROLE is a malformed ARN",
            vec![("LAUNCH_ROLE", "arn:aws:iam:role/x".to_string())],
            r"LAUNCH_ROLE\s*=",
            esc("arn:aws:iam:role/x"),
        ),
        case(
            "OWNER too long",
            vec![("OWNER", long_owner)],
            r"OWNER\s*=",
            "1024".to_string(),
        ),
        case(
            "empty map",
            vec![],
            r"properties\s*=",
            "(?i)at least one|OWNER.*LAUNCH_ROLE".to_string(),
        ),
        Invalid {
            id: bad_id.clone(),
            at: vec![r"provisioned_product_id\s*="],
            ..case(
                "bad id",
                vec![("OWNER", alice.clone())],
                r"provisioned_product_id\s*=",
                esc(&bad_id),
            )
        },
        Invalid {
            id: long_id,
            at: vec![r"provisioned_product_id\s*="],
            ..case(
                "id too long",
                vec![("OWNER", alice.clone())],
                r"provisioned_product_id\s*=",
                "100".to_string(),
            )
        },
        Invalid {
            extra: "  accept_language = \"klingon\"",
            at: vec![r"accept_language\s*="],
            ..case(
                "bad accept_language",
                vec![("OWNER", alice.clone())],
                r"accept_language\s*=",
                "klingon".to_string(),
            )
        },
        Invalid {
            extra: "  timeouts {\n    create = \"soon\"\n  }",
            at: vec![r"create\s*="],
            ..case(
                "bad timeout",
                vec![("OWNER", alice.clone())],
                r"create\s*=",
                "soon".to_string(),
            )
        },
    ]
}

#[tokio::test]
async fn invalid_input_is_rejected_at_validate_and_plan_without_api_calls() {
    if skip_on_aws(
        "invalid_input_is_rejected_at_validate_and_plan_without_api_calls",
        "points the provider at a local counting endpoint",
    ) {
        return;
    }
    // Any API call would open a connection here.
    let endpoint = CountingEndpoint::start().await;
    let wd = Workdir::new();
    let provider = acceptance::provider_hcl(&endpoint.url, "");
    for case in invalid_cases() {
        let props: Vec<(&str, &str)> = case.props.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let hcl = format!(
            "{provider}\n{}",
            acceptance::resource_hcl(&case.id, &props, case.extra)
        );
        let lines = config_lines(&hcl, &case.at);
        assert!(
            !lines.is_empty(),
            "{}: no line matches {:?}",
            case.what,
            case.at
        );
        for cmd in [Cmd::Validate, Cmd::Plan] {
            let out = wd.expect_error(&hcl, cmd, r"Error: ").await;
            // The message says what is wrong ...
            let re = regex::Regex::new(&case.message).expect("case regex");
            assert!(
                re.is_match(&out.messages()),
                "{} ({cmd:?}): diagnostic should match /{}/:\n{}",
                case.what,
                case.message,
                out.combined()
            );
            // ... and its attribute path points at the offending line, not just the resource.
            let text = out.text();
            assert!(
                lines
                    .iter()
                    .any(|n| text.contains(&format!("on main.tf line {n},"))),
                "{} ({cmd:?}): diagnostic should point at line {lines:?}:\n{}",
                case.what,
                out.combined()
            );
        }
    }
    assert_eq!(endpoint.connections(), 0, "no API call for invalid input");
}

#[tokio::test]
async fn timeout_names_the_record_and_a_later_apply_converges() {
    if skip_on_aws(
        "timeout_names_the_record_and_a_later_apply_converges",
        "record latency",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("timeout").await;
    // The record takes far longer than the configured timeout.
    acc.set_faults(Faults {
        record_latency_ms: Some(20_000),
        ..Default::default()
    });
    let team = role("TeamRole");
    let timeouts = "  timeouts {\n    create = \"2s\"\n  }";
    let config = acc.config(&pp, &[("OWNER", &team)], timeouts);

    acc.wd.write_config(&config);
    let out = acc.wd.try_apply().await;
    assert!(
        !out.success(),
        "apply must time out\n{}",
        acc.wd.transcript()
    );
    let record = acc
        .change_records(&pp)
        .await
        .pop()
        .expect("the change was made");
    let record_id = record.record_id().expect("record id").to_string();
    assert!(
        !matches!(
            acc.record_status(&record_id).await,
            RecordStatus::Succeeded | RecordStatus::Failed
        ),
        "the apply ended on the timeout, not on the record"
    );
    let text = out.messages();
    let lower = text.to_lowercase();
    assert!(
        lower.contains("timeout") || lower.contains("timed out"),
        "{text}"
    );
    assert!(text.contains(&record_id), "error names {record_id}: {text}");
    let s = acc.wd.resource_values(ADDR).await;
    assert_eq!(
        s["record_id"],
        record_id.as_str(),
        "record id kept in state: {s}"
    );

    // The next apply (default timeouts) waits for the product to be free and converges
    // without a second change.
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;
    assert_eq!(acc.owner(&pp).await, team);
    let changes = acc.change_records(&pp).await;
    assert_eq!(
        changes.len(),
        1,
        "the timed-out change is not made twice: {}\n{}",
        acceptance::describe_records(&changes),
        acc.wd.transcript()
    );
    acc.finish().await;
}

#[tokio::test]
async fn interrupt_during_a_long_record_wait_exits_promptly() {
    if skip_on_aws(
        "interrupt_during_a_long_record_wait_exits_promptly",
        "record latency",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("cancel").await;
    acc.set_faults(Faults {
        record_latency_ms: Some(30_000),
        ..Default::default()
    });
    let team = role("TeamRole");
    let config = acc.config(&pp, &[("OWNER", &team)], "");

    acc.wd.write_config(&config);
    let args = ["apply", "-no-color", "-input=false", "-auto-approve"];
    let mut child = acc.wd.spawn(&args);
    let pid = child.id().expect("terraform pid");

    // Wait until the change is made, i.e. the provider is waiting on the record.
    let mut polls = 0;
    let record_id = loop {
        if let Some(r) = acc.change_records(&pp).await.pop() {
            break r.record_id().expect("record id").to_string();
        }
        if child.try_wait().expect("poll terraform").is_some() {
            acc.wd.finish(&args, child).await;
            panic!(
                "terraform ended before making the change\n{}",
                acc.wd.transcript()
            );
        }
        polls += 1;
        assert!(polls < 600, "terraform never made the change");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    terraform::send_sigint(pid);

    // Hang guard only; promptness is proven by the record still running below.
    let out = tokio::time::timeout(Duration::from_secs(120), acc.wd.finish(&args, child))
        .await
        .expect("terraform exits after an interrupt");
    assert!(!out.success(), "interrupted apply reports failure");
    assert!(
        !matches!(
            acc.record_status(&record_id).await,
            RecordStatus::Succeeded | RecordStatus::Failed
        ),
        "terraform stopped waiting at once, before the record finished\n{}",
        acc.wd.transcript()
    );

    let mut left = terraform::provider_processes(acc.wd.path());
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = terraform::provider_processes(acc.wd.path());
    }
    assert!(left.is_empty(), "provider processes left running: {left:?}");

    // State is readable and, if the resource was saved, it points at the real record.
    if let Some(s) = acc.wd.resource_state(ADDR).await {
        assert_eq!(s["provisioned_product_id"], pp.as_str(), "{s}");
        assert_eq!(s["record_id"], record_id.as_str(), "{s}");
    }

    // The next apply waits for the record in flight and converges without a second change.
    acc.wd.apply_step(&config).await;
    assert_eq!(acc.owner(&pp).await, team);
    let changes = acc.change_records(&pp).await;
    assert_eq!(
        changes.len(),
        1,
        "the interrupted change is not made twice: {}\n{}",
        acceptance::describe_records(&changes),
        acc.wd.transcript()
    );
    acc.finish().await;
}

#[tokio::test]
async fn search_lag_after_a_change_is_tolerated() {
    if skip_on_aws(
        "search_lag_after_a_change_is_tolerated",
        "fault injection (search lag)",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("search-lag").await;
    // The next searches after the owner change still show the previous owner.
    acc.set_faults(Faults {
        search_lag_calls: 2,
        ..Default::default()
    });
    let team = role("TeamRole");
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;
    assert_state(&acc, &pp, &[("OWNER", &team)]).await;
    assert_eq!(acc.owner(&pp).await, team);
    assert_eq!(acc.change_records(&pp).await.len(), 1, "no second change");
    acc.finish().await;
}

#[tokio::test]
async fn deleted_product_leaves_state_with_a_warning() {
    if skip_on_aws(
        "deleted_product_leaves_state_with_a_warning",
        "deletes a product",
    ) {
        return;
    }
    let acc = Acc::start().await;
    let pp = acc.seed("deleted").await;
    let team = role("TeamRole");
    acc.wd
        .apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
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

    let refresh = acc.wd.refresh().await;
    let warnings = refresh.warnings();
    assert!(
        warnings.iter().any(|w| w.contains(&pp)),
        "a warning names the product: {warnings:?}\n{}",
        acc.wd.transcript()
    );
    assert!(
        acc.wd.resource_state(ADDR).await.is_none(),
        "the resource left state"
    );
    acc.finish().await;
}

#[tokio::test]
async fn hidden_product_is_not_taken_for_deleted() {
    if skip_on_aws(
        "hidden_product_is_not_taken_for_deleted",
        "hides a product from the caller",
    ) {
        return;
    }
    use servicecatalog_provider::emulator::{AccessLevel, EmulatorConfig, Principal, Principals};
    let limited = user("limited");
    let acc = Acc::with_config(EmulatorConfig {
        principals: Principals::default()
            .with_key("AKIDLIMITED", Principal::new(limited, AccessLevel::User)),
        ..Default::default()
    })
    .await;
    let pp = acc.seed("hidden").await;
    let team = role("TeamRole");
    let resource = acceptance::resource_hcl(&pp, &[("OWNER", &team)], "");
    acc.wd
        .apply_step(&format!("{}\n{resource}", acc.provider_hcl("")))
        .await;

    // A caller with user-level access does not see a product it does not own.
    acc.wd.write_config(&format!(
        "{}\n{resource}",
        acceptance::provider_hcl_with_keys(acc.endpoint(), "AKIDLIMITED", "limited-secret", "")
    ));
    let out = acc
        .wd
        .run(&[
            "apply",
            "-refresh-only",
            "-no-color",
            "-input=false",
            "-auto-approve",
        ])
        .await;
    // The error says which access is needed instead of dropping the resource.
    acc.wd
        .assert_failed_matching(&out, r"(?i)account[- ]?level");
    assert!(
        acc.wd.resource_state(ADDR).await.is_some(),
        "a hidden product stays in state\n{}",
        acc.wd.transcript()
    );
    assert_eq!(acc.owner(&pp).await, team, "and is left alone");
    acc.finish().await;
}

#[tokio::test]
async fn credentials_never_reach_state_logs_or_output() {
    if skip_on_aws(
        "credentials_never_reach_state_logs_or_output",
        "uses the emulator's static test keys",
    ) {
        return;
    }
    let mut acc = Acc::start().await;
    let pp = acc.seed("secrets").await;
    let secret = "sEcReT-acceptance-7f3a9c";
    let log = acc.wd.path().join("terraform.log");
    acc.wd.set_env("TF_LOG", "TRACE");
    acc.wd.set_env("TF_LOG_PATH", log.clone());
    let config = format!(
        "{}\n{}",
        acceptance::provider_hcl_with_keys(acc.endpoint(), acceptance::ACCESS_KEY, secret, ""),
        acceptance::resource_hcl(&pp, &[("OWNER", &role("TeamRole"))], "")
    );
    acc.wd.apply_step(&config).await;
    acc.wd.destroy().await;

    let log_text = std::fs::read_to_string(&log).expect("terraform log written");
    assert!(
        log_text.contains("servicecatalog"),
        "the log covers the provider"
    );
    assert!(!log_text.contains(secret), "secret key in the TRACE log");
    let state = std::fs::read_to_string(acc.wd.path().join("terraform.tfstate")).expect("state");
    assert!(!state.contains(secret), "secret key in the state file");
    assert!(
        !acc.wd.transcript().contains(secret),
        "secret key in terraform output"
    );
    acc.finish().await;
}

#[tokio::test]
async fn empty_provider_block_uses_the_aws_environment() {
    if skip_on_aws(
        "empty_provider_block_uses_the_aws_environment",
        "points the AWS environment at the emulator",
    ) {
        return;
    }
    let mut acc = Acc::start().await;
    let pp = acc.seed("env-config").await;
    let team = role("TeamRole");
    let resource = acceptance::resource_hcl(&pp, &[("OWNER", &team)], "");
    let config = format!(
        "{}\nprovider \"servicecatalog\" {{}}\n{resource}",
        terraform::required_providers()
    );

    // Service-specific endpoint variable, region from the environment, keys from the shared
    // credentials file.
    let endpoint = acc.endpoint().to_string();
    acc.wd
        .set_env("AWS_ENDPOINT_URL_SERVICE_CATALOG", endpoint.clone());
    acc.wd.set_env("AWS_REGION", "us-east-1");
    std::fs::write(
        acc.wd.aws_credentials_file(),
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            acceptance::ACCESS_KEY,
            acceptance::SECRET_KEY
        ),
    )
    .expect("write shared credentials");
    acc.wd.apply_step(&config).await;
    assert_eq!(acc.owner(&pp).await, team);

    // The generic endpoint variable and keys in the environment work too.
    let pp2 = acc.seed("env-config-2").await;
    let mut wd2 = Workdir::new();
    wd2.set_env("AWS_ENDPOINT_URL", endpoint);
    wd2.set_env("AWS_DEFAULT_REGION", "us-east-1");
    wd2.set_env("AWS_ACCESS_KEY_ID", acceptance::ACCESS_KEY);
    wd2.set_env("AWS_SECRET_ACCESS_KEY", acceptance::SECRET_KEY);
    let ops_owner = user("ops");
    wd2.apply_step(&format!(
        "{}\nprovider \"servicecatalog\" {{}}\n{}",
        terraform::required_providers(),
        acceptance::resource_hcl(&pp2, &[("OWNER", &ops_owner)], "")
    ))
    .await;
    assert_eq!(acc.owner(&pp2).await, ops_owner);
    acc.finish().await;
}

/// The backend switch: unset means the emulator; `TF_ACC_AWS=1` without what it needs fails
/// with a message naming the missing variable, instead of touching any AWS account.
#[test]
fn aws_mode_is_skipped_with_a_clear_message_without_credentials() {
    use acceptance::{AwsTarget, ENV_AWS, ENV_LAUNCH_ROLE, ENV_OWNER, ENV_PRODUCT};
    let parse = |vars: &[(&str, &str)]| {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Backend::from_vars(move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    };
    assert_eq!(parse(&[]), Ok(Backend::Emulator));
    assert_eq!(parse(&[(ENV_AWS, "")]), Ok(Backend::Emulator));
    assert_eq!(parse(&[(ENV_AWS, "0")]), Ok(Backend::Emulator));

    let err = parse(&[(ENV_AWS, "yes")]).unwrap_err();
    assert!(
        err.contains("TF_ACC_AWS") && err.contains("\"yes\""),
        "{err}"
    );

    let err = parse(&[(ENV_AWS, "1")]).unwrap_err();
    assert!(err.contains("TF_ACC_AWS_PROVISIONED_PRODUCT_ID"), "{err}");

    let product = (ENV_PRODUCT, "pp-abcd27bm4mldq");
    let err = parse(&[(ENV_AWS, "1"), product]).unwrap_err();
    assert!(err.contains("TF_ACC_AWS_OWNER_ARN"), "{err}");

    let owner = (ENV_OWNER, "arn:aws:iam::111122223333:role/Team");
    let err = parse(&[(ENV_AWS, "1"), product, owner]).unwrap_err();
    assert!(err.contains("AWS_REGION"), "{err}");

    let err = parse(&[(ENV_AWS, "1"), (ENV_PRODUCT, "prod-1"), owner]).unwrap_err();
    assert!(
        err.contains(ENV_PRODUCT) && err.contains("\"prod-1\""),
        "{err}"
    );
    let err = parse(&[(ENV_AWS, "1"), product, (ENV_OWNER, "Team")]).unwrap_err();
    assert!(err.contains(ENV_OWNER) && err.contains("\"Team\""), "{err}");

    let region = ("AWS_REGION", "eu-west-1");
    assert_eq!(
        parse(&[(ENV_AWS, "1"), product, owner, region]),
        Ok(Backend::Aws(AwsTarget {
            product_id: "pp-abcd27bm4mldq".into(),
            owner_arn: "arn:aws:iam::111122223333:role/Team".into(),
            launch_role_arn: None,
            region: "eu-west-1".into(),
        }))
    );
    let launch = (ENV_LAUNCH_ROLE, "arn:aws:iam::111122223333:role/Launch");
    match parse(&[(ENV_AWS, "true"), product, owner, region, launch]) {
        Ok(Backend::Aws(t)) => assert_eq!(t.launch_role_arn.as_deref(), Some(launch.1)),
        other => panic!("expected AWS mode: {other:?}"),
    }
}

/// In AWS mode Terraform gets the real credentials/profile/region variables; on the emulator the
/// harness stays isolated and none of them reach it.
#[test]
fn aws_passthrough_only_in_aws_mode() {
    let wd = Workdir::new();
    let cmd = wd.command(&["version"]);
    let envs: Vec<String> = cmd
        .as_std()
        .get_envs()
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .collect();
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(
            !envs.iter().any(|e| e == k),
            "{k} reaches an emulator workdir"
        );
    }
    let aws = acceptance::aws_workdir();
    let cmd = aws.command(&["version"]);
    let get = |k: &str| {
        cmd.as_std()
            .get_envs()
            .find(|(n, _)| *n == k)
            .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
    };
    // Instance metadata is allowed unless the real environment says otherwise.
    let imds = std::env::var("AWS_EC2_METADATA_DISABLED")
        .ok()
        .filter(|v| !v.is_empty());
    assert_eq!(
        get("AWS_EC2_METADATA_DISABLED"),
        Some(imds.unwrap_or_else(|| "false".into()))
    );
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
    ] {
        assert_eq!(
            get(k),
            std::env::var(k).ok().filter(|v| !v.is_empty()),
            "{k}"
        );
    }
    if let Ok(home) = std::env::var("HOME") {
        if std::env::var_os("AWS_CONFIG_FILE").is_none() {
            let want = std::path::Path::new(&home).join(".aws/config");
            assert_eq!(
                get("AWS_CONFIG_FILE"),
                Some(want.to_string_lossy().into_owned())
            );
        }
    }
}
