//! `servicecatalog_provisioned_product`: one provisioned product, by `id` or by `name` (exactly
//! one, checked at validate time), with its owner, launch role, status and provenance. Not found
//! is an error on the attribute looked up (choices in `docs/data-sources/provisioned_product.md`).

use async_trait::async_trait;

use crate::servicecatalog::{
    validate_provisioned_product_id, validate_provisioned_product_name, ApiError, ProductDetails,
    ProductLookup, ServiceCatalog,
};
use crate::tfplugin::validator::{check, exactly_one_of};
use crate::tfplugin::{
    Attribute, AttributePath, Context, DataSource, Diagnostic, Diagnostics, Schema, Type,
};

pub const TYPE_NAME: &str = "servicecatalog_provisioned_product";

crate::model! {
    /// The lookup (`id` or `name`) in, everything the service reports out.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct ProvisionedProductModel {
        pub id: Option<String>,
        pub name: Option<String>,
        pub arn: Option<String>,
        pub product_type: Option<String> as "type",
        pub status: Option<String>,
        pub status_message: Option<String>,
        pub product_id: Option<String>,
        pub provisioning_artifact_id: Option<String>,
        pub last_record_id: Option<String>,
        pub created_time: Option<String>,
        pub launch_role_arn: Option<String>,
        pub owner: Option<String>,
        pub owner_session: Option<String>,
    }
}

/// The data source.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProvisionedProduct;

#[async_trait]
impl DataSource<ServiceCatalog> for ProvisionedProduct {
    type Model = ProvisionedProductModel;

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
            .attribute(
                Attribute::optional_computed("id", Type::String)
                    .validator(check(
                        "Invalid provisioned product id",
                        "1 to 100 letters, digits, '_' or '-'",
                        validate_provisioned_product_id,
                    ))
                    .description(
                        "Id of the provisioned product, e.g. `pp-abcd27bm4mldq`. Set this or \
                         `name`; when looking up by `name`, it is filled in.",
                    ),
            )
            .attribute(
                Attribute::optional_computed("name", Type::String)
                    .validator(check(
                        "Invalid provisioned product name",
                        "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit",
                        validate_provisioned_product_name,
                    ))
                    .description(
                        "Name of the provisioned product. Set this or `id`; when looking up by \
                         `id`, it is filled in.",
                    ),
            )
            .config_validator(exactly_one_of(["id", "name"]).summaries(
                "Missing provisioned product id or name",
                "Conflicting provisioned product id and name",
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

    async fn read(
        &self,
        ctx: &Context<ServiceCatalog>,
        config: ProvisionedProductModel,
    ) -> Result<ProvisionedProductModel, Diagnostics> {
        // The layer validated the config: exactly one of them is set.
        let (attr, lookup) = match (&config.id, &config.name) {
            (Some(id), _) => ("id", ProductLookup::Id(id)),
            (None, Some(name)) => ("name", ProductLookup::Name(name)),
            (None, None) => {
                return Err(Diagnostic::error(
                    "Missing provisioned product id or name",
                    "Set exactly one of `id` and `name`.",
                )
                .with_attribute(AttributePath::attr("id"))
                .into())
            }
        };
        let sc = ctx.provider_data()?;
        let details = sc
            .describe_product(lookup, ctx.cancellation_token())
            .await
            .map_err(|e| read_error(&e, attr, lookup))?;
        Ok(details.into())
    }
}

impl From<ProductDetails> for ProvisionedProductModel {
    fn from(
        ProductDetails {
            detail: d,
            owner,
            owner_session,
        }: ProductDetails,
    ) -> Self {
        ProvisionedProductModel {
            id: Some(d.id),
            name: d.name,
            arn: d.arn,
            product_type: d.product_type,
            status: d.status.map(|s| s.as_str().to_owned()),
            status_message: d.status_message,
            product_id: d.product_id,
            provisioning_artifact_id: d.provisioning_artifact_id,
            last_record_id: d.last_record_id,
            created_time: d.created_time,
            launch_role_arn: d.launch_role_arn,
            owner,
            owner_session,
        }
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
        ApiError::Cancelled { .. } => Diagnostic::error(
            "Read cancelled",
            format!("Reading the provisioned product with {lookup} was cancelled."),
        ),
        // The message names the call and the product already.
        other => Diagnostic::error("Cannot read the provisioned product", other.to_string()),
    };
    diag.with_attribute(AttributePath::attr(attr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data_sources::testing::assert_schema_fits_model;
    use crate::tfplugin::plan;
    use crate::tfplugin::{ObjectExt, Value};

    fn config(id: Value, name: Value) -> Value {
        DataSource::schema(&ProvisionedProduct)
            .null_object()
            .with_attr("id", id)
            .with_attr("name", name)
    }

    fn errors(config: &Value) -> Vec<Diagnostic> {
        let schema = DataSource::schema(&ProvisionedProduct);
        plan::validate(&schema, config).into_iter().collect()
    }

    #[test]
    fn schema_is_sound_documented_and_the_model_reads_all_of_it() {
        let schema = DataSource::schema(&ProvisionedProduct);
        assert_schema_fits_model::<ProvisionedProductModel>(&schema);
    }

    #[test]
    fn exactly_one_of_id_and_name() {
        assert!(errors(&config(Value::string("pp-abc"), Value::Null)).is_empty());
        assert!(errors(&config(Value::Null, Value::string("web-1"))).is_empty());
        // unknown counts as set: it will be one value at apply
        assert!(errors(&config(Value::Unknown, Value::Null)).is_empty());

        let neither = errors(&config(Value::Null, Value::Null));
        assert_eq!(neither.len(), 1);
        assert_eq!(neither[0].summary, "Missing provisioned product id or name");
        assert_eq!(neither[0].attribute, Some(AttributePath::attr("id")));
        assert!(neither[0].detail.contains("`id` and `name`"), "{neither:?}");

        let both = errors(&config(Value::string("pp-abc"), Value::string("web-1")));
        assert_eq!(both.len(), 1);
        assert_eq!(
            both[0].summary,
            "Conflicting provisioned product id and name"
        );
        assert_eq!(both[0].attribute, Some(AttributePath::attr("name")));
        assert!(
            both[0].detail.contains("\"pp-abc\"") && both[0].detail.contains("\"web-1\""),
            "{both:?}"
        );
    }

    #[test]
    fn malformed_values_are_named() {
        let bad_id = errors(&config(Value::string("pp abc"), Value::Null));
        assert_eq!(bad_id[0].attribute, Some(AttributePath::attr("id")));
        assert!(bad_id[0].detail.contains("pp abc"), "{bad_id:?}");
        let bad_name = errors(&config(Value::Null, Value::string("-web")));
        assert_eq!(bad_name[0].attribute, Some(AttributePath::attr("name")));
        assert!(bad_name[0].detail.contains("\"-web\""), "{bad_name:?}");
    }
}
