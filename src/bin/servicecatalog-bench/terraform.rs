//! Running `terraform` in a working directory: the environment it gets, wall time, the peak
//! RSS of the providers it starts, and the configurations it runs (the fleet shape: `count`
//! over a list of ids, the same for the provider and the no-op).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use crate::figures::first_error;
use crate::rss::{children_cpu_seconds, load_average, RssSampler};
use crate::Result;

/// What terraform is asked to do. Every run sets `owner` (the one variable of both
/// configurations) and the parallelism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `apply -auto-approve` (refresh, then the changes).
    Apply,
    /// `plan -detailed-exitcode` (refresh; exit 0 means no changes, 2 changes, 1 an error).
    Plan,
}

impl Step {
    /// The command line after `terraform`.
    pub fn args(self, owner: &str, parallelism: usize) -> Vec<String> {
        let mut args: Vec<String> = match self {
            Step::Apply => vec!["apply".into(), "-auto-approve".into()],
            Step::Plan => vec!["plan".into(), "-detailed-exitcode".into()],
        };
        args.extend([
            "-input=false".to_owned(),
            "-no-color".to_owned(),
            format!("-parallelism={parallelism}"),
            "-var".to_owned(),
            format!("owner={owner}"),
        ]);
        args
    }
}

/// One terraform run: exit code, wall time, CPU time, when it ended, the largest VmHWM of its
/// provider children, the load average when it started, and the first error in its output.
pub struct RunResult {
    pub code: i32,
    pub seconds: f64,
    /// CPU seconds of terraform and the providers it started (`None` when unreadable).
    pub cpu_seconds: Option<f64>,
    /// CPU seconds of the provider processes alone (sampled; part of `cpu_seconds`).
    pub provider_cpu_seconds: f64,
    pub ended: SystemTime,
    pub peak_rss_kib: u64,
    pub load: Option<f64>,
    pub error: Option<String>,
    /// The last lines of its output, for error messages.
    tail: String,
    command: String,
}

impl RunResult {
    /// An error quoting the end of the output unless the run exited with `code`.
    pub fn expect(&self, code: i32) -> Result<()> {
        if self.code == code {
            return Ok(());
        }
        Err(format!(
            "`terraform {}` exited with {} where {code} was expected; the end of its output:\n{}",
            self.command, self.code, self.tail
        )
        .into())
    }
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

    /// Runs `terraform <args>` in `dir`, output to `dir/terraform.log`, whatever its exit code.
    pub fn run(&self, dir: &Path, args: &[String]) -> Result<RunResult> {
        let load = load_average();
        let cpu_before = children_cpu_seconds();
        let log_path = dir.join("terraform.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
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
        let sample = sampler.stop();
        let cpu_seconds = cpu_before
            .zip(children_cpu_seconds())
            .map(|(before, after)| after - before);
        let output = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = output.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Ok(RunResult {
            code: status.code().unwrap_or(-1),
            seconds,
            cpu_seconds,
            provider_cpu_seconds: sample.provider_cpu_seconds,
            ended,
            peak_rss_kib: sample.peak_rss_kib,
            load,
            error: first_error(&output),
            tail: tail.join("\n"),
            command: format!("{} (in {})", args.join(" "), dir.display()),
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

/// `ids = [...]` as HCL.
fn id_list(ids: &[String]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The provider's configuration: one resource per id, `OWNER` from `var.owner`, calls to the
/// emulator at `endpoint`.
pub fn sc_config(endpoint: SocketAddr, ids: &[String]) -> String {
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
  ids = {ids}
}}

resource "servicecatalog_provisioned_product_properties" "p" {{
  count                  = length(local.ids)
  provisioned_product_id = local.ids[count.index]
  properties             = {{ OWNER = var.owner }}
}}
"#,
        ids = id_list(ids)
    )
}

/// The no-op's configuration in the same shape: one `noop_thing` per id with its `name`, or with
/// `twin` one `noop_twin` per id with the provider's arguments; the same map either way.
pub fn noop_config(ids: &[String], twin: bool) -> String {
    let (resource, id_argument) = if twin {
        ("noop_twin", "provisioned_product_id")
    } else {
        ("noop_thing", "name")
    };
    format!(
        r#"terraform {{
  required_providers {{
    noop = {{ source = "servicecatalog/noop" }}
  }}
}}

variable "owner" {{ type = string }}

locals {{
  ids = {ids}
}}

resource "{resource}" "p" {{
  count = length(local.ids)
  {id_argument} = local.ids[count.index]
  properties = {{ OWNER = var.owner }}
}}
"#,
        ids = id_list(ids)
    )
}

/// Writes `config` as `dir/main.tf`, creating `dir`.
pub fn write_config(dir: &Path, config: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(dir.join("main.tf"), config)
        .map_err(|e| format!("cannot write {}/main.tf: {e}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_pass_the_owner_and_parallelism() {
        assert_eq!(
            Step::Apply.args("arn:x", 10),
            [
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-parallelism=10",
                "-var",
                "owner=arn:x"
            ]
        );
        let plan = Step::Plan.args("arn:y", 4);
        assert_eq!(plan[..2], ["plan", "-detailed-exitcode"]);
        assert!(plan.contains(&"-parallelism=4".to_owned()));
    }

    #[test]
    fn both_configurations_count_over_the_same_id_list() {
        let ids = vec!["pp-a".to_owned(), "pp-b".to_owned()];
        let sc = sc_config("127.0.0.1:4000".parse().unwrap(), &ids);
        let noop = noop_config(&ids, false);
        let twin = noop_config(&ids, true);
        for config in [&sc, &noop, &twin] {
            assert!(config.contains(r#"ids = ["pp-a", "pp-b"]"#), "{config}");
            assert!(config.contains("= length(local.ids)"), "{config}");
            assert!(config.contains("OWNER = var.owner"), "{config}");
        }
        assert!(sc.contains("provisioned_product_id = local.ids[count.index]"));
        assert!(sc.contains("endpoint   = \"http://127.0.0.1:4000\""));
        assert!(noop.contains("resource \"noop_thing\" \"p\""), "{noop}");
        assert!(noop.contains("name = local.ids[count.index]"), "{noop}");
        assert!(twin.contains("resource \"noop_twin\" \"p\""), "{twin}");
        assert!(
            twin.contains("provisioned_product_id = local.ids[count.index]"),
            "{twin}"
        );
    }
}
