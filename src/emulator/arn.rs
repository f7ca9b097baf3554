//! IAM/STS principal ARNs: parsing, the `OWNER`/`LAUNCH_ROLE` checks, and role matching for visibility.
//! The emulator parses ARNs itself, apart from the provider's parser, so each checks the other.

use std::sync::LazyLock;

use regex::Regex;

use super::error::ServiceError;

/// The kind of principal an ARN names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArnKind {
    /// `arn:<p>:iam::<acct>:user/<path/>name`
    User,
    /// `arn:<p>:iam::<acct>:role/<path/>name`
    Role,
    /// `arn:<p>:sts::<acct>:assumed-role/<role>/<session>`
    AssumedRole,
}

/// A parsed principal ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalArn {
    /// ARN partition (`aws`, `aws-cn`, ...).
    pub partition: String,
    /// 12-digit account id.
    pub account: String,
    /// What it names.
    pub kind: ArnKind,
    /// Role name (for roles and assumed roles), without path.
    pub role_name: Option<String>,
}

static IAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:([a-z][a-z0-9-]{0,62}):iam::([0-9]{12}):(user|role)/((?:[\x21-\x7e]+/)*)([\w+=,.@-]{1,128})$")
        .expect("static regex")
});
static STS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:([a-z][a-z0-9-]{0,62}):sts::([0-9]{12}):assumed-role/([\w+=,.@-]{1,64})/([\w+=,.@-]{1,64})$")
        .expect("static regex")
});

/// Parses an IAM user, IAM role or STS assumed-role ARN.
pub fn parse_principal(arn: &str) -> Option<PrincipalArn> {
    if let Some(c) = IAM.captures(arn) {
        let kind = if &c[3] == "user" {
            ArnKind::User
        } else {
            ArnKind::Role
        };
        let role_name = (kind == ArnKind::Role).then(|| c[5].to_owned());
        return Some(PrincipalArn {
            partition: c[1].to_owned(),
            account: c[2].to_owned(),
            kind,
            role_name,
        });
    }
    STS.captures(arn).map(|c| PrincipalArn {
        partition: c[1].to_owned(),
        account: c[2].to_owned(),
        kind: ArnKind::AssumedRole,
        role_name: Some(c[3].to_owned()),
    })
}

/// Checks an `OWNER` value: IAM user, IAM role or STS assumed-role ARN in this account and partition.
pub fn check_owner(
    value: &str,
    account: &str,
    partition: &str,
) -> Result<PrincipalArn, ServiceError> {
    let parsed = parse_principal(value).ok_or_else(|| {
        ServiceError::invalid_parameters(format!(
            "OWNER value '{value}' is not an IAM user ARN, IAM role ARN or STS assumed-role ARN"
        ))
    })?;
    same_account("OWNER", value, &parsed, account, partition)?;
    Ok(parsed)
}

/// Checks a `LAUNCH_ROLE` value: an IAM role ARN (a user ARN is invalid) in this account and partition.
pub fn check_launch_role(
    value: &str,
    account: &str,
    partition: &str,
) -> Result<PrincipalArn, ServiceError> {
    let parsed = parse_principal(value)
        .filter(|p| p.kind == ArnKind::Role)
        .ok_or_else(|| {
            ServiceError::invalid_parameters(format!(
                "LAUNCH_ROLE value '{value}' is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)"
            ))
        })?;
    same_account("LAUNCH_ROLE", value, &parsed, account, partition)?;
    Ok(parsed)
}

fn same_account(
    key: &str,
    value: &str,
    parsed: &PrincipalArn,
    account: &str,
    partition: &str,
) -> Result<(), ServiceError> {
    if parsed.account != account {
        return Err(ServiceError::invalid_parameters(format!(
            "{key} value '{value}' is in account {}, not in this account ({account})",
            parsed.account
        )));
    }
    if parsed.partition != partition {
        return Err(ServiceError::invalid_parameters(format!(
            "{key} value '{value}' is in partition '{}', not in '{partition}'",
            parsed.partition
        )));
    }
    Ok(())
}

/// The role a principal ARN acts as, if any.
pub fn role_of(arn: &str) -> Option<String> {
    parse_principal(arn).and_then(|p| p.role_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_accepts_user_role_and_assumed_role_in_the_account() {
        for arn in [
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::123456789012:user/division/team/alice",
            "arn:aws:iam::123456789012:role/TeamRole",
            "arn:aws:sts::123456789012:assumed-role/TeamRole/session-1",
        ] {
            assert!(check_owner(arn, "123456789012", "aws").is_ok(), "{arn}");
        }
    }

    #[test]
    fn owner_rejects_other_accounts_and_non_principals() {
        let err =
            check_owner("arn:aws:iam::999999999999:user/bob", "123456789012", "aws").unwrap_err();
        assert!(err.message.contains("999999999999"), "{}", err.message);
        for arn in [
            "",
            "bob",
            "arn:aws:iam::123456789012:group/devs",
            "arn:aws:s3:::bucket",
        ] {
            let err = check_owner(arn, "123456789012", "aws").unwrap_err();
            assert!(err.message.contains(&format!("'{arn}'")), "{}", err.message);
        }
    }

    #[test]
    fn launch_role_accepts_only_roles() {
        assert!(check_launch_role(
            "arn:aws:iam::123456789012:role/path/Launch",
            "123456789012",
            "aws"
        )
        .is_ok());
        assert!(check_launch_role(
            "arn:aws:iam::123456789012:user/alice",
            "123456789012",
            "aws"
        )
        .is_err());
        assert!(check_launch_role(
            "arn:aws:sts::123456789012:assumed-role/R/s",
            "123456789012",
            "aws"
        )
        .is_err());
    }

    #[test]
    fn role_of_matches_role_and_its_sessions() {
        assert_eq!(
            role_of("arn:aws:iam::123456789012:role/a/b/Dev").as_deref(),
            Some("Dev")
        );
        assert_eq!(
            role_of("arn:aws:sts::123456789012:assumed-role/Dev/s").as_deref(),
            Some("Dev")
        );
        assert_eq!(role_of("arn:aws:iam::123456789012:user/Dev"), None);
    }
}
