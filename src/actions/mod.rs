//! The provider's actions (Terraform >= 1.14): day-two operations invoked with
//! `terraform apply -invoke=action.TYPE.NAME` or from a resource's `action_trigger`.

pub mod update_provisioned_product_properties;

use crate::servicecatalog::ServiceCatalog;
use crate::tfplugin::ActionType;

/// Every action the provider offers.
pub fn all() -> Vec<ActionType<ServiceCatalog>> {
    vec![ActionType::new(
        update_provisioned_product_properties::UpdateProvisionedProductProperties,
    )]
}
