//! Managed resources of the provider.

pub mod provisioned_product_properties;

use std::sync::Arc;

use crate::servicecatalog::{AcceptLanguage, ServiceCatalog};
use crate::tfplugin::Resource;

// Service Catalog types the resource models hold, as string attributes.
crate::string_value!(AcceptLanguage);

/// Every resource type the provider offers.
pub fn all() -> Vec<Arc<dyn Resource<ServiceCatalog>>> {
    vec![Arc::new(
        provisioned_product_properties::ProvisionedProductProperties,
    )]
}
