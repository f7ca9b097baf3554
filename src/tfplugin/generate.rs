//! Configuration from state, for `GenerateResourceConfig` (`terraform query
//! -generate-config-out`): of an object's state, keep what a user writes.

use std::collections::BTreeMap;

use super::schema::{Block, Nesting, Presence};
use super::value::Value;

/// `state` with only what configuration sets (the rules in the module docs). A null state
/// stays null.
pub fn config_from_state(block: &Block, state: &Value) -> Value {
    let Value::Object(fields) = state else {
        return state.clone();
    };
    let mut out = BTreeMap::new();
    for attr in &block.attributes {
        let v = fields.get(&attr.name).cloned().unwrap_or(Value::Null);
        let keep = match attr.presence {
            Presence::Computed => false,
            _ if attr.write_only => false,
            Presence::Optional | Presence::OptionalComputed => attr.default.as_ref() != Some(&v),
            Presence::Required => true,
        };
        out.insert(attr.name.clone(), if keep { v } else { Value::Null });
    }
    for nested in &block.blocks {
        let v = fields.get(&nested.type_name).unwrap_or(&Value::Null);
        let inner = &nested.block;
        let config = if inner.computed {
            nested.absent_value()
        } else {
            match (nested.nesting, v) {
                (Nesting::Single, Value::Object(_)) => {
                    let c = config_from_state(inner, v);
                    if sets_nothing(inner, &c) {
                        Value::Null
                    } else {
                        c
                    }
                }
                (Nesting::Group, Value::Object(_)) => config_from_state(inner, v),
                (Nesting::List, Value::List(xs)) => {
                    Value::List(xs.iter().map(|x| config_from_state(inner, x)).collect())
                }
                (Nesting::Set, Value::Set(xs)) => {
                    Value::Set(xs.iter().map(|x| config_from_state(inner, x)).collect())
                }
                (Nesting::Map, Value::Map(m)) => Value::Map(
                    m.iter()
                        .map(|(k, x)| (k.clone(), config_from_state(inner, x)))
                        .collect(),
                ),
                _ => nested.absent_value(),
            }
        };
        out.insert(nested.type_name.clone(), config);
    }
    Value::Object(out)
}

/// True when a block's configuration sets no attribute and holds no nested block.
fn sets_nothing(block: &Block, config: &Value) -> bool {
    let attrs_null = block
        .attributes
        .iter()
        .all(|a| config.get(&a.name).is_none_or(Value::is_null));
    let blocks_absent = block.blocks.iter().all(|b| {
        config
            .get(&b.type_name)
            .is_none_or(|v| *v == b.absent_value())
    });
    attrs_null && blocks_absent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::object::ObjectExt;
    use crate::tfplugin::schema::{Attribute, NestedBlock, Schema};
    use crate::tfplugin::timeouts;
    use crate::tfplugin::value::Type;

    fn schema() -> Schema {
        Schema::new()
            .attribute(Attribute::required("name", Type::String))
            .attribute(Attribute::optional("note", Type::String))
            .attribute(Attribute::optional("tier", Type::String).default(Value::string("basic")))
            .attribute(Attribute::optional_computed("zone", Type::String))
            .attribute(Attribute::computed("id", Type::String))
            .attribute(Attribute::optional("secret", Type::String).write_only())
            .block(timeouts::block(&["create"]))
            .block(NestedBlock::new(
                "rule",
                Nesting::List,
                Block::new()
                    .attribute(Attribute::required("port", Type::Number))
                    .attribute(Attribute::computed("etag", Type::String)),
            ))
            .block(
                NestedBlock::new(
                    "status",
                    Nesting::List,
                    Block::new().attribute(Attribute::computed("code", Type::String)),
                )
                .computed(),
            )
    }

    fn state() -> Value {
        let rule = Value::object([("port", Value::number(443)), ("etag", Value::string("e"))]);
        let status = Value::object([("code", Value::string("OK"))]);
        Value::object([
            ("name", Value::string("a")),
            ("note", Value::Null),
            ("tier", Value::string("basic")),
            ("zone", Value::string("z1")),
            ("id", Value::string("id-1")),
            ("secret", Value::Null),
            ("timeouts", Value::object([("create", Value::Null)])),
            ("rule", Value::List(vec![rule])),
            ("status", Value::List(vec![status])),
        ])
    }

    #[test]
    fn keeps_what_a_user_writes_and_drops_the_rest() {
        let config = config_from_state(&schema().block, &state());
        assert_eq!(config.get("name"), Some(&Value::string("a")));
        assert_eq!(
            config.get("zone"),
            Some(&Value::string("z1")),
            "optional+computed kept"
        );
        assert_eq!(
            config.get("id"),
            Some(&Value::Null),
            "computed-only dropped"
        );
        assert_eq!(
            config.get("tier"),
            Some(&Value::Null),
            "value at its default dropped"
        );
        assert_eq!(
            config.get("timeouts"),
            Some(&Value::Null),
            "empty single block dropped"
        );
        let rule = Value::object([("port", Value::number(443)), ("etag", Value::Null)]);
        assert_eq!(config.get("rule"), Some(&Value::List(vec![rule])));
        assert_eq!(
            config.get("status"),
            Some(&Value::List(vec![])),
            "computed block dropped"
        );
        // The answer still has the schema's type, so it encodes.
        crate::tfplugin::value::encode_msgpack(&config, &schema().implied_type()).unwrap();
    }

    #[test]
    fn a_value_other_than_the_default_and_a_set_timeout_are_kept() {
        let mut s = state();
        s.set_attr("tier", Value::string("gold"));
        s.set_attr("timeouts", Value::object([("create", Value::string("5m"))]));
        let config = config_from_state(&schema().block, &s);
        assert_eq!(config.get("tier"), Some(&Value::string("gold")));
        assert_eq!(
            config.get("timeouts"),
            Some(&Value::object([("create", Value::string("5m"))]))
        );
        assert_eq!(
            config_from_state(&schema().block, &Value::Null),
            Value::Null
        );
    }
}
