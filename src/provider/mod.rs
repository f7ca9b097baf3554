//! Our provider: the `provider "servicecatalog" {}` schema, and how its configuration becomes
//! the Service Catalog client every resource and data source receives.

pub mod config;

use std::sync::Arc;

use async_trait::async_trait;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::validator::{length, one_of};
use crate::tfplugin::{
    timeouts, Attribute, AttributePath, Block, ConfigureRequest, Context, DataSource, Diagnostics,
    HookResult, NestedBlock, Provider, Resource, Schema, Type, Value,
};
use config::{AssumeRole, ProviderConfig};

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
                     mode). Defaults to `AWS_MAX_ATTEMPTS` - 1, else 2.",
                ),
            )
            .attribute(
                string(
                    "accept_language",
                    "Default language code for API messages: `en`, `jp` or `zh`. Resources may \
                     override it.",
                )
                .validator(one_of(["en", "jp", "zh"])),
            )
            .block(
                NestedBlock::single(
                    "assume_role",
                    Block::new()
                        .description("Assume this IAM role with the resolved credentials.")
                        .attribute(
                            Attribute::required("role_arn", Type::String)
                                .description("ARN of the IAM role to assume."),
                        )
                        .attribute(
                            string(
                                "session_name",
                                "Session name (2 to 64 characters of `[\\w+=,.@-]`).",
                            )
                            .validator(length(2, 64)),
                        )
                        .attribute(string(
                            "external_id",
                            "External id the role's trust policy requires.",
                        ))
                        .attribute(
                            string(
                                "duration",
                                "Session duration as a duration string, 15m to 12h (e.g. `1h`).",
                            )
                            .validator(timeouts::duration()),
                        ),
                )
                .items(0, 1),
            )
    }

    async fn validate(&self, _ctx: &Context<ServiceCatalog>, config: &Value) -> HookResult {
        // Only what is known now can be checked; the rest is checked again at configure.
        let parsed = provider_config(config);
        match parsed.validate() {
            Ok(()) => Ok(()),
            Err(errors) => Err(config_diagnostics(errors, config)),
        }
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
        let config = provider_config(&req.config);
        match config.load().await {
            Ok(client) => Some(client),
            Err(e) => {
                let mut diag = crate::tfplugin::Diagnostic::error(
                    "Invalid provider configuration",
                    e.to_string(),
                );
                if let Some(argument) = e.argument() {
                    diag = diag.with_attribute(argument_path(argument));
                }
                diags.push(diag);
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
}

/// The known parts of the provider block as a [`ProviderConfig`] (unknown values count as unset).
fn provider_config(config: &Value) -> ProviderConfig {
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
    ProviderConfig {
        region: string(config, "region"),
        profile: string(config, "profile"),
        access_key: string(config, "access_key"),
        secret_key: string(config, "secret_key"),
        token: string(config, "token"),
        shared_config_files: strings("shared_config_files"),
        shared_credentials_files: strings("shared_credentials_files"),
        assume_role,
        endpoint: string(config, "endpoint"),
        max_retries: config
            .get("max_retries")
            .and_then(Value::as_number)
            .map(|n| n.as_i64().unwrap_or(-1)),
        accept_language: string(config, "accept_language"),
    }
}

fn argument_path(argument: &str) -> AttributePath {
    argument
        .split('.')
        .fold(AttributePath::root(), |path, step| path.join_attr(step))
}

fn config_diagnostics(errors: Vec<config::ConfigError>, _config: &Value) -> Diagnostics {
    errors
        .into_iter()
        .map(|e| {
            let diag =
                crate::tfplugin::Diagnostic::error("Invalid provider configuration", e.to_string());
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
        let parsed = provider_config(&config);
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
        let errors = provider_config(&config).validate().expect_err("bad region");
        let diags = config_diagnostics(errors, &config);
        let first = diags.iter().next().expect("one diagnostic");
        assert_eq!(first.attribute, Some(AttributePath::attr("region")));
        assert!(first.detail.contains("Not A Region"), "{}", first.detail);
    }
}
