//! Emulator configuration: [`EmulatorConfig`] and its start-up checks.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::arn;
use super::error::EmulatorError;
use super::faults::Faults;
use super::principal::{AccessLevel, Principal, Principals};

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
            arn::check_launch_role(role, &self.account_id, &self.partition())
                .map_err(|e| EmulatorError::Config(format!("launch_role_arn: {}", e.message)))?;
        }
        for (key, p) in &self.principals.keys {
            arn::parse_principal(&p.arn).ok_or_else(|| {
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
            .unwrap_or_else(|| {
                let arn = format!(
                    "arn:{}:iam::{}:user/admin",
                    self.partition(),
                    self.account_id
                );
                Principal::new(arn, AccessLevel::Account)
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
