//! `action` blocks and `action_trigger`s (Terraform 1.14+), which Terraform 1.11 cannot read,
//! checked as that CLI would check them with this provider: labels, arguments, one `config`
//! block read against the action's schema and validated by the action itself, and triggers
//! naming actions the file declares with events Terraform knows.

use std::collections::BTreeSet;

use hcl::{BlockLabel, Body, Expression};
use servicecatalog_provider::actions::update_provisioned_product_properties::{
    HandOverConfig, UpdateProvisionedProductProperties, TYPE_NAME,
};
use servicecatalog_provider::tfplugin::{
    plan, value, Action, Block, Context, Model, PrivateState, Type, Value,
};
use tokio_util::sync::CancellationToken;

use super::files::literal;

/// The `action_trigger` events of Terraform 1.14.
const EVENTS: [&str; 4] = [
    "before_create",
    "after_create",
    "before_update",
    "after_update",
];

/// `body` (a config block's or the `filter` block's) as an object of `block`'s type.
fn object_of(body: &Body, block: &Block, at: &str, problems: &mut Vec<String>) -> Value {
    let mut object = block.null_object();
    let Value::Object(fields) = &mut object else {
        return object;
    };
    for attr in body.attributes() {
        let path = format!("{at}.{}", attr.key());
        let Some(schema) = block.get_attribute(attr.key()) else {
            problems.push(format!("{path} is not in the schema"));
            continue;
        };
        let v = match (attr.expr(), matches!(schema.ty, Type::Set(_))) {
            (Expression::Array(items), true) => Value::Set(
                items
                    .iter()
                    .map(|item| literal(item, &path, problems))
                    .collect(),
            ),
            (expr, _) => literal(expr, &path, problems),
        };
        fields.insert(attr.key().to_owned(), v);
    }
    for nested in body.blocks() {
        let path = format!("{at}.{}", nested.identifier());
        match block.nested_block(nested.identifier()) {
            Some(schema) => {
                let v = object_of(nested.body(), &schema.block, &path, problems);
                fields.insert(nested.identifier().to_owned(), v);
            }
            None => problems.push(format!("{path} is not a block of the schema")),
        }
    }
    object
}

/// What Terraform 1.14 with this provider would refuse in `text`'s action blocks and triggers.
pub async fn action_problems(text: &str) -> Vec<String> {
    let body: Body = match hcl::parse(text) {
        Ok(body) => body,
        Err(e) => return vec![format!("not HCL: {e}")],
    };
    let schema = UpdateProvisionedProductProperties.schema();
    let mut problems = Vec::new();
    let mut declared = BTreeSet::new();
    for block in body.blocks().filter(|b| b.identifier() == "action") {
        let labels: Vec<&str> = block.labels().iter().map(BlockLabel::as_str).collect();
        let [ty, name] = labels.as_slice() else {
            problems.push(format!("action labels {labels:?}: want [TYPE, NAME]"));
            continue;
        };
        let at = format!("action.{ty}.{name}");
        if *ty != TYPE_NAME {
            problems.push(format!("{at}: the provider has no action {ty}"));
            continue;
        }
        declared.insert(at.clone());
        for attr in block.body().attributes() {
            if !matches!(attr.key(), "provider" | "count" | "for_each") {
                problems.push(format!("{at}: unexpected argument {}", attr.key()));
            }
        }
        let configs: Vec<_> = block.body().blocks().collect();
        let [config] = configs.as_slice() else {
            problems.push(format!("{at}: an action holds exactly one config block"));
            continue;
        };
        if config.identifier() != "config" {
            problems.push(format!("{at}: unexpected block {}", config.identifier()));
            continue;
        }
        let value = object_of(config.body(), &schema.block, &at, &mut problems);
        if let Err(e) = value::encode_msgpack(&value, &schema.implied_type()) {
            problems.push(format!(
                "{at}: config does not have the schema's types: {e}"
            ));
            continue;
        }
        let mut found = plan::validate(&schema, &value);
        if !found.has_errors() {
            let ctx = Context::new(None, CancellationToken::new(), PrivateState::new());
            match HandOverConfig::from_object(&value) {
                Ok(config) => {
                    let checked = UpdateProvisionedProductProperties
                        .validate(&ctx, config)
                        .await;
                    found.extend(checked.err().unwrap_or_default());
                }
                Err(e) => problems.push(format!("{at}: config does not fit: {e}")),
            }
        }
        for d in found.iter() {
            problems.push(format!("{at}: {}: {}", d.summary, d.detail));
        }
    }
    for resource in body.blocks().filter(|b| b.identifier() == "resource") {
        let lifecycles = resource
            .body()
            .blocks()
            .filter(|b| b.identifier() == "lifecycle");
        for trigger in lifecycles
            .flat_map(|l| l.body().blocks())
            .filter(|b| b.identifier() == "action_trigger")
        {
            for attr in trigger
                .body()
                .attributes()
                .filter(|a| a.key() != "condition")
            {
                let Expression::Array(items) = attr.expr() else {
                    problems.push(format!("action_trigger.{} is not a list", attr.key()));
                    continue;
                };
                for item in items {
                    let text = hcl::format::to_string(item).unwrap_or_default();
                    let known = match attr.key() {
                        "events" => EVENTS.contains(&text.as_str()),
                        "actions" => declared.contains(&text),
                        _ => false,
                    };
                    if !known {
                        problems.push(format!("action_trigger.{} has {text}", attr.key()));
                    }
                }
            }
        }
    }
    problems
}
