//! Reading the HCL files that newer CLIs read or write, with `hcl-rs`, so they are checked even
//! where the local CLI cannot read them: `.tfquery.hcl` files (Terraform 1.14), the `import`
//! blocks with `identity` (1.12), and the file `terraform query -generate-config-out` writes (an
//! `import` block with `to`, `provider` and `identity` per product, then its resource block;
//! Terraform's `internal/genconfig`).

use std::collections::BTreeMap;

use hcl::{BlockLabel, Body, Expression, ObjectKey};
use servicecatalog_provider::list_resources::provisioned_product_properties::ProvisionedProductPropertiesList;
use servicecatalog_provider::tfplugin::{plan, value, ListResource, Value};

use crate::harness::hcl::RESOURCE_TYPE;

/// Literal HCL as a value of the list resource's config (strings, numbers, bools, maps of
/// strings: what its filters take); anything else cannot be checked and is a problem.
pub(super) fn literal(expr: &Expression, at: &str, problems: &mut Vec<String>) -> Value {
    match expr {
        Expression::String(s) => Value::string(s.clone()),
        Expression::Bool(b) => Value::Bool(*b),
        Expression::Number(n) => match n.as_i64() {
            Some(i) => Value::number(i),
            None => {
                problems.push(format!("{at}: {n} is not a whole number"));
                Value::Null
            }
        },
        Expression::Object(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = object_key(k).unwrap_or_else(|| {
                        problems.push(format!("{at}: key {k:?} is not literal"));
                        String::new()
                    });
                    let v = literal(v, &format!("{at}.{key}"), problems);
                    (key, v)
                })
                .collect::<BTreeMap<_, _>>(),
        ),
        other => {
            problems.push(format!(
                "{at}: {other:?} is not a literal this check can read"
            ));
            Value::Null
        }
    }
}

fn object_key(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Identifier(id) => Some(id.as_str().to_owned()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// A literal object of strings (`{ OWNER = "arn:..." }`), or why it is not one.
fn string_object(expr: &Expression, at: &str) -> Result<BTreeMap<String, String>, String> {
    let Expression::Object(entries) = expr else {
        return Err(format!("{at} = {expr:?} is not an object"));
    };
    entries
        .iter()
        .map(|(k, v)| match (object_key(k), v) {
            (Some(k), Expression::String(s)) => Ok((k, s.clone())),
            _ => Err(format!("{at}: {k:?} = {v:?} is not a string entry")),
        })
        .collect()
}

/// What is wrong with a `.tfquery.hcl` file for Terraform 1.14 and this provider, given the
/// provider's local name in `required_providers`: `list` blocks labelled with a type and a
/// name; `provider`, `count`, `for_each`, `include_resource`, `limit`; one `config` block,
/// checked against the list resource's own schema and validators.
pub fn query_problems(text: &str, provider_name: &str) -> Vec<String> {
    let body: Body = match hcl::parse(text) {
        Ok(body) => body,
        Err(e) => return vec![format!("not HCL: {e}")],
    };
    let mut problems = Vec::new();
    if body.attributes().next().is_some() {
        problems.push("a query file has no top-level arguments".to_owned());
    }
    let schema = ProvisionedProductPropertiesList.schema();
    let mut lists = 0;
    for block in body.blocks() {
        if block.identifier() != "list" {
            problems.push(format!("unexpected block {:?}", block.identifier()));
            continue;
        }
        lists += 1;
        let labels: Vec<&str> = block.labels().iter().map(BlockLabel::as_str).collect();
        let name_ok = |n: &str| {
            n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        match labels.as_slice() {
            [ty, name] if *ty == RESOURCE_TYPE && name_ok(name) => {}
            other => problems.push(format!(
                "list labels {other:?}: want [{RESOURCE_TYPE:?}, NAME]"
            )),
        }
        let list = block.body();
        let mut provider = false;
        for attr in list.attributes() {
            match (attr.key(), attr.expr()) {
                ("provider", Expression::Variable(v)) if v.as_str() == provider_name => {
                    provider = true;
                }
                ("provider", other) => problems.push(format!(
                    "provider = {other:?}: want the provider's local name {provider_name}"
                )),
                ("limit", Expression::Number(n)) if n.as_i64().is_some_and(|n| n > 0) => {}
                ("include_resource", Expression::Bool(_)) => {}
                ("count" | "for_each", _) => {}
                (key, expr) => problems.push(format!("list argument {key} = {expr:?}")),
            }
        }
        if !provider {
            problems.push("a list block needs provider (Terraform requires it)".to_owned());
        }
        let configs: Vec<_> = list.blocks().collect();
        if configs.len() != 1
            || configs[0].identifier() != "config"
            || !configs[0].labels().is_empty()
        {
            problems.push("a list block holds exactly one unlabelled config block".to_owned());
            continue;
        }
        let mut config = schema.null_object();
        for attr in configs[0].body().attributes() {
            if schema.block.get_attribute(attr.key()).is_none() {
                problems.push(format!(
                    "config.{} is not in the list resource's schema",
                    attr.key()
                ));
                continue;
            }
            let v = literal(attr.expr(), attr.key(), &mut problems);
            if let Value::Object(fields) = &mut config {
                fields.insert(attr.key().to_owned(), v);
            }
        }
        if configs[0].body().blocks().next().is_some() {
            problems.push("the config block takes no nested blocks".to_owned());
        }
        if let Err(e) = value::encode_msgpack(&config, &schema.implied_type()) {
            problems.push(format!("config does not have the schema's types: {e}"));
        }
        for d in plan::validate(&schema, &config).iter() {
            problems.push(format!("config: {}: {}", d.summary, d.detail));
        }
    }
    if lists == 0 {
        problems.push("no list block".to_owned());
    }
    problems
}

/// One `import` block: its target address and its `id` or `identity`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportBlock {
    pub to: String,
    pub id: Option<String>,
    pub identity: Option<BTreeMap<String, String>>,
}

/// The `import` blocks of a file, each with a literal `id` or `identity` (an `import` block
/// with `for_each` or expressions is reported, not read).
pub fn import_blocks(text: &str) -> Result<Vec<ImportBlock>, String> {
    let body = hcl::parse(text).map_err(|e| format!("not HCL: {e}"))?;
    let mut imports = Vec::new();
    for block in body.blocks().filter(|b| b.identifier() == "import") {
        let mut to = None;
        let mut import = ImportBlock {
            to: String::new(),
            id: None,
            identity: None,
        };
        for attr in block.body().attributes() {
            match (attr.key(), attr.expr()) {
                ("to", expr @ Expression::Traversal(_)) => {
                    to = Some(hcl::format::to_string(expr).map_err(|e| e.to_string())?);
                }
                ("id", Expression::String(s)) => import.id = Some(s.clone()),
                ("identity", expr) => import.identity = Some(string_object(expr, "identity")?),
                ("provider", Expression::Variable(_) | Expression::Traversal(_)) => {}
                (key, expr) => return Err(format!("import argument {key} = {expr:?}")),
            }
        }
        import.to = to.ok_or("an import block without `to`")?;
        if import.id.is_some() == import.identity.is_some() {
            return Err(format!(
                "import to {} needs exactly one of id and identity",
                import.to
            ));
        }
        imports.push(import);
    }
    Ok(imports)
}

/// One resource block of [`RESOURCE_TYPE`]: its address and the two arguments users write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertiesBlock {
    pub address: String,
    pub provisioned_product_id: String,
    pub properties: BTreeMap<String, String>,
}

/// The `servicecatalog_provisioned_product_properties` blocks of a file with literal values;
/// other arguments must be absent or `null` (what a user writes, nothing computed).
pub fn properties_blocks(text: &str) -> Result<Vec<PropertiesBlock>, String> {
    let body = hcl::parse(text).map_err(|e| format!("not HCL: {e}"))?;
    let mut out = Vec::new();
    for block in body.blocks().filter(|b| b.identifier() == "resource") {
        let labels: Vec<&str> = block.labels().iter().map(BlockLabel::as_str).collect();
        let [ty, name] = labels.as_slice() else {
            return Err(format!("resource labels {labels:?}"));
        };
        if *ty != RESOURCE_TYPE {
            continue;
        }
        let address = format!("{ty}.{name}");
        let mut id = None;
        let mut properties = None;
        for attr in block.body().attributes() {
            match (attr.key(), attr.expr()) {
                ("provisioned_product_id", Expression::String(s)) => id = Some(s.clone()),
                ("properties", expr) => properties = Some(string_object(expr, "properties")?),
                ("provider", _) | (_, Expression::Null) => {}
                (key, expr) => return Err(format!("{address}: {key} = {expr:?}")),
            }
        }
        if let Some(b) = block.body().blocks().next() {
            return Err(format!("{address}: unexpected block {}", b.identifier()));
        }
        out.push(PropertiesBlock {
            provisioned_product_id: id
                .ok_or_else(|| format!("{address} has no literal provisioned_product_id"))?,
            properties: properties.ok_or_else(|| format!("{address} has no literal properties"))?,
            address,
        });
    }
    Ok(out)
}
