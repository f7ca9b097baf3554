//! Fixture for the acceptance suite: one in-process emulator (random port) per test, an SDK client
//! to seed products and read live values the way a user would check them, a Terraform workdir, and
//! HCL builders for the provider and resource blocks.
//!
//! It also owns the backend switch (see `docs/acceptance-tests.md`): with `TF_ACC_AWS=1` there is
//! no emulator; tests run against one existing provisioned product in real AWS
//! (`TF_ACC_AWS_PROVISIONED_PRODUCT_ID`) with the default credential chain, one test at a time,
//! and the product's original `OWNER`/`LAUNCH_ROLE` are put back when each test ends (even when it
//! panics). Only tests that start with [`Acc::start_on_backend`] follow the switch; tests that
//! need the emulator call [`skip_on_aws`] first, and [`Acc::start`] is always the emulator.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
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
///
/// On the emulator `emu` is set and `endpoint` is its URL; in AWS mode both are absent and `aws`
/// holds the product under test, its original values and the one-test-at-a-time lock.
pub struct Acc {
    emu: Option<RunningEmulator>,
    pub sc: Client,
    pub wd: Workdir,
    endpoint: String,
    aws: Option<AwsSession>,
}

impl Acc {
    /// Emulator whose records complete at once (always the emulator, whatever `TF_ACC_AWS` says).
    pub async fn start() -> Acc {
        Acc::with_record_latency(Duration::ZERO).await
    }

    /// For tests that can run on either backend: the emulator, or with `TF_ACC_AWS=1` the
    /// configured real product. Only the acceptance suites opt in, so other suites sharing this
    /// fixture never reach AWS.
    pub async fn start_on_backend() -> Acc {
        match backend() {
            Backend::Emulator => Acc::start().await,
            Backend::Aws(target) => Acc::aws(target).await,
        }
    }

    async fn aws(target: &'static AwsTarget) -> Acc {
        // Every test changes the same product: one at a time.
        let lock = aws_lock().clone().lock_owned().await;
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(Region::new(target.region.clone()))
            .load()
            .await;
        let sc = Client::new(&conf);
        let mut acc = Acc {
            emu: None,
            sc,
            wd: aws_workdir(),
            endpoint: String::new(),
            aws: None,
        };
        let pp = target.product_id.as_str();
        let owner = acc.owner(pp).await;
        let launch_role = acc.launch_role(pp).await;
        assert_ne!(
            owner, target.owner_arn,
            "{ENV_OWNER} must differ from the product's current owner, or the tests cannot see a change"
        );
        let baseline = acc.change_records(pp).await.len();
        acc.aws = Some(AwsSession {
            target,
            owner,
            launch_role,
            baseline,
            restored: false,
            _lock: lock,
        });
        acc
    }

    /// True when this test talks to real AWS.
    pub fn is_aws(&self) -> bool {
        self.aws.is_some()
    }

    /// The emulator (panics in AWS mode: guard the test with [`skip_on_aws`]).
    pub fn emu(&self) -> &RunningEmulator {
        self.emu
            .as_ref()
            .expect("this test needs the emulator: guard it with skip_on_aws")
    }

    /// A product to manage: on the emulator a freshly seeded one named `name`; in AWS mode the
    /// configured product (one per test).
    pub async fn product(&self, name: &str) -> String {
        match &self.aws {
            Some(s) => s.target.product_id.clone(),
            None => self.seed(name).await,
        }
    }

    /// The product's owner when the test took it (AWS mode only).
    pub fn original_owner(&self) -> Option<&str> {
        self.aws.as_ref().map(|s| s.owner.as_str())
    }

    /// An owner ARN to set: `emulator_value` on the emulator, `TF_ACC_AWS_OWNER_ARN` in AWS mode.
    pub fn owner_value(&self, emulator_value: &str) -> String {
        match &self.aws {
            Some(s) => s.target.owner_arn.clone(),
            None => emulator_value.to_string(),
        }
    }

    /// A launch role ARN to set: `emulator_value` on the emulator, `TF_ACC_AWS_LAUNCH_ROLE_ARN`
    /// in AWS mode (`None` there when it is not configured or the product has no launch role to
    /// restore).
    pub fn launch_role_value(&self, emulator_value: &str) -> Option<String> {
        match &self.aws {
            // Without an original launch role there is nothing to restore it to.
            Some(s) => s.launch_role.as_ref().and(s.target.launch_role_arn.clone()),
            None => Some(emulator_value.to_string()),
        }
    }

    /// Change records made since this test took the product (seeded products start at zero).
    pub async fn new_change_records(&self, pp: &str) -> Vec<RecordDetail> {
        let skip = self.aws.as_ref().map_or(0, |s| s.baseline);
        self.change_records(pp)
            .await
            .into_iter()
            .skip(skip)
            .collect()
    }

    /// A further Terraform workdir with the same environment rules as `wd`.
    pub fn workdir(&self) -> Workdir {
        if self.is_aws() {
            aws_workdir()
        } else {
            Workdir::new()
        }
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
            emu: Some(emu),
            wd: Workdir::new(),
            endpoint,
            aws: None,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Replaces the emulator's injected faults.
    pub fn set_faults(&self, faults: Faults) {
        self.emu().set_faults(faults).expect("faults accepted");
    }

    /// The faults still pending (counters go down as requests consume them).
    pub fn faults(&self) -> Faults {
        self.emu().faults()
    }

    /// Provisions a product through the normal API and waits until its record succeeded
    /// (emulator only; AWS-capable tests use [`Acc::product`]).
    pub async fn seed(&self, name: &str) -> String {
        assert!(
            !self.is_aws(),
            "seeding products needs the emulator: guard the test with skip_on_aws or use Acc::product"
        );
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

    /// Provider block + required_providers for this emulator, with extra provider arguments. In
    /// AWS mode the block has no endpoint, region or keys: the provider uses the environment.
    pub fn provider_hcl(&self, extra: &str) -> String {
        if self.is_aws() {
            format!(
                "{}\nprovider \"servicecatalog\" {{\n{extra}\n}}\n",
                terraform::required_providers()
            )
        } else {
            provider_hcl(&self.endpoint, extra)
        }
    }

    /// Full config: provider block and one resource `this`.
    pub fn config(&self, pp: &str, props: &[(&str, &str)], extra: &str) -> String {
        format!(
            "{}\n{}",
            self.provider_hcl(""),
            resource_hcl(pp, props, extra)
        )
    }

    /// Ends the test: stops the emulator, or in AWS mode puts the product's original values back
    /// and checks they are live again.
    pub async fn finish(mut self) {
        if let Some(emu) = self.emu.take() {
            emu.shutdown().await;
        }
        if let Some((pp, owner, launch_role)) = self.aws.as_ref().map(AwsSession::originals) {
            restore(&self.sc, &pp, &owner, launch_role.as_deref()).await;
            if let Some(s) = self.aws.as_mut() {
                s.restored = true;
            }
            assert_eq!(self.owner(&pp).await, owner, "original owner restored");
            assert_eq!(
                self.launch_role(&pp).await,
                launch_role,
                "original launch role restored"
            );
        }
    }
}

/// The real product a test in AWS mode holds, and what to put back.
struct AwsSession {
    target: &'static AwsTarget,
    owner: String,
    launch_role: Option<String>,
    /// Change records the product had before the test.
    baseline: usize,
    restored: bool,
    _lock: tokio::sync::OwnedMutexGuard<()>,
}

impl AwsSession {
    fn originals(&self) -> (String, String, Option<String>) {
        (
            self.target.product_id.clone(),
            self.owner.clone(),
            self.launch_role.clone(),
        )
    }
}

impl Drop for AwsSession {
    // A test that panicked never reached `finish`: restore on a thread of its own, since the
    // test's runtime may be unwinding.
    fn drop(&mut self) {
        if self.restored {
            return;
        }
        let (pp, owner, launch_role) = self.originals();
        let region = self.target.region.clone();
        let joined = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for the restore");
            rt.block_on(async {
                let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .region(Region::new(region))
                    .load()
                    .await;
                restore(&Client::new(&conf), &pp, &owner, launch_role.as_deref()).await;
            });
        })
        .join();
        if joined.is_err() {
            eprintln!("TF_ACC_AWS: restoring the product's original OWNER/LAUNCH_ROLE failed; check it by hand");
        }
    }
}

/// Puts `OWNER` (and `LAUNCH_ROLE`, when the product had one) back and waits for the record.
async fn restore(sc: &Client, pp: &str, owner: &str, launch_role: Option<&str>) {
    let mut req = sc
        .update_provisioned_product_properties()
        .provisioned_product_id(pp)
        .idempotency_token(uuid::Uuid::new_v4().to_string())
        .provisioned_product_properties(PropertyKey::Owner, owner);
    if let Some(r) = launch_role {
        req = req.provisioned_product_properties(PropertyKey::LaunchRole, r);
    }
    let out = req
        .send()
        .await
        .expect("restore: UpdateProvisionedProductProperties");
    let record_id = out.record_id().expect("restore: record id").to_string();
    for _ in 0..600 {
        let status = sc
            .describe_record()
            .id(&record_id)
            .send()
            .await
            .expect("restore: DescribeRecord")
            .record_detail()
            .and_then(|d| d.status())
            .cloned();
        match status {
            Some(RecordStatus::Succeeded) => return,
            Some(RecordStatus::Failed) => panic!("restore record {record_id} failed"),
            _ => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
    panic!("restore record {record_id} did not finish");
}

/// Variable that turns on AWS mode (`1` or `true`).
pub const ENV_AWS: &str = "TF_ACC_AWS";
/// The existing provisioned product the AWS-mode tests change and restore.
pub const ENV_PRODUCT: &str = "TF_ACC_AWS_PROVISIONED_PRODUCT_ID";
/// An owner to set (IAM user/role ARN), different from the product's current owner.
pub const ENV_OWNER: &str = "TF_ACC_AWS_OWNER_ARN";
/// A launch role to set (optional: launch-role steps are skipped without it).
pub const ENV_LAUNCH_ROLE: &str = "TF_ACC_AWS_LAUNCH_ROLE_ARN";

/// Where the suite runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// An in-process emulator per test (the default).
    Emulator,
    /// Real AWS, one existing product.
    Aws(AwsTarget),
}

/// The real product and the values AWS-mode tests set on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsTarget {
    pub product_id: String,
    pub owner_arn: String,
    pub launch_role_arn: Option<String>,
    pub region: String,
}

impl Backend {
    /// Reads the switch from variables looked up through `var` (empty counts as unset).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Backend, String> {
        let get = |k: &str| {
            var(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        match get(ENV_AWS).as_deref() {
            None | Some("0") | Some("false") => return Ok(Backend::Emulator),
            Some("1") | Some("true") => {}
            Some(other) => {
                return Err(format!(
                    "{ENV_AWS}={other:?} is not understood: use 1 (real AWS) or leave it unset (emulator)"
                ))
            }
        }
        let need =
            |k: &str, what: &str| get(k).ok_or_else(|| format!("{ENV_AWS}=1 needs {k}: {what}"));
        let product_id = need(
            ENV_PRODUCT,
            "the id (pp-...) of an existing provisioned product the tests may change and restore",
        )?;
        if !product_id.starts_with("pp-") {
            return Err(format!(
                "{ENV_PRODUCT}={product_id:?} is not a provisioned product id (pp-...)"
            ));
        }
        let owner_arn = need(
            ENV_OWNER,
            "an IAM user or role ARN to set as owner, other than the current owner",
        )?;
        let launch_role_arn = get(ENV_LAUNCH_ROLE);
        for (k, v) in [
            (ENV_OWNER, Some(&owner_arn)),
            (ENV_LAUNCH_ROLE, launch_role_arn.as_ref()),
        ] {
            if let Some(v) = v.filter(|v| !v.starts_with("arn:")) {
                return Err(format!("{k}={v:?} is not an ARN (arn:aws:iam::...)"));
            }
        }
        let region = need(
            "AWS_REGION",
            "the region of the provisioned product (the provider and the checks both use it)",
        )?;
        Ok(Backend::Aws(AwsTarget {
            product_id,
            owner_arn,
            launch_role_arn,
            region,
        }))
    }
}

/// The backend for this test process, read once from the environment; a bad setting panics with
/// a message naming the variable.
pub fn backend() -> &'static Backend {
    static BACKEND: OnceLock<Backend> = OnceLock::new();
    BACKEND.get_or_init(|| {
        Backend::from_vars(|k| std::env::var(k).ok()).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// True (after printing why) when the suite runs on real AWS and this test needs the emulator.
pub fn skip_on_aws(test: &str, reason: &str) -> bool {
    if matches!(backend(), Backend::Aws(_)) {
        eprintln!("SKIP {test}: needs the emulator ({reason}); {ENV_AWS}=1 runs against real AWS");
        true
    } else {
        false
    }
}

fn aws_lock() -> &'static Arc<tokio::sync::Mutex<()>> {
    static LOCK: OnceLock<Arc<tokio::sync::Mutex<()>>> = OnceLock::new();
    LOCK.get_or_init(|| Arc::new(tokio::sync::Mutex::new(())))
}

/// Variables passed from the real environment to Terraform in AWS mode: credentials, profile,
/// region, and what the default chain needs (SSO cache under `HOME`, web identity, containers).
pub const AWS_PASSTHROUGH: &[&str] = &[
    "HOME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_CA_BUNDLE",
    // Part of the default chain too (VPC endpoints; a rehearsal against a local emulator).
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SERVICE_CATALOG",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
];

/// A workdir for AWS mode: the harness's isolated environment, with the real AWS settings passed
/// through. Unset files fall back to the real `~/.aws` ones (the harness points them at empty files).
pub fn aws_workdir() -> Workdir {
    let mut wd = Workdir::new();
    let real = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    // The harness disables instance metadata; in AWS mode the chain may need it.
    wd.set_env("AWS_EC2_METADATA_DISABLED", "false");
    for k in AWS_PASSTHROUGH {
        if let Some(v) = real(k) {
            wd.set_env(k, v);
        }
    }
    if let Some(home) = real("HOME").map(std::path::PathBuf::from) {
        if real("AWS_CONFIG_FILE").is_none() {
            wd.set_env("AWS_CONFIG_FILE", home.join(".aws/config"));
        }
        if real("AWS_SHARED_CREDENTIALS_FILE").is_none() {
            wd.set_env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"));
        }
    }
    wd
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
