//! What a user writes that the API layer checks before anything is sent, as the API checks it:
//! provisioned product ids and names, the language, and [`ValidationError`], whose messages
//! quote the bad value and say what is expected. Same-account checks are left to the API (the
//! caller's account is unknown at validate time).

use std::fmt;
use std::str::FromStr;

use super::arn::ArnError;
use super::properties::PropertyKey;

/// Longest provisioned product id the API accepts (shape `Id`).
pub const MAX_ID_LEN: usize = 100;
/// Longest property value the API accepts (shape `PropertyValue`).
pub const MAX_PROPERTY_VALUE_LEN: usize = 1024;
/// Longest provisioned product name the API accepts.
pub const MAX_NAME_LEN: usize = 128;

/// The `AcceptLanguage` values the API documents (English is the API's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AcceptLanguage {
    #[default]
    En,
    Jp,
    Zh,
}

impl AcceptLanguage {
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
    #[error("provisioned product id must not be empty")]
    EmptyId,
    #[error("provisioned product id {value:?} is {len} characters long; at most 100 are allowed")]
    IdTooLong { value: String, len: usize },
    #[error("provisioned product id {value:?} contains {found:?}; only letters, digits, '_' and '-' are allowed (e.g. pp-abcd27bm4mldq)")]
    IdCharacter { value: String, found: char },
    #[error("provisioned product name must not be empty")]
    EmptyName,
    #[error(
        "provisioned product name {preview:?}... is {len} characters long; at most 128 are allowed"
    )]
    NameTooLong { preview: String, len: usize },
    #[error("provisioned product name {value:?} must start with a letter or digit, not {found:?}")]
    NameStart { value: String, found: char },
    #[error("provisioned product name {value:?} contains {found:?}; only letters, digits, '.', '_' and '-' are allowed")]
    NameCharacter { value: String, found: char },
    #[error("unknown property key {key:?}: expected OWNER or LAUNCH_ROLE")]
    UnknownKey { key: String },
    #[error("{key} must not be empty (clearing a property is not supported by this provider)")]
    EmptyValue { key: PropertyKey },
    #[error("{key} value {preview:?}... is {len} characters long; at most 1024 are allowed")]
    ValueTooLong {
        key: PropertyKey,
        preview: String,
        len: usize,
    },
    #[error("{key} value {value:?} is not a valid ARN: {reason}")]
    MalformedArn {
        key: PropertyKey,
        value: String,
        reason: ArnError,
    },
    #[error("OWNER {value:?} must be an IAM user, IAM role or STS assumed-role ARN (arn:<partition>:iam::<account>:user/<name>, ...:role/<name> or arn:<partition>:sts::<account>:assumed-role/<role>/<session>), but it is {found}")]
    OwnerNotPrincipal { value: String, found: String },
    #[error("LAUNCH_ROLE {value:?} must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), but it is {found}")]
    LaunchRoleNotRole { value: String, found: String },
    #[error("{field} {value:?} cannot be searched for: {reason}")]
    SearchValue {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("accept_language {value:?} is not supported: expected one of en, jp, zh")]
    AcceptLanguage { value: String },
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
