//! Schemas of the provider block, resources, data sources and list resources: a builder that
//! says what each attribute is (type, presence, sensitivity, defaults, plan behaviour,
//! validators), and its protocol form and implied type.

use std::collections::BTreeMap;

use super::proto;
use super::validator::{ConfigValidator, DynConfigValidator, DynValidator};
use super::value::{Type, Value};

/// A versioned top-level block: the whole schema of a provider, resource or data source.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Bump when stored state needs an upgrade (see `Resource::upgrade_state`).
    pub version: i64,
    pub block: Block,
    /// Rules across attributes, run at validate time (not part of the wire schema).
    pub validators: Vec<DynConfigValidator>,
}

impl Schema {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    /// Markdown description of the whole resource / data source / provider.
    pub fn description(mut self, markdown: impl Into<String>) -> Self {
        self.block.description = markdown.into();
        self
    }

    /// The whole type is deprecated; `message` says what to use instead.
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.block.deprecated = Some(message.into());
        self
    }

    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.block.attributes.push(attribute);
        self
    }

    pub fn block(mut self, block: NestedBlock) -> Self {
        self.block.blocks.push(block);
        self
    }

    /// A rule across attributes, e.g. [`exactly_one_of`](super::validator::exactly_one_of).
    pub fn config_validator(mut self, validator: impl ConfigValidator + 'static) -> Self {
        self.validators.push(std::sync::Arc::new(validator));
        self
    }

    /// The cty object type every config, plan and state of this schema has.
    pub fn implied_type(&self) -> Type {
        self.block.implied_type()
    }

    /// An object of this type with every attribute null and every nested block absent:
    /// the starting point for an imported or freshly built state.
    pub fn null_object(&self) -> Value {
        self.block.null_object()
    }

    /// Mistakes in the schema itself that would make Terraform reject plans later (defaults
    /// on required attributes, defaults of the wrong type, plan flags on attributes they
    /// cannot affect, duplicate names, bad item limits). Empty for a sound schema.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.block.problems("", &mut out);
        out
    }

    pub fn to_proto(&self) -> proto::Schema {
        proto::Schema {
            version: self.version,
            block: Some(self.block.to_proto(self.version)),
        }
    }
}

/// A block: attributes and nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    /// `Some(message)` when deprecated (the message may be empty).
    pub deprecated: Option<String>,
    /// The provider may set the block's contents (6.11; see the module docs).
    pub computed: bool,
}

impl Block {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn description(mut self, markdown: impl Into<String>) -> Self {
        self.description = markdown.into();
        self
    }

    /// The block is deprecated; `message` says what to use instead.
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    pub fn get_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn nested_block(&self, type_name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.type_name == type_name)
    }

    pub fn implied_type(&self) -> Type {
        let mut fields: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for b in &self.blocks {
            fields.insert(b.type_name.clone(), b.implied_type());
        }
        Type::Object(fields)
    }

    pub fn null_object(&self) -> Value {
        let mut fields: BTreeMap<String, Value> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .collect();
        for b in &self.blocks {
            fields.insert(b.type_name.clone(), b.absent_value());
        }
        Value::Object(fields)
    }

    fn problems(&self, prefix: &str, out: &mut Vec<String>) {
        let mut seen = std::collections::BTreeSet::new();
        let names = self
            .attributes
            .iter()
            .map(|a| &a.name)
            .chain(self.blocks.iter().map(|b| &b.type_name));
        for name in names {
            if let Some(problem) = name_problem(name) {
                out.push(format!("{prefix}{problem}"));
            }
            if !seen.insert(name) {
                out.push(format!("{prefix}{name}: defined more than once"));
            }
        }
        for a in &self.attributes {
            let at = format!("{prefix}{}", a.name);
            if let Some(default) = &a.default {
                if a.presence == Presence::Required {
                    out.push(format!("{at}: a required attribute cannot have a default"));
                }
                if let Err(e) = super::value::encode_msgpack(default, &a.ty) {
                    out.push(format!(
                        "{at}: the default does not fit the attribute type ({e})"
                    ));
                }
            }
            if a.use_state_for_unknown && !a.is_computed() {
                out.push(format!(
                    "{at}: use_state_for_unknown only affects computed attributes"
                ));
            }
            if a.write_only && (a.is_computed() || a.use_state_for_unknown || a.requires_replace) {
                out.push(format!(
                    "{at}: a write-only attribute is never stored, so it cannot be computed, \
                     keep prior state or force replacement"
                ));
            }
        }
        for b in &self.blocks {
            let at = format!("{prefix}{}", b.type_name);
            if b.min_items < 0 || b.max_items < 0 || (b.max_items > 0 && b.max_items < b.min_items)
            {
                out.push(format!(
                    "{at}: invalid item limits {}..{}",
                    b.min_items, b.max_items
                ));
            }
            if b.block.computed
                && b.block
                    .attributes
                    .iter()
                    .any(|a| a.presence == Presence::Required)
            {
                out.push(format!(
                    "{at}: a computed block cannot have required attributes"
                ));
            }
            b.block.problems(&format!("{at}."), out);
        }
    }

    fn to_proto(&self, version: i64) -> proto::schema::Block {
        proto::schema::Block {
            version,
            attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
            block_types: self.blocks.iter().map(NestedBlock::to_proto).collect(),
            description: self.description.clone(),
            description_kind: proto::StringKind::Markdown as i32,
            deprecated: self.deprecated.is_some(),
            deprecation_message: self.deprecated.clone().unwrap_or_default(),
            computed: self.computed,
        }
    }
}

/// What is wrong with an attribute, block or identity attribute name, if anything.
pub(crate) fn name_problem(name: &str) -> Option<String> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
    (!valid).then(|| format!("{name:?}: names must be lowercase letters, digits and underscores"))
}

/// Whether configuration must, may, or must not set an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Set only by the provider; config setting it is rejected at validate time.
    Computed,
    /// Config may set it; otherwise the provider does.
    OptionalComputed,
}

/// One attribute and everything the plan rules need to know about it.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub presence: Presence,
    pub description: String,
    pub sensitive: bool,
    pub write_only: bool,
    /// `Some(message)` when deprecated (the message may be empty).
    pub deprecated: Option<String>,
    /// Planned when config leaves the attribute null.
    pub default: Option<Value>,
    /// When the plan would mark this computed attribute unknown, keep the prior value instead.
    pub use_state_for_unknown: bool,
    /// A change of this attribute (prior vs planned) forces replacement.
    pub requires_replace: bool,
    pub validators: Vec<DynValidator>,
}

impl Attribute {
    fn new(name: impl Into<String>, ty: Type, presence: Presence) -> Self {
        Self {
            name: name.into(),
            ty,
            presence,
            description: String::new(),
            sensitive: false,
            write_only: false,
            deprecated: None,
            default: None,
            use_state_for_unknown: false,
            requires_replace: false,
            validators: Vec::new(),
        }
    }

    pub fn required(name: impl Into<String>, ty: Type) -> Self {
        Self::new(name, ty, Presence::Required)
    }

    pub fn optional(name: impl Into<String>, ty: Type) -> Self {
        Self::new(name, ty, Presence::Optional)
    }

    /// Read-only: only the provider sets it.
    pub fn computed(name: impl Into<String>, ty: Type) -> Self {
        Self::new(name, ty, Presence::Computed)
    }

    pub fn optional_computed(name: impl Into<String>, ty: Type) -> Self {
        Self::new(name, ty, Presence::OptionalComputed)
    }

    /// Markdown description.
    pub fn description(mut self, markdown: impl Into<String>) -> Self {
        self.description = markdown.into();
        self
    }

    /// Redacted in Terraform's output (still stored in state).
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Only in config during plan and apply; never planned or stored (always null there).
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// Deprecated: setting it warns (at validate time, on its path) with `message`, which
    /// should say what to use instead.
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    /// Planned when config leaves it null. Makes an optional attribute optional+computed, since
    /// Terraform only accepts a planned value that differs from config on computed attributes.
    pub fn default(mut self, value: Value) -> Self {
        if self.presence == Presence::Optional {
            self.presence = Presence::OptionalComputed;
        }
        self.default = Some(value);
        self
    }

    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }

    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    pub fn validator(mut self, validator: DynValidator) -> Self {
        self.validators.push(validator);
        self
    }

    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }

    /// Computed and not settable from config.
    pub fn is_read_only(&self) -> bool {
        self.presence == Presence::Computed
    }

    fn to_proto(&self) -> proto::schema::Attribute {
        proto::schema::Attribute {
            name: self.name.clone(),
            r#type: self.ty.to_json_bytes(),
            nested_type: None,
            description: self.description.clone(),
            required: self.presence == Presence::Required,
            optional: matches!(
                self.presence,
                Presence::Optional | Presence::OptionalComputed
            ),
            computed: self.is_computed(),
            sensitive: self.sensitive,
            description_kind: proto::StringKind::Markdown as i32,
            deprecated: self.deprecated.is_some(),
            write_only: self.write_only,
            deprecation_message: self.deprecated.clone().unwrap_or_default(),
        }
    }
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; null when absent.
    Single,
    List,
    Set,
    /// Labelled blocks, by label.
    Map,
    /// Exactly one; absent means an object of nulls.
    Group,
}

/// A nested block type (`timeouts { ... }`, `rule { ... }`).
#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

impl NestedBlock {
    pub fn new(type_name: impl Into<String>, nesting: Nesting, block: Block) -> Self {
        Self {
            type_name: type_name.into(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn single(type_name: impl Into<String>, block: Block) -> Self {
        Self::new(type_name, Nesting::Single, block)
    }

    /// The provider may set the block's contents (protocol 6.11; see the module docs).
    pub fn computed(mut self) -> Self {
        self.block.computed = true;
        self
    }

    /// Deprecated: configuring the block warns with `message`.
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.block.deprecated = Some(message.into());
        self
    }

    /// Item limits (list and set blocks; Terraform enforces them). 0 means no limit.
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }

    pub fn implied_type(&self) -> Type {
        let inner = self.block.implied_type();
        match self.nesting {
            Nesting::Single | Nesting::Group => inner,
            Nesting::List => Type::List(Box::new(inner)),
            Nesting::Set => Type::Set(Box::new(inner)),
            Nesting::Map => Type::Map(Box::new(inner)),
        }
    }

    /// What Terraform sends for this block when config has none of it.
    pub fn absent_value(&self) -> Value {
        match self.nesting {
            Nesting::Single => Value::Null,
            Nesting::Group => self.block.null_object(),
            Nesting::List => Value::List(Vec::new()),
            Nesting::Set => Value::Set(Vec::new()),
            Nesting::Map => Value::Map(BTreeMap::new()),
        }
    }

    fn to_proto(&self) -> proto::schema::NestedBlock {
        use proto::schema::nested_block::NestingMode;
        let nesting = match self.nesting {
            Nesting::Single => NestingMode::Single,
            Nesting::List => NestingMode::List,
            Nesting::Set => NestingMode::Set,
            Nesting::Map => NestingMode::Map,
            Nesting::Group => NestingMode::Group,
        };
        proto::schema::NestedBlock {
            type_name: self.type_name.clone(),
            block: Some(self.block.to_proto(0)),
            nesting: nesting as i32,
            min_items: self.min_items,
            max_items: self.max_items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema::new()
            .version(2)
            .description("A **thing**.")
            .attribute(Attribute::required("name", Type::String).requires_replace())
            .attribute(Attribute::optional("size", Type::Number).default(Value::Null))
            .attribute(Attribute::computed("id", Type::String))
            .attribute(Attribute::optional("secret", Type::String).write_only())
            .block(
                NestedBlock::new(
                    "rule",
                    Nesting::List,
                    Block::new().attribute(Attribute::required("port", Type::Number)),
                )
                .items(1, 3),
            )
    }

    #[test]
    fn implied_type_has_attributes_and_blocks() {
        let Type::Object(fields) = sample().implied_type() else {
            panic!("not an object")
        };
        assert_eq!(fields["name"], Type::String);
        assert_eq!(
            fields["rule"],
            Type::List(Box::new(Type::Object(
                [("port".to_string(), Type::Number)].into()
            )))
        );
        assert_eq!(fields.len(), 5);
    }

    #[test]
    fn proto_flags_follow_presence() {
        let p = sample().to_proto();
        assert_eq!(p.version, 2);
        let block = p.block.unwrap();
        let by = |n: &str| {
            block
                .attributes
                .iter()
                .find(|a| a.name == n)
                .unwrap()
                .clone()
        };
        assert!(by("name").required && !by("name").optional && !by("name").computed);
        // a default makes an optional attribute optional+computed
        assert!(by("size").optional && by("size").computed);
        assert!(by("id").computed && !by("id").optional);
        assert!(by("secret").write_only);
        assert_eq!(block.block_types[0].min_items, 1);
        assert_eq!(block.block_types[0].max_items, 3);
        assert_eq!(block.description_kind, proto::StringKind::Markdown as i32);
    }

    #[test]
    fn every_nesting_mode_maps_to_its_wire_mode_and_type() {
        use proto::schema::nested_block::NestingMode;
        let inner = || Block::new().attribute(Attribute::optional("v", Type::String));
        let obj = Type::Object([("v".to_string(), Type::String)].into());
        let cases = [
            (
                NestedBlock::single("a", inner()),
                NestingMode::Single,
                obj.clone(),
            ),
            (
                NestedBlock::new("a", Nesting::Group, inner()),
                NestingMode::Group,
                obj.clone(),
            ),
            (
                NestedBlock::new("a", Nesting::List, inner()),
                NestingMode::List,
                Type::List(Box::new(obj.clone())),
            ),
            (
                NestedBlock::new("a", Nesting::Set, inner()),
                NestingMode::Set,
                Type::Set(Box::new(obj.clone())),
            ),
            (
                NestedBlock::new("a", Nesting::Map, inner()),
                NestingMode::Map,
                Type::Map(Box::new(obj.clone())),
            ),
        ];
        for (block, mode, ty) in cases {
            assert_eq!(block.to_proto().nesting, mode as i32);
            assert_eq!(block.implied_type(), ty);
        }
    }

    #[test]
    fn problems_name_the_attribute() {
        assert!(sample().problems().is_empty(), "{:?}", sample().problems());
        let bad = Schema::new()
            .attribute(Attribute::required("a", Type::String).default(Value::Bool(true)))
            .attribute(Attribute::optional("b", Type::String).use_state_for_unknown())
            .attribute(Attribute::optional_computed("c", Type::String).write_only())
            .attribute(Attribute::optional("Bad-Name", Type::String))
            .block(NestedBlock::new("b", Nesting::List, Block::new()).items(3, 1));
        let problems = bad.problems();
        let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
        assert!(
            has("a: a required attribute cannot have a default"),
            "{problems:?}"
        );
        assert!(has("a: the default does not fit"), "{problems:?}");
        assert!(has("b: use_state_for_unknown"), "{problems:?}");
        assert!(has("c: a write-only attribute"), "{problems:?}");
        assert!(has("\"Bad-Name\": names must be"), "{problems:?}");
        assert!(has("b: defined more than once"), "{problems:?}");
        assert!(has("b: invalid item limits 3..1"), "{problems:?}");
    }

    #[test]
    fn null_object_uses_block_absence_rules() {
        let v = sample().null_object();
        assert_eq!(v.get("rule"), Some(&Value::List(vec![])));
        assert_eq!(v.get("name"), Some(&Value::Null));
    }

    #[test]
    fn deprecation_messages_and_computed_blocks_reach_the_wire() {
        let schema = Schema::new()
            .deprecated("Use the new type.")
            .attribute(Attribute::optional("old", Type::String).deprecated("Use new."))
            .attribute(Attribute::optional("new", Type::String))
            .block(
                NestedBlock::new(
                    "status",
                    Nesting::List,
                    Block::new().attribute(Attribute::computed("code", Type::String)),
                )
                .computed(),
            )
            .block(NestedBlock::single("legacy", Block::new()).deprecated(""));
        let block = schema.to_proto().block.unwrap();
        assert!(block.deprecated);
        assert_eq!(block.deprecation_message, "Use the new type.");
        let old = &block.attributes[0];
        assert!(old.deprecated);
        assert_eq!(old.deprecation_message, "Use new.");
        assert!(!block.attributes[1].deprecated);
        assert!(block.block_types[0].block.as_ref().unwrap().computed);
        let legacy = block.block_types[1].block.as_ref().unwrap();
        assert!(legacy.deprecated && legacy.deprecation_message.is_empty());
        assert!(schema.problems().is_empty(), "{:?}", schema.problems());

        let contradiction = Schema::new().block(
            NestedBlock::single(
                "status",
                Block::new().attribute(Attribute::required("code", Type::String)),
            )
            .computed(),
        );
        assert!(
            contradiction.problems()[0].contains("status: a computed block cannot have required")
        );
    }
}
