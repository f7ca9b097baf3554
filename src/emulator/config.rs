//! Emulator configuration: [`EmulatorConfig`], callers ([`Principal`], [`Principals`]) and access levels.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::EmulatorError;
use super::faults::Faults;

/// Everything the emulator needs to start.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Address to bind; port 0 picks a free port. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// The single AWS account the emulator models. Default `123456789012`.
    pub account_id: String,
    /// Region used in ARNs and accepted in SigV4 scopes. Default `us-east-1`.
    pub region: String,
    /// Time a record takes from `CREATED` to its terminal status; zero completes at once.
    pub record_latency: Duration,
    /// Who is calling, by access key id.
    pub principals: Principals,
    /// Where to persist state; `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
    /// Faults active from the start.
    pub faults: Faults,
    /// Launch role given to newly provisioned products (a launch constraint stand-in).
    pub launch_role_arn: Option<String>,
    /// Largest accepted request body, in bytes. Default 1 MiB.
    pub max_body_bytes: usize,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            account_id: "123456789012".to_owned(),
            region: "us-east-1".to_owned(),
            record_latency: Duration::ZERO,
            principals: Principals::default(),
            state_file: None,
            faults: Faults::default(),
            launch_role_arn: None,
            max_body_bytes: 1024 * 1024,
        }
    }
}

impl EmulatorConfig {
    /// Checks values that would otherwise fail later with a less clear message.
    pub fn validate(&self) -> Result<(), EmulatorError> {
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EmulatorError::Config(format!(
                "account_id '{}' must be 12 digits",
                self.account_id
            )));
        }
        if self.region.is_empty()
            || !self
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(EmulatorError::Config(format!(
                "region '{}' must be lower-case letters, digits and '-'",
                self.region
            )));
        }
        if let Some(role) = &self.launch_role_arn {
            super::arn::check_launch_role(role, &self.account_id, &self.partition())
                .map_err(|e| EmulatorError::Config(format!("launch_role_arn: {}", e.message)))?;
        }
        for (key, p) in &self.principals.keys {
            super::arn::parse_principal(&p.arn).ok_or_else(|| {
                EmulatorError::Config(format!(
                    "principal for access key '{key}' has ARN '{}', which is not an IAM user, IAM role or STS assumed-role ARN",
                    p.arn
                ))
            })?;
        }
        self.faults.validate().map_err(EmulatorError::Config)?;
        Ok(())
    }

    /// The ARN partition for the configured region.
    pub fn partition(&self) -> String {
        partition_for(&self.region).to_owned()
    }

    /// The principal unknown access keys map to (unless they are rejected).
    pub fn admin_principal(&self) -> Principal {
        self.principals
            .default_principal
            .clone()
            .unwrap_or_else(|| Principal {
                arn: format!(
                    "arn:{}:iam::{}:user/admin",
                    self.partition(),
                    self.account_id
                ),
                access_level: AccessLevel::Account,
                secret_access_key: None,
            })
    }
}

/// ARN partition of a region.
pub fn partition_for(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The access levels of Service Catalog (`AccessLevelFilterKey`), lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
pub enum AccessLevel {
    /// Only what the caller owns.
    User,
    /// What principals of the caller's role own.
    Role,
    /// Everything in the account.
    Account,
}

impl AccessLevel {
    /// Parses `Account`, `Role` or `User`.
    pub fn parse(s: &str) -> Option<AccessLevel> {
        match s {
            "Account" => Some(AccessLevel::Account),
            "Role" => Some(AccessLevel::Role),
            "User" => Some(AccessLevel::User),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Account => "Account",
            AccessLevel::Role => "Role",
            AccessLevel::User => "User",
        }
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
        let text = std::fs::read_to_string(path).map_err(|e| EmulatorError::Principals {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| EmulatorError::Principals {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }
}
