//! The filters the plural data source and the list resource share: one definition of the
//! attributes, their validators, and how they become a [`SearchFilter`]. The validators check
//! what the mapping needs, so a configuration that validates always maps; each error names the
//! attribute and the value.

use std::collections::BTreeMap;

use crate::servicecatalog::{
    validate_property_value, validate_provisioned_product_name, AccessLevel, ApiError, PropertyKey,
    SearchField, SearchFilter, SearchTerm, ValidationError, ACCESS_NEEDED,
};
use crate::tfplugin::validator::{check, check_entries, one_of};
use crate::tfplugin::{Attribute, AttributePath, Diagnostic, Diagnostics, Schema, Type};

/// The values `status` accepts (`ProvisionedProductStatus`).
pub const STATUSES: [&str; 5] = [
    "AVAILABLE",
    "UNDER_CHANGE",
    "TAINTED",
    "ERROR",
    "PLAN_IN_PROGRESS",
];
/// The values `access_level` accepts (`AccessLevelFilterKey`).
pub const ACCESS_LEVELS: [&str; 3] = ["Account", "Role", "User"];

crate::model! {
    /// The filter attributes, as configured.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct Filters {
        pub owner: Option<String>,
        pub name: Option<String>,
        pub product_id: Option<String>,
        pub tags: Option<BTreeMap<String, String>>,
        pub status: Option<String>,
        pub search_text: Option<String>,
        pub access_level: Option<String>,
    }
}

/// `schema` with the filter attributes.
pub fn with_filters(schema: Schema) -> Schema {
    filter_attributes()
        .into_iter()
        .fold(schema, Schema::attribute)
}

/// The filter attributes: all optional, none set lists every product at the access level.
pub fn filter_attributes() -> Vec<Attribute> {
    let optional = |name: &str, ty: Type, doc: &str| Attribute::optional(name, ty).description(doc);
    vec![
        optional(
            "owner",
            Type::String,
            "Only the products this principal owns (`OWNER`): the exact ARN of an IAM user, IAM \
             role or STS assumed-role, e.g. `arn:aws:iam::123456789012:user/alice`.",
        )
        .validator(check(
            "Invalid owner filter",
            "an IAM user, IAM role or STS assumed-role ARN",
            owner_term,
        )),
        optional(
            "name",
            Type::String,
            "Only the provisioned product with exactly this name.",
        )
        .validator(check(
            "Invalid name filter",
            "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit",
            validate_provisioned_product_name,
        )),
        optional(
            "product_id",
            Type::String,
            "Only products provisioned from this product, e.g. `prod-abcdefgh12345`.",
        )
        .validator(check(
            "Invalid product_id filter",
            "1 to 100 letters, digits, '_' or '-'",
            product_id_term,
        )),
        optional(
            "tags",
            Type::map(Type::String),
            "Only products with every one of these tags, each with exactly this value.",
        )
        .validator(check_entries(
            "Invalid tags filter",
            "tag keys and values without leading or trailing white space",
            tag_term,
        )),
        optional(
            "status",
            Type::String,
            "Only products with this status: `AVAILABLE`, `UNDER_CHANGE`, `TAINTED`, `ERROR` or \
             `PLAN_IN_PROGRESS`.",
        )
        .validator(one_of(STATUSES)),
        optional(
            "search_text",
            Type::String,
            "Free text the service matches against every field and tag (case-insensitive, \
             substrings), e.g. part of a name.",
        )
        .validator(check(
            "Invalid search_text filter",
            "text without leading or trailing white space",
            SearchTerm::text,
        )),
        optional(
            "access_level",
            Type::String,
            "Whose products to list: `Account` (every product of the account; the default, \
             and what needs account-level access), `Role` (those of the caller's role) or \
             `User` (the caller's own).",
        )
        .validator(one_of(ACCESS_LEVELS)),
    ]
}

fn product_id_term(id: &str) -> Result<SearchTerm, String> {
    let bad = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
    match (id.chars().count(), bad) {
        (0, _) => Err("product id must not be empty".to_owned()),
        (n, _) if n > 100 => Err(format!(
            "product id {id:?} is {n} characters long; at most 100 are allowed"
        )),
        (_, Some(c)) => Err(format!(
            "product id {id:?} contains {c:?}; only letters, digits, '_' and '-' are allowed \
             (e.g. prod-abcdefgh12345)"
        )),
        _ => SearchTerm::field(SearchField::ProductId, id).map_err(|e| e.to_string()),
    }
}

/// `userArn:<arn>`, for an ARN the resource would take as `OWNER`.
fn owner_term(owner: &str) -> Result<SearchTerm, ValidationError> {
    validate_property_value(PropertyKey::Owner, owner)?;
    SearchTerm::field(SearchField::UserArn, owner)
}

fn tag_term(key: &str, value: &str) -> Result<SearchTerm, ValidationError> {
    SearchTerm::tag(key, value)
}

impl Filters {
    /// The access level asked for (`Account` when unset).
    pub fn access_level(&self) -> AccessLevel {
        match self.access_level.as_deref() {
            Some("Role") => AccessLevel::Role,
            Some("User") => AccessLevel::User,
            _ => AccessLevel::Account,
        }
    }

    /// The access level's name, as configured (`Account` when unset).
    pub fn access_level_name(&self) -> &str {
        self.access_level.as_deref().unwrap_or("Account")
    }

    /// The search these filters ask for. Validation already refused what cannot map; a value
    /// that still does not is an error on its attribute.
    pub fn search_filter(&self) -> Result<SearchFilter, Diagnostics> {
        let mut diags = Diagnostics::new();
        let mut filter = SearchFilter::account().at(self.access_level());
        let mut add = |path: AttributePath, term: Result<SearchTerm, String>| match term {
            Ok(term) => filter.terms.push(term),
            Err(detail) => diags.attribute_error(path, "Invalid filter", detail),
        };
        if let Some(owner) = &self.owner {
            add(
                AttributePath::attr("owner"),
                owner_term(owner).map_err(|e| e.to_string()),
            );
        }
        if let Some(name) = &self.name {
            let term = validate_provisioned_product_name(name)
                .and_then(|()| SearchTerm::field(SearchField::Name, name));
            add(AttributePath::attr("name"), term.map_err(|e| e.to_string()));
        }
        if let Some(id) = &self.product_id {
            add(AttributePath::attr("product_id"), product_id_term(id));
        }
        if let Some(status) = &self.status {
            let term = if STATUSES.contains(&status.as_str()) {
                SearchTerm::field(SearchField::Status, status).map_err(|e| e.to_string())
            } else {
                Err(format!(
                    "status {status:?} is not one of {}",
                    STATUSES.join(", ")
                ))
            };
            add(AttributePath::attr("status"), term);
        }
        for (key, value) in self.tags.iter().flatten() {
            let path = AttributePath::attr("tags").join_key(key);
            add(path, tag_term(key, value).map_err(|e| e.to_string()));
        }
        if let Some(text) = &self.search_text {
            let term = SearchTerm::text(text).map_err(|e| e.to_string());
            add(AttributePath::attr("search_text"), term);
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(filter)
        }
    }

    /// The error diagnostic for a listing with these filters that failed with `e`.
    pub fn listing_error(&self, e: &ApiError) -> Diagnostic {
        let level = self.access_level_name();
        match e {
            ApiError::AccessDenied { .. } if self.access_level() == AccessLevel::Account => {
                Diagnostic::error(
                    "Cannot list provisioned products",
                    format!(
                        "Listing the provisioned products of the account (access_level \
                         \"{level}\") was refused ({e}). To list every product of the account, \
                         {ACCESS_NEEDED}. To list only the products of the caller's role or \
                         user, set access_level to \"Role\" or \"User\"."
                    ),
                )
                .with_attribute(AttributePath::attr("access_level"))
            }
            ApiError::AccessDenied { .. } => Diagnostic::error(
                "Cannot list provisioned products",
                format!(
                    "Listing provisioned products at access_level \"{level}\" was refused ({e}). \
                     Allow the provider's credentials servicecatalog:SearchProvisionedProducts, \
                     then run again."
                ),
            )
            .with_attribute(AttributePath::attr("access_level")),
            ApiError::Cancelled { .. } => Diagnostic::error(
                "Listing cancelled",
                "Listing provisioned products was cancelled before it finished.",
            ),
            other => Diagnostic::error(
                "Cannot list provisioned products",
                format!("Listing provisioned products at access_level \"{level}\" failed: {other}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicecatalog::{About, Call};
    use crate::tfplugin::{plan, Model, ObjectExt, Value};

    fn schema() -> Schema {
        with_filters(Schema::new())
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut v = schema().null_object();
        for (k, x) in pairs {
            v.set_attr(k, x.clone());
        }
        v
    }

    fn filters(pairs: &[(&str, Value)]) -> Filters {
        Filters::from_object(&config(pairs)).unwrap()
    }

    fn errors(pairs: &[(&str, Value)]) -> Vec<Diagnostic> {
        plan::validate(&schema(), &config(pairs))
            .into_iter()
            .collect()
    }

    #[test]
    fn schema_is_sound_documented_and_read_whole_by_the_model() {
        let s = schema();
        assert!(s.problems().is_empty(), "{:?}", s.problems());
        let mut names: Vec<&str> = s.block.attributes.iter().map(|a| a.name.as_str()).collect();
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
            assert!(
                !a.is_computed(),
                "{} is a filter, set by the user only",
                a.name
            );
        }
        let mut model = Filters::ATTRIBUTES.to_vec();
        names.sort_unstable();
        model.sort_unstable();
        assert_eq!(model, names);
    }

    #[test]
    fn filters_map_to_search_query_terms_and_the_access_level() {
        let tags = Value::map([
            ("team", Value::string("platform eng")),
            ("env", Value::string("prod")),
        ]);
        let f = filters(&[
            (
                "owner",
                Value::string("arn:aws:iam::123456789012:user/alice"),
            ),
            ("name", Value::string("web-1")),
            ("product_id", Value::string("prod-abcdefgh12345")),
            ("status", Value::string("AVAILABLE")),
            ("tags", tags),
            ("search_text", Value::string("checkout")),
            ("access_level", Value::string("Role")),
        ]);
        let search = f.search_filter().unwrap();
        assert_eq!(search.access_level, AccessLevel::Role);
        assert_eq!(
            search.query(),
            [
                "userArn:arn:aws:iam::123456789012:user/alice",
                "name:web-1",
                "productId:prod-abcdefgh12345",
                "status:AVAILABLE",
                "tags:env:prod",
                "tags:team:platform eng",
                "checkout",
            ]
        );
        let none = filters(&[]).search_filter().unwrap();
        assert_eq!(
            none,
            SearchFilter::account(),
            "no filter: every product of the account"
        );
        assert_eq!(filters(&[]).access_level_name(), "Account");
        let user = filters(&[("access_level", Value::string("User"))]);
        assert_eq!(
            user.search_filter().unwrap().access_level,
            AccessLevel::User
        );
    }

    #[test]
    fn the_owner_filter_keeps_only_exact_owner_matches_whatever_the_service_returns() {
        let alice = "arn:aws:iam::123456789012:user/alice";
        let search = filters(&[("owner", Value::string(alice))])
            .search_filter()
            .unwrap();
        let owned_by = |arn: &str| crate::servicecatalog::ProductSummary {
            id: "pp-1".into(),
            user_arn: Some(arn.into()),
            ..Default::default()
        };
        assert!(search.accepts(&owned_by(alice)));
        for near in [
            "arn:aws:iam::123456789012:user/Alice",
            "arn:aws:iam::123456789012:user/alice2",
            "arn:aws:iam::123456789012:role/alice",
        ] {
            assert!(!search.accepts(&owned_by(near)), "{near}");
        }
    }

    #[test]
    fn bad_filters_are_refused_at_validate_time_naming_attribute_and_value() {
        assert!(errors(&[]).is_empty());
        assert!(
            errors(&[("name", Value::Unknown)]).is_empty(),
            "checked once known"
        );
        for (attr, value, expected) in [
            (
                "owner",
                Value::string("alice"),
                "\"alice\" is not a valid ARN",
            ),
            (
                "owner",
                Value::string("arn:aws:s3:::bucket"),
                "must be an IAM user, IAM role or STS assumed-role ARN",
            ),
            ("name", Value::string("-web"), "\"-web\""),
            ("product_id", Value::string("prod abc"), "\"prod abc\""),
            ("status", Value::string("BROKEN"), "\"BROKEN\""),
            ("search_text", Value::string(" web"), "\" web\""),
            ("access_level", Value::string("account"), "\"account\""),
        ] {
            let diags = errors(&[(attr, value.clone())]);
            assert_eq!(diags.len(), 1, "{attr}: {diags:?}");
            assert_eq!(diags[0].attribute, Some(AttributePath::attr(attr)));
            assert!(
                diags[0].detail.contains(expected),
                "{attr}: {}",
                diags[0].detail
            );
            // What validation refuses never maps either.
            let Err(mapped) = filters(&[(attr, value)]).search_filter() else {
                if attr == "access_level" {
                    continue; // an unknown level cannot be read as one: validation is the check
                }
                panic!("{attr} mapped");
            };
            let first = mapped.iter().next().expect("an error");
            assert_eq!(first.attribute, Some(AttributePath::attr(attr)));
        }
        let tags = Value::map([("team", Value::string("x ")), ("ok", Value::string("y"))]);
        let diags = errors(&[("tags", tags.clone())]);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].attribute,
            Some(AttributePath::attr("tags").join_key("team"))
        );
        assert!(diags[0].detail.contains("\"x \""), "{}", diags[0].detail);
        assert!(filters(&[("tags", tags)]).search_filter().is_err());
        let long = "p".repeat(101);
        let diags = errors(&[("product_id", Value::string(long))]);
        assert!(
            diags[0].detail.contains("101 characters"),
            "{}",
            diags[0].detail
        );
    }

    #[test]
    fn a_refused_account_level_listing_says_what_to_do() {
        let denied = ApiError::AccessDenied {
            call: Call::new("SearchProvisionedProducts", &About::Account("")),
            message: "not authorized".into(),
        };
        let d = filters(&[]).listing_error(&denied);
        assert_eq!(d.attribute, Some(AttributePath::attr("access_level")));
        for part in [
            "\"Account\"",
            "not authorized",
            "accountLevel",
            "\"Role\" or \"User\"",
        ] {
            assert!(d.detail.contains(part), "{part}: {}", d.detail);
        }
        let d = filters(&[("access_level", Value::string("User"))]).listing_error(&denied);
        assert!(d.detail.contains("\"User\" was refused"), "{}", d.detail);
    }
}
