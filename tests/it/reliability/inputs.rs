//! Reliability: bad input and secrets hygiene, through the real `terraform` CLI.
//!
//! - `bad_input_matrix`: every invalid configuration in the table is rejected by `terraform
//!   validate` (or, for values unknown at plan time, by `terraform apply` once they are known) with
//!   an error diagnostic whose source range is the offending attribute's line and whose text names
//!   the bad value, while the configured endpoint sees zero connections.
//! - `secrets_never_reach_logs_diagnostics_or_state`: with `TF_LOG=trace` and the AWS SDK's own
//!   logs at trace (`TF_LOG_SDK`), the configured secret key, the session token and the request
//!   signatures appear in no log line, no command output and no state file.

use std::sync::Arc;

use futures::StreamExt;
use servicecatalog_provider::emulator::{
    AccessLevel, EmulatorConfig, Faults, Principal, Principals,
};

use crate::harness::fault_proxy::{FaultProxy, Rates};
use crate::harness::hcl::{hcl_string, provider_hcl_with_keys, required_providers, resource_hcl};
use crate::harness::http::CountingEndpoint;
use crate::harness::sdk::{role, ACCESS_KEY, SECRET_KEY};
use crate::harness::terraform::{squash, Workdir};
use crate::harness::World;

const PP: &str = "pp-abcd27bm4mldq";
const OWNER: &str = "arn:aws:iam::123456789012:role/Team";

/// Which command must reject the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// `terraform validate` fails.
    Validate,
    /// `terraform plan` succeeds (the value is unknown then); `terraform apply` fails.
    Apply,
}

struct Case {
    name: &'static str,
    /// Provider arguments (`name = expr` lines, nested blocks) added to the base provider block.
    provider: String,
    /// Everything after the provider block (resources).
    body: String,
    /// The diagnostic's range must start on the first line containing this text.
    at: &'static str,
    /// Text the diagnostic's summary or detail must contain (the quoted bad value, where there is one).
    says: String,
    stage: Stage,
}

fn res(pp_expr: &str, props: &str, extra: &str) -> String {
    format!(
        "resource \"servicecatalog_provisioned_product_properties\" \"this\" {{\n  provisioned_product_id = {pp_expr}\n  properties = {props}\n{extra}}}\n"
    )
}

fn owner_map(key: &str, value_expr: &str) -> String {
    format!("{{\n    {key} = {value_expr}\n  }}")
}

fn q(s: &str) -> String {
    hcl_string(s)
}

fn valid_props() -> String {
    owner_map("OWNER", &q(OWNER))
}

/// A resource-only case rejected by validate.
fn rcase(name: &'static str, body: String, at: &'static str, says: impl Into<String>) -> Case {
    Case {
        name,
        provider: String::new(),
        body,
        at,
        says: says.into(),
        stage: Stage::Validate,
    }
}

/// A provider-argument case rejected by validate (with a valid resource).
fn pcase(
    name: &'static str,
    provider: impl Into<String>,
    at: &'static str,
    says: impl Into<String>,
) -> Case {
    Case {
        name,
        provider: provider.into(),
        body: res(&q(PP), &valid_props(), ""),
        at,
        says: says.into(),
        stage: Stage::Validate,
    }
}

fn cases() -> Vec<Case> {
    let long_id = "p".repeat(101);
    let long_role = format!("arn:aws:iam::123456789012:role/{}", "r".repeat(1100));
    let unknown = |input: &str, pp_expr: &str, props: &str| {
        format!(
            "resource \"terraform_data\" \"later\" {{\n  input = {}\n}}\n\n{}",
            q(input),
            res(pp_expr, props, "")
        )
    };
    vec![
        // Provisioned product ids.
        rcase(
            "id empty",
            res("\"\"", &valid_props(), ""),
            "provisioned_product_id =",
            "provisioned product id must not be empty",
        ),
        rcase(
            "id with space",
            res(&q("pp bad"), &valid_props(), ""),
            "provisioned_product_id =",
            "\"pp bad\"",
        ),
        rcase(
            "id with slash",
            res(&q("pp-abc/../x"), &valid_props(), ""),
            "provisioned_product_id =",
            "\"pp-abc/../x\"",
        ),
        rcase(
            "id too long",
            res(&q(&long_id), &valid_props(), ""),
            "provisioned_product_id =",
            "is 101 characters long",
        ),
        rcase(
            "id non-ascii",
            res(&q("pp-ünï"), &valid_props(), ""),
            "provisioned_product_id =",
            "\"pp-ünï\"",
        ),
        rcase(
            "id wrong type (list)",
            res("[\"pp-1\"]", &valid_props(), ""),
            "provisioned_product_id =",
            "Incorrect attribute value type",
        ),
        // The properties map: keys, ARNs, types.
        rcase(
            "empty properties map",
            res(&q(PP), "{}", ""),
            "properties =",
            "OWNER and/or LAUNCH_ROLE",
        ),
        rcase(
            "unknown key",
            res(&q(PP), &owner_map("FOO", &q(OWNER)), ""),
            "FOO =",
            "unknown property key \"FOO\"",
        ),
        rcase(
            "lower-case key",
            res(&q(PP), &owner_map("owner", &q(OWNER)), ""),
            "owner =",
            "unknown property key \"owner\"",
        ),
        rcase(
            "owner empty",
            res(&q(PP), &owner_map("OWNER", "\"\""), ""),
            "OWNER =",
            "OWNER must not be empty",
        ),
        rcase(
            "owner not an ARN",
            res(&q(PP), &owner_map("OWNER", &q("not-an-arn")), ""),
            "OWNER =",
            "\"not-an-arn\"",
        ),
        rcase(
            "owner is a group ARN",
            res(
                &q(PP),
                &owner_map("OWNER", &q("arn:aws:iam::123456789012:group/devs")),
                "",
            ),
            "OWNER =",
            "\"arn:aws:iam::123456789012:group/devs\"",
        ),
        rcase(
            "owner is an S3 ARN",
            res(&q(PP), &owner_map("OWNER", &q("arn:aws:s3:::bucket")), ""),
            "OWNER =",
            "\"arn:aws:s3:::bucket\"",
        ),
        rcase(
            "owner with a short account id",
            res(
                &q(PP),
                &owner_map("OWNER", &q("arn:aws:iam::12345:role/Team")),
                "",
            ),
            "OWNER =",
            "\"arn:aws:iam::12345:role/Team\"",
        ),
        rcase(
            "owner given as a number",
            res(&q(PP), &owner_map("OWNER", "5"), ""),
            "OWNER =",
            "\"5\"",
        ),
        rcase(
            "launch role is a user ARN",
            res(
                &q(PP),
                &owner_map("LAUNCH_ROLE", &q("arn:aws:iam::123456789012:user/bob")),
                "",
            ),
            "LAUNCH_ROLE =",
            "\"arn:aws:iam::123456789012:user/bob\"",
        ),
        rcase(
            "launch role is an assumed-role ARN",
            res(
                &q(PP),
                &owner_map(
                    "LAUNCH_ROLE",
                    &q("arn:aws:sts::123456789012:assumed-role/R/s"),
                ),
                "",
            ),
            "LAUNCH_ROLE =",
            "\"arn:aws:sts::123456789012:assumed-role/R/s\"",
        ),
        rcase(
            "launch role empty",
            res(&q(PP), &owner_map("LAUNCH_ROLE", "\"\""), ""),
            "LAUNCH_ROLE =",
            "LAUNCH_ROLE must not be empty",
        ),
        rcase(
            "launch role too long",
            res(&q(PP), &owner_map("LAUNCH_ROLE", &q(&long_role)), ""),
            "LAUNCH_ROLE =",
            "characters long; at most 1024",
        ),
        rcase(
            "properties is a string",
            res(&q(PP), "\"OWNER\"", ""),
            "properties =",
            "Incorrect attribute value type",
        ),
        rcase(
            "properties is a list",
            res(&q(PP), &format!("[{}]", q(OWNER)), ""),
            "properties =",
            "Incorrect attribute value type",
        ),
        rcase(
            "properties missing",
            "resource \"servicecatalog_provisioned_product_properties\" \"this\" {\n  provisioned_product_id = \"pp-abcd27bm4mldq\"\n}\n".to_string(),
            "resource \"servicecatalog_provisioned_product_properties\"",
            "\"properties\" is required",
        ),
        rcase(
            "unsupported argument",
            res(&q(PP), &valid_props(), "  owner = \"x\"\n"),
            "owner = \"x\"",
            "An argument named \"owner\" is not expected here",
        ),
        rcase(
            "restore_on_destroy not a bool",
            res(&q(PP), &valid_props(), "  restore_on_destroy = \"maybe\"\n"),
            "restore_on_destroy =",
            "Incorrect attribute value type",
        ),
        rcase(
            "resource accept_language",
            res(&q(PP), &valid_props(), "  accept_language = \"fr\"\n"),
            "accept_language =",
            "\"fr\"",
        ),
        // Durations in the timeouts block.
        rcase(
            "create timeout in words",
            res(
                &q(PP),
                &valid_props(),
                "  timeouts {\n    create = \"10 minutes\"\n  }\n",
            ),
            "create =",
            "\"10 minutes\"",
        ),
        rcase(
            "negative update timeout",
            res(
                &q(PP),
                &valid_props(),
                "  timeouts {\n    update = \"-5m\"\n  }\n",
            ),
            "update =",
            "\"-5m\"",
        ),
        rcase(
            "delete timeout without unit",
            res(
                &q(PP),
                &valid_props(),
                "  timeouts {\n    delete = \"5\"\n  }\n",
            ),
            "delete =",
            "\"5\"",
        ),
        // Provider arguments.
        pcase(
            "region malformed",
            "  region = \"not a region\"\n",
            "region = \"not a region\"",
            "\"not a region\"",
        ),
        pcase(
            "max_retries out of range",
            "  max_retries = 1000\n",
            "max_retries =",
            "1000 is out of range",
        ),
        pcase(
            "max_retries not a number",
            "  max_retries = \"many\"\n",
            "max_retries =",
            "Incorrect attribute value type",
        ),
        pcase(
            "provider accept_language",
            "  accept_language = \"de\"\n",
            "accept_language =",
            "\"de\"",
        ),
        pcase(
            "shared_config_files with an empty path",
            "  shared_config_files = [\"\"]\n",
            "shared_config_files =",
            "contains an empty path",
        ),
        pcase(
            "assume_role role_arn is a user",
            "  assume_role {\n    role_arn = \"arn:aws:iam::123456789012:user/bob\"\n  }\n",
            "role_arn =",
            "\"arn:aws:iam::123456789012:user/bob\"",
        ),
        pcase(
            "assume_role duration too short",
            format!("  assume_role {{\n    role_arn = {}\n    duration = \"5m\"\n  }}\n", q(OWNER)),
            "duration =",
            "\"5m\" is outside the range STS accepts",
        ),
        pcase(
            "assume_role duration malformed",
            format!("  assume_role {{\n    role_arn = {}\n    duration = \"soon\"\n  }}\n", q(OWNER)),
            "duration =",
            "\"soon\"",
        ),
        pcase(
            "assume_role session_name too short",
            format!("  assume_role {{\n    role_arn = {}\n    session_name = \"x\"\n  }}\n", q(OWNER)),
            "session_name =",
            "session_name",
        ),
        // Unknown at plan time, invalid once known: plan passes, apply rejects before any call.
        Case {
            name: "id unknown at plan, invalid when known",
            provider: String::new(),
            body: unknown("bad id!", "terraform_data.later.output", &valid_props()),
            at: "provisioned_product_id =",
            says: "\"bad id!\"".into(),
            stage: Stage::Apply,
        },
        Case {
            name: "owner unknown at plan, invalid when known",
            provider: String::new(),
            body: unknown(
                "arn:aws:iam::123456789012:group/devs",
                &q(PP),
                &owner_map("OWNER", "terraform_data.later.output"),
            ),
            at: "OWNER =",
            says: "\"arn:aws:iam::123456789012:group/devs\"".into(),
            stage: Stage::Apply,
        },
    ]
}

/// The base provider block pointed at `endpoint`, with the case's extra arguments.
fn config(endpoint: &str, case: &Case) -> String {
    // The region is set unless the case sets its own (an attribute may appear once).
    let region = if case.provider.contains("region =") {
        ""
    } else {
        "  region = \"us-east-1\"\n"
    };
    format!(
        "{}\nprovider \"servicecatalog\" {{\n  endpoint = {}\n  access_key = {}\n  secret_key = {}\n{region}{}}}\n\n{}",
        required_providers(),
        q(endpoint),
        q(ACCESS_KEY),
        q(SECRET_KEY),
        case.provider,
        case.body
    )
}

/// Runs one case; returns a description of what went wrong, if anything.
async fn run_case(case: &Case) -> Result<(), String> {
    let endpoint = CountingEndpoint::start().await;
    let wd = Workdir::new();
    let hcl = config(&endpoint.url, case);
    wd.write_config(&hcl);
    let out = match case.stage {
        Stage::Validate => wd.run(&["validate", "-json", "-no-color"]).await,
        Stage::Apply => {
            let plan = wd.run(&["plan", "-json", "-input=false"]).await;
            if !plan.success() {
                return Err(format!(
                    "plan must pass while the value is unknown:\n{}",
                    wd.transcript()
                ));
            }
            wd.run(&["apply", "-json", "-input=false", "-auto-approve"])
                .await
        }
    };
    if out.success() {
        return Err(format!("expected a failure:\n{}", wd.transcript()));
    }
    let line = hcl
        .lines()
        .position(|l| l.contains(case.at))
        .map(|i| i as u64 + 1)
        .ok_or_else(|| format!("marker {:?} not in the config", case.at))?;
    let diags = out.json_diagnostics();
    let hit = diags.iter().any(|d| {
        let text = format!(
            "{} {}",
            d["summary"].as_str().unwrap_or_default(),
            d["detail"].as_str().unwrap_or_default()
        );
        d["severity"] == "error"
            && d.pointer("/range/start/line").and_then(|l| l.as_u64()) == Some(line)
            && squash(&text).contains(&case.says)
    });
    if !hit {
        return Err(format!(
            "no error diagnostic on line {line} ({:?}) saying {:?}; diagnostics: {}\n{}",
            case.at,
            case.says,
            serde_json::to_string_pretty(&diags).unwrap_or_default(),
            wd.transcript()
        ));
    }
    if endpoint.connections() != 0 {
        return Err(format!(
            "{} connection(s) reached the API endpoint",
            endpoint.connections()
        ));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_matrix() {
    let cases = Arc::new(cases());
    assert!(cases.len() >= 30, "the issue asks for at least 30 cases");
    let failures: Vec<String> = futures::stream::iter(0..cases.len())
        .map(|i| {
            let cases = cases.clone();
            async move {
                let case = &cases[i];
                run_case(case)
                    .await
                    .err()
                    .map(|e| format!("case {:?}: {e}", case.name))
            }
        })
        .buffer_unordered(4)
        .filter_map(|r| async move { r })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The value unknown at plan time is valid once known: plan passes and needs no API call.
#[tokio::test]
async fn unknown_valid_values_pass_plan_without_api_calls() {
    let endpoint = CountingEndpoint::start().await;
    let wd = Workdir::new();
    let case = Case {
        name: "valid unknown",
        provider: String::new(),
        body: format!(
            "resource \"terraform_data\" \"later\" {{\n  input = {}\n}}\n\n{}",
            q(PP),
            res("terraform_data.later.output", &valid_props(), "")
        ),
        at: "",
        says: String::new(),
        stage: Stage::Apply,
    };
    wd.write_config(&config(&endpoint.url, &case));
    let out = wd.run(&["plan", "-no-color", "-input=false"]).await;
    assert!(out.success(), "{}", wd.transcript());
    assert!(
        out.stdout.contains("2 to add"),
        "both resources planned: {}",
        out.stdout
    );
    assert_eq!(endpoint.connections(), 0, "plan made no API call");
}

const SECRET: &str = "SeCrEtKeY-r3l1ab1l1ty-7f3a9c2e-DO-NOT-LOG";
const TOKEN: &str = "SeSsIoNtOkEn-r3l1ab1l1ty-b84d1e06-DO-NOT-LOG";
const ACCESS_KEY_ID: &str = "AKIDRELIABILITY0001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_logs_diagnostics_or_state() {
    // The emulator knows the secret, so it checks every signature the provider makes; the
    // proxy in front of it keeps those signatures, to look for them afterwards.
    let acc = World::with_config(EmulatorConfig {
        principals: Principals::default().with_key(
            ACCESS_KEY_ID,
            Principal::new(role("SecretsTest"), AccessLevel::Account).with_secret(SECRET),
        ),
        ..Default::default()
    })
    .await;
    let proxy = FaultProxy::start(
        acc.shared_emu(),
        Rates {
            throttle: 0.0,
            server_error: 0.0,
            max_record_latency_ms: 0,
        },
    )
    .await;
    let mut wd = acc.workdir();
    let pp = acc.seed("secrets").await;
    let logs = tempfile::tempdir().expect("log dir");
    let log = logs.path().join("terraform.log");
    wd.set_env("TF_LOG", "trace");
    // The AWS SDK's own logs (signing, HTTP) at trace too.
    wd.set_env("TF_LOG_SDK", "trace");
    wd.set_env("TF_LOG_PATH", log.clone());
    let provider = provider_hcl_with_keys(
        &proxy.url,
        ACCESS_KEY_ID,
        SECRET,
        &format!("  token = {}\n", q(TOKEN)),
    );
    let cfg = |owner: &str, extra: &str| {
        format!(
            "{provider}\n{}",
            resource_hcl(&pp, &[("OWNER", owner)], extra)
        )
    };

    wd.write_config(&cfg(&role("One"), ""));
    wd.validate().await;
    wd.plan().await;
    wd.apply().await;
    wd.refresh().await;
    // With restore_on_destroy, destroy makes an API call too.
    wd.write_config(&cfg(&role("Two"), "  restore_on_destroy = true\n"));
    wd.apply().await;
    // An error path too: a failed record yields diagnostics with record errors.
    acc.set_faults(Faults {
        fail_next_records: 1,
        ..Default::default()
    });
    wd.write_config(&cfg(&role("Three"), "  restore_on_destroy = true\n"));
    let failed = wd.try_apply().await;
    assert!(!failed.success(), "the failed record fails the apply");
    acc.set_faults(Faults::default());
    wd.apply().await;
    wd.destroy().await;

    let log_text = std::fs::read_to_string(&log).expect("TF_LOG_PATH file written");
    // The checks below mean something only if the log holds the provider's own lines about the
    // calls it made and the SDK's trace of signing them.
    let records: Vec<String> = acc
        .stored_change_records(&pp)
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(!records.is_empty(), "the run made property changes");
    for record in &records {
        assert!(
            log_text
                .lines()
                .any(|l| l.contains("property update accepted") && l.contains(record.as_str())),
            "the trace log has the provider's line for record {record}"
        );
    }
    assert!(
        log_text.contains("signing request") && log_text.contains("canonical_request="),
        "the trace log has the AWS SDK's own trace of signing requests"
    );
    let signatures = proxy.signatures();
    assert!(
        signatures.len() >= records.len(),
        "the proxy saw the signed requests: {signatures:?}"
    );
    let mut haystacks = vec![
        ("trace log".to_string(), log_text),
        ("terraform output".to_string(), wd.transcript()),
    ];
    for name in ["terraform.tfstate", "terraform.tfstate.backup"] {
        if let Ok(text) = std::fs::read_to_string(wd.path().join(name)) {
            haystacks.push((name.to_string(), text));
        }
    }
    assert!(
        haystacks.iter().any(|(n, _)| n == "terraform.tfstate"),
        "a state file was written"
    );
    let secrets = [("secret key", SECRET), ("session token", TOKEN)]
        .into_iter()
        .chain(signatures.iter().map(|s| ("request signature", s.as_str())));
    for (what, secret) in secrets {
        for (name, text) in &haystacks {
            assert!(
                !text.contains(secret) && !text.contains(&secret[..16]),
                "the {what} {}... appears in the {name}",
                &secret[..6]
            );
        }
    }
    acc.finish().await;
}

/// Found by the secrets run: destroy with `restore_on_destroy` after an update reused the update's
/// idempotency token, and the service refused the restore as a different request with a used token.
#[tokio::test]
async fn destroy_with_restore_after_an_update() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("restore-after-update").await;
    let original = acc.owner(&pp).await;
    let restore = "  restore_on_destroy = true\n";
    wd.apply_step(&acc.config(&pp, &[("OWNER", &role("One"))], restore))
        .await;
    wd.apply_step(&acc.config(&pp, &[("OWNER", &role("Two"))], restore))
        .await;
    wd.destroy().await;
    assert_eq!(acc.owner(&pp).await, original, "destroy restored the owner");
    acc.finish().await;
}
