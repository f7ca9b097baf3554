//! What a search matches: [`SearchFilter`] (an [`AccessLevel`] and [`SearchTerm`]s, ANDed) and
//! how it becomes `SearchQuery` entries. Values are never quoted; what cannot be sent faithfully
//! is refused when the term is made, and field and tag terms are checked again, exactly, on each
//! product returned, since the service's own matching is looser.

use std::fmt;

use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ProvisionedProductStatus,
};

use super::input::ValidationError;
use super::search::ProductSummary;

/// `AccessLevelFilter.Key` (its value is always `self`, the only one the API supports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AccessLevel {
    /// Every product of the account (needs account-level access).
    #[default]
    Account,
    /// Products of the caller's federated role.
    Role,
    /// The caller's own products.
    User,
}

impl AccessLevel {
    pub(super) fn to_sdk(self) -> AccessLevelFilter {
        let key = match self {
            AccessLevel::Account => AccessLevelFilterKey::Account,
            AccessLevel::Role => AccessLevelFilterKey::Role,
            AccessLevel::User => AccessLevelFilterKey::User,
        };
        AccessLevelFilter::builder().key(key).value("self").build()
    }
}

/// A documented `SearchQuery` field a term can match exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchField {
    Arn,
    Id,
    Name,
    Type,
    Status,
    LastRecordId,
    IdempotencyToken,
    PhysicalId,
    ProductId,
    ProductName,
    ProvisioningArtifactId,
    ProvisioningArtifactName,
    UserArn,
    UserArnSession,
    LastProvisioningRecordId,
    LastSuccessfulProvisioningRecordId,
}

impl SearchField {
    /// The field's name in a `SearchQuery` term.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchField::Arn => "arn",
            SearchField::Id => "id",
            SearchField::Name => "name",
            SearchField::Type => "type",
            SearchField::Status => "status",
            SearchField::LastRecordId => "lastRecordId",
            SearchField::IdempotencyToken => "idempotencyToken",
            SearchField::PhysicalId => "physicalId",
            SearchField::ProductId => "productId",
            SearchField::ProductName => "productName",
            SearchField::ProvisioningArtifactId => "provisioningArtifactId",
            SearchField::ProvisioningArtifactName => "provisioningArtifactName",
            SearchField::UserArn => "userArn",
            SearchField::UserArnSession => "userArnSession",
            SearchField::LastProvisioningRecordId => "lastProvisioningRecordId",
            SearchField::LastSuccessfulProvisioningRecordId => "lastSuccessfulProvisioningRecordId",
        }
    }

    /// The field's value in a summary.
    pub fn value_of(self, p: &ProductSummary) -> Option<&str> {
        match self {
            SearchField::Arn => p.arn.as_deref(),
            SearchField::Id => Some(&p.id),
            SearchField::Name => p.name.as_deref(),
            SearchField::Type => p.product_type.as_deref(),
            SearchField::Status => p.status.as_ref().map(ProvisionedProductStatus::as_str),
            SearchField::LastRecordId => p.last_record_id.as_deref(),
            SearchField::IdempotencyToken => p.idempotency_token.as_deref(),
            SearchField::PhysicalId => p.physical_id.as_deref(),
            SearchField::ProductId => p.product_id.as_deref(),
            SearchField::ProductName => p.product_name.as_deref(),
            SearchField::ProvisioningArtifactId => p.provisioning_artifact_id.as_deref(),
            SearchField::ProvisioningArtifactName => p.provisioning_artifact_name.as_deref(),
            SearchField::UserArn => p.user_arn.as_deref(),
            SearchField::UserArnSession => p.user_arn_session.as_deref(),
            SearchField::LastProvisioningRecordId => p.last_provisioning_record_id.as_deref(),
            SearchField::LastSuccessfulProvisioningRecordId => {
                p.last_successful_provisioning_record_id.as_deref()
            }
        }
    }
}

impl fmt::Display for SearchField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `SearchQuery` term. Make them with [`SearchTerm::field`], [`SearchTerm::tag`],
/// [`SearchTerm::tag_key`] or [`SearchTerm::text`], which check the value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SearchTerm {
    /// The field equals the value.
    Field { field: SearchField, value: String },
    /// A tag with this key and, when given, this value.
    Tag { key: String, value: Option<String> },
    /// Free text, matched by the service as it sees fit.
    Text(String),
}

impl SearchTerm {
    /// `field` equals `value`.
    pub fn field(field: SearchField, value: &str) -> Result<Self, ValidationError> {
        check_value(field.as_str(), value)?;
        Ok(SearchTerm::Field {
            field,
            value: value.to_owned(),
        })
    }

    /// A tag `key` = `value`.
    pub fn tag(key: &str, value: &str) -> Result<Self, ValidationError> {
        check_value("tag key", key)?;
        check_value("tag value", value)?;
        Ok(SearchTerm::Tag {
            key: key.to_owned(),
            value: Some(value.to_owned()),
        })
    }

    /// A tag `key` with any value.
    pub fn tag_key(key: &str) -> Result<Self, ValidationError> {
        check_value("tag key", key)?;
        Ok(SearchTerm::Tag {
            key: key.to_owned(),
            value: None,
        })
    }

    /// Free text.
    pub fn text(text: &str) -> Result<Self, ValidationError> {
        check_value("free text", text)?;
        Ok(SearchTerm::Text(text.to_owned()))
    }

    /// The term as a `SearchQuery` entry.
    pub fn query(&self) -> String {
        match self {
            SearchTerm::Field { field, value } => format!("{field}:{value}"),
            SearchTerm::Tag {
                key,
                value: Some(value),
            } => format!("tags:{key}:{value}"),
            SearchTerm::Tag { key, value: None } => format!("tags:{key}"),
            SearchTerm::Text(text) => text.clone(),
        }
    }

    /// True when `p` matches exactly (free text is left to the service).
    pub fn accepts(&self, p: &ProductSummary) -> bool {
        match self {
            SearchTerm::Field { field, value } => field.value_of(p) == Some(value.as_str()),
            SearchTerm::Tag { key, value } => match (p.tags.get(key), value) {
                (Some(found), Some(wanted)) => found == wanted,
                (found, None) => found.is_some(),
                (None, Some(_)) => false,
            },
            SearchTerm::Text(_) => true,
        }
    }
}

fn check_value(field: &'static str, value: &str) -> Result<(), ValidationError> {
    let reason = if value.is_empty() {
        "it is empty"
    } else if value.trim() != value {
        "it starts or ends with white space, which the service trims"
    } else if value.chars().any(char::is_control) {
        "it contains a control character"
    } else {
        return Ok(());
    };
    Err(ValidationError::SearchValue {
        field,
        value: value.to_owned(),
        reason,
    })
}

/// What a search matches: an access level and terms, all of which must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchFilter {
    pub access_level: AccessLevel,
    pub terms: Vec<SearchTerm>,
}

impl SearchFilter {
    /// Every product of the account.
    pub fn account() -> Self {
        SearchFilter::default()
    }

    /// This filter at `level`.
    pub fn at(mut self, level: AccessLevel) -> Self {
        self.access_level = level;
        self
    }

    /// This filter with `term` too.
    pub fn and(mut self, term: SearchTerm) -> Self {
        self.terms.push(term);
        self
    }

    /// The `SearchQuery` entries.
    pub fn query(&self) -> Vec<String> {
        self.terms.iter().map(SearchTerm::query).collect()
    }

    /// True when `p` matches every term exactly.
    pub fn accepts(&self, p: &ProductSummary) -> bool {
        self.terms.iter().all(|t| t.accepts(p))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn summary(id: &str) -> ProductSummary {
        ProductSummary {
            id: id.to_owned(),
            name: Some("web-1".to_owned()),
            status: Some(ProvisionedProductStatus::Available),
            product_id: Some("prod-abc".to_owned()),
            user_arn: Some("arn:aws:iam::123456789012:role/Team".to_owned()),
            tags: BTreeMap::from([("team".to_owned(), "platform eng".to_owned())]),
            ..Default::default()
        }
    }

    #[test]
    fn terms_become_documented_search_query_entries() {
        let filter = SearchFilter::account()
            .and(SearchTerm::field(SearchField::ProductId, "prod-abc").unwrap())
            .and(SearchTerm::field(SearchField::Status, "AVAILABLE").unwrap())
            .and(
                SearchTerm::field(SearchField::UserArn, "arn:aws:iam::123456789012:role/Team")
                    .unwrap(),
            )
            .and(SearchTerm::tag("team", "platform eng").unwrap())
            .and(SearchTerm::tag_key("cost-centre").unwrap())
            .and(SearchTerm::text("web").unwrap());
        assert_eq!(
            filter.query(),
            [
                "productId:prod-abc",
                "status:AVAILABLE",
                "userArn:arn:aws:iam::123456789012:role/Team",
                "tags:team:platform eng",
                "tags:cost-centre",
                "web",
            ]
        );
        assert_eq!(filter.access_level, AccessLevel::Account);
        assert!(SearchFilter::account().query().is_empty());
    }

    #[test]
    fn every_field_has_its_documented_name() {
        let names: Vec<&str> = [
            SearchField::Arn,
            SearchField::Id,
            SearchField::Name,
            SearchField::Type,
            SearchField::Status,
            SearchField::LastRecordId,
            SearchField::IdempotencyToken,
            SearchField::PhysicalId,
            SearchField::ProductId,
            SearchField::ProductName,
            SearchField::ProvisioningArtifactId,
            SearchField::ProvisioningArtifactName,
            SearchField::UserArn,
            SearchField::UserArnSession,
            SearchField::LastProvisioningRecordId,
            SearchField::LastSuccessfulProvisioningRecordId,
        ]
        .iter()
        .map(|f| f.as_str())
        .collect();
        assert_eq!(
            names,
            [
                "arn",
                "id",
                "name",
                "type",
                "status",
                "lastRecordId",
                "idempotencyToken",
                "physicalId",
                "productId",
                "productName",
                "provisioningArtifactId",
                "provisioningArtifactName",
                "userArn",
                "userArnSession",
                "lastProvisioningRecordId",
                "lastSuccessfulProvisioningRecordId",
            ]
        );
    }

    #[test]
    fn values_that_cannot_be_sent_faithfully_are_refused_naming_field_and_value() {
        for (value, reason) in [
            ("", "empty"),
            (" web", "white space"),
            ("web\n", "white space"),
            ("we\u{7}b", "control character"),
        ] {
            let err = SearchTerm::field(SearchField::Name, value).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("name") && text.contains(reason), "{text}");
            assert!(text.contains(&format!("{value:?}")), "{text}");
        }
        let err = SearchTerm::tag("team", " x").unwrap_err().to_string();
        assert!(err.contains("tag value"), "{err}");
        // Inner spaces and colons are fine: a term is one list entry, split at its first colon.
        assert!(SearchTerm::tag("team", "platform eng").is_ok());
        assert!(SearchTerm::field(SearchField::Arn, "arn:aws:x:y").is_ok());
    }

    #[test]
    fn field_and_tag_terms_are_checked_exactly_and_free_text_is_left_to_the_service() {
        let p = summary("pp-1");
        let ok = |t: SearchTerm| t.accepts(&p);
        assert!(ok(SearchTerm::field(SearchField::Name, "web-1").unwrap()));
        assert!(!ok(SearchTerm::field(SearchField::Name, "WEB-1").unwrap()));
        assert!(!ok(SearchTerm::field(SearchField::Name, "web").unwrap()));
        assert!(ok(
            SearchTerm::field(SearchField::Status, "AVAILABLE").unwrap()
        ));
        assert!(!ok(SearchTerm::field(SearchField::PhysicalId, "x").unwrap()));
        assert!(ok(SearchTerm::tag("team", "platform eng").unwrap()));
        assert!(!ok(SearchTerm::tag("team", "platform").unwrap()));
        assert!(ok(SearchTerm::tag_key("team").unwrap()));
        assert!(!ok(SearchTerm::tag_key("platform eng").unwrap()));
        assert!(ok(SearchTerm::text("anything").unwrap()));
        let both = SearchFilter::account()
            .and(SearchTerm::field(SearchField::Id, "pp-1").unwrap())
            .and(SearchTerm::tag_key("owner").unwrap());
        assert!(!both.accepts(&p), "every term must match");
    }

    #[test]
    fn access_levels_always_say_self() {
        for (level, key) in [
            (AccessLevel::Account, AccessLevelFilterKey::Account),
            (AccessLevel::Role, AccessLevelFilterKey::Role),
            (AccessLevel::User, AccessLevelFilterKey::User),
        ] {
            let f = level.to_sdk();
            assert_eq!(f.key(), Some(&key));
            assert_eq!(f.value(), Some("self"));
        }
    }
}
