//! Fixture for the acceptance suite: one in-process emulator (random port) per test, an SDK client
//! to seed products and read live values the way a user would check them, a Terraform workdir, and
//! HCL builders for the provider and resource blocks.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_servicecatalog::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ListRecordHistorySearchFilter, PropertyKey,
    RecordDetail, RecordStatus,
};
use aws_sdk_servicecatalog::Client;
use aws_smithy_types::retry::RetryConfig;
use servicecatalog_provider::emulator::{Emulator, EmulatorConfig, Faults, RunningEmulator};

use super::terraform::{self, hcl_string, Workdir};

/// The resource under test, by address.
pub const ADDR: &str = "servicecatalog_provisioned_product_properties.this";
/// Account the emulator models by default.
pub const ACCOUNT: &str = "123456789012";
pub const ACCESS_KEY: &str = "AKIDTEST";
pub const SECRET_KEY: &str = "test-secret";

pub fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}
pub fn user(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}
pub fn assumed_role(role: &str, session: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}")
}

/// One test's world: emulator, SDK client, Terraform workdir.
pub struct Acc {
    pub emu: RunningEmulator,
    pub sc: Client,
    pub wd: Workdir,
    endpoint: String,
}

impl Acc {
    /// Emulator whose records complete at once.
    pub async fn start() -> Acc {
        Acc::with_record_latency(Duration::ZERO).await
    }

    pub async fn with_record_latency(record_latency: Duration) -> Acc {
        Acc::with_config(EmulatorConfig {
            record_latency,
            ..Default::default()
        })
        .await
    }

    pub async fn with_config(config: EmulatorConfig) -> Acc {
        let emu = Emulator::start(config).await.expect("start the emulator");
        let endpoint = emu.endpoint_url();
        Acc {
            sc: sdk_client(&endpoint),
            emu,
            wd: Workdir::new(),
            endpoint,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Replaces the emulator's injected faults.
    pub fn set_faults(&self, faults: Faults) {
        self.emu.set_faults(faults).expect("faults accepted");
    }

    /// The faults still pending (counters go down as requests consume them).
    pub fn faults(&self) -> Faults {
        self.emu.faults()
    }

    /// Provisions a product through the normal API and waits until its record succeeded.
    pub async fn seed(&self, name: &str) -> String {
        let out = self
            .sc
            .provision_product()
            .product_id("prod-acctest000001")
            .provisioning_artifact_id("pa-acctest00000001")
            .provisioned_product_name(name)
            .provision_token(uuid::Uuid::new_v4().to_string())
            .send()
            .await
            .expect("ProvisionProduct");
        let record = out
            .record_detail()
            .expect("ProvisionProduct returns a record");
        let pp = record
            .provisioned_product_id()
            .expect("record names its provisioned product")
            .to_string();
        let record_id = record.record_id().expect("record id").to_string();
        self.wait_record(&record_id).await;
        pp
    }

    /// Current status of a record.
    pub async fn record_status(&self, record_id: &str) -> RecordStatus {
        self.sc
            .describe_record()
            .id(record_id)
            .send()
            .await
            .expect("DescribeRecord")
            .record_detail()
            .and_then(|d| d.status())
            .cloned()
            .expect("record status")
    }

    /// Polls `DescribeRecord` until the record is terminal; returns it.
    pub async fn wait_record(&self, record_id: &str) -> RecordDetail {
        for _ in 0..1200 {
            let out = self
                .sc
                .describe_record()
                .id(record_id)
                .send()
                .await
                .expect("DescribeRecord");
            let detail = out.record_detail().cloned().expect("record detail");
            if matches!(
                detail.status(),
                Some(RecordStatus::Succeeded) | Some(RecordStatus::Failed)
            ) {
                return detail;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("record {record_id} never finished");
    }

    /// Changes properties out of band (as someone in the console would) and waits for the record.
    pub async fn change_out_of_band(&self, pp: &str, props: &[(&str, &str)]) -> RecordDetail {
        let record_id = self.start_change_out_of_band(pp, props).await;
        let detail = self.wait_record(&record_id).await;
        assert_eq!(
            detail.status(),
            Some(&RecordStatus::Succeeded),
            "out-of-band change failed: {detail:?}"
        );
        detail
    }

    /// Starts an out-of-band change and returns its record id without waiting.
    pub async fn start_change_out_of_band(&self, pp: &str, props: &[(&str, &str)]) -> String {
        let mut req = self
            .sc
            .update_provisioned_product_properties()
            .provisioned_product_id(pp)
            .idempotency_token(uuid::Uuid::new_v4().to_string());
        for (k, v) in props {
            req = req.provisioned_product_properties(PropertyKey::from(*k), *v);
        }
        let out = req
            .send()
            .await
            .expect("UpdateProvisionedProductProperties");
        out.record_id().expect("record id").to_string()
    }

    /// Live owner, read as the provider must: `SearchProvisionedProducts` at account level.
    pub async fn owner(&self, pp: &str) -> String {
        let out = self
            .sc
            .search_provisioned_products()
            .access_level_filter(account_level())
            .filters(
                aws_sdk_servicecatalog::types::ProvisionedProductViewFilterBy::SearchQuery,
                vec![format!("id:{pp}")],
            )
            .send()
            .await
            .expect("SearchProvisionedProducts");
        out.provisioned_products()
            .iter()
            .find(|p| p.id() == Some(pp))
            .and_then(|p| p.user_arn())
            .unwrap_or_else(|| panic!("search does not show {pp} with an owner"))
            .to_string()
    }

    /// Live launch role (`DescribeProvisionedProduct`).
    pub async fn launch_role(&self, pp: &str) -> Option<String> {
        let out = self
            .sc
            .describe_provisioned_product()
            .id(pp)
            .send()
            .await
            .expect("DescribeProvisionedProduct");
        out.provisioned_product_detail()
            .and_then(|d| d.launch_role_arn())
            .map(str::to_string)
    }

    /// Live status of the product (`AVAILABLE`, `UNDER_CHANGE`, ...).
    pub async fn status(&self, pp: &str) -> String {
        let out = self
            .sc
            .describe_provisioned_product()
            .id(pp)
            .send()
            .await
            .expect("DescribeProvisionedProduct");
        out.provisioned_product_detail()
            .and_then(|d| d.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default()
    }

    /// Every record of the product, oldest first (`ListRecordHistory` at account level).
    pub async fn records(&self, pp: &str) -> Vec<RecordDetail> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .sc
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

    /// Records other than the one that provisioned the product: the property changes.
    pub async fn change_records(&self, pp: &str) -> Vec<RecordDetail> {
        self.records(pp)
            .await
            .into_iter()
            .filter(|r| r.record_type() != Some("PROVISION_PRODUCT"))
            .collect()
    }

    /// Provider block + required_providers for this emulator, with extra provider arguments.
    pub fn provider_hcl(&self, extra: &str) -> String {
        provider_hcl(&self.endpoint, extra)
    }

    /// Full config: provider block and one resource `this`.
    pub fn config(&self, pp: &str, props: &[(&str, &str)], extra: &str) -> String {
        format!(
            "{}\n{}",
            self.provider_hcl(""),
            resource_hcl(pp, props, extra)
        )
    }

    pub async fn finish(self) {
        self.emu.shutdown().await;
    }
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

pub fn account_level() -> AccessLevelFilter {
    AccessLevelFilter::builder()
        .key(AccessLevelFilterKey::Account)
        .value("self")
        .build()
}

/// SDK client for checks and seeding: same caller as the provider, quick retries.
pub fn sdk_client(endpoint: &str) -> Client {
    let conf = aws_sdk_servicecatalog::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            ACCESS_KEY,
            SECRET_KEY,
            None,
            None,
            "acceptance",
        ))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(20)),
        )
        .build();
    Client::from_conf(conf)
}

pub fn provider_hcl(endpoint: &str, extra: &str) -> String {
    provider_hcl_with_keys(endpoint, ACCESS_KEY, SECRET_KEY, extra)
}

/// Provider block with explicit static keys (the access key id picks the emulator's caller).
pub fn provider_hcl_with_keys(
    endpoint: &str,
    access_key: &str,
    secret_key: &str,
    extra: &str,
) -> String {
    format!(
        r#"{}
provider "servicecatalog" {{
  endpoint   = {}
  region     = "us-east-1"
  access_key = {}
  secret_key = {}
{extra}
}}
"#,
        terraform::required_providers(),
        hcl_string(endpoint),
        hcl_string(access_key),
        hcl_string(secret_key),
    )
}

pub fn resource_hcl(pp: &str, props: &[(&str, &str)], extra: &str) -> String {
    let mut map = String::new();
    for (k, v) in props {
        map.push_str(&format!("    {k} = {}\n", hcl_string(v)));
    }
    format!(
        r#"resource "servicecatalog_provisioned_product_properties" "this" {{
  provisioned_product_id = {}
  properties = {{
{map}  }}
{extra}
}}
"#,
        hcl_string(pp)
    )
}

/// A map attribute of the state as a sorted map of strings (empty when null).
pub fn string_map(v: &serde_json::Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn map_of(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A TCP listener that counts connections and answers none: an endpoint that proves no API call
/// was made when its count stays at zero.
pub struct CountingEndpoint {
    pub url: String,
    count: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl CountingEndpoint {
    pub async fn start() -> CountingEndpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind counting listener");
        let addr = listener.local_addr().expect("listener address");
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                drop(sock);
            }
        });
        CountingEndpoint {
            url: format!("http://{addr}"),
            count,
            task,
        }
    }

    pub fn connections(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for CountingEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}
