//! The AWS SDK side of every suite: one client builder, the identities the emulator models, and
//! the reads a user would make to check what is live (owner by account-level search, launch role
//! by describe, records by history), plus provisioning through the API and waiting for a record.

use std::time::Duration;

use aws_sdk_servicecatalog::config::retry::RetryConfig;
use aws_sdk_servicecatalog::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ListRecordHistorySearchFilter,
    ProvisionedProductAttribute, ProvisionedProductDetail, ProvisionedProductViewFilterBy,
    RecordDetail, RecordStatus,
};
use aws_sdk_servicecatalog::Client;
use tokio::time::Instant;

/// Account the emulator models by default.
pub const ACCOUNT: &str = "123456789012";
/// Region every emulator-backed test uses.
pub const REGION: &str = "us-east-1";
/// Static keys of the suites' default caller (unknown to the emulator, so the account admin).
pub const ACCESS_KEY: &str = "AKIDTEST";
pub const SECRET_KEY: &str = "test-secret";

/// An IAM ARN in the emulator's account: `iam_arn("role", "Launch")`.
pub fn iam_arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}")
}
pub fn role(name: &str) -> String {
    iam_arn("role", name)
}
pub fn user(name: &str) -> String {
    iam_arn("user", name)
}
/// An STS assumed-role session ARN (`role/session`).
pub fn assumed_role(role: &str, session: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}")
}

/// An SDK client for `endpoint` signing as `access_key`, making up to `max_attempts` attempts
/// with short backoff (the emulator's faults are counted, not timed).
pub fn client(endpoint: &str, access_key: &str, secret_key: &str, max_attempts: u32) -> Client {
    let conf = aws_sdk_servicecatalog::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            access_key, secret_key, None, None, "tests",
        ))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(max_attempts)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .build();
    Client::from_conf(conf)
}

pub fn account_level() -> AccessLevelFilter {
    AccessLevelFilter::builder()
        .key(AccessLevelFilterKey::Account)
        .value("self")
        .build()
}

/// Provisions a product through the API without waiting; returns (provisioned product id,
/// record id).
pub async fn provision(c: &Client, name: &str) -> (String, String) {
    let out = c
        .provision_product()
        .product_id("prod-abcdefgh12345")
        .provisioning_artifact_id("pa-abcdefgh12345")
        .provisioned_product_name(name)
        .provision_token(format!("tok-{name}"))
        .send()
        .await
        .expect("ProvisionProduct");
    let rec = out
        .record_detail()
        .expect("ProvisionProduct returns a record");
    (
        rec.provisioned_product_id().expect("pp id").to_owned(),
        rec.record_id().expect("record id").to_owned(),
    )
}

/// Polls `DescribeRecord` until the record is terminal (`SUCCEEDED` or `FAILED`) and returns it;
/// panics when it is not within `budget` (a hang guard, not a speed check).
pub async fn wait_record(c: &Client, record_id: &str, budget: Duration) -> RecordDetail {
    let deadline = Instant::now() + budget;
    // Quick at first (the emulator is often instant), then gentle (real AWS throttles polls).
    let mut pause = Duration::from_millis(20);
    loop {
        let out = c
            .describe_record()
            .id(record_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeRecord {record_id}: {e:?}"));
        let detail = out.record_detail().cloned().expect("record detail");
        if matches!(
            detail.status(),
            Some(RecordStatus::Succeeded) | Some(RecordStatus::Failed)
        ) {
            return detail;
        }
        assert!(
            Instant::now() < deadline,
            "record {record_id} did not finish within {budget:?}: {detail:?}"
        );
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// The product as the account-level search shows it (`None` when the search does not list it).
pub async fn search_entry(c: &Client, pp: &str) -> Option<ProvisionedProductAttribute> {
    let out = c
        .search_provisioned_products()
        .access_level_filter(account_level())
        .filters(
            ProvisionedProductViewFilterBy::SearchQuery,
            vec![format!("id:{pp}")],
        )
        .send()
        .await
        .expect("SearchProvisionedProducts");
    out.provisioned_products()
        .iter()
        .find(|p| p.id() == Some(pp))
        .cloned()
}

/// `DescribeProvisionedProduct`'s detail of the product.
pub async fn describe(c: &Client, pp: &str) -> ProvisionedProductDetail {
    c.describe_provisioned_product()
        .id(pp)
        .send()
        .await
        .expect("DescribeProvisionedProduct")
        .provisioned_product_detail()
        .cloned()
        .expect("DescribeProvisionedProduct returns a detail")
}

/// Live owner as users (and the provider) must read it: the account-level search's `UserArn`.
pub async fn owner(c: &Client, pp: &str) -> Option<String> {
    search_entry(c, pp)
        .await
        .and_then(|p| p.user_arn().map(str::to_owned))
}

/// Live launch role (`DescribeProvisionedProduct`).
pub async fn launch_role(c: &Client, pp: &str) -> Option<String> {
    describe(c, pp).await.launch_role_arn().map(str::to_owned)
}

/// Every record of the product, oldest first (`ListRecordHistory` at account level).
pub async fn records(c: &Client, pp: &str) -> Vec<RecordDetail> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = c
            .list_record_history()
            .access_level_filter(account_level())
            .search_filter(
                ListRecordHistorySearchFilter::builder()
                    .key("provisionedproduct")
                    .value(pp)
                    .build(),
            )
            .set_page_token(token.clone())
            .page_size(20)
            .send()
            .await
            .expect("ListRecordHistory");
        all.extend(out.record_details().iter().cloned());
        match out.next_page_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    // The API lists newest first.
    all.reverse();
    all
}

/// One line per record (id, status, times, errors) for failure messages.
pub fn describe_records(records: &[RecordDetail]) -> String {
    records
        .iter()
        .map(|r| {
            format!(
                "{} {:?} created={:?} updated={:?} errors={:?}",
                r.record_id().unwrap_or("?"),
                r.status(),
                r.created_time().map(|t| t.secs()),
                r.updated_time().map(|t| t.secs()),
                r.record_errors()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
