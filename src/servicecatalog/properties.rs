//! The properties `UpdateProvisionedProductProperties` changes (`OWNER`, `LAUNCH_ROLE`): keys,
//! maps, the checks of their values, and the diff that decides what is sent. An empty value is
//! refused: clearing `LAUNCH_ROLE` with `""` is undocumented.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::arn::Arn;
use super::input::{ValidationError, MAX_PROPERTY_VALUE_LEN};

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
    let value = value.to_owned();
    match key {
        PropertyKey::Owner => arn
            .principal_kind()
            .map(|_| ())
            .map_err(|found| ValidationError::OwnerNotPrincipal { value, found }),
        PropertyKey::LaunchRole => arn
            .check_role()
            .map_err(|found| ValidationError::LaunchRoleNotRole { value, found }),
    }
}

/// Checks a key/value pair as written in configuration and returns the typed key.
pub fn validate_property(key: &str, value: &str) -> Result<PropertyKey, ValidationError> {
    let key: PropertyKey = key.parse()?;
    validate_property_value(key, value)?;
    Ok(key)
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
