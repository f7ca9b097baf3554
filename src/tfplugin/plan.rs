//! The plan rules, all in one place, applied by the server around the hooks so every resource
//! plans the way Terraform expects: validation of config, the plan (defaults, write-only nulls,
//! unknown computed values, use-state-for-unknown), requires-replace, and the checks of a plan
//! against config and of an apply result against its plan.

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::schema::{Block, Nesting, Schema};
use super::value::Value;

/// Every check of a config the schema declares: [`validate_config`] and the schema's config
/// validators, after a warning if the whole type is deprecated.
pub fn validate(schema: &Schema, config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(message) = &schema.block.deprecated {
        diags.warning("Deprecated", deprecation_detail("This type", message));
    }
    diags.extend(validate_config(&schema.block, config));
    for validator in &schema.validators {
        validator.validate(&schema.block, config, &mut diags);
    }
    diags
}

/// Config checks the framework does for every resource: read-only attributes, validators.
pub fn validate_config(block: &Block, config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    validate_block(block, config, &AttributePath::root(), &mut diags);
    diags
}

fn validate_block(block: &Block, obj: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    let Value::Object(fields) = obj else { return };
    for attr in &block.attributes {
        let at = path.join_attr(&attr.name);
        let v = fields.get(&attr.name).unwrap_or(&Value::Null);
        if v.is_null() {
            continue;
        }
        if let Some(message) = &attr.deprecated {
            diags.attribute_warning(
                at.clone(),
                "Deprecated attribute",
                deprecation_detail(&format!("{at}"), message),
            );
        }
        if attr.is_read_only() {
            diags.attribute_error(
                at.clone(),
                "Invalid Configuration for Read-Only Attribute",
                format!(
                    "{at} is set by the provider and cannot be configured; remove it from \
                     the configuration."
                ),
            );
            continue;
        }
        if v.is_wholly_known() {
            let mut found = Diagnostics::new();
            for validator in &attr.validators {
                validator.validate(&at, v, &mut found);
            }
            for mut d in found {
                // Validators may quote the value; a sensitive one must not reach the UI.
                if attr.sensitive {
                    d.detail = format!("{at}: the (sensitive) value is not valid.");
                }
                diags.push(d);
            }
        }
    }
    for nested in &block.blocks {
        let at = path.join_attr(&nested.type_name);
        let v = fields.get(&nested.type_name).unwrap_or(&Value::Null);
        if let Some(message) = &nested.block.deprecated {
            if *v != nested.absent_value() && !v.is_null() {
                diags.attribute_warning(
                    at.clone(),
                    "Deprecated block",
                    deprecation_detail(&format!("The {at} block"), message),
                );
            }
        }
        for_each_element(nested.nesting, v, &at, |elem, elem_path| {
            validate_block(&nested.block, elem, &elem_path, diags)
        });
    }
}

/// "`what` is deprecated: `message`", or a generic ending when the schema gave no message.
fn deprecation_detail(what: &str, message: &str) -> String {
    if message.is_empty() {
        format!("{what} is deprecated and will be removed in a future version of the provider.")
    } else {
        format!("{what} is deprecated: {message}")
    }
}

fn for_each_element(
    nesting: Nesting,
    v: &Value,
    path: &AttributePath,
    mut f: impl FnMut(&Value, AttributePath),
) {
    match (nesting, v) {
        (Nesting::Single | Nesting::Group, Value::Object(_)) => f(v, path.clone()),
        (Nesting::List | Nesting::Set, Value::List(xs) | Value::Set(xs)) => {
            for (i, x) in xs.iter().enumerate() {
                f(x, path.join_index(i as i64));
            }
        }
        (Nesting::Map, Value::Map(m)) => {
            for (k, x) in m {
                f(x, path.join_key(k));
            }
        }
        _ => {}
    }
}

/// The planned state before the resource's `modify_plan` hook: Terraform's proposed new state
/// with defaults, write-only nulls and unknown computed values applied. A null proposed state
/// (destroy) plans null.
pub fn plan(block: &Block, prior: &Value, proposed: &Value, config: &Value) -> Value {
    if proposed.is_null() {
        return Value::Null;
    }
    let mut planned = proposed.clone();
    apply_defaults(block, &mut planned, config, true);
    if prior.is_null() || &planned != prior {
        mark_unknown(block, &mut planned, prior, config);
    }
    planned
}

fn obj_get<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.get(name).unwrap_or(&Value::Null)
}

/// `config` with the schema's defaults filled in where it leaves them null.
pub fn with_defaults(block: &Block, config: &Value) -> Value {
    let mut out = config.clone();
    apply_defaults(block, &mut out, config, false);
    out
}

fn apply_defaults(block: &Block, planned: &mut Value, config: &Value, null_write_only: bool) {
    let Value::Object(fields) = planned else {
        return;
    };
    for attr in &block.attributes {
        if attr.write_only && null_write_only {
            fields.insert(attr.name.clone(), Value::Null);
        } else if let Some(default) = &attr.default {
            if obj_get(config, &attr.name).is_null() {
                fields.insert(attr.name.clone(), default.clone());
            }
        }
    }
    for nested in &block.blocks {
        let cfg = obj_get(config, &nested.type_name);
        let Some(p) = fields.get_mut(&nested.type_name) else {
            continue;
        };
        zip_elements(nested.nesting, p, cfg, |pe, ce| {
            apply_defaults(&nested.block, pe, ce, null_write_only)
        });
    }
}

/// Calls `f` on matching elements of a planned nested-block value and another value of the
/// same block (by position for lists, by key for maps; sets are not matched).
fn zip_elements(
    nesting: Nesting,
    planned: &mut Value,
    other: &Value,
    mut f: impl FnMut(&mut Value, &Value),
) {
    match (nesting, planned) {
        (Nesting::Single | Nesting::Group, p @ Value::Object(_)) => f(p, other),
        (Nesting::List, Value::List(xs)) => {
            for (i, x) in xs.iter_mut().enumerate() {
                let o = match other {
                    Value::List(os) => os.get(i).unwrap_or(&Value::Null),
                    _ => &Value::Null,
                };
                f(x, o);
            }
        }
        (Nesting::Set, Value::Set(xs)) => {
            for x in xs.iter_mut() {
                f(x, &Value::Null);
            }
        }
        (Nesting::Map, Value::Map(m)) => {
            for (k, x) in m.iter_mut() {
                let o = match other {
                    Value::Map(os) => os.get(k).unwrap_or(&Value::Null),
                    _ => &Value::Null,
                };
                f(x, o);
            }
        }
        _ => {}
    }
}

fn mark_unknown(block: &Block, planned: &mut Value, prior: &Value, config: &Value) {
    let Value::Object(fields) = planned else {
        return;
    };
    for attr in &block.attributes {
        if !attr.is_computed() || attr.write_only || attr.default.is_some() {
            continue;
        }
        if !obj_get(config, &attr.name).is_null() {
            continue;
        }
        let v = if attr.use_state_for_unknown && matches!(prior, Value::Object(_)) {
            obj_get(prior, &attr.name).clone()
        } else {
            Value::Unknown
        };
        fields.insert(attr.name.clone(), v);
    }
    for nested in &block.blocks {
        let cfg = obj_get(config, &nested.type_name);
        let pri = obj_get(prior, &nested.type_name);
        let Some(p) = fields.get_mut(&nested.type_name) else {
            continue;
        };
        // Align config first, then prior, element by element.
        let cfg_elems = collect_elements(nested.nesting, p, cfg);
        let pri_elems = collect_elements(nested.nesting, p, pri);
        let mut i = 0;
        zip_elements(nested.nesting, p, &Value::Null, |pe, _| {
            mark_unknown(&nested.block, pe, &pri_elems[i], &cfg_elems[i]);
            i += 1;
        });
    }
}

/// The elements of `other` matching each element of `planned`, in `zip_elements` order.
fn collect_elements(nesting: Nesting, planned: &Value, other: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut p = planned.clone();
    zip_elements(nesting, &mut p, other, |_, o| out.push(o.clone()));
    out
}

/// Attributes marked requires-replace whose value changes between prior and planned state.
/// Empty on create and destroy.
pub fn requires_replace(block: &Block, prior: &Value, planned: &Value) -> Vec<AttributePath> {
    let mut out = Vec::new();
    if prior.is_null() || planned.is_null() {
        return out;
    }
    replace_paths(block, prior, planned, &AttributePath::root(), &mut out);
    out
}

fn replace_paths(
    block: &Block,
    prior: &Value,
    planned: &Value,
    path: &AttributePath,
    out: &mut Vec<AttributePath>,
) {
    for attr in &block.attributes {
        if attr.requires_replace && obj_get(prior, &attr.name) != obj_get(planned, &attr.name) {
            out.push(path.join_attr(&attr.name));
        }
    }
    for nested in &block.blocks {
        let pri = obj_get(prior, &nested.type_name);
        let pla = obj_get(planned, &nested.type_name);
        let at = path.join_attr(&nested.type_name);
        match (nested.nesting, pri, pla) {
            (Nesting::Single | Nesting::Group, _, _) => {
                replace_paths(&nested.block, pri, pla, &at, out)
            }
            (Nesting::List, Value::List(a), Value::List(b)) => {
                for i in 0..a.len().max(b.len()) {
                    replace_paths(
                        &nested.block,
                        a.get(i).unwrap_or(&Value::Null),
                        b.get(i).unwrap_or(&Value::Null),
                        &at.join_index(i as i64),
                        out,
                    );
                }
            }
            (Nesting::Map, Value::Map(a), Value::Map(b)) => {
                let keys: std::collections::BTreeSet<_> = a.keys().chain(b.keys()).collect();
                for k in keys {
                    replace_paths(
                        &nested.block,
                        a.get(k).unwrap_or(&Value::Null),
                        b.get(k).unwrap_or(&Value::Null),
                        &at.join_key(k),
                        out,
                    );
                }
            }
            _ => {}
        }
    }
}

/// Write-only attributes set to null, at every level (they are never planned or stored).
pub fn null_write_only(block: &Block, value: &mut Value) {
    let Value::Object(fields) = value else { return };
    for attr in &block.attributes {
        if attr.write_only {
            fields.insert(attr.name.clone(), Value::Null);
        }
    }
    for nested in &block.blocks {
        if let Some(p) = fields.get_mut(&nested.type_name) {
            zip_elements(nested.nesting, p, &Value::Null, |pe, _| {
                null_write_only(&nested.block, pe)
            });
        }
    }
}

/// Checks a final plan the way Terraform will: non-computed attributes keep their config value
/// (or the prior value), configured values stay as configured, write-only values are null.
pub fn check_plan(block: &Block, prior: &Value, config: &Value, planned: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if planned.is_null() {
        return diags;
    }
    check_plan_block(
        block,
        prior,
        config,
        planned,
        &AttributePath::root(),
        &mut diags,
    );
    diags
}

fn check_plan_block(
    block: &Block,
    prior: &Value,
    config: &Value,
    planned: &Value,
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    for attr in &block.attributes {
        let at = path.join_attr(&attr.name);
        let cfg = obj_get(config, &attr.name);
        let pla = obj_get(planned, &attr.name);
        let pri = obj_get(prior, &attr.name);
        let problem = if attr.write_only {
            (!pla.is_null()).then_some("a write-only attribute must be planned null")
        } else if (!attr.is_computed() || !cfg.is_null())
            && pla != cfg
            && (prior.is_null() || pla != pri)
        {
            Some("the planned value differs from the configured value")
        } else {
            None
        };
        if let Some(problem) = problem {
            diags.attribute_error(
                at.clone(),
                "Provider produced an invalid plan",
                format!(
                    "{at}: {problem}. This is a bug in the provider's plan logic \
                     (modify_plan may only change computed attributes that config leaves null)."
                ),
            );
        }
    }
    for nested in &block.blocks {
        if matches!(nested.nesting, Nesting::Single | Nesting::Group) {
            check_plan_block(
                &nested.block,
                obj_get(prior, &nested.type_name),
                obj_get(config, &nested.type_name),
                obj_get(planned, &nested.type_name),
                &path.join_attr(&nested.type_name),
                diags,
            );
        }
    }
}

/// Checks an apply result against the plan as Terraform will: every known planned value must
/// come back unchanged, and nothing may be left unknown. `type_name` goes into the message.
/// Values are described, never printed (they may be sensitive).
pub fn check_apply_result(type_name: &str, planned: &Value, new: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    check_value(type_name, &AttributePath::root(), planned, new, &mut diags);
    diags
}

fn check_value(
    type_name: &str,
    path: &AttributePath,
    planned: &Value,
    new: &Value,
    diags: &mut Diagnostics,
) {
    let mut report = |at: &AttributePath, what: &str| {
        let place = if at.is_root() {
            "the object".to_string()
        } else {
            at.to_string()
        };
        diags.push(
            super::diag::Diagnostic::error(
                "Provider returned a result inconsistent with its plan",
                format!(
                    "{type_name}: {place}: {what}. This is a bug in the provider (Terraform \
                     would call it \"inconsistent result after apply\"): a resource must \
                     return every known planned value unchanged and resolve every unknown one."
                ),
            )
            .with_attribute(at.clone()),
        );
    };
    match (planned, new) {
        (_, Value::Unknown) => report(path, "the result is still unknown after apply"),
        (Value::Unknown, _) => {
            if let Some(at) = first_unknown(new, path) {
                report(&at, "the result is still unknown after apply");
            }
        }
        (Value::Object(p), Value::Object(n)) => {
            for (k, pv) in p {
                let nv = n.get(k).unwrap_or(&Value::Null);
                check_value(type_name, &path.join_attr(k), pv, nv, diags);
            }
        }
        (Value::Map(p), Value::Map(n)) if p.len() == n.len() && p.keys().eq(n.keys()) => {
            for (k, pv) in p {
                check_value(type_name, &path.join_key(k), pv, &n[k], diags);
            }
        }
        (Value::List(p), Value::List(n)) if p.len() == n.len() => {
            for (i, (pv, nv)) in p.iter().zip(n).enumerate() {
                check_value(type_name, &path.join_index(i as i64), pv, nv, diags);
            }
        }
        (Value::Set(p), Value::Set(n)) if !planned.is_wholly_known() => {
            if p.len() != n.len() {
                report(path, "the number of set elements changed from the plan");
            } else if let Some(at) = first_unknown(new, path) {
                report(&at, "the result is still unknown after apply");
            }
        }
        _ if planned == new => {}
        _ if new.is_null() => report(path, "planned a value, but the result is null"),
        _ if planned.is_null() => report(path, "planned null, but the result has a value"),
        _ => report(path, "the result differs from the planned value"),
    }
}

fn first_unknown(v: &Value, path: &AttributePath) -> Option<AttributePath> {
    match v {
        Value::Unknown => Some(path.clone()),
        Value::Object(m) => m
            .iter()
            .find_map(|(k, x)| first_unknown(x, &path.join_attr(k))),
        Value::Map(m) => m
            .iter()
            .find_map(|(k, x)| first_unknown(x, &path.join_key(k))),
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs
            .iter()
            .enumerate()
            .find_map(|(i, x)| first_unknown(x, &path.join_index(i as i64))),
        Value::Dynamic(_, x) => first_unknown(x, path),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::schema::{Attribute, NestedBlock, Schema};
    use crate::tfplugin::validator::one_of;
    use crate::tfplugin::value::Type;

    fn schema() -> Schema {
        Schema::new()
            .attribute(Attribute::required("name", Type::String).requires_replace())
            .attribute(Attribute::optional("mode", Type::String).validator(one_of(["a", "b"])))
            .attribute(Attribute::optional("tier", Type::String).default(s("basic")))
            .attribute(Attribute::computed("id", Type::String).use_state_for_unknown())
            .attribute(Attribute::computed("updated_at", Type::String))
            .attribute(Attribute::optional("password", Type::String).write_only())
            .attribute(
                Attribute::optional("pin", Type::String)
                    .sensitive()
                    .validator(crate::tfplugin::validator::length(4, 4)),
            )
            .block(NestedBlock::single(
                "inner",
                crate::tfplugin::schema::Block::new()
                    .attribute(Attribute::computed("etag", Type::String)),
            ))
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut m = match schema().null_object() {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    /// An object as it stands after create (name, default tier, id, timestamp), plus `extra`.
    fn existing(extra: &[(&str, Value)]) -> Value {
        let mut pairs = vec![
            ("name", s("x")),
            ("tier", s("basic")),
            ("id", s("id-1")),
            ("updated_at", s("t1")),
        ];
        pairs.extend_from_slice(extra);
        obj(&pairs)
    }

    #[test]
    fn create_fills_defaults_and_marks_computed_unknown() {
        let b = schema().block;
        let config = obj(&[("name", s("x")), ("password", s("hunter2"))]);
        let planned = plan(&b, &Value::Null, &config, &config);
        assert_eq!(planned.get("tier"), Some(&s("basic")));
        assert_eq!(planned.get("id"), Some(&Value::Unknown));
        assert_eq!(planned.get("updated_at"), Some(&Value::Unknown));
        assert_eq!(planned.get("password"), Some(&Value::Null));
        assert_eq!(planned.get("name"), Some(&s("x")));
        assert!(requires_replace(&b, &Value::Null, &planned).is_empty());
        assert!(check_plan(&b, &Value::Null, &config, &planned).is_empty());
    }

    #[test]
    fn update_keeps_use_state_values_and_replaces_only_changed() {
        let b = schema().block;
        let prior = existing(&[]);
        // config changes mode only; Terraform's proposed state copies prior computed values
        let config = obj(&[("name", s("x")), ("mode", s("a"))]);
        let proposed = existing(&[("mode", s("a"))]);
        let planned = plan(&b, &prior, &proposed, &config);
        assert_eq!(planned.get("id"), Some(&s("id-1")));
        assert_eq!(planned.get("updated_at"), Some(&Value::Unknown));
        assert!(requires_replace(&b, &prior, &planned).is_empty());

        let renamed = obj(&[("name", s("y"))]);
        let planned = plan(&b, &prior, &renamed, &renamed);
        assert_eq!(
            requires_replace(&b, &prior, &planned),
            vec![AttributePath::attr("name")]
        );
    }

    #[test]
    fn no_op_plan_equals_prior_and_destroy_stays_null() {
        let b = schema().block;
        let prior = existing(&[("inner", obj_inner("e1"))]);
        let config = obj(&[("name", s("x")), ("inner", obj_inner_null())]);
        assert_eq!(plan(&b, &prior, &prior, &config), prior);
        assert_eq!(plan(&b, &prior, &Value::Null, &Value::Null), Value::Null);
        assert!(requires_replace(&b, &prior, &Value::Null).is_empty());
    }

    fn obj_inner(etag: &str) -> Value {
        Value::Object([("etag".to_string(), s(etag))].into())
    }

    fn obj_inner_null() -> Value {
        Value::Object([("etag".to_string(), Value::Null)].into())
    }

    #[test]
    fn nested_computed_become_unknown_on_change() {
        let b = schema().block;
        let prior = obj(&[
            ("name", s("x")),
            ("tier", s("basic")),
            ("inner", obj_inner("e1")),
        ]);
        let config = obj(&[
            ("name", s("x")),
            ("mode", s("b")),
            ("inner", obj_inner_null()),
        ]);
        let proposed = obj(&[
            ("name", s("x")),
            ("mode", s("b")),
            ("tier", s("basic")),
            ("inner", obj_inner("e1")),
        ]);
        let planned = plan(&b, &prior, &proposed, &config);
        assert_eq!(
            planned.get("inner").and_then(|i| i.get("etag")),
            Some(&Value::Unknown)
        );
    }

    #[test]
    fn validate_rejects_read_only_and_skips_unknown() {
        let b = schema().block;
        let diags = validate_config(&b, &obj(&[("id", s("mine")), ("mode", s("z"))]));
        let paths: Vec<_> = diags
            .iter()
            .map(|d| d.attribute.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths, vec!["mode", "id"]);
        let unknown = validate_config(&b, &obj(&[("mode", Value::Unknown)]));
        assert!(unknown.is_empty());
        // an unknown on a read-only attribute is still a configured value
        assert!(validate_config(&b, &obj(&[("id", Value::Unknown)])).has_errors());
    }

    #[test]
    fn validator_errors_on_sensitive_attributes_do_not_quote_the_value() {
        let b = schema().block;
        let diags = validate_config(&b, &obj(&[("pin", s("12345"))]));
        let d = diags.iter().next().unwrap();
        assert_eq!(d.attribute, Some(AttributePath::attr("pin")));
        assert!(!d.detail.contains("12345"), "{}", d.detail);
    }

    #[test]
    fn plan_check_catches_changed_config_values() {
        let b = schema().block;
        let config = obj(&[("name", s("x"))]);
        let bad = obj(&[("name", s("X")), ("tier", s("basic"))]);
        let diags = check_plan(&b, &Value::Null, &config, &bad);
        assert_eq!(
            diags.iter().next().unwrap().attribute,
            Some(AttributePath::attr("name"))
        );
    }

    #[test]
    fn apply_check_names_the_attribute() {
        let planned = obj(&[("name", s("x")), ("id", Value::Unknown)]);
        let good = obj(&[("name", s("x")), ("id", s("id-1"))]);
        assert!(check_apply_result("t", &planned, &good).is_empty());
        let changed = obj(&[("name", s("y")), ("id", s("id-1"))]);
        let diags = check_apply_result("t", &planned, &changed);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.attribute, Some(AttributePath::attr("name")));
        assert!(
            !d.detail.contains("\"y\""),
            "values must not leak: {}",
            d.detail
        );
        let still_unknown = obj(&[("name", s("x")), ("id", Value::Unknown)]);
        let diags = check_apply_result("t", &planned, &still_unknown);
        assert_eq!(
            diags.iter().next().unwrap().attribute,
            Some(AttributePath::attr("id"))
        );
    }

    #[test]
    fn setting_something_deprecated_warns_on_its_path() {
        let schema = Schema::new()
            .attribute(Attribute::optional("old", Type::String).deprecated("Use new."))
            .attribute(Attribute::optional("bare", Type::String).deprecated(""))
            .block(NestedBlock::new(
                "rule",
                Nesting::List,
                crate::tfplugin::schema::Block::new()
                    .deprecated("Rules are gone.")
                    .attribute(Attribute::optional("port", Type::Number)),
            ));
        let unset = Value::object([
            ("old", Value::Null),
            ("bare", Value::Null),
            ("rule", Value::List(vec![])),
        ]);
        assert!(validate(&schema, &unset).is_empty());

        let rule = Value::object([("port", Value::number(1))]);
        let set = Value::object([
            ("old", Value::Unknown),
            ("bare", s("x")),
            ("rule", Value::List(vec![rule])),
        ]);
        let diags = validate(&schema, &set);
        assert!(!diags.has_errors());
        let found: Vec<(String, String)> = diags
            .iter()
            .map(|d| (d.attribute.as_ref().unwrap().to_string(), d.detail.clone()))
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            found[0],
            ("old".into(), "old is deprecated: Use new.".into())
        );
        assert!(found[1].1.contains("will be removed"), "{found:?}");
        assert_eq!(found[2].0, "rule");
        assert!(found[2].1.contains("Rules are gone."));

        let whole = Schema::new().deprecated("Use the other type.");
        let diags = validate(&whole, &Value::object::<&str>([]));
        assert!(diags
            .iter()
            .next()
            .unwrap()
            .detail
            .contains("Use the other type."));
        assert!(diags.errors_only().is_empty());
    }
}
