//! Data sources of the provider.

pub mod provisioned_product;

use std::sync::Arc;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::DataSource;

/// Every data source type the provider offers.
pub fn all() -> Vec<Arc<dyn DataSource<ServiceCatalog>>> {
    vec![Arc::new(provisioned_product::ProvisionedProduct)]
}
