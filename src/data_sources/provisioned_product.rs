//! `servicecatalog_provisioned_product`: reads one provisioned product, by `id` or by `name`,
//! with its owner, launch role, status and provenance.
//!
//! Choices (the task left them open):
//! - `id` and `name` are both optional+computed: exactly one is set in config, the other is
//!   filled from the product. Checked at validate time; an unknown value counts as set.
//! - Owner comes from the account-level search (`UserArn` as `owner`, `UserArnSession` as
//!   `owner_session`), so the credentials need account-level access, as for the resource.
//! - `created_time` is RFC 3339 in UTC with the milliseconds the service gives
//!   (`2019-12-24T21:26:33.358Z`).
//! - Not found is an error on the attribute that was looked up, not an empty result.

use async_trait::async_trait;

use crate::servicecatalog::{
    validate_provisioned_product_id, ApiError, ProductLookup, ServiceCatalog,
};
use crate::tfplugin::{
    Attribute, AttributePath, Context, DataReadRequest, DataSource, Diagnostic, Diagnostics,
    HookResult, ObjectExt, Schema, StateResponse, Type, Value,
};

pub const TYPE_NAME: &str = "servicecatalog_provisioned_product";

const ID: &str = "id";
const NAME: &str = "name";

/// Longest provisioned product name the API accepts.
const MAX_NAME_LEN: usize = 128;

/// The data source.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProvisionedProduct;

#[async_trait]
impl DataSource<ServiceCatalog> for ProvisionedProduct {
    fn type_name(&self) -> &str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let computed =
            |name: &str, doc: &str| Attribute::computed(name, Type::String).description(doc);
        Schema::new()
            .description(
                "Reads an AWS Service Catalog provisioned product by `id` or by `name` (set \
                 exactly one): its owner, launch role, status and what it was provisioned from. \
                 The owner is read with an account-level `SearchProvisionedProducts`, so the \
                 provider's credentials need account-level access.",
            )
            .attribute(Attribute::optional_computed(ID, Type::String).description(
                "Id of the provisioned product, e.g. `pp-abcd27bm4mldq`. Set this or `name`; \
                 when looking up by `name`, it is filled in.",
            ))
            .attribute(Attribute::optional_computed(NAME, Type::String).description(
                "Name of the provisioned product. Set this or `id`; when looking up by `id`, it \
                 is filled in.",
            ))
            .attribute(computed("arn", "ARN of the provisioned product."))
            .attribute(computed(
                "type",
                "Type of the provisioned product, e.g. `CFN_STACK` or `TERRAFORM_OPEN_SOURCE`.",
            ))
            .attribute(computed(
                "status",
                "Status: `AVAILABLE`, `UNDER_CHANGE`, `TAINTED`, `ERROR` or `PLAN_IN_PROGRESS`.",
            ))
            .attribute(computed(
                "status_message",
                "The service's message about the current status, if any.",
            ))
            .attribute(computed(
                "product_id",
                "Id of the product it was provisioned from, e.g. `prod-abcdefgh12345`.",
            ))
            .attribute(computed(
                "provisioning_artifact_id",
                "Id of the provisioning artifact (product version), e.g. `pa-abcdefgh12345`.",
            ))
            .attribute(computed(
                "last_record_id",
                "Id of the last record of any kind (provision, update, property change).",
            ))
            .attribute(computed(
                "created_time",
                "When it was provisioned, in RFC 3339 (UTC), e.g. `2019-12-24T21:26:33.358Z`.",
            ))
            .attribute(computed(
                "launch_role_arn",
                "ARN of the launch role (the `LAUNCH_ROLE` property), if any.",
            ))
            .attribute(computed(
                "owner",
                "ARN of the owner (the `OWNER` property, `UserArn` in the API): an IAM user, \
                 IAM role or STS assumed-role ARN.",
            ))
            .attribute(computed(
                "owner_session",
                "The owner's ARN in the session (`UserArnSession`); for an assumed role it may \
                 carry the session name.",
            ))
    }

    async fn validate(&self, _ctx: &Context<ServiceCatalog>, config: &Value) -> HookResult {
        let mut diags = Diagnostics::new();
        check_lookup(config, &mut diags);
        if diags.is_empty() {
            Ok(())
        } else {
            Err(diags)
        }
    }

    async fn read(
        &self,
        ctx: &Context<ServiceCatalog>,
        req: DataReadRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let mut diags = Diagnostics::new();
        check_lookup(&req.config, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        let (attr, lookup) = match (req.config.str_attr(ID), req.config.str_attr(NAME)) {
            (Some(id), _) => (ID, ProductLookup::Id(id)),
            (None, Some(name)) => (NAME, ProductLookup::Name(name)),
            // Unknown at read time: Terraform only reads data sources with known config.
            (None, None) => {
                return Err(Diagnostic::error(
                    "Missing provisioned product id or name",
                    "Set exactly one of `id` and `name` to a known value.",
                )
                .with_attribute(AttributePath::attr(ID))
                .into())
            }
        };
        let sc = ctx.provider_data()?;
        let details = tokio::select! {
            biased;
            _ = ctx.cancelled() => {
                return Err(Diagnostic::error(
                    "Read cancelled",
                    format!("Reading the provisioned product with {lookup} was cancelled."),
                )
                .into())
            }
            r = sc.describe_product(lookup) => r,
        };
        let d = details.map_err(|e| read_error(&e, attr, lookup))?;
        let text = |v: Option<String>| v.map_or(Value::Null, Value::String);
        let state = &mut resp.state;
        state.set_attr(ID, Value::string(d.id));
        state.set_attr(NAME, text(d.name));
        state.set_attr("arn", text(d.arn));
        state.set_attr("type", text(d.product_type));
        state.set_attr("status", text(d.status.map(|s| s.as_str().to_owned())));
        state.set_attr("status_message", text(d.status_message));
        state.set_attr("product_id", text(d.product_id));
        state.set_attr("provisioning_artifact_id", text(d.provisioning_artifact_id));
        state.set_attr("last_record_id", text(d.last_record_id));
        state.set_attr("created_time", text(d.created_time));
        state.set_attr("launch_role_arn", text(d.launch_role_arn));
        state.set_attr("owner", text(d.owner));
        state.set_attr("owner_session", text(d.owner_session));
        Ok(())
    }
}

/// Exactly one of `id` and `name`, each well formed when known.
fn check_lookup(config: &Value, diags: &mut Diagnostics) {
    let set = |name: &str| !matches!(config.get(name), None | Some(Value::Null));
    match (set(ID), set(NAME)) {
        (false, false) => diags.attribute_error(
            AttributePath::attr(ID),
            "Missing provisioned product id or name",
            "Set exactly one of `id` and `name`: neither is set.",
        ),
        (true, true) => diags.attribute_error(
            AttributePath::attr(NAME),
            "Conflicting provisioned product id and name",
            format!(
                "Set exactly one of `id` and `name`, not both (id = {}, name = {}).",
                shown(config.get(ID)),
                shown(config.get(NAME)),
            ),
        ),
        _ => {}
    }
    if let Some(id) = config.str_attr(ID) {
        if let Err(e) = validate_provisioned_product_id(id) {
            diags.attribute_error(
                AttributePath::attr(ID),
                "Invalid provisioned product id",
                format!("{e} (e.g. pp-abcd27bm4mldq)."),
            );
        }
    }
    if let Some(name) = config.str_attr(NAME) {
        if let Err(reason) = check_name(name) {
            diags.attribute_error(
                AttributePath::attr(NAME),
                "Invalid provisioned product name",
                format!("name {name:?} {reason}."),
            );
        }
    }
}

/// The API's name rule: 1..128 characters, `[a-zA-Z0-9][a-zA-Z0-9._-]*`.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err("is empty".to_owned()),
        Some(c) if !c.is_ascii_alphanumeric() => {
            return Err(format!("must start with a letter or digit, not {c:?}"))
        }
        _ => {}
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Err(format!(
            "is {len} characters long; the limit is {MAX_NAME_LEN}"
        ));
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(format!(
            "may only hold letters, digits, '.', '_' and '-', not {c:?}"
        ));
    }
    Ok(())
}

fn shown(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => format!("{s:?}"),
        Some(Value::Unknown) => "(known after apply)".to_owned(),
        _ => "null".to_owned(),
    }
}

fn read_error(e: &ApiError, attr: &str, lookup: ProductLookup<'_>) -> Diagnostic {
    let diag = match e {
        ApiError::NotFound { .. } => Diagnostic::error(
            "Provisioned product not found",
            format!(
                "No provisioned product with {lookup} exists in this account and region \
                 (DescribeProvisionedProduct: ResourceNotFoundException)."
            ),
        ),
        other => Diagnostic::error(
            "Cannot read the provisioned product",
            format!("Reading the provisioned product with {lookup}: {other}"),
        ),
    };
    diag.with_attribute(AttributePath::attr(attr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(id: Value, name: Value) -> Value {
        ProvisionedProduct
            .schema()
            .null_object()
            .with_attr(ID, id)
            .with_attr(NAME, name)
    }

    fn errors(config: &Value) -> Vec<Diagnostic> {
        let mut diags = Diagnostics::new();
        check_lookup(config, &mut diags);
        diags.iter().cloned().collect()
    }

    #[test]
    fn schema_is_sound_and_documented() {
        let schema = ProvisionedProduct.schema();
        assert!(schema.problems().is_empty(), "{:?}", schema.problems());
        for a in &schema.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
    }

    #[test]
    fn exactly_one_of_id_and_name() {
        assert!(errors(&config(Value::string("pp-abc"), Value::Null)).is_empty());
        assert!(errors(&config(Value::Null, Value::string("web-1"))).is_empty());
        // unknown counts as set: it will be one value at apply
        assert!(errors(&config(Value::Unknown, Value::Null)).is_empty());

        let neither = errors(&config(Value::Null, Value::Null));
        assert_eq!(neither.len(), 1);
        assert_eq!(neither[0].attribute, Some(AttributePath::attr(ID)));
        assert!(neither[0].detail.contains("`id` and `name`"), "{neither:?}");

        let both = errors(&config(Value::string("pp-abc"), Value::string("web-1")));
        assert_eq!(both.len(), 1);
        assert_eq!(both[0].attribute, Some(AttributePath::attr(NAME)));
        assert!(
            both[0].detail.contains("\"pp-abc\"") && both[0].detail.contains("\"web-1\""),
            "{both:?}"
        );
    }

    #[test]
    fn malformed_values_are_named() {
        let bad_id = errors(&config(Value::string("pp abc"), Value::Null));
        assert_eq!(bad_id[0].attribute, Some(AttributePath::attr(ID)));
        assert!(bad_id[0].detail.contains("pp abc"), "{bad_id:?}");
        let bad_name = errors(&config(Value::Null, Value::string("-web")));
        assert_eq!(bad_name[0].attribute, Some(AttributePath::attr(NAME)));
        assert!(bad_name[0].detail.contains("\"-web\""), "{bad_name:?}");
        assert!(check_name(&"a".repeat(129)).is_err());
        assert!(check_name("web.app_1-x").is_ok());
    }
}
