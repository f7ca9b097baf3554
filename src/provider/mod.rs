//! Our provider: the `provider "servicecatalog" {}` schema, and how its configuration becomes
//! the Service Catalog client every resource and data source receives (`config`), with its
//! credentials resolved at configure time (`credentials`).

pub mod config;
mod credentials;

use std::sync::Arc;

use async_trait::async_trait;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::{
    Attribute, AttributePath, Block, ConfigureRequest, Context, DataSource, Diagnostic,
    Diagnostics, HookResult, ListResource, NestedBlock, Provider, Resource, Schema, Type, Value,
};
use config::{AssumeRole, ConfigError, ProviderConfig};

/// The provider type name, as in `provider "servicecatalog" {}`.
pub const TYPE_NAME: &str = "servicecatalog";

/// The `servicecatalog` provider.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServiceCatalogProvider;

#[async_trait]
impl Provider for ServiceCatalogProvider {
    type Data = ServiceCatalog;

    fn schema(&self) -> Schema {
        let string =
            |name: &str, doc: &str| Attribute::optional(name, Type::String).description(doc);
        let files = |name: &str, doc: &str| {
            Attribute::optional(name, Type::list(Type::String)).description(doc)
        };
        Schema::new()
            .description(
                "Manages the properties (`OWNER`, `LAUNCH_ROLE`) of AWS Service Catalog provisioned \
                 products. Credentials and region come from the arguments below, else from the \
                 standard AWS environment variables and shared files.",
            )
            .attribute(string(
                "region",
                "AWS region, e.g. `us-east-1`. Defaults to `AWS_REGION`, `AWS_DEFAULT_REGION`, \
                 then the shared config profile.",
            ))
            .attribute(string(
                "profile",
                "Shared config/credentials profile. Defaults to `AWS_PROFILE`, then `default`.",
            ))
            .attribute(string(
                "access_key",
                "Access key id for static credentials (with `secret_key`). Defaults to \
                 `AWS_ACCESS_KEY_ID` and the rest of the standard credential chain.",
            ))
            .attribute(
                string(
                    "secret_key",
                    "Secret access key for static credentials. Defaults to `AWS_SECRET_ACCESS_KEY`.",
                )
                .sensitive(),
            )
            .attribute(
                string(
                    "token",
                    "Session token for temporary static credentials. Defaults to `AWS_SESSION_TOKEN`.",
                )
                .sensitive(),
            )
            .attribute(files(
                "shared_config_files",
                "Shared config files to read instead of `~/.aws/config` (`AWS_CONFIG_FILE`).",
            ))
            .attribute(files(
                "shared_credentials_files",
                "Shared credentials files to read instead of `~/.aws/credentials` \
                 (`AWS_SHARED_CREDENTIALS_FILE`).",
            ))
            .attribute(string(
                "endpoint",
                "Custom Service Catalog endpoint URL, e.g. the local `servicecatalog-emulator`. \
                 When unset, `AWS_ENDPOINT_URL_SERVICE_CATALOG` and `AWS_ENDPOINT_URL` are honoured.",
            ))
            .attribute(
                Attribute::optional("max_retries", Type::Number).description(
                    "How many times a throttled or failed API request is retried (standard retry \
                     mode). Defaults to `AWS_MAX_ATTEMPTS` - 1, else 2; unset, a request still \
                     throttled after those retries is sent again with growing pauses until its \
                     operation's timeout, while a value set here is honoured exactly.",
                ),
            )
            .attribute(string(
                "request_timeout",
                "How long one API request may take, from connecting to the end of the answer, \
                 before it is abandoned and retried (see `max_retries`): a duration such as `30s` \
                 or `2m`, at least `1s`. Defaults to `60s`. Connecting alone may take up to 10s.",
            ))
            .attribute(string(
                "accept_language",
                "Default language code for API messages: `en`, `jp` or `zh`. Resources may \
                 override it.",
            ))
            .block(
                NestedBlock::single(
                    "assume_role",
                    Block::new()
                        .description("Assume this IAM role with the resolved credentials.")
                        .attribute(
                            Attribute::required("role_arn", Type::String)
                                .description("ARN of the IAM role to assume."),
                        )
                        .attribute(string(
                            "session_name",
                            "Session name (2 to 64 characters of `[\\w+=,.@-]`).",
                        ))
                        .attribute(string(
                            "external_id",
                            "External id the role's trust policy requires.",
                        ))
                        .attribute(string(
                            "duration",
                            "Session duration as a duration string, 15m to 12h (e.g. `1h`).",
                        )),
                )
                .items(0, 1),
            )
    }

    async fn validate(&self, _ctx: &Context<ServiceCatalog>, config: &Value) -> HookResult {
        validate_config(config)
    }

    async fn configure(
        &self,
        _ctx: &Context<ServiceCatalog>,
        req: ConfigureRequest,
        diags: &mut Diagnostics,
    ) -> Option<ServiceCatalog> {
        if !req.config.is_wholly_known() {
            diags.error(
                "Provider configuration is not known yet",
                "Some provider arguments depend on values only known after apply. Apply the \
                 resources they depend on first (e.g. with -target), then run again.",
            );
            return None;
        }
        let (config, errors) = provider_config(&req.config);
        if !errors.is_empty() {
            diags.extend(config_diagnostics(errors));
            return None;
        }
        match config.load().await {
            Ok(client) => Some(client),
            Err(e) => {
                diags.extend(config_diagnostics(vec![e]));
                None
            }
        }
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ServiceCatalog>>> {
        crate::resources::all()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ServiceCatalog>>> {
        crate::data_sources::all()
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource<ServiceCatalog>>> {
        crate::list_resources::all()
    }
}

/// Checks the provider block's known values. Only what is known now can be checked; the rest is
/// checked again at configure. Every rule on the arguments lives in `ProviderConfig` (none in
/// the schema), so each bad value gets exactly one diagnostic.
fn validate_config(config: &Value) -> HookResult {
    let (parsed, mut errors) = provider_config(config);
    errors.extend(parsed.validate().err().unwrap_or_default());
    if errors.is_empty() {
        Ok(())
    } else {
        Err(config_diagnostics(errors))
    }
}

/// The known parts of the provider block as a [`ProviderConfig`] (unknown values count as
/// unset), and the arguments whose values it cannot hold (a fractional `max_retries`).
fn provider_config(config: &Value) -> (ProviderConfig, Vec<ConfigError>) {
    let mut errors = Vec::new();
    let string = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
    let strings = |name: &str| {
        config.get(name).and_then(Value::as_elements).map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    let assume_role = config
        .get("assume_role")
        .filter(|v| matches!(v, Value::Object(_)))
        .map(|block| AssumeRole {
            role_arn: string(block, "role_arn"),
            session_name: string(block, "session_name"),
            external_id: string(block, "external_id"),
            duration: string(block, "duration"),
        });
    let max_retries = config
        .get("max_retries")
        .and_then(Value::as_number)
        .and_then(|n| config::max_retries_from(n).map_err(|e| errors.push(e)).ok());
    let parsed = ProviderConfig {
        region: string(config, "region"),
        profile: string(config, "profile"),
        access_key: string(config, "access_key"),
        secret_key: string(config, "secret_key"),
        token: string(config, "token"),
        shared_config_files: strings("shared_config_files"),
        shared_credentials_files: strings("shared_credentials_files"),
        assume_role,
        endpoint: string(config, "endpoint"),
        max_retries,
        accept_language: string(config, "accept_language"),
        request_timeout: string(config, "request_timeout"),
    };
    (parsed, errors)
}

fn argument_path(argument: &str) -> AttributePath {
    argument
        .split('.')
        .fold(AttributePath::root(), |path, step| path.join_attr(step))
}

/// One error diagnostic per problem, pointing at its argument.
fn config_diagnostics(errors: Vec<ConfigError>) -> Diagnostics {
    errors
        .into_iter()
        .map(|e| {
            let diag = Diagnostic::error(e.summary(), e.to_string());
            match e.argument() {
                Some(argument) => diag.with_attribute(argument_path(argument)),
                None => diag,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_consistent() {
        let schema = ServiceCatalogProvider.schema();
        assert!(schema.problems().is_empty(), "{:?}", schema.problems());
    }

    #[test]
    fn reads_known_arguments_and_skips_unknown_ones() {
        let config = Value::object([
            ("region", Value::string("eu-west-1")),
            ("access_key", Value::Unknown),
            ("max_retries", Value::number(5)),
            (
                "shared_config_files",
                Value::List(vec![Value::string("a"), Value::string("b")]),
            ),
            (
                "assume_role",
                Value::object([
                    (
                        "role_arn",
                        Value::string("arn:aws:iam::123456789012:role/x"),
                    ),
                    ("duration", Value::string("1h")),
                ]),
            ),
        ]);
        let (parsed, errors) = provider_config(&config);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(parsed.region.as_deref(), Some("eu-west-1"));
        assert_eq!(parsed.access_key, None);
        assert_eq!(parsed.max_retries, Some(5));
        assert_eq!(
            parsed.shared_config_files,
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        let role = parsed.assume_role.expect("assume_role block");
        assert_eq!(role.duration.as_deref(), Some("1h"));
    }

    #[test]
    fn config_errors_point_at_the_argument() {
        let config = Value::object([("region", Value::string("Not A Region"))]);
        let errors = provider_config(&config)
            .0
            .validate()
            .expect_err("bad region");
        let diags = config_diagnostics(errors);
        let first = diags.iter().next().expect("one diagnostic");
        assert_eq!(first.attribute, Some(AttributePath::attr("region")));
        assert!(first.detail.contains("Not A Region"), "{}", first.detail);
    }

    #[test]
    fn a_fractional_max_retries_is_one_error_naming_the_value() {
        let config = Value::object([
            ("max_retries", Value::number(2.5)),
            ("accept_language", Value::string("de")),
        ]);
        let (parsed, errors) = provider_config(&config);
        assert_eq!(parsed.max_retries, None);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let diags = validate_config(&config).expect_err("invalid");
        let found: Vec<_> = diags
            .iter()
            .map(|d| (d.attribute.clone(), d.detail.clone()))
            .collect();
        assert_eq!(found.len(), 2, "one diagnostic per bad value: {found:?}");
        assert_eq!(found[0].0, Some(AttributePath::attr("max_retries")));
        assert!(
            found[0].1.contains("2.5 is not a whole number"),
            "{}",
            found[0].1
        );
        assert_eq!(found[1].0, Some(AttributePath::attr("accept_language")));
        assert!(found[1].1.contains("\"de\""), "{}", found[1].1);
    }

    /// The framework's schema checks and the provider's own together give one diagnostic per
    /// bad value: no rule is checked twice.
    #[test]
    fn each_bad_argument_gets_one_diagnostic() {
        let config = Value::object([
            ("accept_language", Value::string("de")),
            ("max_retries", Value::number(1000)),
            (
                "assume_role",
                Value::object([
                    (
                        "role_arn",
                        Value::string("arn:aws:iam::123456789012:role/x"),
                    ),
                    ("session_name", Value::string("x")),
                    ("duration", Value::string("5m")),
                ]),
            ),
        ]);
        let schema = ServiceCatalogProvider.schema();
        let mut diags = crate::tfplugin::plan::validate_config(&schema.block, &config);
        diags.extend(validate_config(&config).expect_err("invalid"));
        let mut paths: Vec<String> = diags
            .iter()
            .map(|d| {
                d.attribute
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                "accept_language",
                "assume_role.duration",
                "assume_role.session_name",
                "max_retries"
            ]
        );
    }
}
