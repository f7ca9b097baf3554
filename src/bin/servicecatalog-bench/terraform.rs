//! Running `terraform` in a working directory: the environment it gets, wall time, the peak
//! RSS of the providers it starts, and the configurations it runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use crate::rss::{load_average, RssSampler};
use crate::Result;

/// One terraform run: wall time, when it ended, the largest VmHWM of its provider children,
/// and the load average when it started.
pub struct RunResult {
    pub seconds: f64,
    pub ended: SystemTime,
    pub peak_rss_kib: u64,
    pub load: String,
}

/// A terraform (or tofu) executable with the CLI configuration holding the `dev_overrides`.
pub struct Terraform {
    pub exe: PathBuf,
    pub cli_config: PathBuf,
}

impl Terraform {
    /// The first line of `terraform version`.
    pub fn version(&self) -> Result<String> {
        let out = Command::new(&self.exe)
            .arg("version")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.exe.display()))?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned())
    }

    /// Runs `terraform <args>` in `dir` (output to `dir/terraform.log`); an exit code outside
    /// `ok_codes` is an error quoting the end of the log.
    pub fn run(&self, dir: &Path, args: &[&str], ok_codes: &[i32]) -> Result<RunResult> {
        let load = load_average();
        let log = std::fs::File::create(dir.join("terraform.log"))?;
        let started = Instant::now();
        let mut child = Command::new(&self.exe)
            .args(args)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.exe.display()))?;
        let sampler = RssSampler::start(child.id());
        let status = child.wait()?;
        let seconds = started.elapsed().as_secs_f64();
        let ended = SystemTime::now();
        let peak_rss_kib = sampler.stop();
        let code = status.code().unwrap_or(-1);
        if !ok_codes.contains(&code) {
            let log = std::fs::read_to_string(dir.join("terraform.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "terraform {} in {} exited with {code}:\n{}",
                args.join(" "),
                dir.display(),
                tail.join("\n")
            )
            .into());
        }
        Ok(RunResult {
            seconds,
            ended,
            peak_rss_kib,
            load,
        })
    }
}

/// The `dev_overrides` CLI configuration pointing both providers at their directories.
pub fn dev_overrides(sc_dir: &Path, noop_dir: &Path) -> String {
    format!(
        "provider_installation {{\n  dev_overrides {{\n    \
         \"registry.terraform.io/servicecatalog/servicecatalog\" = \"{}\"\n    \
         \"registry.terraform.io/servicecatalog/noop\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
        sc_dir.display(),
        noop_dir.display()
    )
}

/// Writes `dir/main.tf`: one provider resource per id, owner from `var.owner`, calls to `endpoint`.
pub fn write_sc_config(dir: &Path, endpoint: SocketAddr, ids: &[String]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let list: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"terraform {{
  required_providers {{
    servicecatalog = {{ source = "servicecatalog/servicecatalog" }}
  }}
}}

provider "servicecatalog" {{
  region     = "us-east-1"
  endpoint   = "http://{endpoint}"
  access_key = "AKIDBENCH"
  secret_key = "bench-not-a-secret"
}}

variable "owner" {{ type = string }}

locals {{
  ids = [{ids}]
}}

resource "servicecatalog_provisioned_product_properties" "p" {{
  count                  = length(local.ids)
  provisioned_product_id = local.ids[count.index]
  properties             = {{ OWNER = var.owner }}
}}
"#,
            ids = list.join(", ")
        ),
    )?;
    Ok(())
}

/// Writes `dir/main.tf`: `n` no-op resources, named from `var.tag`.
pub fn write_noop_config(dir: &Path, n: usize) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"terraform {{
  required_providers {{
    noop = {{ source = "servicecatalog/noop" }}
  }}
}}

variable "tag" {{ type = string }}

resource "noop_thing" "t" {{
  count = {n}
  name  = "thing-${{count.index}}-${{var.tag}}"
}}
"#
        ),
    )?;
    Ok(())
}
