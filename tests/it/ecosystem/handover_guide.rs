//! `docs/guides/handing-over-ownership.md`: every snippet in it is checked, as far as the local
//! Terraform (1.11) can.
//!
//! - The action snippets (Terraform >= 1.14) are checked as that CLI reads action blocks and
//!   triggers (`harness::terraform::actions`), and their commands name the actions declared.
//! - Every other `.tf` snippet passes `terraform validate` with the provider, and every snippet
//!   is `terraform fmt` clean.
//! - The trap is shown for real against an emulator: after the hand-over, the next plan
//!   destroys every resource. The way for Terraform below 1.14 and OpenTofu is run for real:
//!   list her products, write the ids down, import and change them in one apply, empty plan.
//! - The guide holds exactly the snippets this file checks.

use serde_json::Value as Json;
use servicecatalog_provider::emulator::SeedProduct;

use super::guide::{assert_anchors_resolve, assert_snippets, snippet, snippets, Snippet};
use super::repo_root;
use crate::harness::sdk::{role, user};
use crate::harness::terraform::actions::action_problems;
use crate::harness::terraform::Workdir;
use crate::harness::World;

const GUIDE: &str = "docs/guides/handing-over-ownership.md";
const PROVIDER: &str = "The provider";
const REPORT: &str = "Who owns what";
const OFFBOARDING: &str = "Offboarding a person";
const REORG: &str = "A reorg by tag or product";
const TRAP: &str = "The trap: `for_each` over a filter on the owner";
const OLDER: &str = "Terraform below 1.14 and OpenTofu";

fn guide() -> Vec<Snippet> {
    let text = std::fs::read_to_string(repo_root().join(GUIDE)).expect("the guide exists");
    snippets(&text)
}

#[test]
fn the_guide_holds_exactly_the_snippets_checked_here_and_its_links_resolve() {
    let text = std::fs::read_to_string(repo_root().join(GUIDE)).expect("the guide exists");
    assert_snippets(
        &text,
        &[
            (PROVIDER, "terraform", "main.tf"),
            (REPORT, "terraform", "report.tf"),
            (REPORT, "sh", ""),
            (OFFBOARDING, "terraform", "offboarding.tf"),
            (OFFBOARDING, "sh", ""),
            (REORG, "terraform", "reorg.tf"),
            (REORG, "sh", ""),
            (REORG, "terraform", "reorg_trigger.tf"),
            (TRAP, "terraform", "trap.tf"),
            (OLDER, "terraform", "list.tf"),
            (OLDER, "sh", ""),
            (OLDER, "terraform", "handover.tf"),
            (OLDER, "sh", ""),
            (OLDER, "terraform", "forget.tf"),
        ],
    );
    assert_anchors_resolve(&text);
    for (i, _) in text.match_indices("](") {
        let rest = &text[i + 2..];
        let target = &rest[..rest.find(')').expect("a closed link")];
        let page = target.split('#').next().unwrap_or_default();
        if page.ends_with(".md") {
            let path = repo_root().join("docs/guides").join(page);
            assert!(path.exists(), "{target} exists");
        }
    }
}

#[tokio::test]
async fn the_action_snippets_are_actions_terraform_1_14_accepts_and_their_commands_invoke_them() {
    let all = guide();
    let offboarding = snippet(&all, OFFBOARDING, "offboarding.tf").body;
    let reorg = snippet(&all, REORG, "reorg.tf").body;
    let trigger = snippet(&all, REORG, "reorg_trigger.tf").body;
    for (what, text) in [
        ("offboarding.tf", offboarding.clone()),
        ("reorg.tf", reorg.clone()),
        (
            "reorg.tf with reorg_trigger.tf",
            format!("{reorg}\n{trigger}"),
        ),
    ] {
        let problems = action_problems(&text).await;
        assert!(problems.is_empty(), "{what}: {problems:#?}");
    }
    for (section, declared) in [(OFFBOARDING, &offboarding), (REORG, &reorg)] {
        for command in snippet(&all, section, "").body.lines() {
            let invoked = command
                .split_whitespace()
                .find_map(|a| a.strip_prefix("-invoke=action."))
                .unwrap_or_else(|| panic!("{command} invokes an action"));
            let (ty, name) = invoked.split_once('.').expect("TYPE.NAME");
            assert!(
                declared.contains(&format!("action \"{ty}\" \"{name}\"")),
                "{command} names an action the snippet declares"
            );
        }
    }
}

/// `main.tf` with `files`, through `terraform validate` and `terraform fmt -check`.
async fn assert_validates(main_tf: &str, files: &[&Snippet]) {
    let wd = Workdir::new();
    wd.write_file("main.tf", main_tf);
    for s in files {
        wd.write_file(&s.file, &s.body);
    }
    let out = wd.run(&["validate", "-json", "-no-color"]).await;
    let report: Json = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("validate printed no JSON ({e}):\n{}", wd.transcript()));
    let names: Vec<&str> = files.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(
        report["valid"],
        true,
        "{names:?}: {report}\n{}",
        wd.transcript()
    );
}

#[tokio::test]
async fn the_other_snippets_pass_terraform_validate_and_all_are_fmt_clean() {
    let all = guide();
    let main_tf = snippet(&all, PROVIDER, "main.tf").body;
    for files in [
        vec!["report.tf"],
        vec!["trap.tf"],
        vec!["list.tf"],
        vec!["handover.tf"],
        vec!["forget.tf"],
    ] {
        let chosen: Vec<&Snippet> = all
            .iter()
            .filter(|s| files.contains(&s.file.as_str()))
            .collect();
        assert_eq!(chosen.len(), files.len(), "{files:?}");
        assert_validates(&main_tf, &chosen).await;
    }
    let wd = Workdir::new();
    for s in all.iter().filter(|s| s.lang == "terraform") {
        wd.write_file(&s.file, &s.body);
    }
    let fmt = wd
        .run(&["fmt", "-check", "-list=true", "-no-color", "."])
        .await;
    assert!(fmt.success(), "not terraform fmt clean: {}", fmt.combined());
}

/// The guide's Alice and new owner (the emulator's account is the guide's).
fn alice_and_platform() -> (String, String) {
    (user("alice"), role("PlatformTeam"))
}

/// `n` products of Alice's, and one of someone else's.
async fn seed_alices(world: &World, n: usize) -> Vec<String> {
    let (alice, _) = alice_and_platform();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = world
            .seed_with(SeedProduct {
                name: format!("alices-{i}"),
                owner_arn: Some(alice.clone()),
                ..Default::default()
            })
            .await;
        ids.push(id);
    }
    world.seed("someone-elses").await;
    ids
}

#[tokio::test]
async fn the_trap_plans_to_destroy_every_resource_after_the_hand_over() {
    let all = guide();
    let trap = snippet(&all, TRAP, "trap.tf").body;
    let world = World::start().await;
    let ids = seed_alices(&world, 3).await;
    let (_, platform) = alice_and_platform();
    let wd = world.workdir();
    wd.write_file("main.tf", &world.provider_hcl(""));
    wd.write_file("trap.tf", &trap);
    wd.apply().await;
    for id in &ids {
        assert_eq!(world.owner(id).await, platform, "{id} was handed over");
    }
    let changes = wd.planned_changes().await;
    let destroyed = changes
        .iter()
        .filter(|(addr, actions)| {
            addr.starts_with("servicecatalog_provisioned_product_properties.handover[")
                && actions == &["delete"]
        })
        .count();
    assert_eq!(
        destroyed,
        ids.len(),
        "the next plan destroys them all: {changes:?}"
    );
    world.finish().await;
}

#[tokio::test]
async fn the_way_for_older_terraform_lists_writes_down_imports_and_changes_the_set() {
    let all = guide();
    let world = World::start().await;
    let ids = seed_alices(&world, 4).await;
    let (_, platform) = alice_and_platform();

    // List what she owns, as the guide's commands do.
    let wd = world.workdir();
    wd.write_file("main.tf", &world.provider_hcl(""));
    wd.write_file("list.tf", &snippet(&all, OLDER, "list.tf").body);
    let commands: Vec<&Snippet> = all
        .iter()
        .filter(|s| s.section == OLDER && s.lang == "sh")
        .collect();
    let [listing, applying] = commands.as_slice() else {
        panic!("two command snippets: {commands:?}");
    };
    assert_eq!(applying.body.trim(), "terraform apply");
    let mut output = String::new();
    for command in listing.body.lines() {
        let mut args: Vec<&str> = command.split_whitespace().skip(1).collect();
        if args.first() == Some(&"apply") {
            args.extend(["-auto-approve", "-input=false", "-no-color"]);
        }
        output = wd.run_ok(&args).await.stdout;
    }
    let mut listed: Vec<String> = serde_json::from_str(&output).expect("the ids, as JSON");
    listed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(listed, expected, "exactly her products");

    // Write them down, import and change them in one apply.
    let handover = snippet(&all, OLDER, "handover.tf").body;
    let literal = "[\"pp-abcd27bm4mldq\", \"pp-efgh27bm4mldq\"]";
    assert!(handover.contains(literal), "the guide's set of ids");
    let written = serde_json::to_string(&listed)
        .expect("JSON")
        .replace(',', ", ");
    let handover = handover.replace(literal, &written);
    let wd = world.workdir();
    wd.write_file("main.tf", &world.provider_hcl(""));
    wd.write_file("handover.tf", &handover);
    let changes = wd.planned_changes().await;
    assert_eq!(changes.len(), ids.len(), "{changes:?}");
    assert!(
        changes.iter().all(|(_, actions)| actions == &["update"]),
        "each product imported and updated in place: {changes:?}"
    );
    wd.apply().await;
    wd.assert_plan_empty().await;
    for id in &ids {
        assert_eq!(world.owner(id).await, platform);
        assert_eq!(world.stored_change_records(id).len(), 1, "{id}: one record");
    }
    world.finish().await;
}
