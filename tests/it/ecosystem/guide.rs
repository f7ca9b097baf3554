//! `docs/guides/importing-a-fleet.md`: every snippet in it is checked, as far as the local
//! Terraform (1.11) can.
//!
//! - The `.tfquery.hcl` file (Terraform >= 1.14, which 1.11 cannot read) is checked by the
//!   harness's reading of query files (`harness::terraform::files::query_problems`), which the
//!   real `terraform query` tests use too.
//! - Every `.tf` snippet passes `terraform validate` with the provider.
//! - The `import`-block way (Terraform >= 1.7) and the `terraform import` loop are run for real
//!   against an emulator: the fleet ends up in state with its live values, unchanged, and the
//!   plan after is empty.
//! - The guide holds exactly the snippets this file checks, so a new one cannot go unchecked.

use hcl::Expression;

use super::repo_root;
use crate::harness::terraform::files::query_problems;
use crate::harness::terraform::fleet::Fleet;
use crate::harness::terraform::{PlanOutcome, Workdir};
use crate::harness::World;

const GUIDE: &str = "docs/guides/importing-a-fleet.md";
const PROVIDER_SECTION: &str = "The provider";
const QUERY_SECTION: &str = "Terraform 1.14 and later: `terraform query`";
const IMPORT_BLOCKS_SECTION: &str =
    "Terraform 1.7 to 1.13, and OpenTofu: `import` blocks with `for_each`";
const IMPORT_LOOP_SECTION: &str = "Terraform 1.0 to 1.6: `terraform import` in a loop";

/// One fenced code block of the guide.
#[derive(Clone, Debug)]
pub(super) struct Snippet {
    /// The `## ` heading it is under.
    pub(super) section: String,
    /// The fence's language.
    pub(super) lang: String,
    /// The file its first line names (`# main.tf`), empty for shell snippets.
    pub(super) file: String,
    pub(super) body: String,
}

fn guide() -> String {
    std::fs::read_to_string(repo_root().join(GUIDE)).expect("the guide exists")
}

pub(super) fn snippets(markdown: &str) -> Vec<Snippet> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut open: Option<(String, Vec<&str>)> = None;
    for line in markdown.lines() {
        match &mut open {
            Some((lang, lines)) if line.trim_end() == "```" => {
                let body = lines.join("\n") + "\n";
                let file = lines
                    .first()
                    .and_then(|l| l.strip_prefix("# "))
                    .filter(|name| name.ends_with(".tf") || name.ends_with(".hcl"))
                    .unwrap_or_default()
                    .to_owned();
                out.push(Snippet {
                    section: section.clone(),
                    lang: lang.clone(),
                    file,
                    body,
                });
                open = None;
            }
            Some((_, lines)) => lines.push(line),
            None => {
                if let Some(heading) = line.strip_prefix("## ") {
                    section = heading.trim().to_owned();
                } else if let Some(lang) = line.strip_prefix("```") {
                    open = Some((lang.trim().to_owned(), Vec::new()));
                }
            }
        }
    }
    assert!(open.is_none(), "a guide has an unclosed code block");
    out
}

/// The one snippet of `section` naming `file` (or the shell snippet, for `file` "").
pub(super) fn snippet(all: &[Snippet], section: &str, file: &str) -> Snippet {
    let found: Vec<&Snippet> = all
        .iter()
        .filter(|s| s.section == section && s.file == file)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{section:?} should hold one {file:?} snippet"
    );
    found[0].clone()
}

/// `text` holds exactly these snippets, `(section, language, file)`, in this order.
pub(super) fn assert_snippets(text: &str, expected: &[(&str, &str, &str)]) {
    let found: Vec<(String, String, String)> = snippets(text)
        .into_iter()
        .map(|s| (s.section, s.lang, s.file))
        .collect();
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(
        found, expected,
        "a snippet was added, removed or renamed: check it here"
    );
}

/// Every `](#anchor)` link of `text` names one of its `## ` headings.
pub(super) fn assert_anchors_resolve(text: &str) {
    let headings: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(anchor)
        .collect();
    for (i, _) in text.match_indices("](#") {
        let rest = &text[i + 3..];
        let target = &rest[..rest.find(')').expect("a closed link")];
        assert!(
            headings.iter().any(|h| h == target),
            "#{target} is no heading: {headings:?}"
        );
    }
}

/// A GitHub-style anchor of a heading.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn the_guide_holds_exactly_the_snippets_checked_here_and_its_links_resolve() {
    let text = guide();
    assert_snippets(
        &text,
        &[
            (PROVIDER_SECTION, "terraform", "main.tf"),
            (QUERY_SECTION, "hcl", "fleet.tfquery.hcl"),
            (QUERY_SECTION, "sh", ""),
            (IMPORT_BLOCKS_SECTION, "terraform", "fleet.tf"),
            (IMPORT_BLOCKS_SECTION, "sh", ""),
            (IMPORT_LOOP_SECTION, "terraform", "fleet.tf"),
            (IMPORT_LOOP_SECTION, "sh", ""),
        ],
    );
    assert_anchors_resolve(&text);
    for page in [
        "../resources/provisioned_product_properties.md",
        "../data-sources/provisioned_products.md",
        "../index.md",
    ] {
        assert!(text.contains(&format!("]({page})")), "links {page}");
        let path = repo_root().join("docs/guides").join(page);
        assert!(path.exists(), "{page} exists");
    }
    // The guide is reachable from the provider page, the resource page and the README.
    for (page, link) in [
        ("docs/index.md", "](guides/importing-a-fleet.md)"),
        (
            "docs/resources/provisioned_product_properties.md",
            "](../guides/importing-a-fleet.md)",
        ),
        ("README.md", "](docs/guides/importing-a-fleet.md)"),
    ] {
        let text = std::fs::read_to_string(repo_root().join(page)).expect("page readable");
        assert!(text.contains(link), "{page} links the guide");
    }
}

/// The query snippet's commands are Terraform 1.14's: `terraform query`, and
/// `-generate-config-out=PATH` (its `internal/command/query.go`).
#[test]
fn the_query_commands_are_those_of_terraform_query() {
    let all = snippets(&guide());
    let commands: Vec<String> = snippet(&all, QUERY_SECTION, "")
        .body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(
        commands,
        [
            "terraform init",
            "terraform query",
            "terraform query -generate-config-out=generated.tf",
            "terraform plan",
            "terraform apply",
        ]
    );
}

/// The provider's local name in the `required_providers` of the provider snippet.
fn provider_local_name(main_tf: &str) -> String {
    let body = hcl::parse(main_tf).expect("main.tf is HCL");
    let terraform = body
        .blocks()
        .find(|b| b.identifier() == "terraform")
        .expect("a terraform block");
    let required = terraform
        .body()
        .blocks()
        .find(|b| b.identifier() == "required_providers")
        .expect("required_providers");
    let names: Vec<&str> = required.body().attributes().map(|a| a.key()).collect();
    assert_eq!(names.len(), 1, "one provider: {names:?}");
    names[0].to_owned()
}

#[test]
fn the_query_file_is_a_list_block_terraform_1_14_reads_with_valid_filters() {
    let all = snippets(&guide());
    let provider = provider_local_name(&snippet(&all, PROVIDER_SECTION, "main.tf").body);
    assert_eq!(provider, "servicecatalog");
    let query = snippet(&all, QUERY_SECTION, "fleet.tfquery.hcl").body;
    let problems = query_problems(&query, &provider);
    assert!(
        problems.is_empty(),
        "{GUIDE}: the query file: {problems:#?}"
    );
    // It filters on something, and on what the list resource knows.
    for filter in ["product_id", "status", "tags"] {
        assert!(query.contains(&format!("{filter} ")), "{filter} is shown");
    }
}

/// The check above is not vacuous: each kind of mistake is reported.
#[test]
fn the_query_file_check_reports_each_kind_of_mistake() {
    let cases = [
        ("list \"x\" \"y\" {\n  provider = servicecatalog\n  config {}\n}\n", "list labels"),
        (
            "list \"servicecatalog_provisioned_product_properties\" \"p\" {\n  config {}\n}\n",
            "needs provider",
        ),
        (
            "list \"servicecatalog_provisioned_product_properties\" \"p\" {\n  provider = aws\n  config {}\n}\n",
            "local name",
        ),
        (
            "list \"servicecatalog_provisioned_product_properties\" \"p\" {\n  provider = servicecatalog\n}\n",
            "exactly one unlabelled config",
        ),
        (
            "list \"servicecatalog_provisioned_product_properties\" \"p\" {\n  provider = servicecatalog\n  config {\n    team = \"x\"\n  }\n}\n",
            "config.team is not in",
        ),
        (
            "list \"servicecatalog_provisioned_product_properties\" \"p\" {\n  provider = servicecatalog\n  config {\n    status = \"BROKEN\"\n  }\n}\n",
            "\"BROKEN\"",
        ),
        (
            "list \"servicecatalog_provisioned_product_properties\" \"p\" {\n  provider = servicecatalog\n  config {\n    tags = \"team\"\n  }\n}\n",
            "schema's types",
        ),
        (
            "list \"servicecatalog_provisioned_product_properties\" \"p\" {\n  provider = servicecatalog\n  limit = 0\n  config {}\n}\n",
            "limit",
        ),
        ("resource \"a\" \"b\" {}\n", "unexpected block"),
        ("list {", "not HCL"),
    ];
    for (text, expected) in cases {
        let problems = query_problems(text, "servicecatalog").join("\n");
        assert!(
            problems.contains(expected),
            "{expected:?} not in {problems:?} for {text}"
        );
    }
    let fine = "list \"servicecatalog_provisioned_product_properties\" \"p\" {\n  provider = servicecatalog\n  include_resource = true\n  config {\n    access_level = \"Role\"\n  }\n}\n";
    assert!(query_problems(fine, "servicecatalog").is_empty());
}

#[tokio::test]
async fn every_tf_snippet_passes_terraform_validate() {
    let all = snippets(&guide());
    let main_tf = snippet(&all, PROVIDER_SECTION, "main.tf").body;
    for section in [PROVIDER_SECTION, IMPORT_BLOCKS_SECTION, IMPORT_LOOP_SECTION] {
        let wd = Workdir::new();
        wd.write_file("main.tf", &main_tf);
        for s in all
            .iter()
            .filter(|s| s.section == section && s.lang == "terraform")
        {
            wd.write_file(&s.file, &s.body);
        }
        let out = wd.run(&["validate", "-json", "-no-color"]).await;
        let report: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("validate printed no JSON ({e}):\n{}", wd.transcript()));
        assert_eq!(
            report["valid"],
            true,
            "{section}: {}\n{}",
            report,
            wd.transcript()
        );
        let fmt = wd
            .run(&["fmt", "-check", "-list=true", "-no-color", "."])
            .await;
        assert!(
            fmt.success(),
            "{section} is not terraform fmt clean: {}",
            fmt.combined()
        );
    }
}

/// The `product_id` the snippet's data source filters on.
fn filtered_product_id(fleet_tf: &str) -> String {
    let body = hcl::parse(fleet_tf).expect("fleet.tf is HCL");
    let data = body
        .blocks()
        .find(|b| b.identifier() == "data")
        .expect("a data block");
    match data
        .body()
        .attributes()
        .find(|a| a.key() == "product_id")
        .map(|a| a.expr())
    {
        Some(Expression::String(s)) => s.clone(),
        other => panic!("the data source filters on a literal product_id, not {other:?}"),
    }
}

/// The fleet is in state with its live values, nothing was changed, and the plan is empty.
async fn assert_managed(acc: &World, wd: &Workdir, fleet: &Fleet) {
    match wd.plan_detailed_exitcode().await {
        PlanOutcome::Empty => {}
        PlanOutcome::Changes(o) | PlanOutcome::Failed(o) => {
            panic!(
                "the plan after is not empty:\n{}\n{}",
                o.combined(),
                wd.transcript()
            )
        }
    }
    fleet.assert_managed(acc, wd).await;
}

#[tokio::test]
async fn the_import_blocks_bring_the_fleet_under_management_in_one_apply() {
    let all = snippets(&guide());
    let fleet_tf = snippet(&all, IMPORT_BLOCKS_SECTION, "fleet.tf").body;
    let acc = World::start().await;
    let fleet = Fleet::seed(&acc, &filtered_product_id(&fleet_tf), 5).await;
    let wd = acc.workdir();
    // The guide's main.tf points at AWS; this one at the emulator.
    wd.write_file("main.tf", &acc.provider_hcl(""));
    wd.write_file("fleet.tf", &fleet_tf);
    for command in snippet(&all, IMPORT_BLOCKS_SECTION, "").body.lines() {
        let args: Vec<&str> = command.split_whitespace().collect();
        assert!(
            matches!(args.as_slice(), ["terraform", "plan" | "apply"]),
            "{command}"
        );
    }
    fleet.plan_and_apply_the_import(&wd).await;
    fleet.assert_managed(&acc, &wd).await;
    acc.finish().await;
}

/// The plan after is empty; a refresh-only plan is not quite: `terraform import` records no
/// dependency on the data source, which Terraform then offers to record (its own bookkeeping:
/// no object and no output differs), so only the normal plan is checked here.
#[tokio::test]
async fn the_import_loop_brings_the_fleet_under_management() {
    let all = snippets(&guide());
    let fleet_tf = snippet(&all, IMPORT_LOOP_SECTION, "fleet.tf").body;
    let acc = World::start().await;
    let fleet = Fleet::seed(&acc, &filtered_product_id(&fleet_tf), 5).await;
    let wd = acc.workdir();
    wd.write_file("main.tf", &acc.provider_hcl(""));
    wd.write_file("fleet.tf", &fleet_tf);
    let script = snippet(&all, IMPORT_LOOP_SECTION, "").body;
    let out = wd.run_script(&script).await;
    assert!(
        out.success(),
        "the guide's loop failed:\n{}",
        wd.transcript()
    );
    assert_eq!(
        out.stdout.matches("Import successful!").count(),
        fleet.len(),
        "one import per product:\n{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("No changes."),
        "the plan at its end: {}",
        out.stdout
    );
    assert_managed(&acc, &wd, &fleet).await;
    acc.finish().await;
}
