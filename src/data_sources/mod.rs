//! Data sources of the provider, and the search filters the plural data source shares with
//! the list resource (`search_filters`).

pub mod provisioned_product;
pub mod provisioned_products;
pub mod search_filters;

use std::sync::Arc;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::DataSource;

/// Every data source type the provider offers.
pub fn all() -> Vec<Arc<dyn DataSource<ServiceCatalog>>> {
    vec![
        Arc::new(provisioned_product::ProvisionedProduct),
        Arc::new(provisioned_products::ProvisionedProducts),
    ]
}
