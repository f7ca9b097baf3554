//! Launch roles of listed products ([`ServiceCatalog::launch_roles`]), which a search does not
//! carry: `DescribeProvisionedProduct` per product, or the access level's scan pages, whichever is
//! fewer calls ([`LaunchRoleSource::choose`]). A product Describe no longer finds is left out.

use std::collections::HashMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::ApiError;
use super::query::{AccessLevel, SearchFilter};
use super::search::{Of, SearchOptions, LIST_DEADLINE, SCAN_PAGE_MAX};

/// Describes sent at a time when reading launch roles one by one.
const DESCRIBE_CONCURRENCY: usize = 8;

/// Where launch roles are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchRoleSource {
    /// `DescribeProvisionedProduct` per product.
    Describe,
    /// `ScanProvisionedProducts` pages of everything visible at the access level.
    Scan,
}

impl LaunchRoleSource {
    /// The cheaper source for `wanted` products of `visible` at the access level.
    pub fn choose(wanted: usize, visible: usize) -> Self {
        if visible.div_ceil(usize::from(SCAN_PAGE_MAX)) < wanted {
            LaunchRoleSource::Scan
        } else {
            LaunchRoleSource::Describe
        }
    }
}

/// Reads launch roles for a listing; see the module docs.
#[derive(Debug)]
pub struct LaunchRoles<'a> {
    sc: &'a ServiceCatalog,
    level: AccessLevel,
    cancel: CancellationToken,
    source: LaunchRoleSource,
    /// What a scan found, by product id (read once, on first use).
    scanned: Option<HashMap<String, Option<String>>>,
}

impl ServiceCatalog {
    /// A reader of launch roles for products listed at `level` (describing, until
    /// [`LaunchRoles::plan`] says otherwise).
    pub fn launch_roles(&self, level: AccessLevel, cancel: &CancellationToken) -> LaunchRoles<'_> {
        LaunchRoles {
            sc: self,
            level,
            cancel: cancel.clone(),
            source: LaunchRoleSource::Describe,
            scanned: None,
        }
    }
}

impl LaunchRoles<'_> {
    /// Chooses the source for `wanted` products, `visible` being how many the caller sees at
    /// the access level when known (counted here otherwise, when it matters).
    pub async fn plan(
        &mut self,
        wanted: usize,
        visible: Option<usize>,
    ) -> Result<LaunchRoleSource, ApiError> {
        self.source = match visible {
            Some(visible) => LaunchRoleSource::choose(wanted, visible),
            // Counting is a call too: with two or fewer, describing costs no more.
            None if wanted <= 2 => LaunchRoleSource::Describe,
            None => LaunchRoleSource::choose(wanted, self.count_visible().await?),
        };
        Ok(self.source)
    }

    /// The launch role of each of `ids` that still exists (`None`: it has none).
    pub async fn read(
        &mut self,
        ids: &[&str],
    ) -> Result<HashMap<String, Option<String>>, ApiError> {
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing: Vec<String> = Vec::new();
        if self.source == LaunchRoleSource::Scan {
            let scanned = self.scanned().await?;
            for id in ids {
                match scanned.get(*id) {
                    Some(role) => {
                        found.insert((*id).to_owned(), role.clone());
                    }
                    None => missing.push((*id).to_owned()),
                }
            }
        } else {
            missing.extend(ids.iter().map(|id| (*id).to_owned()));
        }
        let deadline = Deadline::new(LIST_DEADLINE, self.cancel.clone());
        let (sc, deadline) = (self.sc, &deadline);
        let described: Vec<(String, Option<Option<String>>)> = stream::iter(missing)
            .map(|id| async move {
                let role = sc.describe_launch_role(&id, deadline).await?;
                Ok((id, role))
            })
            .buffer_unordered(DESCRIBE_CONCURRENCY)
            .try_collect()
            .await?;
        for (id, role) in described {
            if let Some(role) = role {
                found.insert(id, role);
            }
        }
        Ok(found)
    }

    async fn scanned(&mut self) -> Result<&HashMap<String, Option<String>>, ApiError> {
        if self.scanned.is_none() {
            let all = self
                .sc
                .scan(self.level, SCAN_PAGE_MAX, &self.cancel)
                .collect()
                .await?;
            let by_id = all.into_iter().map(|p| (p.id, p.launch_role_arn)).collect();
            self.scanned = Some(by_id);
        }
        Ok(self.scanned.get_or_insert_with(HashMap::new))
    }

    /// `TotalResultsCount` of a search for everything at the access level.
    async fn count_visible(&self) -> Result<usize, ApiError> {
        let options = SearchOptions {
            page_size: 1,
            ..SearchOptions::default()
        };
        let every = SearchFilter::account().at(self.level);
        let deadline = Deadline::new(LIST_DEADLINE, self.cancel.clone());
        let of = Of::Search(&every, &options);
        let page = self.sc.page(of, None, &deadline).await?;
        Ok(page.total_results_count.unwrap_or_default())
    }
}

impl ServiceCatalog {
    /// `LaunchRoleArn` of one product: `None` when it no longer exists.
    async fn describe_launch_role(
        &self,
        id: &str,
        deadline: &Deadline,
    ) -> Result<Option<Option<String>>, ApiError> {
        match self.describe_by_id(id, deadline).await {
            Ok(out) => Ok(Some(
                out.provisioned_product_detail()
                    .and_then(|d| d.launch_role_arn())
                    .map(str::to_owned),
            )),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanning_wins_only_when_it_takes_fewer_calls() {
        use LaunchRoleSource::{Describe, Scan};
        for (wanted, visible, expected) in [
            // A few matches in a large account: one describe each.
            (3, 2_000, Describe),
            (100, 2_000, Describe),
            (101, 2_000, Scan),
            // The whole account (no filter): 1 scan call per 20.
            (50, 50, Scan),
            (250, 250, Scan),
            (2, 2, Scan),
            (1, 1, Describe),
            // Equal cost: describe, which reads no product it does not need.
            (5, 100, Describe),
            (6, 100, Scan),
            (0, 0, Describe),
        ] {
            assert_eq!(
                LaunchRoleSource::choose(wanted, visible),
                expected,
                "{wanted} wanted of {visible} visible"
            );
        }
    }
}
