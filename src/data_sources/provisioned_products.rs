//! `servicecatalog_provisioned_products`: every provisioned product matching the shared filters,
//! with its owner and launch role, to put under `for_each` in resources and `import` blocks. A
//! refused listing is an error on `access_level`, never an empty result (choices in
//! `docs/data-sources/provisioned_products.md`).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::search_filters::{with_filters, Filters};
use crate::servicecatalog::{ApiError, ProductSummary, SearchOptions, ServiceCatalog};
use crate::tfplugin::model::concat_attributes;
use crate::tfplugin::value::ValueError;
use crate::tfplugin::{
    Attribute, Context, DataSource, Diagnostic, Diagnostics, Model, Schema, Type, Value,
};

pub const TYPE_NAME: &str = "servicecatalog_provisioned_products";

crate::model! {
    /// One product found: an element of `provisioned_products`.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct FoundProduct {
        pub id: String,
        pub name: Option<String>,
        pub arn: Option<String>,
        pub product_type: Option<String> as "type",
        pub status: Option<String>,
        pub status_message: Option<String>,
        pub owner: Option<String>,
        pub owner_session: Option<String>,
        pub launch_role_arn: Option<String>,
        pub product_id: Option<String>,
        pub product_name: Option<String>,
        pub provisioning_artifact_id: Option<String>,
        pub provisioning_artifact_name: Option<String>,
        pub last_record_id: Option<String>,
        pub tags: BTreeMap<String, String>,
        pub created_time: Option<String>,
    }
}

crate::model! {
    /// What the data source finds (null in config).
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct Found {
        pub provisioned_products: Option<Vec<FoundProduct>>,
        pub ids: Option<Vec<String>>,
    }
}

/// The filters in, the products found out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProductsModel {
    pub filters: Filters,
    pub found: Found,
}

impl Model for ProductsModel {
    const ATTRIBUTES: &'static [&'static str] = &concat_attributes::<
        { Filters::ATTRIBUTES.len() + Found::ATTRIBUTES.len() },
    >(Filters::ATTRIBUTES, Found::ATTRIBUTES);

    fn from_object(object: &Value) -> Result<Self, ValueError> {
        Ok(ProductsModel {
            filters: Filters::from_object(object)?,
            found: Found::from_object(object)?,
        })
    }

    fn write_object(self, object: &mut Value) {
        self.filters.write_object(object);
        self.found.write_object(object);
    }
}

/// The element type of `provisioned_products` (every attribute of [`FoundProduct`]).
pub fn product_type() -> Type {
    Type::object(FoundProduct::ATTRIBUTES.iter().map(|name| {
        let ty = match *name {
            "tags" => Type::map(Type::String),
            _ => Type::String,
        };
        (*name, ty)
    }))
}

/// The data source.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProvisionedProducts;

#[async_trait]
impl DataSource<ServiceCatalog> for ProvisionedProducts {
    type Model = ProductsModel;

    fn type_name(&self) -> &str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let schema = Schema::new().description(
            "Lists the AWS Service Catalog provisioned products matching some filters (none: \
             every product of the account), with their owner and launch role. Put `ids` under \
             `for_each` in `servicecatalog_provisioned_product_properties` and in an `import` \
             block to bring a whole fleet under management.",
        );
        with_filters(schema)
            .attribute(
                Attribute::computed("provisioned_products", Type::list(product_type()))
                    .description(
                        "Every matching product, oldest first: `id`, `name`, `arn`, `type`, \
                         `status`, `status_message`, `owner` (`UserArn`, the `OWNER` \
                         property), `owner_session` (`UserArnSession`), `launch_role_arn` (the \
                         `LAUNCH_ROLE` property), `product_id`, `product_name`, \
                         `provisioning_artifact_id`, `provisioning_artifact_name`, \
                         `last_record_id`, `tags` and `created_time` (RFC 3339, UTC).",
                    ),
            )
            .attribute(
                Attribute::computed("ids", Type::list(Type::String))
                    .description("The ids of `provisioned_products`, in the same order."),
            )
    }

    async fn read(
        &self,
        ctx: &Context<ServiceCatalog>,
        config: ProductsModel,
    ) -> Result<ProductsModel, Diagnostics> {
        let filters = config.filters;
        let search = filters.search_filter()?;
        let sc = ctx.provider_data()?;
        let cancel = ctx.cancellation_token();
        let failed = |e: ApiError| Diagnostics::from(filters.listing_error(&e));
        let options = SearchOptions::default();
        let found = sc
            .search(&search, &options, cancel)
            .collect()
            .await
            .map_err(failed)?;
        // With no terms the search listed everything visible at the access level.
        let visible = search.terms.is_empty().then_some(found.len());
        let mut roles = sc.launch_roles(search.access_level, cancel);
        roles.plan(found.len(), visible).await.map_err(failed)?;
        let ids: Vec<&str> = found.iter().map(|p| p.id.as_str()).collect();
        let launch_roles = roles.read(&ids).await.map_err(|e| {
            Diagnostic::error(
                "Cannot read launch roles",
                format!("Reading the launch roles of the products found failed: {e}"),
            )
        })?;
        let products: Vec<FoundProduct> = found
            .into_iter()
            .filter_map(|p| {
                let role = launch_roles.get(&p.id)?.clone();
                Some(FoundProduct::new(p, role))
            })
            .collect();
        let ids = products.iter().map(|p| p.id.clone()).collect();
        Ok(ProductsModel {
            filters,
            found: Found {
                provisioned_products: Some(products),
                ids: Some(ids),
            },
        })
    }
}

impl FoundProduct {
    /// A search result with its launch role.
    pub fn new(p: ProductSummary, launch_role_arn: Option<String>) -> Self {
        FoundProduct {
            id: p.id,
            name: p.name,
            arn: p.arn,
            product_type: p.product_type,
            status: p.status.map(|s| s.as_str().to_owned()),
            status_message: p.status_message,
            owner: p.user_arn,
            owner_session: p.user_arn_session,
            launch_role_arn,
            product_id: p.product_id,
            product_name: p.product_name,
            provisioning_artifact_id: p.provisioning_artifact_id,
            provisioning_artifact_name: p.provisioning_artifact_name,
            last_record_id: p.last_record_id,
            tags: p.tags,
            created_time: p.created_time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data_sources::testing::assert_schema_fits_model;
    use crate::tfplugin::{value, IntoValue, ObjectExt};

    fn schema() -> Schema {
        DataSource::schema(&ProvisionedProducts)
    }

    #[test]
    fn schema_is_sound_documented_and_the_model_reads_all_of_it() {
        let s = schema();
        assert_schema_fits_model::<ProductsModel>(&s);
        // The description names every attribute of an element (the docs page lists them too).
        let doc = &s
            .block
            .get_attribute("provisioned_products")
            .unwrap()
            .description;
        for name in FoundProduct::ATTRIBUTES {
            assert!(
                doc.contains(&format!("`{name}`")),
                "{name} undocumented: {doc}"
            );
        }
    }

    #[test]
    fn a_state_written_from_the_model_encodes_as_the_schema_type() {
        let product = FoundProduct {
            id: "pp-1".into(),
            name: Some("web-1".into()),
            tags: BTreeMap::from([("team".into(), "platform".into())]),
            ..Default::default()
        };
        let config = schema()
            .null_object()
            .with_attr("name", Value::string("web-1"));
        let mut model = ProductsModel::from_object(&config).unwrap();
        assert_eq!(model.filters.name.as_deref(), Some("web-1"));
        assert_eq!(model.found, Found::default(), "computed: null in config");
        model.found = Found {
            provisioned_products: Some(vec![product.clone()]),
            ids: Some(vec!["pp-1".into()]),
        };
        let mut state = config.clone();
        model.clone().write_object(&mut state);
        let bytes = value::encode_msgpack(&state, &schema().implied_type()).unwrap();
        let back = value::decode_msgpack(&bytes, &schema().implied_type()).unwrap();
        assert_eq!(ProductsModel::from_object(&back).unwrap(), model);
        assert_eq!(
            back.get("provisioned_products"),
            Some(&Value::List(vec![product.into_value()]))
        );
    }
}
