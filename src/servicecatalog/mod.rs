//! The small Service Catalog API layer the resource uses: update properties, wait for the record, read owner and launch role.
//!
//! - [`validate`]: pure checks for `terraform validate` (ids, property keys/values, `accept_language`).
//! - [`arn`]: the ARN parse those checks share.
//! - [`ServiceCatalog`]: the API calls and their waits, bounded by a [`Wait`].
//! - [`Backoff`]: the polling schedule. [`ApiError`]: what can go wrong.
//!
//! [`ServiceCatalog::apply_properties`] does a whole change in one call; the steps it takes are:
//! ```no_run
//! # use servicecatalog_provider::servicecatalog::*;
//! # async fn apply(sc: &ServiceCatalog, desired: &PropertyMap, token: &str, wait: &Wait) -> Result<(), ApiError> {
//! let live = sc.read_properties("pp-abcd27bm4mldq").await?;
//! let changes = changed_properties(&live.properties(), desired);
//! if !changes.is_empty() {
//!     let record = sc.update_properties("pp-abcd27bm4mldq", &changes, token, None, wait).await?;
//!     sc.wait_for_record(&record, wait).await?.into_result()?;
//!     if let Some(owner) = changes.get(&PropertyKey::Owner) {
//!         sc.wait_for_owner("pp-abcd27bm4mldq", owner, &wait.capped(OWNER_CONSISTENCY_BOUND)).await?;
//!     }
//! }
//! # Ok(()) }
//! ```

pub mod arn;
mod backoff;
mod client;
mod error;
mod product;
pub mod validate;

use std::time::Duration;

pub use backoff::Backoff;
pub use client::{Applied, ProductState, RecordId, RecordOutcome, ServiceCatalog, Wait};
pub use error::{ApiError, RecordError, ACCESS_NEEDED};
pub use product::{ProductDetails, ProductLookup};
pub use validate::{
    changed_properties, validate_properties, validate_property, validate_property_value,
    validate_provisioned_product_id, AcceptLanguage, PropertyKey, PropertyMap, ValidationError,
};

/// SDK enums callers see in [`ProductState`] and [`RecordOutcome`].
pub use aws_sdk_servicecatalog::types::{ProvisionedProductStatus, RecordStatus};

/// How long to tolerate a search that still shows the previous owner after a successful change.
pub const OWNER_CONSISTENCY_BOUND: Duration = Duration::from_secs(15);
