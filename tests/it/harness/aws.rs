//! The acceptance suites' backend switch (see `docs/acceptance-tests.md`): with `TF_ACC_AWS=1`
//! there is no emulator; tests run against one existing provisioned product in real AWS
//! (`TF_ACC_AWS_PROVISIONED_PRODUCT_ID`) with the default credential chain, one test at a time,
//! and the product's original `OWNER`/`LAUNCH_ROLE` are put back when each test ends (even when
//! it panics). Only tests that start with [`super::World::with_product`] or `start_on_backend`
//! follow the switch; the others run on their own emulator in either mode.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_sdk_servicecatalog::config::Region;
use aws_sdk_servicecatalog::types::{PropertyKey, RecordStatus};
use aws_sdk_servicecatalog::Client;

use super::sdk;
use super::terraform::Workdir;

/// Variable that turns on AWS mode (`1` or `true`).
pub const ENV_AWS: &str = "TF_ACC_AWS";
/// The existing provisioned product the AWS-mode tests change and restore.
pub const ENV_PRODUCT: &str = "TF_ACC_AWS_PROVISIONED_PRODUCT_ID";
/// An owner to set (IAM user/role ARN), different from the product's current owner.
pub const ENV_OWNER: &str = "TF_ACC_AWS_OWNER_ARN";
/// A launch role to set (optional: launch-role steps are skipped without it).
pub const ENV_LAUNCH_ROLE: &str = "TF_ACC_AWS_LAUNCH_ROLE_ARN";

/// How long the restore waits for its record.
const RESTORE_BUDGET: Duration = Duration::from_secs(600);

/// Where the acceptance suites run.
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

/// The real product one test holds (the others wait for it), and what to put back.
pub struct AwsSession {
    pub target: &'static AwsTarget,
    sc: Client,
    pub owner: String,
    pub launch_role: Option<String>,
    /// Change records the product had before the test.
    pub baseline: usize,
    restored: bool,
    _lock: tokio::sync::OwnedMutexGuard<()>,
}

impl AwsSession {
    /// Takes the product (one test at a time) and records its original values.
    pub async fn take(target: &'static AwsTarget) -> AwsSession {
        static LOCK: OnceLock<Arc<tokio::sync::Mutex<()>>> = OnceLock::new();
        let lock = LOCK
            .get_or_init(|| Arc::new(tokio::sync::Mutex::new(())))
            .clone()
            .lock_owned()
            .await;
        let sc = client(&target.region).await;
        let pp = target.product_id.as_str();
        let owner = sdk::owner(&sc, pp)
            .await
            .unwrap_or_else(|| panic!("search does not show {pp} with an owner"));
        assert_ne!(
            owner, target.owner_arn,
            "{ENV_OWNER} must differ from the product's current owner, or the tests cannot see a change"
        );
        let launch_role = sdk::launch_role(&sc, pp).await;
        let baseline = sdk::records(&sc, pp)
            .await
            .iter()
            .filter(|r| r.record_type() != Some("PROVISION_PRODUCT"))
            .count();
        AwsSession {
            target,
            sc,
            owner,
            launch_role,
            baseline,
            restored: false,
            _lock: lock,
        }
    }

    /// The SDK client on the default chain, for the test's own checks.
    pub fn client(&self) -> &Client {
        &self.sc
    }

    /// Puts the original values back and checks they are live again.
    pub async fn restore(mut self) {
        let pp = self.target.product_id.clone();
        restore(&self.sc, &pp, &self.owner, self.launch_role.as_deref()).await;
        self.restored = true;
        assert_eq!(
            sdk::owner(&self.sc, &pp).await.as_deref(),
            Some(self.owner.as_str()),
            "original owner restored"
        );
        assert_eq!(
            sdk::launch_role(&self.sc, &pp).await,
            self.launch_role,
            "original launch role restored"
        );
    }
}

impl Drop for AwsSession {
    // A test that panicked never reached `restore`: restore on a thread of its own, since the
    // test's runtime may be unwinding.
    fn drop(&mut self) {
        if self.restored {
            return;
        }
        let (pp, owner, launch_role) = (
            self.target.product_id.clone(),
            self.owner.clone(),
            self.launch_role.clone(),
        );
        let region = self.target.region.clone();
        let joined = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for the restore");
            rt.block_on(async {
                let sc = client(&region).await;
                restore(&sc, &pp, &owner, launch_role.as_deref()).await;
            });
        })
        .join();
        if joined.is_err() {
            eprintln!("TF_ACC_AWS: restoring the product's original OWNER/LAUNCH_ROLE failed; check it by hand");
        }
    }
}

/// An SDK client on the default credential chain.
async fn client(region: &str) -> Client {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .load()
        .await;
    Client::new(&conf)
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
    let record = sdk::wait_record(sc, &record_id, RESTORE_BUDGET).await;
    assert_eq!(
        record.status(),
        Some(&RecordStatus::Succeeded),
        "restore record {record_id} failed: {record:?}"
    );
}

/// Variables passed from the real environment to Terraform in AWS mode: credentials, profile,
/// region, and what the default chain needs (SSO cache under `HOME`, web identity, containers).
const AWS_PASSTHROUGH: &[&str] = &[
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
pub fn workdir() -> Workdir {
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
