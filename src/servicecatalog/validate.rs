//! Pure input validation (no API call), run at `terraform validate` time: provisioned product
//! ids, property keys and values, and `accept_language`. Messages quote the bad value and say
//! what is expected.
//!
//! Choices where the API reference is silent or unverified:
//! - An empty property value is rejected: clearing `LAUNCH_ROLE` with `""` is undocumented today.
//! - Same-account checks are left to the API: the caller's account is unknown at validate time.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::arn::{Arn, ArnError, PrincipalKind};

/// Longest provisioned product id the API accepts (shape `Id`).
pub const MAX_ID_LEN: usize = 100;
/// Longest property value the API accepts (shape `PropertyValue`).
pub const MAX_PROPERTY_VALUE_LEN: usize = 1024;
/// Longest provisioned product name the API accepts.
pub const MAX_NAME_LEN: usize = 128;

/// A property that `UpdateProvisionedProductProperties` can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PropertyKey {
    /// The owner: an IAM user, IAM role or STS assumed-role ARN.
    Owner,
    /// The launch role: an IAM role ARN.
    LaunchRole,
}

/// Properties by key, in a stable order.
pub type PropertyMap = BTreeMap<PropertyKey, String>;

impl PropertyKey {
    /// Every key, in API order.
    pub const ALL: [PropertyKey; 2] = [PropertyKey::Owner, PropertyKey::LaunchRole];

    /// The wire name (`OWNER`, `LAUNCH_ROLE`).
    pub fn as_str(self) -> &'static str {
        match self {
            PropertyKey::Owner => "OWNER",
            PropertyKey::LaunchRole => "LAUNCH_ROLE",
        }
    }

    pub(crate) fn to_sdk(self) -> aws_sdk_servicecatalog::types::PropertyKey {
        match self {
            PropertyKey::Owner => aws_sdk_servicecatalog::types::PropertyKey::Owner,
            PropertyKey::LaunchRole => aws_sdk_servicecatalog::types::PropertyKey::LaunchRole,
        }
    }
}

impl fmt::Display for PropertyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PropertyKey {
    type Err = ValidationError;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        match key {
            "OWNER" => Ok(PropertyKey::Owner),
            "LAUNCH_ROLE" => Ok(PropertyKey::LaunchRole),
            _ => Err(ValidationError::UnknownKey {
                key: key.to_owned(),
            }),
        }
    }
}

/// The `AcceptLanguage` values the API documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AcceptLanguage {
    /// English (the API default).
    #[default]
    En,
    /// Japanese.
    Jp,
    /// Chinese.
    Zh,
}

impl AcceptLanguage {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptLanguage::En => "en",
            AcceptLanguage::Jp => "jp",
            AcceptLanguage::Zh => "zh",
        }
    }
}

impl fmt::Display for AcceptLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AcceptLanguage {
    type Err = ValidationError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "en" => Ok(AcceptLanguage::En),
            "jp" => Ok(AcceptLanguage::Jp),
            "zh" => Ok(AcceptLanguage::Zh),
            _ => Err(ValidationError::AcceptLanguage {
                value: value.to_owned(),
            }),
        }
    }
}

/// Why an input is invalid. `Display` names the value and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// Provisioned product id is empty.
    #[error("provisioned product id must not be empty")]
    EmptyId,
    /// Provisioned product id longer than [`MAX_ID_LEN`].
    #[error("provisioned product id {value:?} is {len} characters long; at most 100 are allowed")]
    IdTooLong {
        /// The id as given.
        value: String,
        /// Its length in characters.
        len: usize,
    },
    /// Provisioned product id with a character outside `[a-zA-Z0-9_-]`.
    #[error("provisioned product id {value:?} contains {found:?}; only letters, digits, '_' and '-' are allowed (e.g. pp-abcd27bm4mldq)")]
    IdCharacter {
        /// The id as given.
        value: String,
        /// The first offending character.
        found: char,
    },
    /// Provisioned product name is empty.
    #[error("provisioned product name must not be empty")]
    EmptyName,
    /// Provisioned product name longer than [`MAX_NAME_LEN`]; shortened in the message.
    #[error(
        "provisioned product name {preview:?}... is {len} characters long; at most 128 are allowed"
    )]
    NameTooLong {
        /// The first characters of the name.
        preview: String,
        /// Its length in characters.
        len: usize,
    },
    /// Provisioned product name starting with something other than a letter or digit.
    #[error("provisioned product name {value:?} must start with a letter or digit, not {found:?}")]
    NameStart {
        /// The name as given.
        value: String,
        /// Its first character.
        found: char,
    },
    /// Provisioned product name with a character outside `[a-zA-Z0-9._-]`.
    #[error("provisioned product name {value:?} contains {found:?}; only letters, digits, '.', '_' and '-' are allowed")]
    NameCharacter {
        /// The name as given.
        value: String,
        /// The first offending character.
        found: char,
    },
    /// A property map without entries.
    #[error("no properties given: set OWNER and/or LAUNCH_ROLE")]
    NoProperties,
    /// A key other than `OWNER`/`LAUNCH_ROLE`.
    #[error("unknown property key {key:?}: expected OWNER or LAUNCH_ROLE")]
    UnknownKey {
        /// The key as given.
        key: String,
    },
    /// An empty value.
    #[error("{key} must not be empty (clearing a property is not supported by this provider)")]
    EmptyValue {
        /// The property.
        key: PropertyKey,
    },
    /// A value longer than [`MAX_PROPERTY_VALUE_LEN`]; the value is shortened in the message.
    #[error("{key} value {preview:?}... is {len} characters long; at most 1024 are allowed")]
    ValueTooLong {
        /// The property.
        key: PropertyKey,
        /// The first characters of the value.
        preview: String,
        /// Its length in characters.
        len: usize,
    },
    /// A value that is not an ARN at all.
    #[error("{key} value {value:?} is not a valid ARN: {reason}")]
    MalformedArn {
        /// The property.
        key: PropertyKey,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: ArnError,
    },
    /// `OWNER` that is an ARN but not a user, role or assumed-role ARN.
    #[error("OWNER {value:?} must be an IAM user, IAM role or STS assumed-role ARN (arn:<partition>:iam::<account>:user/<name>, ...:role/<name> or arn:<partition>:sts::<account>:assumed-role/<role>/<session>), but it is {found}")]
    OwnerNotPrincipal {
        /// The value as given.
        value: String,
        /// What it is instead.
        found: String,
    },
    /// `LAUNCH_ROLE` that is not an IAM role ARN.
    #[error("LAUNCH_ROLE {value:?} must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), but it is {found}")]
    LaunchRoleNotRole {
        /// The value as given.
        value: String,
        /// What it is instead.
        found: String,
    },
    /// A `SearchQuery` value that cannot be sent as it is.
    #[error("{field} {value:?} cannot be searched for: {reason}")]
    SearchValue {
        /// The search field (or "tag key", "free text", ...).
        field: &'static str,
        /// The value as given.
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// `accept_language` outside en/jp/zh.
    #[error("accept_language {value:?} is not supported: expected one of en, jp, zh")]
    AcceptLanguage {
        /// The value as given.
        value: String,
    },
}

/// Checks a provisioned product id as the API does: 1..100 characters of `[a-zA-Z0-9_-]`.
pub fn validate_provisioned_product_id(id: &str) -> Result<(), ValidationError> {
    if id.is_empty() {
        return Err(ValidationError::EmptyId);
    }
    let len = id.chars().count();
    if len > MAX_ID_LEN {
        return Err(ValidationError::IdTooLong {
            value: id.to_owned(),
            len,
        });
    }
    if let Some(found) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(ValidationError::IdCharacter {
            value: id.to_owned(),
            found,
        });
    }
    Ok(())
}

/// Checks a provisioned product name as the API does: 1..128 characters,
/// `[a-zA-Z0-9][a-zA-Z0-9._-]*`.
pub fn validate_provisioned_product_name(name: &str) -> Result<(), ValidationError> {
    let Some(first) = name.chars().next() else {
        return Err(ValidationError::EmptyName);
    };
    if !first.is_ascii_alphanumeric() {
        return Err(ValidationError::NameStart {
            value: name.to_owned(),
            found: first,
        });
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Err(ValidationError::NameTooLong {
            preview: name.chars().take(40).collect(),
            len,
        });
    }
    if let Some(found) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(ValidationError::NameCharacter {
            value: name.to_owned(),
            found,
        });
    }
    Ok(())
}

/// Checks one property value for its key (OWNER: user/role/assumed-role ARN; LAUNCH_ROLE: role ARN).
pub fn validate_property_value(key: PropertyKey, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::EmptyValue { key });
    }
    let len = value.chars().count();
    if len > MAX_PROPERTY_VALUE_LEN {
        return Err(ValidationError::ValueTooLong {
            key,
            preview: value.chars().take(40).collect(),
            len,
        });
    }
    let arn = Arn::parse(value).map_err(|reason| ValidationError::MalformedArn {
        key,
        value: value.to_owned(),
        reason,
    })?;
    let kind = arn.principal_kind();
    match key {
        PropertyKey::Owner => {
            kind.map(|_| ())
                .map_err(|found| ValidationError::OwnerNotPrincipal {
                    value: value.to_owned(),
                    found,
                })
        }
        PropertyKey::LaunchRole => match kind {
            Ok(PrincipalKind::IamRole) => Ok(()),
            Ok(other) => Err(ValidationError::LaunchRoleNotRole {
                value: value.to_owned(),
                found: other.to_string(),
            }),
            Err(found) => Err(ValidationError::LaunchRoleNotRole {
                value: value.to_owned(),
                found,
            }),
        },
    }
}

/// Checks a key/value pair as written in configuration and returns the typed key.
pub fn validate_property(key: &str, value: &str) -> Result<PropertyKey, ValidationError> {
    let key: PropertyKey = key.parse()?;
    validate_property_value(key, value)?;
    Ok(key)
}

/// Checks a whole `properties` map. Every bad entry is reported with the key it belongs to
/// (the map's attribute path step), so the caller can point a diagnostic at it.
pub fn validate_properties<'a, I>(entries: I) -> Result<PropertyMap, Vec<(String, ValidationError)>>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut map = PropertyMap::new();
    let mut errors = Vec::new();
    for (key, value) in entries {
        match validate_property(key, value) {
            Ok(k) => {
                map.insert(k, value.to_owned());
            }
            Err(e) => errors.push((key.to_owned(), e)),
        }
    }
    if map.is_empty() && errors.is_empty() {
        errors.push((String::new(), ValidationError::NoProperties));
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(errors)
    }
}

/// The entries of `desired` whose value differs from `live` (missing live values count as different).
pub fn changed_properties(live: &PropertyMap, desired: &PropertyMap) -> PropertyMap {
    desired
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(*v))
        .map(|(k, v)| (*k, v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "arn:aws:iam::123456789012:user/alice";
    const ROLE: &str = "arn:aws:iam::123456789012:role/team/Deploy";
    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/Admin/alice";

    #[test]
    fn provisioned_product_names() {
        for name in ["web.app_1-x", "a", "9", &"n".repeat(128)] {
            assert_eq!(validate_provisioned_product_name(name), Ok(()), "{name}");
        }
        assert_eq!(
            validate_provisioned_product_name(""),
            Err(ValidationError::EmptyName)
        );
        let e = validate_provisioned_product_name("-web").unwrap_err();
        assert!(e.to_string().contains("\"-web\""), "{e}");
        let e = validate_provisioned_product_name("web app").unwrap_err();
        assert!(e.to_string().contains("' '"), "{e}");
        let e = validate_provisioned_product_name(&"n".repeat(129)).unwrap_err();
        assert!(e.to_string().contains("129 characters"), "{e}");
    }

    #[test]
    fn provisioned_product_ids() {
        let ok = ["pp-abcd27bm4mldq", "a", "A_b-9", &"x".repeat(100)];
        for id in ok {
            assert_eq!(validate_provisioned_product_id(id), Ok(()), "{id}");
        }
        let long = "x".repeat(101);
        let cases: [(&str, &str); 5] = [
            ("", "must not be empty"),
            (&long, "101 characters"),
            ("pp-abc def", "contains ' '"),
            ("pp/abc", "contains '/'"),
            ("pp-äbc", "contains 'ä'"),
        ];
        for (id, want) in cases {
            let msg = validate_provisioned_product_id(id).unwrap_err().to_string();
            assert!(msg.contains(want), "{id:?}: {msg}");
            if !id.is_empty() && id.len() < 50 {
                assert!(msg.contains(&format!("{id:?}")), "value quoted: {msg}");
            }
        }
    }

    #[test]
    fn property_values_table() {
        use PropertyKey::*;
        let good = [
            (Owner, USER),
            (Owner, ROLE),
            (Owner, SESSION),
            (Owner, "arn:aws-us-gov:iam::123456789012:user/path/to/bob"),
            (LaunchRole, ROLE),
            (LaunchRole, "arn:aws-cn:iam::123456789012:role/x"),
        ];
        for (key, value) in good {
            assert_eq!(validate_property_value(key, value), Ok(()), "{key} {value}");
        }
        let long_role = format!("arn:aws:iam::123456789012:role/{}", "r".repeat(1000));
        let bad: [(PropertyKey, &str, &str); 11] = [
            (Owner, "", "must not be empty"),
            (
                Owner,
                "alice",
                "not a valid ARN: it does not start with \"arn:\"",
            ),
            (
                Owner,
                "arn:aws:iam::123456789012",
                "not a valid ARN: expected arn:",
            ),
            (
                Owner,
                "arn:aws:iam::123456789012:group/admins",
                "but it is an ARN of service \"iam\" and type \"group\"",
            ),
            (
                Owner,
                "arn:aws:s3:::bucket",
                "but it is an ARN of service \"s3\" and type \"bucket\"",
            ),
            (
                Owner,
                "arn:aws:iam::1234:user/alice",
                "not a 12-digit AWS account id",
            ),
            (LaunchRole, USER, "but it is an IAM user ARN"),
            (LaunchRole, SESSION, "but it is an STS assumed-role ARN"),
            (
                LaunchRole,
                "arn:aws:iam::123456789012:role/",
                "without a complete name",
            ),
            (LaunchRole, "role/Deploy", "not a valid ARN"),
            (LaunchRole, &long_role, "1031 characters long; at most 1024"),
        ];
        for (key, value, want) in bad {
            let msg = validate_property_value(key, value).unwrap_err().to_string();
            assert!(msg.contains(want), "{key} {value:?}: {msg}");
            assert!(msg.starts_with(key.as_str()), "names the key: {msg}");
            if !value.is_empty() && value.len() < 100 {
                assert!(
                    msg.contains(&format!("{value:?}")),
                    "quotes the value: {msg}"
                );
            }
        }
    }

    #[test]
    fn property_map_reports_each_bad_entry_by_key() {
        let map = validate_properties([("OWNER", USER), ("LAUNCH_ROLE", ROLE)]).unwrap();
        assert_eq!(map.get(&PropertyKey::Owner).map(String::as_str), Some(USER));
        assert_eq!(
            map.get(&PropertyKey::LaunchRole).map(String::as_str),
            Some(ROLE)
        );

        let errors = validate_properties([("owner", USER), ("LAUNCH_ROLE", USER)]).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].0, "owner");
        assert_eq!(
            errors[0].1.to_string(),
            "unknown property key \"owner\": expected OWNER or LAUNCH_ROLE"
        );
        assert_eq!(errors[1].0, "LAUNCH_ROLE");
        assert!(matches!(
            errors[1].1,
            ValidationError::LaunchRoleNotRole { .. }
        ));

        let errors = validate_properties(std::iter::empty()).unwrap_err();
        assert_eq!(errors, vec![(String::new(), ValidationError::NoProperties)]);
    }

    #[test]
    fn accept_language_values() {
        assert_eq!("en".parse(), Ok(AcceptLanguage::En));
        assert_eq!("jp".parse(), Ok(AcceptLanguage::Jp));
        assert_eq!("zh".parse(), Ok(AcceptLanguage::Zh));
        for bad in ["", "EN", "ja", "fr"] {
            let msg = bad.parse::<AcceptLanguage>().unwrap_err().to_string();
            assert_eq!(
                msg,
                format!("accept_language {bad:?} is not supported: expected one of en, jp, zh")
            );
        }
    }

    #[test]
    fn changed_properties_keeps_only_differing_keys() {
        let live = PropertyMap::from([
            (PropertyKey::Owner, USER.to_owned()),
            (PropertyKey::LaunchRole, ROLE.to_owned()),
        ]);
        let desired = PropertyMap::from([
            (PropertyKey::Owner, SESSION.to_owned()),
            (PropertyKey::LaunchRole, ROLE.to_owned()),
        ]);
        let changes = changed_properties(&live, &desired);
        assert_eq!(
            changes,
            PropertyMap::from([(PropertyKey::Owner, SESSION.to_owned())])
        );
        assert!(changed_properties(&desired, &desired).is_empty());
        let no_role = PropertyMap::from([(PropertyKey::Owner, USER.to_owned())]);
        assert_eq!(
            changed_properties(&no_role, &live),
            PropertyMap::from([(PropertyKey::LaunchRole, ROLE.to_owned())])
        );
    }
}
