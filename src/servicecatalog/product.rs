//! [`ServiceCatalog::describe_product`]: everything the `servicecatalog_provisioned_product`
//! data source shows about one provisioned product, by id or by name.
//!
//! `DescribeProvisionedProduct` (id xor name) gives the detail; the owner (`UserArn`,
//! `UserArnSession`) only comes from an account-level `SearchProvisionedProducts` for the id,
//! as for [`ServiceCatalog::read_properties`]. Throttling is retried for a few minutes.

use std::fmt;

use aws_sdk_servicecatalog::types::ProvisionedProductStatus;
use aws_smithy_types::date_time::Format;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::error::{product, ApiError};
use super::read::{refused, READ_DEADLINE};
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
    pub id: String,
    pub name: Option<String>,
    pub arn: Option<String>,
    /// `CFN_STACK` or `TERRAFORM_OPEN_SOURCE` etc. (`Type`).
    pub product_type: Option<String>,
    pub status: Option<ProvisionedProductStatus>,
    pub status_message: Option<String>,
    pub product_id: Option<String>,
    pub provisioning_artifact_id: Option<String>,
    pub last_record_id: Option<String>,
    /// `CreatedTime` in RFC 3339 (UTC).
    pub created_time: Option<String>,
    pub launch_role_arn: Option<String>,
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
        let id = detail
            .id()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ApiError::Other {
                operation: "DescribeProvisionedProduct",
                message: format!("the response for {lookup} has no Id"),
            })?
            .to_owned();
        let mut details = ProductDetails {
            name: detail.name().map(str::to_owned),
            arn: detail.arn().map(str::to_owned),
            product_type: detail.r#type().map(str::to_owned),
            status: detail.status().cloned(),
            status_message: detail.status_message().map(str::to_owned),
            product_id: detail.product_id().map(str::to_owned),
            provisioning_artifact_id: detail.provisioning_artifact_id().map(str::to_owned),
            last_record_id: detail.last_record_id().map(str::to_owned),
            created_time: detail
                .created_time()
                .and_then(|t| t.fmt(Format::DateTime).ok()),
            launch_role_arn: detail.launch_role_arn().map(str::to_owned),
            owner: None,
            owner_session: None,
            id,
        };
        match self.search_by_id(&details.id, wait).await? {
            Ok(Some(entry)) => {
                details.owner = entry.user_arn;
                details.owner_session = entry.user_arn_session;
                Ok(details)
            }
            Ok(None) => Err(ApiError::NotVisible {
                id: details.id,
                reason: "DescribeProvisionedProduct found it, but an account-level \
                         SearchProvisionedProducts did not list it, so its owner cannot be read"
                    .to_owned(),
            }),
            Err(f) if refused(&f) => Err(ApiError::NotVisible {
                id: details.id,
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
        assert_eq!(t.fmt(Format::DateTime).unwrap(), "2019-12-24T21:26:33.358Z");
    }
}
