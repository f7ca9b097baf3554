//! ARN parsing, shared by every check that looks at principals (`OWNER`, `LAUNCH_ROLE`,
//! `assume_role.role_arn`). Only the structure is checked; whether a principal exists, or lives
//! in the caller's account, is for the API to decide.

use std::fmt;

/// Why a string is not an ARN. Messages are phrased to follow "is not a valid ARN: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArnError {
    #[error("it is empty")]
    Empty,
    #[error("it does not start with \"arn:\"")]
    MissingPrefix,
    #[error("expected arn:<partition>:<service>:<region>:<account>:<resource>")]
    TooFewParts,
    #[error("it contains whitespace or control characters")]
    Whitespace,
    #[error("the {0} part is empty")]
    EmptyPart(&'static str),
    #[error("partition {0:?} is not valid (expected e.g. aws, aws-cn, aws-us-gov)")]
    Partition(String),
}

/// A parsed ARN, borrowing from the input. `region` and `account` may be empty (IAM and STS
/// ARNs have no region); `resource` is everything after the fifth `:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// The kinds of IAM principal that Service Catalog accepts as `OWNER`/`LAUNCH_ROLE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    IamUser,
    IamRole,
    AssumedRole,
}

impl fmt::Display for PrincipalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrincipalKind::IamUser => "an IAM user ARN",
            PrincipalKind::IamRole => "an IAM role ARN",
            PrincipalKind::AssumedRole => "an STS assumed-role ARN",
        })
    }
}

impl<'a> Arn<'a> {
    /// Parses `arn:partition:service:region:account:resource`.
    pub fn parse(value: &'a str) -> Result<Self, ArnError> {
        if value.is_empty() {
            return Err(ArnError::Empty);
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ArnError::Whitespace);
        }
        let rest = value.strip_prefix("arn:").ok_or(ArnError::MissingPrefix)?;
        let mut parts = rest.splitn(5, ':');
        let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(ArnError::TooFewParts);
        };
        if partition.is_empty() {
            return Err(ArnError::EmptyPart("partition"));
        }
        if !partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ArnError::Partition(partition.to_owned()));
        }
        if service.is_empty() {
            return Err(ArnError::EmptyPart("service"));
        }
        if resource.is_empty() {
            return Err(ArnError::EmptyPart("resource"));
        }
        Ok(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The resource type: the text before the first `/` or `:` of the resource part.
    pub fn resource_type(&self) -> &'a str {
        self.resource
            .split(['/', ':'])
            .next()
            .unwrap_or(self.resource)
    }

    /// Classifies the ARN as one of the principals Service Catalog accepts, or explains why it is none.
    pub fn principal_kind(&self) -> Result<PrincipalKind, String> {
        let kind = match (self.service, self.resource_type()) {
            ("iam", "user") => PrincipalKind::IamUser,
            ("iam", "role") => PrincipalKind::IamRole,
            ("sts", "assumed-role") => PrincipalKind::AssumedRole,
            (service, kind) => {
                return Err(format!("an ARN of service {service:?} and type {kind:?}"))
            }
        };
        if !self.region.is_empty() {
            return Err(format!(
                "{kind} with a region ({:?}); IAM and STS ARNs have an empty region part",
                self.region
            ));
        }
        if self.account.len() != 12 || !self.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{kind} with account {:?}, which is not a 12-digit AWS account id",
                self.account
            ));
        }
        let name_parts: Vec<&str> = self.resource.split('/').skip(1).collect();
        let complete = match kind {
            // user/<path/>name and role/<path/>name: the last segment is the name.
            PrincipalKind::IamUser | PrincipalKind::IamRole => {
                name_parts.last().is_some_and(|name| !name.is_empty())
            }
            // assumed-role/<role>/<session>: exactly two non-empty parts.
            PrincipalKind::AssumedRole => {
                name_parts.len() == 2 && name_parts.iter().all(|p| !p.is_empty())
            }
        };
        if !complete {
            let expected = match kind {
                PrincipalKind::IamUser => "user/<path/>name",
                PrincipalKind::IamRole => "role/<path/>name",
                PrincipalKind::AssumedRole => "assumed-role/<role-name>/<session-name>",
            };
            return Err(format!(
                "{kind} without a complete name (expected {expected})"
            ));
        }
        Ok(kind)
    }

    /// `Ok` for an IAM role ARN, else what it is instead, in words.
    pub fn check_role(&self) -> Result<(), String> {
        match self.principal_kind()? {
            PrincipalKind::IamRole => Ok(()),
            other => Err(other.to_string()),
        }
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_parts_and_keeps_colons_in_resource() {
        let arn = Arn::parse("arn:aws:logs:us-east-1:123456789012:log-group:/my/group:*").unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.service, "logs");
        assert_eq!(arn.region, "us-east-1");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.resource, "log-group:/my/group:*");
        assert_eq!(arn.resource_type(), "log-group");
        assert_eq!(
            arn.to_string(),
            "arn:aws:logs:us-east-1:123456789012:log-group:/my/group:*"
        );
    }

    #[test]
    fn rejects_malformed_values_with_reason() {
        assert_eq!(Arn::parse(""), Err(ArnError::Empty));
        assert_eq!(Arn::parse("role/x"), Err(ArnError::MissingPrefix));
        assert_eq!(
            Arn::parse("arn:aws:iam::123456789012"),
            Err(ArnError::TooFewParts)
        );
        assert_eq!(
            Arn::parse("arn::iam::123456789012:role/x"),
            Err(ArnError::EmptyPart("partition"))
        );
        assert_eq!(
            Arn::parse("arn:aws:iam::123456789012:"),
            Err(ArnError::EmptyPart("resource"))
        );
        assert_eq!(
            Arn::parse("arn:AWS:iam::123456789012:role/x"),
            Err(ArnError::Partition("AWS".into()))
        );
        assert_eq!(
            Arn::parse("arn:aws:iam::123456789012:role/a b"),
            Err(ArnError::Whitespace)
        );
    }

    #[test]
    fn classifies_principals() {
        let kind = |s: &str| Arn::parse(s).unwrap().principal_kind();
        assert_eq!(
            kind("arn:aws:iam::123456789012:user/alice"),
            Ok(PrincipalKind::IamUser)
        );
        assert_eq!(
            kind("arn:aws-cn:iam::123456789012:role/team/deploy"),
            Ok(PrincipalKind::IamRole)
        );
        assert_eq!(
            kind("arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com"),
            Ok(PrincipalKind::AssumedRole)
        );
        let err = kind("arn:aws:iam::123456789012:group/admins").unwrap_err();
        assert!(err.contains("service \"iam\" and type \"group\""), "{err}");
        let err = kind("arn:aws:iam::12345:role/x").unwrap_err();
        assert!(err.contains("\"12345\""), "{err}");
        let err = kind("arn:aws:iam:us-east-1:123456789012:role/x").unwrap_err();
        assert!(err.contains("region"), "{err}");
        let err = kind("arn:aws:iam::123456789012:role/").unwrap_err();
        assert!(err.contains("complete name"), "{err}");
        let err = kind("arn:aws:sts::123456789012:assumed-role/OnlyRole").unwrap_err();
        assert!(err.contains("<session-name>"), "{err}");
    }
}
