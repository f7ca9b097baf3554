//! List resources of the provider: what `terraform query` (Terraform >= 1.14) lists, and what
//! `-generate-config-out` turns into `import` blocks and configuration.
//!
//! A folder of its own, between the provider and the resources and data sources: a list
//! resource is made of a managed resource (its model, type name and identity, from
//! [`crate::resources`]) and of the plural data source's filters
//! ([`crate::data_sources::search_filters`]), so it builds on both, and neither of them knows
//! about it.

pub mod provisioned_product_properties;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::ListResourceType;

/// Every list resource type the provider offers.
pub fn all() -> Vec<ListResourceType<ServiceCatalog>> {
    vec![ListResourceType::new(
        provisioned_product_properties::ProvisionedProductPropertiesList,
    )]
}
