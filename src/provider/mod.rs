//! Our provider: the `provider "servicecatalog" {}` block, read into [`ProviderConfig`]
//! (`config`, every rule on the arguments), and the Service Catalog client built from it, with
//! its credentials resolved at configure time (`credentials`).

pub mod config;
mod credentials;

use async_trait::async_trait;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::{
    ActionType, Attribute, AttributePath, Block, ConfigureRequest, Context, DataSourceType,
    Diagnostic, Diagnostics, Field, HookResult, ListResourceType, NestedBlock, Number, Provider,
    ResourceType, Schema, Type,
};
use config::{AssumeRole, ConfigError, ProviderConfig};

/// The provider type name, as in `provider "servicecatalog" {}`.
pub const TYPE_NAME: &str = "servicecatalog";

/// The `servicecatalog` provider.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServiceCatalogProvider;

crate::model! {
    /// The provider block as Terraform sends it; at validate time a value may be unknown.
    pub struct ProviderBlock {
        region: Field<String>,
        profile: Field<String>,
        access_key: Field<String>,
        secret_key: Field<String>,
        token: Field<String>,
        shared_config_files: Field<Vec<Field<String>>>,
        shared_credentials_files: Field<Vec<Field<String>>>,
        assume_role: Field<AssumeRoleBlock>,
        endpoint: Field<String>,
        max_retries: Field<Number>,
        accept_language: Field<String>,
        request_timeout: Field<String>,
    }
}

crate::model! {
    /// The `assume_role` block.
    pub struct AssumeRoleBlock {
        role_arn: Field<String>,
        session_name: Field<String>,
        external_id: Field<String>,
        duration: Field<String>,
    }
}

impl ProviderBlock {
    /// The known arguments as a [`ProviderConfig`] (unknown values count as unset), and the
    /// arguments whose values it cannot hold (a fractional `max_retries`).
    fn parse(self) -> (ProviderConfig, Vec<ConfigError>) {
        let known = Field::into_known;
        let files = |f: Field<Vec<Field<String>>>| {
            f.into_known()
                .map(|files| files.into_iter().filter_map(Field::into_known).collect())
        };
        let mut errors = Vec::new();
        let max_retries = self.max_retries.into_known().and_then(|n| {
            config::max_retries_from(&n)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let assume_role = self.assume_role.into_known().map(|role| AssumeRole {
            role_arn: known(role.role_arn),
            session_name: known(role.session_name),
            external_id: known(role.external_id),
            duration: known(role.duration),
        });
        let parsed = ProviderConfig {
            region: known(self.region),
            profile: known(self.profile),
            access_key: known(self.access_key),
            secret_key: known(self.secret_key),
            token: known(self.token),
            shared_config_files: files(self.shared_config_files),
            shared_credentials_files: files(self.shared_credentials_files),
            assume_role,
            endpoint: known(self.endpoint),
            max_retries,
            accept_language: known(self.accept_language),
            request_timeout: known(self.request_timeout),
        };
        (parsed, errors)
    }
}

#[async_trait]
impl Provider for ServiceCatalogProvider {
    type Data = ServiceCatalog;
    type Config = ProviderBlock;

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

    async fn validate(&self, _ctx: &Context<ServiceCatalog>, config: ProviderBlock) -> HookResult {
        validate_config(config)
    }

    async fn configure(
        &self,
        _ctx: &Context<ServiceCatalog>,
        req: ConfigureRequest<ProviderBlock>,
        diags: &mut Diagnostics,
    ) -> Option<ServiceCatalog> {
        if !req.config_is_known {
            diags.error(
                "Provider configuration is not known yet",
                "Some provider arguments depend on values only known after apply. Apply the \
                 resources they depend on first (e.g. with -target), then run again.",
            );
            return None;
        }
        let (config, errors) = req.config.parse();
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

    fn resources(&self) -> Vec<ResourceType<ServiceCatalog>> {
        crate::resources::all()
    }

    fn data_sources(&self) -> Vec<DataSourceType<ServiceCatalog>> {
        crate::data_sources::all()
    }

    fn list_resources(&self) -> Vec<ListResourceType<ServiceCatalog>> {
        crate::list_resources::all()
    }

    fn actions(&self) -> Vec<ActionType<ServiceCatalog>> {
        crate::actions::all()
    }
}

/// Checks the provider block's known values (the rest is checked again at configure). Every
/// rule lives in `ProviderConfig`, none in the schema, so each bad value gets one diagnostic.
fn validate_config(config: ProviderBlock) -> HookResult {
    let (parsed, mut errors) = config.parse();
    errors.extend(parsed.validate().err().unwrap_or_default());
    if errors.is_empty() {
        Ok(())
    } else {
        Err(config_diagnostics(errors))
    }
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
    use crate::tfplugin::{Model, Value};

    fn block(config: &Value) -> ProviderBlock {
        ProviderBlock::from_object(config).expect("a provider block")
    }

    fn provider_config(config: &Value) -> (ProviderConfig, Vec<ConfigError>) {
        block(config).parse()
    }

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
        let diags = validate_config(block(&config)).expect_err("invalid");
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
        diags.extend(validate_config(block(&config)).expect_err("invalid"));
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
