//! The registry docs (`docs/index.md`, `docs/resources/*.md`, `docs/data-sources/*.md`) checked
//! against the provider's real schema as `terraform providers schema -json` reports it: every
//! attribute and nested block attribute documented once, in the right section, with the right
//! type, and nothing documented that the schema lacks; every schema description filled in.
//! Action pages (`docs/actions/*.md`) are checked the same way against the provider's own
//! action schemas, which Terraform before 1.14 does not print.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use servicecatalog_provider::tfplugin::{Block, ImportRole, Nesting, Presence, Schema};

use super::repo_root;
use crate::harness::terraform::provider_schema;

const TYPE_PREFIX: &str = "servicecatalog_";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Required,
    Optional,
    ReadOnly,
}

impl Section {
    fn parse(heading: &str) -> Option<Self> {
        match heading.trim().trim_end_matches(':') {
            "Required" => Some(Self::Required),
            "Optional" => Some(Self::Optional),
            "Read-Only" => Some(Self::ReadOnly),
            _ => None,
        }
    }
}

/// One attribute or nested block, by full dotted path.
#[derive(Clone, Debug, PartialEq)]
struct Item {
    section: Section,
    /// tfplugindocs' type label: `String`, `Map of String`, `Block`, ...
    type_label: String,
    sensitive: bool,
    description: String,
    /// False for an attribute of an object type (e.g. the elements of a list of objects): the
    /// schema cannot describe those, so only the page does.
    described: bool,
}

fn type_label(ty: &Value) -> String {
    match ty {
        Value::String(s) => match s.as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Boolean".into(),
            "dynamic" => "Dynamic".into(),
            other => other.to_owned(),
        },
        Value::Array(parts) => match (parts.first().and_then(Value::as_str), parts.get(1)) {
            (Some("list"), Some(inner)) => format!("List of {}", type_label(inner)),
            (Some("set"), Some(inner)) => format!("Set of {}", type_label(inner)),
            (Some("map"), Some(inner)) => format!("Map of {}", type_label(inner)),
            (Some("object"), _) => "Object".into(),
            (Some("tuple"), _) => "Tuple".into(),
            _ => ty.to_string(),
        },
        _ => ty.to_string(),
    }
}

/// Every attribute and nested block of a schema `block`, by dotted path.
fn schema_items(block: &Value, prefix: &str, out: &mut BTreeMap<String, Item>) {
    if let Some(attributes) = block["attributes"].as_object() {
        for (name, attr) in attributes {
            let path = format!("{prefix}{name}");
            let flag = |f: &str| attr[f].as_bool() == Some(true);
            let section = if flag("required") {
                Section::Required
            } else if flag("optional") {
                Section::Optional
            } else {
                Section::ReadOnly
            };
            let type_label = if attr["nested_type"].is_object() {
                "Attributes".to_owned()
            } else {
                type_label(&attr["type"])
            };
            out.insert(
                path.clone(),
                Item {
                    section,
                    type_label,
                    sensitive: flag("sensitive"),
                    description: attr["description"].as_str().unwrap_or_default().to_owned(),
                    described: true,
                },
            );
            if attr["nested_type"].is_object() {
                schema_items(&attr["nested_type"], &format!("{path}."), out);
            }
            object_type_items(&attr["type"], &format!("{path}."), section, out);
        }
    }
    if let Some(blocks) = block["block_types"].as_object() {
        for (name, nested) in blocks {
            let path = format!("{prefix}{name}");
            let type_label = match nested["nesting_mode"].as_str() {
                Some("list") => "Block List",
                Some("set") => "Block Set",
                _ => "Block",
            };
            let required = nested["min_items"].as_u64().unwrap_or(0) > 0;
            out.insert(
                path.clone(),
                Item {
                    section: if required {
                        Section::Required
                    } else {
                        Section::Optional
                    },
                    type_label: type_label.to_owned(),
                    sensitive: false,
                    description: nested["block"]["description"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    described: true,
                },
            );
            schema_items(&nested["block"], &format!("{path}."), out);
        }
    }
}

/// The attributes of an object type, or of the objects a list, set or map type holds (as
/// tfplugindocs lists them under `### Nested Schema for `path``), in the section of the
/// attribute that holds them.
fn object_type_items(ty: &Value, prefix: &str, section: Section, out: &mut BTreeMap<String, Item>) {
    let Some(parts) = ty.as_array() else { return };
    match (parts.first().and_then(Value::as_str), parts.get(1)) {
        (Some("list" | "set" | "map"), Some(inner)) => {
            object_type_items(inner, prefix, section, out);
        }
        (Some("object"), Some(Value::Object(attributes))) => {
            for (name, attr_ty) in attributes {
                let path = format!("{prefix}{name}");
                out.insert(
                    path.clone(),
                    Item {
                        section,
                        type_label: type_label(attr_ty),
                        sensitive: false,
                        description: String::new(),
                        described: false,
                    },
                );
                object_type_items(attr_ty, &format!("{path}."), section, out);
            }
        }
        _ => {}
    }
}

/// The attribute lists of a page's `## Schema` section, in tfplugindocs style:
/// `### Required` / `### Optional` / `### Read-Only` with `` - `name` (Type) description `` items,
/// then `### Nested Schema for `path`` parts with `Required:` / `Optional:` / `Read-Only:` lists.
/// Also returns problems in the page itself (duplicates, items outside a section).
fn documented_items(markdown: &str) -> (BTreeMap<String, Item>, Vec<String>) {
    documented_items_under(markdown, "Schema")
}

/// Like [`documented_items`], for the `## <heading>` section.
fn documented_items_under(
    markdown: &str,
    section_heading: &str,
) -> (BTreeMap<String, Item>, Vec<String>) {
    let mut items = BTreeMap::new();
    let mut problems = Vec::new();
    let mut in_schema = false;
    let mut prefix = String::new();
    let mut section = None;
    for line in markdown.lines() {
        let line = line.trim_end();
        if let Some(heading) = line.strip_prefix("## ") {
            in_schema = heading.trim() == section_heading;
            continue;
        }
        if !in_schema {
            continue;
        }
        if let Some(heading) = line.strip_prefix("### ") {
            if let Some(path) = heading.strip_prefix("Nested Schema for ") {
                prefix = format!("{}.", path.trim().trim_matches('`'));
                section = None;
            } else {
                prefix.clear();
                section = Section::parse(heading);
            }
            continue;
        }
        if let Some(s) = Section::parse(line) {
            section = Some(s);
            continue;
        }
        let Some(rest) = line.strip_prefix("- `") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once('`') else {
            problems.push(format!("unreadable item {line:?}"));
            continue;
        };
        let path = format!("{prefix}{name}");
        let Some(section) = section else {
            problems.push(format!(
                "`{path}` is listed outside a Required/Optional/Read-Only list"
            ));
            continue;
        };
        let rest = rest.trim_start();
        let (label, description) = match rest.strip_prefix('(').and_then(|r| r.split_once(')')) {
            Some((label, description)) => (label, description.trim()),
            None => {
                problems.push(format!("`{path}` has no (Type) label"));
                ("", rest)
            }
        };
        let mut parts = label.split(',').map(str::trim);
        let type_label = parts.next().unwrap_or_default().to_owned();
        let sensitive = parts.any(|p| p == "Sensitive");
        let item = Item {
            section,
            type_label,
            sensitive,
            description: description.to_owned(),
            described: true,
        };
        if items.insert(path.clone(), item).is_some() {
            problems.push(format!("`{path}` is documented twice"));
        }
    }
    (items, problems)
}

/// What differs between the schema of `what` and its page.
fn compare(what: &str, schema: &BTreeMap<String, Item>, markdown: &str) -> Vec<String> {
    let (docs, mut problems) = documented_items(markdown);
    for problem in &mut problems {
        *problem = format!("{what}: {problem}");
    }
    for (path, item) in schema {
        let Some(doc) = docs.get(path) else {
            problems.push(format!(
                "{what}: `{path}` is in the schema but not documented"
            ));
            continue;
        };
        if doc.section != item.section {
            problems.push(format!(
                "{what}: `{path}` is documented as {:?} but the schema makes it {:?}",
                doc.section, item.section
            ));
        }
        if doc.type_label != item.type_label {
            problems.push(format!(
                "{what}: `{path}` is documented as ({}) but its schema type is ({})",
                doc.type_label, item.type_label
            ));
        }
        if doc.sensitive != item.sensitive {
            problems.push(format!(
                "{what}: `{path}` sensitive is {} in the docs but {} in the schema",
                doc.sensitive, item.sensitive
            ));
        }
        if doc.description.is_empty() {
            problems.push(format!("{what}: `{path}` has no description in the docs"));
        }
    }
    for path in docs.keys().filter(|p| !schema.contains_key(*p)) {
        problems.push(format!(
            "{what}: `{path}` is documented but not in the schema"
        ));
    }
    problems
}

fn items_of(schema_entry: &Value) -> BTreeMap<String, Item> {
    let mut items = BTreeMap::new();
    schema_items(&schema_entry["block"], "", &mut items);
    items
}

fn read_page(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn page_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .filter_map(|n| n.strip_suffix(".md").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Checks one kind of schema (`resource_schemas` or `data_source_schemas`) against `docs/<dir>`.
fn check_kind(schema: &Value, kind: &str, dir: &str, problems: &mut Vec<String>) {
    let docs_dir = repo_root().join("docs").join(dir);
    let empty = serde_json::Map::new();
    let schemas = schema[kind].as_object().unwrap_or(&empty);
    for (type_name, entry) in schemas {
        let short = type_name.strip_prefix(TYPE_PREFIX).unwrap_or(type_name);
        let page = docs_dir.join(format!("{short}.md"));
        match read_page(&page) {
            Some(markdown) => problems.extend(compare(
                &format!("docs/{dir}/{short}.md"),
                &items_of(entry),
                &markdown,
            )),
            None => problems.push(format!("{type_name} has no page docs/{dir}/{short}.md")),
        }
    }
    for short in page_names(&docs_dir) {
        let type_name = format!("{TYPE_PREFIX}{short}");
        if schemas.contains_key(&type_name) {
            continue;
        }
        problems.push(format!(
            "docs/{dir}/{short}.md documents {type_name}, which the provider does not have"
        ));
    }
}

#[tokio::test]
async fn docs_list_exactly_the_schema_attributes() {
    let schema = provider_schema().await;
    let mut problems = Vec::new();
    let provider = items_of(&schema["provider"]);
    assert!(
        provider.contains_key("region") && provider.contains_key("assume_role.role_arn"),
        "the schema walk found no provider attributes: {provider:?}"
    );
    let index = read_page(&repo_root().join("docs/index.md")).expect("docs/index.md exists");
    problems.extend(compare("docs/index.md", &provider, &index));
    check_kind(schema, "resource_schemas", "resources", &mut problems);
    check_kind(schema, "data_source_schemas", "data-sources", &mut problems);
    assert!(
        problems.is_empty(),
        "docs and `terraform providers schema -json` disagree:\n  {}",
        problems.join("\n  ")
    );
}

#[tokio::test]
async fn every_schema_description_is_filled_in() {
    let schema = provider_schema().await;
    let mut missing = Vec::new();
    let mut check = |what: String, entry: &Value| {
        if entry["block"]["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
        {
            missing.push(format!("{what} (the block itself)"));
        }
        for (path, item) in items_of(entry) {
            if item.described && item.description.trim().is_empty() {
                missing.push(format!("{what}: `{path}`"));
            }
        }
    };
    check("provider".into(), &schema["provider"]);
    for kind in ["resource_schemas", "data_source_schemas"] {
        if let Some(schemas) = schema[kind].as_object() {
            for (name, entry) in schemas {
                check(name.clone(), entry);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "schema attributes without a description:\n  {}",
        missing.join("\n  ")
    );
}

/// The checker itself catches each kind of drift (so a passing docs test means something).
#[test]
fn the_comparison_reports_each_kind_of_drift() {
    let schema: Value = serde_json::json!({
        "block": {
            "attributes": {
                "name": {"type": "string", "required": true, "description": "Name."},
                "secret": {"type": "string", "optional": true, "sensitive": true, "description": "S."},
                "tags": {"type": ["map", "string"], "computed": true, "description": "Tags."},
                "added": {"type": "number", "optional": true, "description": "New."},
                "found": {"type": ["list", ["object", {"id": "string", "tags": ["map", "string"]}]],
                          "computed": true, "description": "Found."}
            },
            "block_types": {
                "timeouts": {"nesting_mode": "single", "block": {
                    "attributes": {"create": {"type": "string", "optional": true, "description": "C."}},
                    "description": "T."
                }}
            }
        }
    });
    let page = "\
## Schema

### Required

- `name` (String) Name.

### Optional

- `secret` (String) S.
- `timeouts` (Block, Optional) T.
- `tags` (Map of String) Tags.
- `removed` (Boolean) Gone.

### Read-Only

- `found` (List of Object) Found. (see [below for nested schema](#nestedatt--found))

<a id=\"nestedatt--found\"></a>
### Nested Schema for `found`

Read-Only:

- `id` (String) Id.

<a id=\"nestedblock--timeouts\"></a>
### Nested Schema for `timeouts`

Optional:

- `create` (Number) C.
- `delete` (String) D.
";
    let problems = compare("page", &items_of(&schema), page).join("\n");
    for expected in [
        "`added` is in the schema but not documented",
        "`removed` is documented but not in the schema",
        "`timeouts.delete` is documented but not in the schema",
        "`tags` is documented as Optional but the schema makes it ReadOnly",
        "`timeouts.create` is documented as (Number) but its schema type is (String)",
        "`secret` sensitive is false in the docs but true in the schema",
        "`found.tags` is in the schema but not documented",
    ] {
        assert!(
            problems.contains(expected),
            "missing {expected:?} in:\n{problems}"
        );
    }
    assert!(!problems.contains("`name`"), "{problems}");
    assert!(!problems.contains("`found.id`"), "{problems}");
    assert_eq!(problems.lines().count(), 7, "{problems}");
}

#[test]
fn pages_have_registry_front_matter_and_sections() {
    let root = repo_root().join("docs");
    let mut pages = vec![("index.md".to_owned(), vec!["## Example Usage", "## Schema"])];
    for short in page_names(&root.join("resources")) {
        pages.push((
            format!("resources/{short}.md"),
            vec!["## Example Usage", "## Schema", "## Import"],
        ));
    }
    for short in page_names(&root.join("data-sources")) {
        pages.push((
            format!("data-sources/{short}.md"),
            vec!["## Example Usage", "## Schema"],
        ));
    }
    for short in page_names(&root.join("actions")) {
        pages.push((
            format!("actions/{short}.md"),
            vec!["## Example Usage", "## Schema"],
        ));
    }
    assert!(
        pages.len() >= 4,
        "expected provider, resource, data source and action pages"
    );
    for (page, sections) in pages {
        let text = read_page(&root.join(&page)).expect("page readable");
        let front = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(front, _)| front)
            .unwrap_or_else(|| panic!("docs/{page} has no --- front matter ---"));
        for key in ["page_title:", "subcategory:", "description:"] {
            assert!(
                front.lines().any(|l| l.starts_with(key)),
                "docs/{page} front matter lacks {key}"
            );
        }
        for section in sections {
            assert!(
                text.lines().any(|l| l.trim_end() == section),
                "docs/{page} lacks a {section:?} section"
            );
        }
    }
}

/// The pages show the example files verbatim, so copy-paste from the docs is what CI validates.
#[test]
fn pages_embed_the_example_files() {
    let root = repo_root();
    let pairs = [
        ("docs/index.md", "examples/provider/provider.tf"),
        (
            "docs/resources/provisioned_product_properties.md",
            "examples/resources/servicecatalog_provisioned_product_properties/resource.tf",
        ),
        (
            "docs/resources/provisioned_product_properties.md",
            "examples/resources/servicecatalog_provisioned_product_properties/import.sh",
        ),
        (
            "docs/resources/provisioned_product_properties.md",
            "examples/resources/servicecatalog_provisioned_product_properties/import-by-string-id.tf",
        ),
        (
            "docs/data-sources/provisioned_product.md",
            "examples/data-sources/servicecatalog_provisioned_product/data-source.tf",
        ),
        (
            "docs/data-sources/provisioned_products.md",
            "examples/data-sources/servicecatalog_provisioned_products/data-source.tf",
        ),
        (
            "docs/actions/update_provisioned_product_properties.md",
            "examples/actions/servicecatalog_update_provisioned_product_properties/action.tf",
        ),
    ];
    for (page, example) in pairs {
        let text = read_page(&root.join(page)).expect("page readable");
        let example_text = read_page(&root.join(example)).expect("example readable");
        assert!(
            text.contains(example_text.trim()),
            "{page} does not show {example} verbatim"
        );
    }
}

/// Terraform before 1.12 does not print identity schemas, so each resource page's
/// `## Identity Schema` is checked against the identity the resource itself declares.
#[test]
fn identity_schemas_are_documented() {
    let mut problems = Vec::new();
    for resource in servicecatalog_provider::resources::all() {
        let type_name = resource.type_name().to_owned();
        let short = type_name.strip_prefix(TYPE_PREFIX).unwrap_or(&type_name);
        let page = format!("docs/resources/{short}.md");
        let markdown = read_page(&repo_root().join(&page)).unwrap_or_default();
        let (docs, page_problems) = documented_items_under(&markdown, "Identity Schema");
        problems.extend(page_problems.into_iter().map(|p| format!("{page}: {p}")));
        let declared = resource
            .identity_schema()
            .map(|schema| schema.attributes)
            .unwrap_or_default();
        for attribute in &declared {
            let section = match attribute.import {
                ImportRole::Required => Section::Required,
                ImportRole::Optional => Section::Optional,
            };
            if attribute.description.trim().is_empty() {
                problems.push(format!(
                    "{type_name}: identity `{}` has no description",
                    attribute.name
                ));
            }
            match docs.get(&attribute.name) {
                None => problems.push(format!(
                    "{page}: identity attribute `{}` is not documented",
                    attribute.name
                )),
                Some(doc) if doc.section != section => problems.push(format!(
                    "{page}: identity attribute `{}` is documented as {:?}, declared {section:?}",
                    attribute.name, doc.section
                )),
                Some(_) => {}
            }
        }
        for name in docs.keys() {
            if !declared.iter().any(|a| &a.name == name) {
                problems.push(format!(
                    "{page}: identity attribute `{name}` is documented but not declared"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "identity docs disagree:\n  {}",
        problems.join("\n  ")
    );
}

/// A block as `terraform providers schema -json` prints it (what [`schema_items`] reads).
fn block_json(block: &Block) -> Value {
    let attributes: serde_json::Map<String, Value> = block
        .attributes
        .iter()
        .map(|a| {
            let entry = serde_json::json!({
                "type": a.ty.to_json(),
                "required": a.presence == Presence::Required,
                "optional": matches!(a.presence, Presence::Optional | Presence::OptionalComputed),
                "sensitive": a.sensitive,
                "description": a.description,
            });
            (a.name.clone(), entry)
        })
        .collect();
    let block_types: serde_json::Map<String, Value> = block
        .blocks
        .iter()
        .map(|b| {
            let nesting = match b.nesting {
                Nesting::List => "list",
                Nesting::Set => "set",
                Nesting::Map => "map",
                Nesting::Single | Nesting::Group => "single",
            };
            let entry = serde_json::json!({
                "nesting_mode": nesting,
                "min_items": b.min_items,
                "block": block_json(&b.block),
            });
            (b.type_name.clone(), entry)
        })
        .collect();
    serde_json::json!({
        "attributes": attributes,
        "block_types": block_types,
        "description": block.description,
    })
}

fn schema_json(schema: &Schema) -> Value {
    serde_json::json!({ "block": block_json(&schema.block) })
}

#[test]
fn action_pages_list_exactly_the_action_schema_attributes() {
    let actions: serde_json::Map<String, Value> = servicecatalog_provider::actions::all()
        .iter()
        .map(|a| (a.type_name().to_owned(), schema_json(&a.schema())))
        .collect();
    assert!(!actions.is_empty(), "the provider has actions");
    let schema = serde_json::json!({ "action_schemas": actions });
    let mut problems = Vec::new();
    check_kind(&schema, "action_schemas", "actions", &mut problems);
    for (name, entry) in &actions {
        for (path, item) in items_of(entry) {
            if item.description.trim().is_empty() {
                problems.push(format!("{name}: `{path}` has no description"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "action docs and schema disagree:\n  {}",
        problems.join("\n  ")
    );
}
