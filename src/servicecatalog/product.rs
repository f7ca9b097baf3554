//! [`ServiceCatalog::describe_product`]: everything the `servicecatalog_provisioned_product`
//! data source shows about one provisioned product, by id or by name.
//!
//! `DescribeProvisionedProduct` (id xor name) gives the detail; the owner (`UserArn`,
//! `UserArnSession`) only comes from an account-level `SearchProvisionedProducts` for the id,
//! as for [`ServiceCatalog::read_properties`]. Throttling is retried for a few minutes.

use std::fmt;

use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::error::{product, ApiError};
use super::read::{refused, READ_DEADLINE};
use super::search::ScannedProduct;
use super::wait::Wait;

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
    pub detail: ScannedProduct,
    /// `UserArn` from the account-level search.
    pub owner: Option<String>,
    /// `UserArnSession` from the account-level search.
    pub owner_session: Option<String>,
}

impl ServiceCatalog {
    /// Describes one provisioned product, owner included; given up at once when `cancel` is
    /// cancelled.
    ///
    /// A product that does not exist is [`ApiError::NotFound`] with `id` holding the id or name
    /// looked up; one that exists but whose owner these credentials cannot read is
    /// [`ApiError::NotVisible`].
    pub async fn describe_product(
        &self,
        lookup: ProductLookup<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProductDetails, ApiError> {
        let wait = Wait::new(READ_DEADLINE, cancel.clone());
        let during = format!("reading the provisioned product with {lookup}");
        wait.guard(&during, self.describe_lookup(lookup, &wait))
            .await?
    }

    async fn describe_lookup(
        &self,
        lookup: ProductLookup<'_>,
        wait: &Wait,
    ) -> Result<ProductDetails, ApiError> {
        let call = self
            .client()
            .describe_provisioned_product()
            .set_accept_language(self.language(None));
        let call = match lookup {
            ProductLookup::Id(id) => call.id(id),
            ProductLookup::Name(name) => call.name(name),
        };
        let out = match self
            .send(
                wait,
                "DescribeProvisionedProduct",
                || match lookup {
                    ProductLookup::Id(id) => product(id),
                    ProductLookup::Name(name) => format!("the provisioned product named {name:?}"),
                },
                || call.clone().send(),
            )
            .await?
        {
            Ok(out) => out,
            Err(f) => {
                if f.is("ResourceNotFoundException") {
                    return Err(ApiError::NotFound {
                        id: match lookup {
                            ProductLookup::Id(s) | ProductLookup::Name(s) => s.to_owned(),
                        },
                    });
                }
                return Err(f.into_api_error());
            }
        };
        let detail = out
            .provisioned_product_detail()
            .ok_or_else(|| ApiError::Other {
                operation: "DescribeProvisionedProduct",
                message: format!("the response for {lookup} has no ProvisionedProductDetail"),
            })?;
        let mut details = ProductDetails {
            detail: ScannedProduct::from_sdk(detail).ok_or_else(|| ApiError::Other {
                operation: "DescribeProvisionedProduct",
                message: format!("the response for {lookup} has no Id"),
            })?,
            owner: None,
            owner_session: None,
        };
        match self.search_by_id(&details.detail.id, wait).await? {
            Ok(Some(entry)) => {
                details.owner = entry.user_arn;
                details.owner_session = entry.user_arn_session;
                Ok(details)
            }
            Ok(None) => Err(ApiError::NotVisible {
                id: details.detail.id,
                reason: "DescribeProvisionedProduct found it, but an account-level \
                         SearchProvisionedProducts did not list it, so its owner cannot be read"
                    .to_owned(),
            }),
            Err(f) if refused(&f) => Err(ApiError::NotVisible {
                id: details.detail.id,
                reason: format!(
                    "an account-level SearchProvisionedProducts, needed to read the owner, \
                         was refused: {}",
                    f.message
                ),
            }),
            Err(f) => Err(f.into_api_error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_names_what_was_looked_up() {
        assert_eq!(ProductLookup::Id("pp-1").to_string(), "id \"pp-1\"");
        assert_eq!(ProductLookup::Name("web").to_string(), "name \"web\"");
    }

    #[test]
    fn created_time_is_rfc3339_utc() {
        let t = aws_smithy_types::DateTime::from_secs_and_nanos(1_577_222_793, 358_000_000);
        let detail = aws_sdk_servicecatalog::types::ProvisionedProductDetail::builder()
            .id("pp-1")
            .created_time(t)
            .build();
        let read = ScannedProduct::from_sdk(&detail).expect("an id");
        assert_eq!(
            read.created_time.as_deref(),
            Some("2019-12-24T21:26:33.358Z")
        );
    }
}
