//! List resources (`terraform query`, Terraform >= 1.14). A folder of its own: a list resource is
//! made of a managed resource (its model and identity) and of the plural data source's filters,
//! so it builds on both, and neither knows about it.

pub mod provisioned_product_properties;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::ListResourceType;

/// Every list resource type the provider offers.
pub fn all() -> Vec<ListResourceType<ServiceCatalog>> {
    vec![ListResourceType::new(
        provisioned_product_properties::ProvisionedProductPropertiesList,
    )]
}
