//! Credentials, resolved at configure time so a missing source fails ConfigureProvider with one
//! error; what was resolved is handed to the first API call ([`Resolved`]).

use std::sync::Mutex;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;

use super::config::{ConfigError, ProviderConfig};
use crate::servicecatalog::cause::{
    credentials_problem, describe, source_name, Cause, CredentialsProblem,
};

/// Resolves `sdk`'s credentials once; on success `sdk` comes back with a provider that hands
/// those credentials to the first call and asks the original provider after that.
pub(super) async fn resolve(
    config: &ProviderConfig,
    sdk: SdkConfig,
) -> Result<SdkConfig, ConfigError> {
    let Some(provider) = sdk.credentials_provider() else {
        return Ok(sdk);
    };
    match provider.provide_credentials().await {
        Ok(credentials) => Ok(sdk
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(Resolved {
                first: Mutex::new(Some(credentials)),
                rest: provider,
            }))
            .build()),
        Err(e) => Err(credentials_error(config, credentials_problem(&e))),
    }
}

/// Credentials resolved at configure, given out once, then the provider they came from.
#[derive(Debug)]
struct Resolved {
    first: Mutex<Option<Credentials>>,
    rest: SharedCredentialsProvider,
}

impl ProvideCredentials for Resolved {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = match self.first.lock() {
            Ok(mut first) => first.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        let unexpired = first.filter(|c| c.expiry().is_none_or(|at| at > SystemTime::now()));
        match unexpired {
            Some(credentials) => future::ProvideCredentials::ready(Ok(credentials)),
            None => self.rest.provide_credentials(),
        }
    }
}

/// The configure-time error for `problem`: one sentence of what was tried, what went wrong and
/// what to do.
pub(super) fn credentials_error(
    config: &ProviderConfig,
    problem: CredentialsProblem,
) -> ConfigError {
    let role = config
        .assume_role
        .as_ref()
        .and_then(|r| r.role_arn.as_deref());
    let Some(role) = role else {
        return chain_error(config, problem);
    };
    let (what, remedy) = match problem {
        CredentialsProblem::Sts { operation, cause } => match *cause {
            // STS could not be called for want of base credentials: those are what to fix.
            Cause::Credentials(base) => {
                let mut error = chain_error(config, base);
                if let ConfigError::Credentials { detail, .. } = &mut error {
                    detail.push_str(&format!(
                        " (The provider needs base credentials to call STS {operation} for role {role}.)"
                    ));
                }
                return error;
            }
            cause => (
                format!("AWS STS {operation} failed: {}", describe(&cause)),
                sts_remedy(matches!(cause, Cause::Transport(_))),
            ),
        },
        other => (other.to_string(), sts_remedy(false)),
    };
    ConfigError::Credentials {
        summary: "Cannot assume the IAM role",
        argument: Some("assume_role.role_arn"),
        detail: format!("The provider could not assume role {role}: {what}. {remedy}"),
    }
}

/// The error for credentials the default chain could not provide (no provider arguments).
fn chain_error(config: &ProviderConfig, problem: CredentialsProblem) -> ConfigError {
    match problem {
        CredentialsProblem::NotFound { tried } => ConfigError::Credentials {
            summary: "No AWS credentials found",
            argument: None,
            detail: format!(
                "The provider found no AWS credentials. It tried, in order: {}. {FIX}",
                tried_sources(config, &tried).join("; ")
            ),
        },
        problem => {
            let what = match problem {
                CredentialsProblem::Failed(what) => what,
                other => other.to_string(),
            };
            ConfigError::Credentials {
                summary: "Cannot get AWS credentials",
                argument: None,
                detail: format!(
                    "The provider block sets no access_key and secret_key, so the provider asked \
                     the default credential chain ({}), and it failed: {what}. Fix that source, \
                     or {FIX_LOWER}",
                    default_chain(config).join("; ")
                ),
            }
        }
    }
}

const FIX: &str = "Set access_key and secret_key in the provider block, set profile (or \
AWS_PROFILE) to a profile that has credentials, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
in the environment; on AWS compute, attach a role to the instance, task or service account";

const FIX_LOWER: &str = "set access_key and secret_key in the provider block, set profile (or \
AWS_PROFILE) to a profile that has credentials, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
in the environment";

/// What to do when assuming the role failed: about the network when STS was not reached,
/// else about the role.
fn sts_remedy(unreachable: bool) -> &'static str {
    if unreachable {
        "Check this machine's network access to AWS STS (firewall, proxy, VPC endpoint), then run Terraform again"
    } else {
        "Check that the role exists, that its trust policy lets the provider's base credentials \
         assume it (with assume_role.external_id if the policy requires one), and that \
         assume_role.duration is within the role's maximum session duration"
    }
}

/// The sources tried, in order: the provider arguments, then each source of the chain, with
/// what it said when that says more than "not set" (the profile, instance metadata).
fn tried_sources(config: &ProviderConfig, tried: &[(String, Option<String>)]) -> Vec<String> {
    let mut sources = vec!["the provider block (access_key and secret_key are not set)".to_owned()];
    if tried.is_empty() {
        sources.extend(default_chain(config));
        return sources;
    }
    for (name, said) in tried {
        let what = match name.as_str() {
            "Profile" => profile_source(config),
            other => source_name(other),
        };
        let restates_not_set = matches!(
            name.as_str(),
            "Environment" | "WebIdentityToken" | "EcsContainer"
        );
        sources.push(match said {
            Some(said) if !restates_not_set => format!("{what}: {said}"),
            _ => what,
        });
    }
    sources
}

/// `aws-config`'s default chain, in words (when it gave no account of its own).
fn default_chain(config: &ProviderConfig) -> Vec<String> {
    [
        "Environment",
        "Profile",
        "WebIdentityToken",
        "EcsContainer",
        "Ec2InstanceMetadata",
    ]
    .iter()
    .map(|name| match *name {
        "Profile" => profile_source(config),
        other => source_name(other),
    })
    .collect()
}

/// The profile and files the chain read, as `aws-config` picks them.
fn profile_source(config: &ProviderConfig) -> String {
    let profile = config
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let files = |given: &Option<Vec<String>>, env: &str, default: &str| -> Vec<String> {
        match given {
            Some(files) => files.clone(),
            None => vec![std::env::var(env)
                .ok()
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| default.to_owned())],
        }
    };
    let mut all = files(
        &config.shared_config_files,
        "AWS_CONFIG_FILE",
        "~/.aws/config",
    );
    all.extend(files(
        &config.shared_credentials_files,
        "AWS_SHARED_CREDENTIALS_FILE",
        "~/.aws/credentials",
    ));
    format!(
        "profile {profile:?} in the shared files {}",
        all.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::config::AssumeRole;
    use crate::servicecatalog::cause::sentence::assert_sentence;

    /// Profile and files given as arguments, so the environment does not change the text.
    fn config() -> ProviderConfig {
        ProviderConfig {
            profile: Some("ops".into()),
            shared_config_files: Some(vec!["conf".into()]),
            shared_credentials_files: Some(vec!["creds".into()]),
            ..Default::default()
        }
    }

    fn chain_said_nothing_useful() -> CredentialsProblem {
        CredentialsProblem::NotFound {
            tried: vec![
                (
                    "Environment".into(),
                    Some("environment variable not set".into()),
                ),
                ("Profile".into(), None),
                (
                    "WebIdentityToken".into(),
                    Some("$AWS_WEB_IDENTITY_TOKEN_FILE was not set".into()),
                ),
                (
                    "EcsContainer".into(),
                    Some("ECS provider not configured".into()),
                ),
                (
                    "Ec2InstanceMetadata".into(),
                    Some("IMDS disabled by AWS_EC2_METADATA_DISABLED env var set to `true`".into()),
                ),
            ],
        }
    }

    #[test]
    fn no_credentials_names_every_source_in_order_and_how_to_fix_it() {
        let err = credentials_error(&config(), chain_said_nothing_useful());
        assert_eq!(err.summary(), "No AWS credentials found");
        assert_eq!(err.argument(), None);
        let msg = err.to_string();
        assert_sentence(
            &msg,
            &[
                "The provider found no AWS credentials. It tried, in order: \
                 the provider block (access_key and secret_key are not set); \
                 the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; \
                 profile \"ops\" in the shared files conf and creds; \
                 web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN); \
                 container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI); \
                 EC2 instance metadata (IMDS): IMDS disabled by AWS_EC2_METADATA_DISABLED env var set to `true`.",
                "Set access_key and secret_key in the provider block",
                "set profile (or AWS_PROFILE)",
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment",
            ],
        );
        // What merely restates "not set" is not repeated.
        assert!(!msg.contains("ECS provider not configured"), "{msg}");
    }

    #[test]
    fn missing_base_credentials_for_assume_role_say_so() {
        let config = ProviderConfig {
            assume_role: Some(AssumeRole {
                role_arn: Some("arn:aws:iam::123456789012:role/admin".into()),
                ..Default::default()
            }),
            ..config()
        };
        let problem = CredentialsProblem::Sts {
            operation: "AssumeRole",
            cause: Box::new(Cause::Credentials(chain_said_nothing_useful())),
        };
        let err = credentials_error(&config, problem);
        assert_eq!(err.summary(), "No AWS credentials found");
        assert_sentence(
            &err.to_string(),
            &[
                "It tried, in order: the provider block",
                "The provider needs base credentials to call STS AssumeRole for role arn:aws:iam::123456789012:role/admin",
            ],
        );
    }

    #[test]
    fn a_failing_source_is_quoted_with_the_chain_it_was_in() {
        let problem = CredentialsProblem::Failed(
            "failed to load IMDS session token: request forbidden: IMDS is disabled or the caller has insufficient permissions"
                .into(),
        );
        let err = credentials_error(&config(), problem);
        assert_eq!(err.summary(), "Cannot get AWS credentials");
        assert_sentence(
            &err.to_string(),
            &[
                "The provider block sets no access_key and secret_key",
                "profile \"ops\" in the shared files conf and creds",
                "EC2 instance metadata (IMDS)",
                "and it failed: failed to load IMDS session token: request forbidden",
                "Fix that source, or set access_key and secret_key",
            ],
        );
    }

    #[test]
    fn with_a_role_a_failing_base_source_or_an_unusable_sts_answer_say_which() {
        let config = ProviderConfig {
            assume_role: Some(AssumeRole {
                role_arn: Some("arn:aws:iam::123456789012:role/admin".into()),
                ..Default::default()
            }),
            ..config()
        };
        let base_failed = CredentialsProblem::Sts {
            operation: "AssumeRole",
            cause: Box::new(Cause::Credentials(CredentialsProblem::Failed(
                "the credential process exited with status 1".into(),
            ))),
        };
        let err = credentials_error(&config, base_failed);
        assert_eq!(err.summary(), "Cannot get AWS credentials");
        assert_sentence(
            &err.to_string(),
            &[
                "and it failed: the credential process exited with status 1",
                "needs base credentials to call STS AssumeRole for role arn:aws:iam::123456789012:role/admin",
            ],
        );
        let unusable = CredentialsProblem::Failed("STS credentials must be defined".into());
        let err = credentials_error(&config, unusable);
        assert_eq!(err.summary(), "Cannot assume the IAM role");
        assert_eq!(err.argument(), Some("assume_role.role_arn"));
        assert_sentence(
            &err.to_string(),
            &[
                "could not assume role arn:aws:iam::123456789012:role/admin: loading credentials failed: STS credentials must be defined",
                "trust policy",
            ],
        );
    }

    /// The credentials resolved at configure go to the first call, later calls ask the source.
    #[tokio::test]
    async fn resolved_credentials_are_handed_out_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&asked);
        let source = aws_credential_types::credential_fn::provide_credentials_fn(move || {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(Credentials::new("AKIDLATER", "later", None, None, "test"))
            }
        });
        let resolved = Resolved {
            first: Mutex::new(Some(Credentials::new(
                "AKIDFIRST",
                "first",
                None,
                None,
                "test",
            ))),
            rest: SharedCredentialsProvider::new(source),
        };
        let first = resolved.provide_credentials().await.unwrap();
        assert_eq!(
            (first.access_key_id(), asked.load(Ordering::SeqCst)),
            ("AKIDFIRST", 0)
        );
        let later = resolved.provide_credentials().await.unwrap();
        assert_eq!(
            (later.access_key_id(), asked.load(Ordering::SeqCst)),
            ("AKIDLATER", 1)
        );
    }
}
