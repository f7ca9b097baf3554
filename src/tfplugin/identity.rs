//! Resource identity (protocol 6.9, Terraform >= 1.12): the schema a resource declares, its wire
//! form, and the rules the server applies: identity data is the state's attributes of the same
//! names, and never changes for an existing object.

use super::diag::Diagnostic;
use super::path::AttributePath;
use super::proto;
use super::schema::name_problem;
use super::value::{Type, Value};

/// Whether Terraform needs an identity attribute to import by identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportRole {
    /// Must be given in an `import { identity = {...} }` block.
    Required,
    /// May be left out; the provider can find it (e.g. a region or account id).
    Optional,
}

/// One identity attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    pub import: ImportRole,
    /// Markdown.
    pub description: String,
}

impl IdentityAttribute {
    pub fn required_for_import(name: impl Into<String>, ty: Type) -> Self {
        Self {
            name: name.into(),
            ty,
            import: ImportRole::Required,
            description: String::new(),
        }
    }

    pub fn optional_for_import(name: impl Into<String>, ty: Type) -> Self {
        Self {
            import: ImportRole::Optional,
            ..Self::required_for_import(name, ty)
        }
    }

    /// Markdown description.
    pub fn description(mut self, markdown: impl Into<String>) -> Self {
        self.description = markdown.into();
        self
    }

    fn to_proto(&self) -> proto::resource_identity_schema::IdentityAttribute {
        proto::resource_identity_schema::IdentityAttribute {
            name: self.name.clone(),
            r#type: self.ty.to_json_bytes(),
            required_for_import: self.import == ImportRole::Required,
            optional_for_import: self.import == ImportRole::Optional,
            description: self.description.clone(),
        }
    }
}

/// The identity of a resource type: a versioned set of attributes that names one remote object.
///
/// ```
/// use servicecatalog_provider::tfplugin::identity::{IdentityAttribute, IdentitySchema};
/// use servicecatalog_provider::tfplugin::Type;
///
/// let identity = IdentitySchema::new().attribute(
///     IdentityAttribute::required_for_import("provisioned_product_id", Type::String)
///         .description("Id of the provisioned product."),
/// );
/// assert!(identity.problems().is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IdentitySchema {
    /// Independent of the resource schema version; bump when the attributes change.
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    pub fn attribute(mut self, attribute: IdentityAttribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// The cty object type of identity data.
    pub fn implied_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }

    pub fn to_proto(&self) -> proto::ResourceIdentitySchema {
        proto::ResourceIdentitySchema {
            version: self.version,
            identity_attributes: self
                .attributes
                .iter()
                .map(IdentityAttribute::to_proto)
                .collect(),
        }
    }

    /// Mistakes that Terraform would reject or that make import impossible. Empty when sound.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.attributes.is_empty() {
            out.push("an identity needs at least one attribute".to_string());
        }
        if self.version < 0 {
            out.push(format!("version {} is negative", self.version));
        }
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.attributes {
            out.extend(name_problem(&a.name));
            if !seen.insert(&a.name) {
                out.push(format!("{}: defined more than once", a.name));
            }
            let primitive = |t: &Type| matches!(t, Type::String | Type::Number | Type::Bool);
            let allowed = match &a.ty {
                Type::List(e) => primitive(e),
                t => primitive(t),
            };
            if !allowed {
                out.push(format!(
                    "{}: identity attributes must be a string, number, bool or a list of those",
                    a.name
                ));
            }
        }
        out
    }

    /// Problems of deriving this identity from states of `state_type` by attribute name.
    pub fn derivation_problems(&self, state_type: &Type) -> Vec<String> {
        let fields = state_type.attribute_types();
        self.attributes
            .iter()
            .filter_map(|a| match fields.and_then(|f| f.get(&a.name)) {
                None => Some(format!(
                    "{}: no resource attribute of that name to take the identity from \
                     (override Resource::identity_from_state)",
                    a.name
                )),
                Some(t) if *t != a.ty => Some(format!(
                    "{}: the identity attribute and the resource attribute differ in type",
                    a.name
                )),
                Some(_) => None,
            })
            .collect()
    }

    /// The identity of `state`: its attributes of the identity's names. Null for a null state.
    pub fn from_state(&self, state: &Value) -> Value {
        if state.is_null() {
            return Value::Null;
        }
        if state.is_unknown() {
            return Value::Unknown;
        }
        Value::Object(
            self.attributes
                .iter()
                .map(|a| {
                    let v = state.get(&a.name).cloned().unwrap_or(Value::Null);
                    (a.name.clone(), v)
                })
                .collect(),
        )
    }

    /// The required-for-import attributes that are null in `identity`.
    pub fn missing_required(&self, identity: &Value) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|a| a.import == ImportRole::Required)
            .filter(|a| identity.get(&a.name).is_none_or(Value::is_null))
            .map(|a| a.name.as_str())
            .collect()
    }

    /// The import id for an identity: the value of a single attribute, as text. Identities of
    /// several attributes need `Resource::import_id_from_identity`.
    pub fn single_import_id(&self, identity: &Value) -> Result<String, Diagnostic> {
        let [only] = self.attributes.as_slice() else {
            return Err(Diagnostic::error(
                "Import by identity not supported",
                format!(
                    "This resource's identity has {} attributes and it does not say how they \
                     make an import id. This is a bug in the provider.",
                    self.attributes.len()
                ),
            ));
        };
        let path = AttributePath::attr(only.name.clone());
        match identity.get(&only.name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(Value::Bool(b)) => Ok(b.to_string()),
            Some(Value::Unknown) => Err(Diagnostic::error(
                "Invalid import identity",
                format!(
                    "The identity attribute {} is not known yet; import needs a known value.",
                    only.name
                ),
            )
            .with_attribute(path)),
            _ => Err(Diagnostic::error(
                "Invalid import identity",
                format!(
                    "The identity attribute {} must be set to import by identity.",
                    only.name
                ),
            )
            .with_attribute(path)),
        }
    }
}

/// True for an identity that says nothing: null, or an object of nulls.
pub fn is_empty_identity(identity: &Value) -> bool {
    match identity {
        Value::Null => true,
        Value::Object(m) => m.values().all(Value::is_null),
        _ => false,
    }
}

/// The JSON of `UpgradeResourceIdentity.raw_identity`.
pub fn raw_identity_json(raw: Option<&proto::RawState>) -> Result<&[u8], String> {
    match raw {
        Some(raw) if !raw.json.is_empty() => Ok(&raw.json),
        Some(raw) if !raw.flatmap.is_empty() => {
            Err("the stored identity has no JSON form".to_string())
        }
        _ => Err("Terraform sent no stored identity".to_string()),
    }
}

/// The attributes where `actual` differs from a known, non-null value of `expected` (names only,
/// never values). Unknown or null expected attributes are not yet decided, so they never conflict.
pub fn conflicting_attributes(expected: &Value, actual: &Value) -> Vec<String> {
    let Value::Object(want) = expected else {
        return Vec::new();
    };
    want.iter()
        .filter(|(_, v)| !v.is_null() && !v.is_unknown())
        .filter(|(k, v)| actual.get(k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> IdentitySchema {
        IdentitySchema::new().version(1).attribute(
            IdentityAttribute::required_for_import("pid", Type::String).description("The id."),
        )
    }

    #[test]
    fn proto_carries_flags_type_and_description() {
        let p = IdentitySchema::new()
            .version(2)
            .attribute(IdentityAttribute::required_for_import("a", Type::String))
            .attribute(IdentityAttribute::optional_for_import("b", Type::Number).description("B"))
            .to_proto();
        assert_eq!(p.version, 2);
        let a = &p.identity_attributes[0];
        assert!(a.required_for_import && !a.optional_for_import);
        assert_eq!(a.r#type, b"\"string\"");
        let b = &p.identity_attributes[1];
        assert!(!b.required_for_import && b.optional_for_import);
        assert_eq!(b.description, "B");
    }

    #[test]
    fn problems_name_the_attribute() {
        assert!(schema().problems().is_empty());
        let bad = IdentitySchema::new()
            .attribute(IdentityAttribute::required_for_import("X", Type::String))
            .attribute(IdentityAttribute::required_for_import(
                "m",
                Type::map(Type::String),
            ))
            .attribute(IdentityAttribute::required_for_import("m", Type::String));
        let problems = bad.problems();
        let has = |s: &str| problems.iter().any(|p| p.contains(s));
        assert!(has("\"X\": names must be"), "{problems:?}");
        assert!(has("m: identity attributes must be"), "{problems:?}");
        assert!(has("m: defined more than once"), "{problems:?}");
        assert!(IdentitySchema::new().problems()[0].contains("at least one"));
    }

    #[test]
    fn derivation_needs_same_name_and_type() {
        let state_ok = Type::object([("pid", Type::String), ("x", Type::Bool)]);
        assert!(schema().derivation_problems(&state_ok).is_empty());
        let missing = Type::object([("x", Type::Bool)]);
        assert!(schema().derivation_problems(&missing)[0].contains("pid: no resource attribute"));
        let wrong = Type::object([("pid", Type::Number)]);
        assert!(schema().derivation_problems(&wrong)[0].contains("differ in type"));
    }

    #[test]
    fn from_state_takes_same_named_attributes() {
        let state = Value::object([("pid", Value::string("pp-1")), ("x", Value::Bool(true))]);
        assert_eq!(
            schema().from_state(&state),
            Value::object([("pid", Value::string("pp-1"))])
        );
        assert_eq!(schema().from_state(&Value::Null), Value::Null);
    }

    #[test]
    fn single_import_id_is_the_value_or_an_error_on_the_attribute() {
        let s = schema();
        let id = s
            .single_import_id(&Value::object([("pid", Value::string("pp-1"))]))
            .unwrap();
        assert_eq!(id, "pp-1");
        let err = s
            .single_import_id(&Value::object([("pid", Value::Null)]))
            .unwrap_err();
        assert_eq!(err.attribute, Some(AttributePath::attr("pid")));
        let two = s
            .clone()
            .attribute(IdentityAttribute::optional_for_import("r", Type::String));
        assert!(two
            .single_import_id(&Value::object([("pid", Value::string("pp-1"))]))
            .unwrap_err()
            .detail
            .contains("2 attributes"));
    }

    #[test]
    fn empty_identities_and_changes() {
        assert!(is_empty_identity(&Value::Null));
        assert!(is_empty_identity(&Value::object([("pid", Value::Null)])));
        assert!(!is_empty_identity(&Value::object([(
            "pid",
            Value::string("a")
        )])));
        let a = Value::object([("pid", Value::string("a")), ("r", Value::string("x"))]);
        let b = Value::object([("pid", Value::string("b")), ("r", Value::string("x"))]);
        assert_eq!(conflicting_attributes(&a, &b), vec!["pid".to_string()]);
        assert!(conflicting_attributes(&a, &a).is_empty());
        // unknown (planned create) and null (not yet recorded) expectations never conflict
        let open = Value::object([("pid", Value::Unknown), ("r", Value::Null)]);
        assert!(conflicting_attributes(&open, &b).is_empty());
        assert_eq!(
            schema().missing_required(&Value::object([("pid", Value::Null)])),
            vec!["pid"]
        );
    }

    #[test]
    fn raw_identity_is_the_json_of_the_raw_state() {
        let json = br#"{"pid":"pp-1"}"#.to_vec();
        let raw = proto::RawState {
            json: json.clone(),
            flatmap: Default::default(),
        };
        assert_eq!(raw_identity_json(Some(&raw)).unwrap(), json.as_slice());
        assert!(raw_identity_json(None)
            .unwrap_err()
            .contains("no stored identity"));
        let flat = proto::RawState {
            json: Vec::new(),
            flatmap: [("pid".to_string(), "pp-1".to_string())].into(),
        };
        assert!(raw_identity_json(Some(&flat))
            .unwrap_err()
            .contains("no JSON form"));
    }
}
