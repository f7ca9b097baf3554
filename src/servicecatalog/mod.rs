//! The Service Catalog API layer the resource and data source use. Its entry points are few
//! and typed:
//!
//! - [`ServiceCatalog::refresh`]: what is live of a product's managed properties, with the
//!   read-after-write policy for our own owner changes (module `read`). Reads in one process
//!   share account-level listing pages (module `fleet`).
//! - [`ServiceCatalog::change`]: a whole property change (read once free, send what differs,
//!   wait for the record; nothing read back after success), given as a [`Change`]; it answers
//!   [`Changed`] or a [`ChangeError`] carrying the record and what is live (module `change`).
//!   Concurrent record waits share their polls (module `poller`).
//! - [`ServiceCatalog::describe_product`]: everything the data source shows (module `product`).
//! - [`ServiceCatalog::search`] and [`ServiceCatalog::scan`]: typed, paged account listings
//!   with a [`SearchFilter`] (modules `search` and `query`), and [`ServiceCatalog::launch_roles`]
//!   for the launch roles a search does not carry (module `launch_role`).
//! - The steps, for tests and tools: [`ServiceCatalog::read_properties`],
//!   [`ServiceCatalog::update_properties`], [`ServiceCatalog::wait_for_record`] (module
//!   `record`), each bounded by a [`Wait`] (deadline + cancellation).
//!
//! Every call retries throttling that outlasts the SDK's own retries within its operation's
//! deadline ([`Wait`]), so a throttled run slows down instead of failing.
//!
//! Around them: [`validate`] (pure checks for `terraform validate`), [`arn`] (the ARN parse they
//! share), [`Backoff`] (the polling schedule), [`ApiError`] (what can go wrong, in sentences) and
//! [`cause`] (what an SDK error says, read in one place).
//!
//! ```no_run
//! # use std::time::Duration;
//! # use servicecatalog_provider::servicecatalog::*;
//! # use tokio_util::sync::CancellationToken;
//! # async fn example(sc: &ServiceCatalog) -> Result<(), ChangeError> {
//! let cancel = CancellationToken::new();
//! let desired = PropertyMap::from([(PropertyKey::Owner, "arn:aws:iam::123456789012:role/Team".to_owned())]);
//! let change = Change {
//!     id: "pp-abcd27bm4mldq".to_owned(),
//!     desired: desired.clone(),
//!     idempotency_token: "a-token-made-at-plan-time".to_owned(),
//!     accept_language: None,
//!     timeout: Duration::from_secs(1800),
//! };
//! let changed = sc.change(&change, &cancel).await?;
//! let last = changed.record.as_ref().map(RecordOutcome::to_ref);
//! let live = sc.refresh(&change.id, &desired, last.as_ref(), &cancel).await.map_err(|error| {
//!     ChangeError { error, before: None, record: None, live: None }
//! })?;
//! assert_eq!(live.values_of(&desired), desired);
//! # Ok(()) }
//! ```

pub mod arn;
mod backoff;
pub mod cause;
mod change;
mod client;
mod error;
mod fleet;
mod launch_role;
mod poller;
mod product;
mod query;
mod read;
mod record;
mod search;
pub mod validate;
mod wait;

use std::time::Duration;

pub use backoff::Backoff;
pub use change::{Change, ChangeError, Changed};
pub use client::ServiceCatalog;
pub use error::{ApiError, RecordError, ACCESS_NEEDED};
pub use launch_role::{LaunchRoleSource, LaunchRoles};
pub use product::{ProductDetails, ProductLookup};
pub use query::{AccessLevel, SearchField, SearchFilter, SearchTerm};
pub use read::ProductState;
pub use record::{RecordId, RecordOutcome, RecordRef};
pub use search::{
    ProductSummary, ScanPage, ScanPages, ScannedProduct, SearchOptions, SearchPage, SearchPages,
    SearchSort, SCAN_PAGE_MAX, SEARCH_PAGE_MAX,
};
pub use validate::{
    changed_properties, validate_properties, validate_property, validate_property_value,
    validate_provisioned_product_id, validate_provisioned_product_name, AcceptLanguage,
    PropertyKey, PropertyMap, ValidationError,
};
pub use wait::Wait;

/// SDK enums callers see in [`ProductState`] and [`RecordOutcome`].
pub use aws_sdk_servicecatalog::types::{ProvisionedProductStatus, RecordStatus};

/// How long to tolerate a search that still shows the previous owner after a successful change.
pub const OWNER_CONSISTENCY_BOUND: Duration = Duration::from_secs(15);
