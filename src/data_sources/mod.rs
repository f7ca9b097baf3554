//! Data sources of the provider, and the search filters the plural data source shares with
//! the list resource (`search_filters`).

pub mod provisioned_product;
pub mod provisioned_products;
pub mod search_filters;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::DataSourceType;

/// Every data source type the provider offers.
pub fn all() -> Vec<DataSourceType<ServiceCatalog>> {
    vec![
        DataSourceType::new(provisioned_product::ProvisionedProduct),
        DataSourceType::new(provisioned_products::ProvisionedProducts),
    ]
}

/// What the data sources' unit tests share.
#[cfg(test)]
mod testing {
    use crate::tfplugin::model::unknown_attributes;
    use crate::tfplugin::{Model, Schema};

    /// A data source's schema is sound, documents every attribute, and its model `M` reads
    /// exactly the schema's attributes.
    pub(super) fn assert_schema_fits_model<M: Model>(schema: &Schema) {
        assert!(schema.problems().is_empty(), "{:?}", schema.problems());
        for a in &schema.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
        assert!(unknown_attributes::<M>(schema).is_empty());
        let mut names: Vec<&str> = schema
            .block
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        let mut model = M::ATTRIBUTES.to_vec();
        names.sort_unstable();
        model.sort_unstable();
        assert_eq!(model, names, "the model reads every attribute and no other");
    }
}
