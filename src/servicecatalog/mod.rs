//! The Service Catalog API layer the resource, data sources and list resource use. Entry points:
//! [`ServiceCatalog::refresh`] (what is live of a product's managed properties, reads batched
//! across a fleet), [`ServiceCatalog::change`] (a whole property change, one [`ChangeOutcome`]
//! for success and failure alike), [`ServiceCatalog::describe_product`], and the typed, paged
//! listings [`ServiceCatalog::search`] and [`ServiceCatalog::scan`]. Every call is bounded by a
//! [`Deadline`] and fails with one error type, [`ApiError`]. The rules are in `docs/design.md`.

pub mod arn;
mod backoff;
pub mod cause;
mod change;
mod client;
mod deadline;
mod error;
mod fleet;
mod handover;
mod input;
mod launch_role;
mod pace;
mod poller;
mod product;
mod properties;
mod query;
mod read;
mod record;
mod search;

use std::time::Duration;

pub use backoff::Backoff;
pub use change::{Change, ChangeOutcome};
pub use client::ServiceCatalog;
pub use deadline::Deadline;
pub use error::{About, ApiError, Call, RecordError, ACCESS_NEEDED};
pub use handover::{HandOver, HandOverReport, Progress, Selection};
pub use input::{
    validate_provisioned_product_id, validate_provisioned_product_name, AcceptLanguage,
    ValidationError,
};
pub use launch_role::{LaunchRoleSource, LaunchRoles};
pub use product::{ProductDetails, ProductLookup};
pub use properties::{
    changed_properties, validate_property, validate_property_value, PropertyKey, PropertyMap,
};
pub use query::{AccessLevel, SearchField, SearchFilter, SearchTerm};
pub use read::ProductState;
pub use record::{RecordId, RecordOutcome, RecordRef};
pub use search::{Page, Pages, ProductSummary, SearchOptions, SCAN_PAGE_MAX, SEARCH_PAGE_MAX};

/// SDK enums callers see in [`ProductState`] and [`RecordOutcome`].
pub use aws_sdk_servicecatalog::types::{ProvisionedProductStatus, RecordStatus};

/// How long to tolerate a search that still shows the previous owner after a successful change.
pub const OWNER_CONSISTENCY_BOUND: Duration = Duration::from_secs(15);
