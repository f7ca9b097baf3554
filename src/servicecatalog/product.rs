//! [`ServiceCatalog::describe_product`]: everything the `servicecatalog_provisioned_product`
//! data source shows about one provisioned product, by id or by name.
//!
//! `DescribeProvisionedProduct` (id xor name) gives the detail; the owner (`UserArn`,
//! `UserArnSession`) only comes from an account-level `SearchProvisionedProducts` for the id,
//! as for [`ServiceCatalog::read_properties`]. Throttling is retried for a few minutes.

use std::fmt;

use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::{About, ApiError};
use super::read::{not_listed, search_refused_or, READ_DEADLINE};
use super::search::ProductSummary;

/// Which provisioned product to describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductLookup<'a> {
    /// By id, e.g. `pp-abcd27bm4mldq`.
    Id(&'a str),
    /// By name (names are unique per account).
    Name(&'a str),
}

impl fmt::Display for ProductLookup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProductLookup::Id(id) => write!(f, "id {id:?}"),
            ProductLookup::Name(name) => write!(f, "name {name:?}"),
        }
    }
}

/// What Service Catalog reports about one provisioned product.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDetails {
    /// What `DescribeProvisionedProduct` says (the same shape as a scan lists).
    pub detail: ProductSummary,
    /// `UserArn` from the account-level search.
    pub owner: Option<String>,
    /// `UserArnSession` from the account-level search.
    pub owner_session: Option<String>,
}

impl ServiceCatalog {
    /// Describes one provisioned product, owner included. A product that does not exist is
    /// [`ApiError::NotFound`] (its `id` the id or name looked up); one whose owner these
    /// credentials cannot read is [`ApiError::NotVisible`].
    pub async fn describe_product(
        &self,
        lookup: ProductLookup<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProductDetails, ApiError> {
        let deadline = Deadline::new(READ_DEADLINE, cancel.clone());
        let call = self
            .client()
            .describe_provisioned_product()
            .set_accept_language(self.language(None));
        let (call, about) = match lookup {
            ProductLookup::Id(id) => (call.id(id), About::Product(id.to_owned())),
            ProductLookup::Name(name) => (call.name(name), About::ProductNamed(name.to_owned())),
        };
        let out = self
            .send(&deadline, "DescribeProvisionedProduct", about, || {
                call.clone().send()
            })
            .await?;
        let unusable = |what: &str| ApiError::Unusable {
            operation: "DescribeProvisionedProduct",
            message: format!("the response for {lookup} has no {what}"),
        };
        let detail = out
            .provisioned_product_detail()
            .ok_or_else(|| unusable("ProvisionedProductDetail"))?;
        let detail = ProductSummary::from_detail(detail).ok_or_else(|| unusable("Id"))?;
        match self.search_by_id(&detail.id, &deadline).await {
            Ok(Some(entry)) => Ok(ProductDetails {
                detail,
                owner: entry.user_arn,
                owner_session: entry.user_arn_session,
            }),
            Ok(None) => Err(not_listed(&detail.id)),
            Err(e) => Err(search_refused_or(&detail.id, e)),
        }
    }
}
