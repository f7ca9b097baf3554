//! Every error class a user can meet, through the real `terraform` CLI: the diagnostic must say
//! what the provider tried (the call and the product, or the credential sources), what went wrong,
//! and what to do, and must carry no `Debug` output. Diagnostics are read from `-json` output, so
//! each check sees the message exactly as the provider wrote it.

use servicecatalog_provider::emulator::{
    AccessLevel, EmulatorConfig, Faults, Principal, Principals,
};

use crate::harness::hcl::{hcl_string, provider_hcl, provider_hcl_with_keys, required_providers};
use crate::harness::http::CountingEndpoint;
use crate::harness::sdk::{role, user, REGION};
use crate::harness::terraform::Workdir;
use crate::harness::World;

/// What no diagnostic may contain: `Debug` output and SDK type names.
const FORBIDDEN: &[&str] = &[
    "{",
    "Some(",
    "SdkBody",
    "DispatchFailure",
    "ConnectorError",
    "Error {",
];

/// One error diagnostic: its summary and detail.
struct Diag {
    summary: String,
    detail: String,
}

/// Runs `terraform ARGS -json`, which must fail, and returns its error diagnostics.
async fn errors(wd: &Workdir, args: &[&str]) -> Vec<Diag> {
    let mut all = args.to_vec();
    all.push("-json");
    let out = wd.run(&all).await;
    assert!(
        !out.success(),
        "terraform {} should fail\n{}",
        args.join(" "),
        wd.transcript()
    );
    let found: Vec<Diag> = out
        .json_diagnostics()
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| Diag {
            summary: d["summary"].as_str().unwrap_or_default().to_owned(),
            detail: d["detail"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    assert!(
        !found.is_empty(),
        "no error diagnostic\n{}",
        wd.transcript()
    );
    found
}

/// The one error diagnostic of a failed `terraform ARGS`.
async fn the_error(wd: &Workdir, args: &[&str]) -> Diag {
    let mut found = errors(wd, args).await;
    assert_eq!(
        found.len(),
        1,
        "exactly one error: {:?}\n{}",
        found.iter().map(|d| &d.detail).collect::<Vec<_>>(),
        wd.transcript()
    );
    found.remove(0)
}

/// `diag` says every one of `must` and nothing of [`FORBIDDEN`].
#[track_caller]
fn assert_sentence(diag: &Diag, summary: &str, must: &[&str]) {
    assert_eq!(diag.summary, summary, "{}", diag.detail);
    for part in must {
        assert!(
            diag.detail.contains(part),
            "{part:?} missing from: {}",
            diag.detail
        );
    }
    for bad in FORBIDDEN.iter().chain(&["DispatchFailure", "hyper"]) {
        assert!(
            !diag.summary.contains(bad) && !diag.detail.contains(bad),
            "{bad:?} in: {}",
            diag.detail
        );
    }
}

const PLAN: &[&str] = &["plan", "-no-color", "-input=false"];
const APPLY: &[&str] = &["apply", "-no-color", "-input=false", "-auto-approve"];

/// The one error of a plan that reads `pp` through the data source, with the provider pointed at
/// `endpoint` with `settings`.
async fn plan_read_error(wd: &Workdir, endpoint: &str, settings: &str, pp: &str) -> Diag {
    wd.write_config(&format!(
        "{}\n{}",
        provider_hcl(endpoint, settings),
        data_source(pp)
    ));
    the_error(wd, PLAN).await
}

/// The data source reading `pp`: a plan reads it, so the plan meets the error.
fn data_source(pp: &str) -> String {
    format!(
        "data \"servicecatalog_provisioned_product\" \"this\" {{\n  id = {}\n}}\n",
        hcl_string(pp)
    )
}

/// A local URL nothing listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}")
}

const PP: &str = "pp-abcdefghijklm";
/// What the data source's read is about, as messages name it.
const READ_PP: &str = "DescribeProvisionedProduct for provisioned product \"pp-abcdefghijklm\"";

#[tokio::test]
async fn a_closed_port_is_named_as_the_endpoint_that_refused() {
    let endpoint = closed_port_url();
    let wd = Workdir::new();
    let diag = plan_read_error(&wd, &endpoint, "  max_retries = 0", PP).await;
    assert_sentence(
        &diag,
        "Cannot read the provisioned product",
        &[
            READ_PP,
            &format!("could not reach the Service Catalog endpoint {endpoint}"),
            "the connection was refused",
            "Check that the endpoint is right (the provider's `endpoint` argument",
        ],
    );
}

/// An endpoint that accepts connections and never answers: each attempt ends at the provider's
/// `request_timeout` instead of hanging Terraform, and the error says so.
#[tokio::test]
async fn an_endpoint_that_never_answers_times_out_naming_the_setting_to_raise() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    // Holds every connection open, reading nothing and writing nothing, until the test ends.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let wd = Workdir::new();
    let diag = plan_read_error(
        &wd,
        &endpoint,
        "  max_retries = 0\n  request_timeout = \"1s\"",
        PP,
    )
    .await;
    silent.abort();
    assert_sentence(
        &diag,
        "Cannot read the provisioned product",
        &[
            READ_PP,
            &format!("could not reach the Service Catalog endpoint {endpoint}"),
            "the request timed out",
            "raise the provider's `request_timeout`",
        ],
    );
}

#[tokio::test]
async fn an_unknown_host_is_a_dns_failure() {
    // `.invalid` never resolves (RFC 6761).
    let endpoint = "http://no-such-host.invalid:4566";
    let wd = Workdir::new();
    let diag = plan_read_error(&wd, endpoint, "  max_retries = 0", PP).await;
    assert_sentence(
        &diag,
        "Cannot read the provisioned product",
        &[
            READ_PP,
            endpoint,
            "its host name could not be resolved (DNS lookup failed)",
            "Check the host name in the endpoint",
        ],
    );
}

/// No credentials anywhere: the plan fails once, at configure, before any API call.
#[tokio::test]
async fn no_credentials_fail_the_plan_once_naming_the_sources_tried() {
    let endpoint = CountingEndpoint::start().await;
    let wd = Workdir::new();
    let resources: String = ["a", "b"]
        .iter()
        .map(|label| {
            format!(
                "resource \"servicecatalog_provisioned_product_properties\" \"{label}\" {{\n  \
                 provisioned_product_id = \"{PP}\"\n  properties = {{ OWNER = {} }}\n}}\n",
                hcl_string(&role("Team"))
            )
        })
        .collect();
    wd.write_config(&format!(
        "{}\nprovider \"servicecatalog\" {{\n  endpoint = {}\n  region = \"{REGION}\"\n}}\n{}\n{resources}",
        required_providers(),
        hcl_string(&endpoint.url),
        data_source(PP)
    ));
    let diag = the_error(&wd, PLAN).await;
    let home = wd.home();
    assert_sentence(
        &diag,
        "No AWS credentials found",
        &[
            "The provider found no AWS credentials. It tried, in order: the provider block (access_key and secret_key are not set)",
            "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            &format!(
                "profile \"default\" in the shared files {} and {}",
                home.join("aws-config").display(),
                home.join("aws-credentials").display()
            ),
            "web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)",
            "container credentials",
            "EC2 instance metadata (IMDS): IMDS disabled by AWS_EC2_METADATA_DISABLED",
            "Set access_key and secret_key in the provider block, set profile (or AWS_PROFILE)",
        ],
    );
    assert_eq!(endpoint.connections(), 0, "no API call was attempted");
}

#[tokio::test]
async fn an_assume_role_that_cannot_reach_sts_fails_configure_at_the_role() {
    let endpoint = CountingEndpoint::start().await;
    let mut wd = Workdir::new();
    wd.set_env("AWS_ENDPOINT_URL_STS", closed_port_url());
    let role_arn = role("Deployer");
    wd.write_config(&format!(
        "{}\n{}",
        provider_hcl(
            &endpoint.url,
            &format!(
                "  max_retries = 0\n  assume_role {{\n    role_arn = {}\n  }}",
                hcl_string(&role_arn)
            )
        ),
        data_source(PP)
    ));
    let diag = the_error(&wd, PLAN).await;
    assert_sentence(
        &diag,
        "Cannot assume the IAM role",
        &[
            &format!("The provider could not assume role {role_arn}"),
            "AWS STS AssumeRole failed: the connection was refused",
            "network access to AWS STS",
        ],
    );
    assert_eq!(endpoint.connections(), 0, "no Service Catalog call");
}

#[tokio::test]
async fn throttling_on_every_call_says_how_many_attempts_and_what_to_do() {
    let world = World::start().await;
    let pp = world.seed("throttled").await;
    world.set_faults(Faults {
        throttle_next: 1_000,
        ..Default::default()
    });
    let wd = Workdir::new();
    for (retries, allowed) in [
        (0, "max_retries = 0 allows a single attempt"),
        (1, "max_retries = 1 allows up to 2 attempts"),
    ] {
        let before = world.faults().throttle_next;
        let diag = plan_read_error(
            &wd,
            world.endpoint(),
            &format!("  max_retries = {retries}"),
            &pp,
        )
        .await;
        assert_sentence(
            &diag,
            "Cannot read the provisioned product",
            &[
                &format!("AWS throttled DescribeProvisionedProduct for provisioned product {pp:?}"),
                "(ThrottlingException: Rate exceeded (injected fault))",
                &format!("still throttled when the retries ran out ({allowed})"),
                "lower -parallelism",
                "raise max_retries in the provider block",
            ],
        );
        assert_eq!(
            before - world.faults().throttle_next,
            retries + 1,
            "every allowed attempt was made"
        );
    }
    world.finish().await;
}

#[tokio::test]
async fn server_errors_past_the_retries_say_they_are_temporary() {
    let world = World::start().await;
    let pp = world.seed("unavailable").await;
    world.set_faults(Faults {
        server_error_next: 1_000,
        server_error_status: Some(503),
        ..Default::default()
    });
    let wd = Workdir::new();
    let diag = plan_read_error(&wd, world.endpoint(), "  max_retries = 0", &pp).await;
    assert_sentence(
        &diag,
        "Cannot read the provisioned product",
        &[
            &format!("Service Catalog failed DescribeProvisionedProduct for provisioned product {pp:?}"),
            "server error (HTTP 503, ServiceUnavailableException: Service unavailable (injected fault))",
            "max_retries = 0 allows a single attempt",
            "This is usually temporary: run Terraform again later",
        ],
    );
    world.finish().await;
}

/// Keys the service does not know, and a known key signed with the wrong secret.
#[tokio::test]
async fn credentials_the_service_does_not_accept_say_which_settings_to_check() {
    let world = World::with_config(EmulatorConfig {
        principals: Principals {
            reject_unknown_keys: true,
            ..Principals::default().with_key(
                "AKIDKNOWN",
                Principal::new(user("known"), AccessLevel::Account).with_secret("right-secret"),
            )
        },
        ..Default::default()
    })
    .await;
    let pp = world.seed("guarded").await;
    let wd = Workdir::new();
    for (key, secret, code) in [
        ("AKIDUNKNOWN", "whatever", "UnrecognizedClientException"),
        ("AKIDKNOWN", "wrong-secret", "InvalidSignatureException"),
    ] {
        wd.write_config(&format!(
            "{}\n{}",
            provider_hcl_with_keys(world.endpoint(), key, secret, "  max_retries = 0"),
            data_source(&pp)
        ));
        let diag = the_error(&wd, PLAN).await;
        assert_sentence(
            &diag,
            "Cannot read the provisioned product",
            &[
                &format!("AWS did not accept the provider's credentials for DescribeProvisionedProduct for provisioned product {pp:?}"),
                code,
                "access_key, secret_key and token in the provider block",
                "Correct or refresh them",
            ],
        );
        assert!(!diag.detail.contains(secret), "the secret is never shown");
    }
    world.finish().await;
}

/// A principal with user-level access is refused the account-level search the provider needs.
#[tokio::test]
async fn access_denied_says_which_access_the_credentials_need() {
    let limited = user("limited");
    let world = World::with_config(EmulatorConfig {
        principals: Principals::default()
            .with_key("AKIDLIMITED", Principal::new(&limited, AccessLevel::User)),
        ..Default::default()
    })
    .await;
    let pp = world
        .seed_with(servicecatalog_provider::emulator::SeedProduct {
            name: "limiteds".into(),
            owner_arn: Some(limited.clone()),
            ..Default::default()
        })
        .await;
    let wd = Workdir::new();
    wd.write_config(&format!(
        "{}\n{}",
        provider_hcl_with_keys(
            world.endpoint(),
            "AKIDLIMITED",
            "limited-secret",
            "  max_retries = 0"
        ),
        data_source(&pp)
    ));
    let diag = the_error(&wd, PLAN).await;
    assert_sentence(
        &diag,
        "Cannot read the provisioned product",
        &[
            &format!("provisioned product {pp:?} is not visible to the provider's credentials"),
            "an account-level SearchProvisionedProducts, needed to read the owner, was refused: AccessDeniedException",
            "it was not treated as deleted",
            "servicecatalog:accountLevel = self",
        ],
    );
    world.finish().await;
}

#[tokio::test]
async fn invalid_parameters_quote_the_service_and_say_to_correct_the_value() {
    let world = World::start().await;
    let pp = world.seed("invalid").await;
    // Another account's role passes validation at plan; the service rejects it at apply.
    let elsewhere = "arn:aws:iam::999999999999:role/Elsewhere";
    let wd = Workdir::new();
    wd.write_config(&world.config(&pp, &[("OWNER", elsewhere)], ""));
    let diag = the_error(&wd, APPLY).await;
    assert_sentence(
        &diag,
        "The property change did not complete",
        &[
            &format!("Service Catalog rejected UpdateProvisionedProductProperties for provisioned product {pp:?} as invalid (InvalidParametersException:"),
            "999999999999",
            "Correct the value it names in the configuration, then run Terraform again",
        ],
    );
    world.finish().await;
}
