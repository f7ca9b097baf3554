//! One test's world: an in-process emulator on a random port (or, for the acceptance suites with
//! `TF_ACC_AWS=1`, one real provisioned product: see [`super::aws`]), an SDK client to seed
//! products and to read what is live the way a user would check it, and Terraform workdirs
//! pointed at it.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_servicecatalog::types::{
    PropertyKey, ProvisionedProductAttribute, ProvisionedProductDetail, RecordDetail, RecordStatus,
};
use aws_sdk_servicecatalog::Client;
use servicecatalog_provider::emulator::{
    Emulator, EmulatorConfig, Faults, Metrics, Record, RunningEmulator, SeedProduct,
};

use super::aws::{self, AwsSession, Backend};
use super::hcl::{self, required_providers, resource_hcl};
use super::sdk::{self, ACCESS_KEY, SECRET_KEY};
use super::terraform::Workdir;

/// How long [`World::wait_record`] waits for a record (a hang guard).
const RECORD_BUDGET: Duration = Duration::from_secs(120);

/// Emulator (or real product), SDK client, and the product helpers tests share.
pub struct World {
    emu: Option<Arc<RunningEmulator>>,
    /// The suites' default caller, with retries (faults a test injects are for the provider).
    pub sc: Client,
    endpoint: String,
    aws: Option<AwsSession>,
}

impl World {
    /// An emulator with the default configuration (records complete at once). Always the
    /// emulator, whatever `TF_ACC_AWS` says.
    pub async fn start() -> World {
        World::with_config(EmulatorConfig::default()).await
    }

    pub async fn with_config(config: EmulatorConfig) -> World {
        let emu = Emulator::start(config).await.expect("start the emulator");
        let endpoint = emu.endpoint_url();
        World {
            sc: sdk::client(&endpoint, ACCESS_KEY, SECRET_KEY, 5),
            emu: Some(Arc::new(emu)),
            endpoint,
            aws: None,
        }
    }

    /// For tests that run on either backend: a workdir and one product to work on (seeded
    /// as `name` on the emulator; with `TF_ACC_AWS=1`, the configured real product). Only the
    /// acceptance suites use it, so no other suite ever reaches AWS.
    pub async fn with_product(name: &str) -> (World, Workdir, String) {
        let world = World::start_on_backend().await;
        let wd = world.workdir();
        let pp = world.product(name).await;
        (world, wd, pp)
    }

    pub async fn start_on_backend() -> World {
        match aws::backend() {
            Backend::Emulator => World::start().await,
            Backend::Aws(target) => {
                let session = AwsSession::take(target).await;
                World {
                    sc: session.client().clone(),
                    emu: None,
                    endpoint: String::new(),
                    aws: Some(session),
                }
            }
        }
    }

    /// True when this test talks to real AWS.
    pub fn is_aws(&self) -> bool {
        self.aws.is_some()
    }

    /// The emulator (panics in AWS mode: such a test starts with [`World::start`]).
    pub fn emu(&self) -> &RunningEmulator {
        self.emu
            .as_ref()
            .expect("this test needs the emulator: start it with World::start")
    }

    /// The emulator, shared (a fault proxy in front of it holds one too).
    pub fn shared_emu(&self) -> Arc<RunningEmulator> {
        Arc::clone(self.emu.as_ref().expect("this test needs the emulator"))
    }

    /// The emulator's URL (empty in AWS mode, where the provider finds the endpoint itself).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Another SDK client for this emulator: signing as `access_key`, up to `max_attempts`.
    pub fn client(&self, access_key: &str, secret_key: &str, max_attempts: u32) -> Client {
        sdk::client(&self.endpoint, access_key, secret_key, max_attempts)
    }

    /// Replaces the emulator's injected faults.
    pub fn set_faults(&self, faults: Faults) {
        self.emu().set_faults(faults).expect("faults accepted");
    }

    /// Calls the emulator has answered so far, by operation (differences between two readings
    /// are what a step cost).
    pub fn metrics(&self) -> Metrics {
        self.emu().metrics()
    }

    /// The faults still pending (counters go down as requests consume them).
    pub fn faults(&self) -> Faults {
        self.emu().faults()
    }

    /// An `AVAILABLE` product named `name`, created at once through the emulator's seeding
    /// (whatever the record latency or faults); owned by the account admin.
    pub async fn seed(&self, name: &str) -> String {
        self.seed_with(SeedProduct {
            name: name.to_owned(),
            ..Default::default()
        })
        .await
    }

    /// Like [`World::seed`] with chosen owner, launch role or ids.
    pub async fn seed_with(&self, seed: SeedProduct) -> String {
        assert!(
            !self.is_aws(),
            "seeding products needs the emulator: start the test with World::start, or use World::product"
        );
        self.emu()
            .seed_provisioned_product(seed)
            .await
            .expect("seed a product")
            .id
    }

    /// `n` products named `<prefix>-<i>`, in order.
    pub async fn seed_many(&self, prefix: &str, n: usize) -> Vec<String> {
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            ids.push(self.seed(&format!("{prefix}-{i}")).await);
        }
        ids
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

    /// Waits for a record to be terminal and returns it.
    pub async fn wait_record(&self, record_id: &str) -> RecordDetail {
        sdk::wait_record(&self.sc, record_id, RECORD_BUDGET).await
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
        sdk::owner(&self.sc, pp)
            .await
            .unwrap_or_else(|| panic!("search does not show {pp} with an owner"))
    }

    /// Live launch role (`DescribeProvisionedProduct`).
    pub async fn launch_role(&self, pp: &str) -> Option<String> {
        sdk::launch_role(&self.sc, pp).await
    }

    /// Live status of the product (`AVAILABLE`, `UNDER_CHANGE`, ...).
    pub async fn status(&self, pp: &str) -> String {
        sdk::describe(&self.sc, pp)
            .await
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default()
    }

    /// Everything the API reports about the product: the search entry and the describe detail.
    pub async fn live(&self, pp: &str) -> Live {
        Live {
            search: sdk::search_entry(&self.sc, pp)
                .await
                .unwrap_or_else(|| panic!("search does not show {pp}")),
            detail: sdk::describe(&self.sc, pp).await,
        }
    }

    /// Records other than the one that provisioned the product: the property changes.
    pub async fn change_records(&self, pp: &str) -> Vec<RecordDetail> {
        sdk::records(&self.sc, pp)
            .await
            .into_iter()
            .filter(|r| r.record_type() != Some("PROVISION_PRODUCT"))
            .collect()
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

    /// Property-change records of a product (oldest first), from the emulator's own store.
    pub fn stored_change_records(&self, pp: &str) -> Vec<Record> {
        self.emu()
            .records_for(pp)
            .into_iter()
            .filter(|r| r.record_type == "UPDATE_PROVISIONED_PRODUCT_PROPERTIES")
            .collect()
    }

    /// A Terraform workdir for this backend (in AWS mode with the real AWS settings passed on).
    pub fn workdir(&self) -> Workdir {
        if self.is_aws() {
            aws::workdir()
        } else {
            Workdir::new()
        }
    }

    /// `required_providers` and the provider block for this backend, with extra provider
    /// arguments. In AWS mode the block has no endpoint, region or keys: the provider uses the
    /// environment.
    pub fn provider_hcl(&self, extra: &str) -> String {
        if self.is_aws() {
            format!(
                "{}\nprovider \"servicecatalog\" {{\n{extra}\n}}\n",
                required_providers()
            )
        } else {
            hcl::provider_hcl(&self.endpoint, extra)
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

    /// Ends the test: stops the emulator (waiting for it), or in AWS mode puts the product's
    /// original values back and checks they are live again.
    pub async fn finish(mut self) {
        if let Some(emu) = self.emu.take() {
            if let Ok(emu) = Arc::try_unwrap(emu) {
                emu.shutdown().await;
            }
        }
        if let Some(session) = self.aws.take() {
            session.restore().await;
        }
    }
}

/// Calls of `operation` between two readings of [`World::metrics`].
pub fn calls(before: &Metrics, after: &Metrics, operation: &str) -> u64 {
    after.get(operation).calls - before.get(operation).calls
}

/// What the API reports about one product, the way the data source must show it.
pub struct Live {
    pub search: ProvisionedProductAttribute,
    pub detail: ProvisionedProductDetail,
}
