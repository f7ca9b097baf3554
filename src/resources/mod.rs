//! Managed resources of the provider.

pub mod provisioned_product_properties;

use crate::servicecatalog::{AcceptLanguage, ServiceCatalog};
use crate::tfplugin::ResourceType;

// Service Catalog types the resource models hold, as string attributes.
crate::string_value!(AcceptLanguage);

/// Every resource type the provider offers.
pub fn all() -> Vec<ResourceType<ServiceCatalog>> {
    vec![ResourceType::new(
        provisioned_product_properties::ProvisionedProductProperties,
    )]
}
