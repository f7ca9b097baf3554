//! Callers: [`Principal`] (an IAM/STS identity with its granted [`AccessLevel`]) and the
//! access-key map [`Principals`] (the principals file).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::{wire_enum, EmulatorError};

wire_enum! {
    /// The access levels of Service Catalog (`AccessLevelFilterKey`), lowest first.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum AccessLevel {
        /// Only what the caller owns.
        User = "User",
        /// What principals of the caller's role own.
        Role = "Role",
        /// Everything in the account.
        Account = "Account",
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A caller identity.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    /// IAM user, IAM role or STS assumed-role ARN.
    pub arn: String,
    /// Highest access level the principal is granted.
    #[serde(default = "default_level")]
    pub access_level: AccessLevel,
    /// When set, SigV4 signatures made with this key are verified with this secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
}

fn default_level() -> AccessLevel {
    AccessLevel::Account
}

impl fmt::Debug for Principal {
    // The secret never appears in logs or errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("arn", &self.arn)
            .field("access_level", &self.access_level)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Principal {
    /// A principal without signature verification.
    pub fn new(arn: impl Into<String>, access_level: AccessLevel) -> Self {
        Principal {
            arn: arn.into(),
            access_level,
            secret_access_key: None,
        }
    }

    /// Also verify SigV4 signatures with this secret.
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.secret_access_key = Some(secret.into());
        self
    }
}

/// The map from access key id to [`Principal`] (the principals file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principals {
    /// Access key id → principal.
    #[serde(default)]
    pub keys: BTreeMap<String, Principal>,
    /// Principal for keys not in `keys`; `None` = the account admin.
    #[serde(default, rename = "default", skip_serializing_if = "Option::is_none")]
    pub default_principal: Option<Principal>,
    /// Answer unknown keys with `UnrecognizedClientException` instead of the default principal.
    #[serde(default)]
    pub reject_unknown_keys: bool,
}

impl Principals {
    /// Adds one access key.
    pub fn with_key(mut self, access_key_id: impl Into<String>, principal: Principal) -> Self {
        self.keys.insert(access_key_id.into(), principal);
        self
    }

    /// Reads a principals file (JSON, see `docs/emulator.md`).
    pub fn from_file(path: &Path) -> Result<Principals, EmulatorError> {
        let invalid = |reason: String| EmulatorError::Principals {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))
    }
}
