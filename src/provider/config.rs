//! The provider block's arguments ([`ProviderConfig`]): every rule on them, with messages naming
//! the argument, and the Service Catalog client built through `aws-config`'s default chain.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

use crate::servicecatalog::arn::Arn;
use crate::servicecatalog::{AcceptLanguage, ServiceCatalog};
use crate::tfplugin::timeouts::parse_duration;
use crate::tfplugin::Number;

/// Shortest `assume_role.duration` STS accepts.
pub const MIN_ASSUME_ROLE_DURATION: Duration = Duration::from_secs(15 * 60);
/// Longest `assume_role.duration` STS accepts (the role's own maximum may be lower).
pub const MAX_ASSUME_ROLE_DURATION: Duration = Duration::from_secs(12 * 60 * 60);
/// Largest accepted `max_retries`.
pub const MAX_RETRIES_LIMIT: i64 = 100;
/// How long one request attempt may take when `request_timeout` is unset.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Shortest accepted `request_timeout`: below it, ordinary answers would time out.
pub const MIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
/// How long opening a connection may take (within the attempt's `request_timeout`).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Credential source name shown by the SDK for provider-given static keys.
const STATIC_PROVIDER_NAME: &str = "provider-arguments";

/// The `assume_role` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssumeRole {
    /// Required in the block.
    pub role_arn: Option<String>,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    /// A Go-style duration such as `1h` or `45m`, 15m..12h.
    pub duration: Option<String>,
}

/// The provider block's arguments (documented in the provider schema); every one is optional.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProviderConfig {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub shared_config_files: Option<Vec<String>>,
    pub shared_credentials_files: Option<Vec<String>>,
    pub assume_role: Option<AssumeRole>,
    pub endpoint: Option<String>,
    /// Retries after the first attempt.
    pub max_retries: Option<i64>,
    pub accept_language: Option<String>,
    /// A duration bounding each request attempt ([`DEFAULT_REQUEST_TIMEOUT`] when unset).
    pub request_timeout: Option<String>,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn redacted(v: &Option<String>) -> Option<&'static str> {
            v.as_ref().map(|_| "** redacted **")
        }
        f.debug_struct("ProviderConfig")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("access_key", &redacted(&self.access_key))
            .field("secret_key", &redacted(&self.secret_key))
            .field("token", &redacted(&self.token))
            .field("shared_config_files", &self.shared_config_files)
            .field("shared_credentials_files", &self.shared_credentials_files)
            .field("assume_role", &self.assume_role)
            .field("endpoint", &self.endpoint.as_deref().map(display_url))
            .field("max_retries", &self.max_retries)
            .field("accept_language", &self.accept_language)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// A provider configuration problem. [`ConfigError::argument`] gives the attribute path
/// (`assume_role.duration`) for diagnostics. No credential value is ever included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An argument has a bad value.
    #[error("invalid provider argument `{argument}`: {reason}")]
    Invalid {
        /// The argument's path, e.g. `assume_role.duration`.
        argument: &'static str,
        /// What is wrong, quoting the value unless it is a credential.
        reason: String,
    },
    /// No region in the arguments, the environment or the shared config.
    #[error("no AWS region is configured: set `region` in the provider block, AWS_REGION (or AWS_DEFAULT_REGION) in the environment, or `region` in the shared config profile")]
    MissingRegion,
    /// No credentials could be resolved at configure time.
    #[error("{detail}")]
    Credentials {
        /// The diagnostic's summary.
        summary: &'static str,
        /// The argument to point at, if one is to blame (`assume_role.role_arn`).
        argument: Option<&'static str>,
        /// What was tried, what went wrong, what to do.
        detail: String,
    },
}

impl ConfigError {
    /// The argument path the error is about, if any.
    pub fn argument(&self) -> Option<&'static str> {
        match self {
            ConfigError::Invalid { argument, .. } => Some(argument),
            ConfigError::MissingRegion => Some("region"),
            ConfigError::Credentials { argument, .. } => *argument,
        }
    }

    /// The diagnostic's summary.
    pub fn summary(&self) -> &'static str {
        match self {
            ConfigError::Invalid { .. } | ConfigError::MissingRegion => {
                "Invalid provider configuration"
            }
            ConfigError::Credentials { summary, .. } => summary,
        }
    }

    fn invalid(argument: &'static str, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            argument,
            reason: reason.into(),
        }
    }
}

/// A URL for messages: user info (`user:pass@`) is never shown.
fn display_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            format!("{u} (user info removed)")
        }
        Ok(_) => url.to_owned(),
        Err(_) if url.contains('@') => "(value not shown: it may contain user info)".to_owned(),
        Err(_) => url.to_owned(),
    }
}

fn check_not_empty(errors: &mut Vec<ConfigError>, argument: &'static str, value: &Option<String>) {
    if value.as_deref() == Some("") {
        errors.push(ConfigError::invalid(argument, "must not be empty when set"));
    }
}

fn check_chars(
    errors: &mut Vec<ConfigError>,
    argument: &'static str,
    value: &str,
    len: std::ops::RangeInclusive<usize>,
    extra: &str,
) {
    let n = value.chars().count();
    if !len.contains(&n) {
        errors.push(ConfigError::invalid(
            argument,
            format!(
                "{value:?} is {n} characters long; {}..{} are allowed",
                len.start(),
                len.end()
            ),
        ));
    } else if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_+=,.@-".contains(*c) || extra.contains(*c)))
    {
        errors.push(ConfigError::invalid(
            argument,
            format!("{value:?} contains {bad:?}; allowed are letters, digits and _+=,.@-{extra}"),
        ));
    }
}

/// `max_retries` from the provider block's number: a whole number (its range is checked by
/// [`ProviderConfig::validate`]), else an error quoting the value.
pub fn max_retries_from(number: &Number) -> Result<i64, ConfigError> {
    if let Some(n) = number.as_i64() {
        return Ok(n);
    }
    match number.to_f64() {
        // Whole, but beyond i64: out of range like any other too-large value.
        Some(f) if f.is_finite() && f.fract() == 0.0 => Err(max_retries_out_of_range(number)),
        _ => Err(ConfigError::invalid(
            "max_retries",
            format!(
                "{number} is not a whole number; use a count of retries from 0 to {MAX_RETRIES_LIMIT}"
            ),
        )),
    }
}

fn max_retries_out_of_range(value: impl fmt::Display) -> ConfigError {
    ConfigError::invalid(
        "max_retries",
        format!("{value} is out of range; use 0 to {MAX_RETRIES_LIMIT}"),
    )
}

impl ProviderConfig {
    /// Checks every argument without touching the network or the environment, and returns all problems.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();

        if let Some(region) = &self.region {
            if region.is_empty()
                || !region
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                errors.push(ConfigError::invalid(
                    "region",
                    format!("{region:?} is not a region name (e.g. us-east-1)"),
                ));
            }
        }
        check_not_empty(&mut errors, "profile", &self.profile);

        // Credentials: never quote their values.
        for (argument, value) in [
            ("access_key", &self.access_key),
            ("secret_key", &self.secret_key),
            ("token", &self.token),
        ] {
            check_not_empty(&mut errors, argument, value);
        }
        match (&self.access_key, &self.secret_key) {
            (Some(_), None) => errors.push(ConfigError::invalid(
                "secret_key",
                "access_key is set but secret_key is not; static credentials need both",
            )),
            (None, Some(_)) => errors.push(ConfigError::invalid(
                "access_key",
                "secret_key is set but access_key is not; static credentials need both",
            )),
            _ => {}
        }
        if self.token.is_some() && (self.access_key.is_none() || self.secret_key.is_none()) {
            errors.push(ConfigError::invalid(
                "token",
                "token is only used with access_key and secret_key; set both or remove token",
            ));
        }

        for (argument, files) in [
            ("shared_config_files", &self.shared_config_files),
            ("shared_credentials_files", &self.shared_credentials_files),
        ] {
            if let Some(files) = files {
                if files.is_empty() {
                    errors.push(ConfigError::invalid(
                        argument,
                        "must list at least one file when set",
                    ));
                }
                if files.iter().any(String::is_empty) {
                    errors.push(ConfigError::invalid(argument, "contains an empty path"));
                }
            }
        }

        if let Some(role) = &self.assume_role {
            match role.role_arn.as_deref() {
                None | Some("") => errors.push(ConfigError::invalid(
                    "assume_role.role_arn",
                    "is required in the assume_role block",
                )),
                Some(arn) => {
                    let checked = Arn::parse(arn)
                        .map_err(|e| format!("{arn:?} is not a valid ARN: {e}"))
                        .and_then(|parsed| {
                            parsed.check_role().map_err(|found| {
                                format!("{arn:?} must be an IAM role ARN, but it is {found}")
                            })
                        });
                    if let Err(reason) = checked {
                        errors.push(ConfigError::invalid("assume_role.role_arn", reason));
                    }
                }
            }
            if let Some(name) = &role.session_name {
                check_chars(&mut errors, "assume_role.session_name", name, 2..=64, "");
            }
            if let Some(id) = &role.external_id {
                check_chars(&mut errors, "assume_role.external_id", id, 2..=1224, ":/");
            }
            if let Some(duration) = &role.duration {
                match parse_duration(duration).map_err(|e| e.reason) {
                    Err(reason) => errors.push(ConfigError::invalid(
                        "assume_role.duration",
                        format!("{duration:?} is not a duration ({reason}); write it like 1h, 45m or 1h30m"),
                    )),
                    Ok(d) if !(MIN_ASSUME_ROLE_DURATION..=MAX_ASSUME_ROLE_DURATION).contains(&d) => {
                        errors.push(ConfigError::invalid(
                            "assume_role.duration",
                            format!("{duration:?} is outside the range STS accepts, 15m to 12h"),
                        ))
                    }
                    Ok(_) => {}
                }
            }
        }

        if let Some(endpoint) = &self.endpoint {
            if let Err(reason) = check_endpoint(endpoint) {
                errors.push(ConfigError::invalid("endpoint", reason));
            }
        }

        if let Some(n) = self.max_retries {
            if !(0..=MAX_RETRIES_LIMIT).contains(&n) {
                errors.push(max_retries_out_of_range(n));
            }
        }

        if let Some(language) = &self.accept_language {
            if let Err(e) = language.parse::<AcceptLanguage>() {
                errors.push(ConfigError::invalid("accept_language", e.to_string()));
            }
        }

        if let Err(e) = self.request_timeout() {
            errors.push(e);
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The `accept_language` argument, parsed.
    pub fn accept_language(&self) -> Result<Option<AcceptLanguage>, ConfigError> {
        self.accept_language
            .as_deref()
            .map(|l| {
                l.parse()
                    .map_err(|e: crate::servicecatalog::ValidationError| {
                        ConfigError::invalid("accept_language", e.to_string())
                    })
            })
            .transpose()
    }

    /// How long one request attempt may take: `request_timeout`, else [`DEFAULT_REQUEST_TIMEOUT`].
    pub fn request_timeout(&self) -> Result<Duration, ConfigError> {
        let Some(text) = self.request_timeout.as_deref() else {
            return Ok(DEFAULT_REQUEST_TIMEOUT);
        };
        match parse_duration(text) {
            Err(e) => Err(ConfigError::invalid(
                "request_timeout",
                format!(
                    "{text:?} is not a duration ({}); write it like 30s, 2m or 1m30s",
                    e.reason
                ),
            )),
            Ok(d) if d < MIN_REQUEST_TIMEOUT => Err(ConfigError::invalid(
                "request_timeout",
                format!("{text:?} is too short; use at least 1s (the default is 60s)"),
            )),
            Ok(d) => Ok(d),
        }
    }

    /// Validates, resolves the AWS configuration and the credentials (see `credentials`)
    /// and builds the Service Catalog client.
    pub async fn load(&self) -> Result<ServiceCatalog, ConfigError> {
        let sdk = super::credentials::resolve(self, self.sdk_config().await?).await?;
        Ok(ServiceCatalog::from_conf(self.service_catalog_config(&sdk))
            .with_accept_language(self.accept_language()?)
            .with_throttling_resent(self.max_retries.is_none()))
    }

    /// Validates and resolves the shared AWS configuration (region, credentials, retries),
    /// with the provider arguments overriding the environment and shared files.
    pub async fn sdk_config(&self) -> Result<SdkConfig, ConfigError> {
        if let Err(mut errors) = self.validate() {
            return Err(errors.remove(0));
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if self.shared_config_files.is_some() || self.shared_credentials_files.is_some() {
            let mut files = EnvConfigFiles::builder()
                .include_default_config_file(self.shared_config_files.is_none())
                .include_default_credentials_file(self.shared_credentials_files.is_none());
            for path in self.shared_config_files.iter().flatten() {
                files = files.with_file(EnvConfigFileKind::Config, PathBuf::from(path));
            }
            for path in self.shared_credentials_files.iter().flatten() {
                files = files.with_file(EnvConfigFileKind::Credentials, PathBuf::from(path));
            }
            loader = loader.profile_files(files.build());
        }
        if let Some(retries) = self.max_retries {
            // validate() bounds it to 0..=MAX_RETRIES_LIMIT.
            let attempts = u32::try_from(retries).unwrap_or(0) + 1;
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(attempts));
        }
        loader = loader.timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(self.request_timeout()?)
                .build(),
        );
        if let (Some(access_key), Some(secret_key)) = (&self.access_key, &self.secret_key) {
            loader = loader.credentials_provider(Credentials::new(
                access_key.clone(),
                secret_key.clone(),
                self.token.clone(),
                None,
                STATIC_PROVIDER_NAME,
            ));
        }
        let mut sdk = loader.load().await;
        if sdk.region().is_none() {
            return Err(ConfigError::MissingRegion);
        }
        if let Some(role) = &self.assume_role {
            sdk = with_assumed_role(sdk, role).await;
        }
        Ok(sdk)
    }

    /// The Service Catalog client configuration for `sdk`, with `endpoint` applied. Retries stay
    /// in the standard mode: the SDK's adaptive mode, tried here, paced a client that had been
    /// throttled a few times down to one request every several seconds (a read throttled six
    /// times took 79 s instead of 4 s); throttling past the SDK's attempts is sent again by the
    /// API layer instead, with growing pauses (`servicecatalog::Wait`).
    pub fn service_catalog_config(&self, sdk: &SdkConfig) -> aws_sdk_servicecatalog::Config {
        let mut builder = aws_sdk_servicecatalog::config::Builder::from(sdk);
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        builder.build()
    }
}

/// Replaces the credentials of `sdk` with ones from `sts:AssumeRole`, signed by the current ones.
async fn with_assumed_role(sdk: SdkConfig, role: &AssumeRole) -> SdkConfig {
    // validate() made sure role_arn is present and the duration parses.
    let Some(role_arn) = role.role_arn.clone() else {
        return sdk;
    };
    let mut builder = AssumeRoleProvider::builder(role_arn).configure(&sdk);
    if let Some(name) = &role.session_name {
        builder = builder.session_name(name);
    }
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id);
    }
    if let Some(duration) = role
        .duration
        .as_deref()
        .and_then(|d| parse_duration(d).ok())
    {
        builder = builder.session_length(duration);
    }
    let provider = builder.build().await;
    sdk.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let shown = display_url(endpoint);
    let url = url::Url::parse(endpoint).map_err(|e| {
        format!("{shown:?} is not a URL ({e}); expected e.g. http://127.0.0.1:4566")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{shown:?} uses scheme {:?}; only http and https are supported",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{shown:?} has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{shown:?} must not carry user info; credentials go in access_key/secret_key"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::retry::RetryMode;

    fn invalid(config: &ProviderConfig) -> Vec<(Option<&'static str>, String)> {
        config
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.argument(), e.to_string()))
            .collect()
    }

    #[test]
    fn empty_config_is_valid() {
        assert_eq!(ProviderConfig::default().validate(), Ok(()));
    }

    #[test]
    fn full_valid_config() {
        let config = ProviderConfig {
            region: Some("eu-west-1".into()),
            profile: Some("ops".into()),
            access_key: Some("AKIDEXAMPLE".into()),
            secret_key: Some("s3cr3t".into()),
            token: Some("tok".into()),
            shared_config_files: Some(vec!["conf".into()]),
            shared_credentials_files: Some(vec!["creds".into()]),
            assume_role: Some(AssumeRole {
                role_arn: Some("arn:aws:iam::123456789012:role/admin".into()),
                session_name: Some("terraform@ci".into()),
                external_id: Some("ext-123:abc".into()),
                duration: Some("1h30m".into()),
            }),
            endpoint: Some("http://127.0.0.1:4566".into()),
            max_retries: Some(5),
            accept_language: Some("jp".into()),
            request_timeout: Some("1m30s".into()),
        };
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.accept_language(), Ok(Some(AcceptLanguage::Jp)));
    }

    #[test]
    fn go_durations() {
        let ok = [
            ("0", 0),
            ("15m", 900),
            ("1h", 3600),
            ("1h30m", 5400),
            ("1.5h", 5400),
            ("900s", 900),
            ("+2h", 7200),
            ("90m0s", 5400),
            ("1500ms", 1),
        ];
        for (s, secs) in ok {
            assert_eq!(
                parse_duration(s).map(|d| d.as_secs()).ok(),
                Some(secs),
                "{s}"
            );
        }
        for bad in ["", "1", "h", "1d", "-1h", "1h-", "1..5h", "abc", "+"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn bad_arguments_name_the_argument_and_value() {
        let config = ProviderConfig {
            region: Some("US East".into()),
            assume_role: Some(AssumeRole {
                role_arn: Some("arn:aws:iam::123456789012:user/bob".into()),
                session_name: Some("a b".into()),
                external_id: Some("x".into()),
                duration: Some("10m".into()),
            }),
            endpoint: Some("ftp://example.com".into()),
            max_retries: Some(-1),
            accept_language: Some("fr".into()),
            ..Default::default()
        };
        let errors = invalid(&config);
        let expect = [
            ("region", "\"US East\" is not a region name"),
            (
                "assume_role.role_arn",
                "must be an IAM role ARN, but it is an IAM user ARN",
            ),
            ("assume_role.session_name", "\"a b\" contains ' '"),
            (
                "assume_role.external_id",
                "\"x\" is 1 characters long; 2..1224",
            ),
            (
                "assume_role.duration",
                "\"10m\" is outside the range STS accepts, 15m to 12h",
            ),
            ("endpoint", "\"ftp://example.com\" uses scheme \"ftp\""),
            ("max_retries", "-1 is out of range"),
            (
                "accept_language",
                "\"fr\" is not supported: expected one of en, jp, zh",
            ),
        ];
        assert_eq!(errors.len(), expect.len(), "{errors:#?}");
        for ((arg, msg), (want_arg, want)) in errors.iter().zip(expect) {
            assert_eq!(*arg, Some(want_arg));
            assert!(msg.contains(want), "{msg} should contain {want}");
            assert!(
                msg.contains(&format!("`{want_arg}`")),
                "{msg} names the argument"
            );
        }
    }

    #[test]
    fn max_retries_must_be_a_whole_number_in_range() {
        let from = |text: &str| max_retries_from(&text.parse::<Number>().expect("a number"));
        assert_eq!(from("3"), Ok(3));
        assert_eq!(from("3.0"), Ok(3));
        assert_eq!(max_retries_from(&Number::Float(100.0)), Ok(100));
        for (number, says) in [
            (Number::Float(2.5), "2.5 is not a whole number"),
            (
                "2.5".parse().expect("a number"),
                "2.5 is not a whole number",
            ),
            (
                "-0.5".parse().expect("a number"),
                "-0.5 is not a whole number",
            ),
            (
                "1e30".parse().expect("a number"),
                "1e30 is out of range; use 0 to 100",
            ),
        ] {
            let err = max_retries_from(&number).expect_err(says);
            assert_eq!(err.argument(), Some("max_retries"));
            let msg = err.to_string();
            assert!(msg.contains(says), "{msg} should contain {says}");
            assert!(msg.contains("`max_retries`"), "{msg} names the argument");
        }
        // Whole numbers keep their range errors, from validate.
        for (n, says) in [(-1, "-1 is out of range"), (101, "101 is out of range")] {
            let config = ProviderConfig {
                max_retries: Some(from(&n.to_string()).expect("whole")),
                ..Default::default()
            };
            let errors = invalid(&config);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].0, Some("max_retries"));
            assert!(errors[0].1.contains(says), "{}", errors[0].1);
        }
    }

    #[test]
    fn duration_errors_and_bounds() {
        let with = |d: &str| ProviderConfig {
            assume_role: Some(AssumeRole {
                role_arn: Some("arn:aws:iam::123456789012:role/r".into()),
                duration: Some(d.into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(with("15m").validate(), Ok(()));
        assert_eq!(with("12h").validate(), Ok(()));
        let msg = &invalid(&with("12h1s"))[0].1;
        assert!(msg.contains("15m to 12h"), "{msg}");
        let msg = &invalid(&with("1 hour"))[0].1;
        assert!(msg.contains("\"1 hour\" is not a duration"), "{msg}");
        let no_arn = ProviderConfig {
            assume_role: Some(AssumeRole::default()),
            ..Default::default()
        };
        assert_eq!(
            invalid(&no_arn),
            vec![(
                Some("assume_role.role_arn"),
                "invalid provider argument `assume_role.role_arn`: is required in the assume_role block".to_owned()
            )]
        );
    }

    #[test]
    fn request_timeout_is_a_duration_of_at_least_a_second() {
        let with = |t: &str| ProviderConfig {
            request_timeout: Some(t.into()),
            ..Default::default()
        };
        assert_eq!(
            ProviderConfig::default().request_timeout(),
            Ok(DEFAULT_REQUEST_TIMEOUT)
        );
        assert_eq!(with("1s").request_timeout(), Ok(Duration::from_secs(1)));
        assert_eq!(
            with("2m30s").request_timeout(),
            Ok(Duration::from_secs(150))
        );
        for (bad, says) in [
            ("60", "\"60\" is not a duration"),
            ("soon", "\"soon\" is not a duration"),
            ("500ms", "\"500ms\" is too short; use at least 1s"),
            ("0s", "\"0s\" is too short"),
        ] {
            let errors = invalid(&with(bad));
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].0, Some("request_timeout"));
            let msg = &errors[0].1;
            assert!(msg.contains(says), "{msg} should contain {says}");
            assert!(
                msg.contains("`request_timeout`"),
                "{msg} names the argument"
            );
        }
    }

    #[tokio::test]
    async fn every_attempt_and_connection_is_bounded() {
        let config = |timeout: Option<&str>| ProviderConfig {
            region: Some("us-east-1".into()),
            access_key: Some("AKIDEXAMPLE".into()),
            secret_key: Some("s3cr3t".into()),
            request_timeout: timeout.map(Into::into),
            ..Default::default()
        };
        for (timeout, attempt) in [
            (None, DEFAULT_REQUEST_TIMEOUT),
            (Some("5s"), Duration::from_secs(5)),
        ] {
            let sdk = config(timeout).sdk_config().await.expect("valid");
            let timeouts = sdk.timeout_config().expect("timeouts are configured");
            assert_eq!(timeouts.operation_attempt_timeout(), Some(attempt));
            assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
        }
    }

    #[test]
    fn endpoint_must_be_http_url_without_user_info() {
        let with = |e: &str| ProviderConfig {
            endpoint: Some(e.into()),
            ..Default::default()
        };
        assert_eq!(
            with("https://servicecatalog.us-east-1.amazonaws.com").validate(),
            Ok(())
        );
        assert_eq!(with("http://localhost:8080/").validate(), Ok(()));
        let msg = &invalid(&with("localhost:8080"))[0].1;
        assert!(msg.contains("\"localhost:8080\""), "{msg}");
        let msg = &invalid(&with("not a url"))[0].1;
        assert!(msg.contains("is not a URL"), "{msg}");
        let msg = &invalid(&with("http://admin:hunter2@host:1/"))[0].1;
        assert!(!msg.contains("hunter2"), "password leaked: {msg}");
        assert!(msg.contains("must not carry user info"), "{msg}");
    }

    #[test]
    fn static_credentials_must_come_in_pairs_and_are_never_quoted() {
        let only_key = ProviderConfig {
            access_key: Some("AKIAVERYSECRETKEYID".into()),
            ..Default::default()
        };
        let errors = invalid(&only_key);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, Some("secret_key"));
        assert!(errors[0]
            .1
            .contains("access_key is set but secret_key is not"));
        assert!(!errors[0].1.contains("AKIAVERYSECRETKEYID"));

        let only_secret = ProviderConfig {
            secret_key: Some("wJalrXUtnFEMI".into()),
            token: Some("FwoGZXIvYXdzE".into()),
            ..Default::default()
        };
        let errors = invalid(&only_secret);
        assert_eq!(
            errors.iter().map(|e| e.0).collect::<Vec<_>>(),
            vec![Some("access_key"), Some("token")]
        );
        for (_, msg) in &errors {
            assert!(
                !msg.contains("wJalrXUtnFEMI") && !msg.contains("FwoGZXIvYXdzE"),
                "{msg}"
            );
        }
        let empty = ProviderConfig {
            access_key: Some(String::new()),
            secret_key: Some(String::new()),
            ..Default::default()
        };
        let errors = invalid(&empty);
        assert_eq!(
            errors.iter().map(|e| e.0).collect::<Vec<_>>(),
            vec![Some("access_key"), Some("secret_key")]
        );
    }

    #[test]
    fn debug_redacts_credentials_and_endpoint_user_info() {
        let config = ProviderConfig {
            region: Some("us-east-1".into()),
            access_key: Some("AKIAEXAMPLEKEYID".into()),
            secret_key: Some("wJalrXUtnFEMI/K7MDENG".into()),
            token: Some("FwoGZXIvYXdzEJr".into()),
            endpoint: Some("http://user:pw123@localhost:1/".into()),
            ..Default::default()
        };
        let dump = format!("{config:?}");
        for secret in [
            "AKIAEXAMPLEKEYID",
            "wJalrXUtnFEMI/K7MDENG",
            "FwoGZXIvYXdzEJr",
            "pw123",
        ] {
            assert!(!dump.contains(secret), "{secret} leaked in {dump}");
        }
        assert!(
            dump.contains("secret_key: Some(\"** redacted **\")"),
            "{dump}"
        );
        assert!(dump.contains("us-east-1"), "{dump}");
    }

    #[tokio::test]
    async fn load_with_region_keys_and_endpoint_builds_a_client_without_network() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("config");
        let creds = dir.path().join("credentials");
        std::fs::write(&conf, "[default]\n").unwrap();
        std::fs::write(&creds, "[default]\n").unwrap();
        let config = ProviderConfig {
            region: Some("eu-central-1".into()),
            access_key: Some("AKIDTEST".into()),
            secret_key: Some("SECRET".into()),
            shared_config_files: Some(vec![conf.display().to_string()]),
            shared_credentials_files: Some(vec![creds.display().to_string()]),
            endpoint: Some("http://127.0.0.1:9".into()),
            max_retries: Some(0),
            accept_language: Some("zh".into()),
            ..Default::default()
        };
        let sdk = config.sdk_config().await.unwrap();
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-central-1"));
        assert_eq!(sdk.retry_config().map(|r| r.max_attempts()), Some(1));
        let sc = config.service_catalog_config(&sdk);
        assert_eq!(sc.region().map(|r| r.as_ref()), Some("eu-central-1"));
        let retry = sc.retry_config().expect("a retry configuration");
        assert_eq!(retry.mode(), RetryMode::Standard);
        assert_eq!(retry.max_attempts(), 1, "max_retries counts");
        let client = config.load().await.unwrap();
        assert_eq!(client.accept_language(), Some(AcceptLanguage::Zh));
        let dump = format!("{client:?}");
        assert!(
            !dump.contains("AKIDTEST") && !dump.contains("SECRET"),
            "{dump}"
        );
    }

    #[tokio::test]
    async fn region_from_a_shared_config_file_profile() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("config");
        std::fs::write(&conf, "[profile team]\nregion = ap-south-1\n").unwrap();
        let config = ProviderConfig {
            profile: Some("team".into()),
            shared_config_files: Some(vec![conf.display().to_string()]),
            ..Default::default()
        };
        let sdk = config.sdk_config().await.unwrap();
        // The environment outranks shared files, so a region set there wins.
        let expected = std::env::var("AWS_REGION")
            .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|_| "ap-south-1".to_owned());
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some(expected.as_str()));
    }

    const ASSUMED: &str = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
        <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/admin/tf</Arn>\
        <AssumedRoleId>AROAEXAMPLE:tf</AssumedRoleId></AssumedRoleUser>\
        <Credentials><AccessKeyId>ASIATEMPORARY</AccessKeyId><SecretAccessKey>temp-secret</SecretAccessKey>\
        <SessionToken>temp-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>\
        </AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>";

    /// A stand-in STS endpoint that records each AssumeRole request and grants it.
    async fn fake_sts() -> (String, tokio::sync::mpsc::Receiver<(String, String)>) {
        fake_sts_answering(200, ASSUMED).await
    }

    /// A stand-in STS endpoint that records each request and answers `status` with `body`.
    async fn fake_sts_answering(
        status: u16,
        body: &'static str,
    ) -> (String, tokio::sync::mpsc::Receiver<(String, String)>) {
        use axum::http::{HeaderMap, StatusCode};
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let status = StatusCode::from_u16(status).unwrap();
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(move |headers: HeaderMap, request: String| {
                let tx = tx.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let _ = tx.send((auth, request)).await;
                    (status, [("content-type", "text/xml")], body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, rx)
    }

    /// A shared config file pointing STS at `sts_url` (the profile's `services` section).
    fn sts_at(dir: &std::path::Path, sts_url: &str) -> String {
        let conf = dir.join("config");
        std::fs::write(
            &conf,
            format!("[default]\nservices = local\n\n[services local]\nsts =\n  endpoint_url = {sts_url}\n"),
        )
        .unwrap();
        conf.display().to_string()
    }

    fn assuming(shared_config: String) -> ProviderConfig {
        ProviderConfig {
            region: Some("us-east-1".into()),
            access_key: Some("AKIDBASE".into()),
            secret_key: Some("base-secret".into()),
            shared_config_files: Some(vec![shared_config]),
            assume_role: Some(AssumeRole {
                role_arn: Some("arn:aws:iam::123456789012:role/admin".into()),
                ..Default::default()
            }),
            endpoint: Some("http://127.0.0.1:9".into()),
            max_retries: Some(0),
            ..Default::default()
        }
    }

    /// Configure calls STS once; the first API call uses what it got instead of calling again.
    #[tokio::test]
    async fn assume_role_calls_sts_once_at_configure() {
        let (sts_url, mut requests) = fake_sts().await;
        let dir = tempfile::tempdir().unwrap();
        let sc = assuming(sts_at(dir.path(), &sts_url)).load().await.unwrap();
        assert!(requests.try_recv().is_ok(), "configure called STS");
        assert!(requests.try_recv().is_err(), "once");
        // The call fails (nothing listens there) after signing with the assumed credentials.
        let err = sc.read_properties("pp-abcdefghijklm").await.unwrap_err();
        assert!(
            matches!(err, crate::servicecatalog::ApiError::Unreachable { .. }),
            "{err:?}"
        );
        assert!(requests.try_recv().is_err(), "no second AssumeRole");
    }

    #[tokio::test]
    async fn static_keys_resolve_at_configure_without_a_network_call() {
        use aws_credential_types::provider::ProvideCredentials;
        // Nothing listens at the endpoint: any call would fail, and configure makes none.
        let config = ProviderConfig {
            region: Some("us-east-1".into()),
            access_key: Some("AKIDSTATIC".into()),
            secret_key: Some("static-secret".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        let sdk = super::super::credentials::resolve(&config, config.sdk_config().await.unwrap())
            .await
            .unwrap();
        let creds = sdk
            .credentials_provider()
            .expect("a provider")
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "AKIDSTATIC");
    }

    #[tokio::test]
    async fn an_sts_refusal_fails_configure_with_one_sentence_at_the_role() {
        use crate::servicecatalog::cause::sentence::assert_sentence;
        const DENIED: &str = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
            <Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ci \
            is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/admin\
            </Message></Error><RequestId>r1</RequestId></ErrorResponse>";
        let (sts_url, _requests) = fake_sts_answering(403, DENIED).await;
        let dir = tempfile::tempdir().unwrap();
        let err = assuming(sts_at(dir.path(), &sts_url))
            .load()
            .await
            .unwrap_err();
        assert_eq!(err.summary(), "Cannot assume the IAM role");
        assert_eq!(err.argument(), Some("assume_role.role_arn"));
        assert_sentence(
            &err.to_string(),
            &[
                "The provider could not assume role arn:aws:iam::123456789012:role/admin",
                "AWS STS AssumeRole failed: AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole",
                "trust policy",
                "assume_role.external_id",
            ],
        );
    }

    #[tokio::test]
    async fn an_unreachable_sts_fails_configure_naming_the_network() {
        use crate::servicecatalog::cause::sentence::assert_sentence;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let err = assuming(sts_at(dir.path(), &format!("http://127.0.0.1:{port}")))
            .load()
            .await
            .unwrap_err();
        assert_sentence(
            &err.to_string(),
            &[
                "could not assume role arn:aws:iam::123456789012:role/admin",
                "AWS STS AssumeRole failed: the connection was refused",
                "network access to AWS STS",
            ],
        );
    }

    #[tokio::test]
    async fn assume_role_calls_sts_with_the_block_and_the_base_credentials() {
        use aws_credential_types::provider::ProvideCredentials;
        let (sts_url, mut requests) = fake_sts().await;
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("config");
        // STS is pointed at the stand-in through the profile's `services` section.
        std::fs::write(
            &conf,
            format!("[default]\nservices = local\n\n[services local]\nsts =\n  endpoint_url = {sts_url}\n"),
        )
        .unwrap();
        let config = ProviderConfig {
            region: Some("us-east-1".into()),
            access_key: Some("AKIDBASE".into()),
            secret_key: Some("base-secret".into()),
            shared_config_files: Some(vec![conf.display().to_string()]),
            assume_role: Some(AssumeRole {
                role_arn: Some("arn:aws:iam::123456789012:role/admin".into()),
                session_name: Some("tf".into()),
                external_id: Some("ext-42".into()),
                duration: Some("1h30m".into()),
            }),
            endpoint: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        let sdk = config.sdk_config().await.unwrap();
        let creds = sdk
            .credentials_provider()
            .expect("a credentials provider")
            .provide_credentials()
            .await
            .expect("assumed credentials");
        assert_eq!(creds.access_key_id(), "ASIATEMPORARY");
        assert_eq!(creds.session_token(), Some("temp-token"));

        let (auth, body) = requests.recv().await.unwrap();
        assert!(
            auth.contains("Credential=AKIDBASE/"),
            "signed with the base keys: {auth}"
        );
        for part in [
            "Action=AssumeRole",
            "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fadmin",
            "RoleSessionName=tf",
            "ExternalId=ext-42",
            "DurationSeconds=5400",
        ] {
            assert!(body.contains(part), "{part} missing from {body}");
        }
    }

    #[tokio::test]
    async fn load_rejects_invalid_config_before_resolving() {
        let config = ProviderConfig {
            accept_language: Some("xx".into()),
            ..Default::default()
        };
        let err = config.load().await.unwrap_err();
        assert_eq!(err.argument(), Some("accept_language"));
    }
}
