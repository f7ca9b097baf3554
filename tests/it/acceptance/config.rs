//! Configuration: invalid input rejected at validate and plan without API calls, credentials kept
//! out of state, logs and output, the AWS environment as the only configuration, and the
//! `TF_ACC_AWS` backend switch itself.

use crate::harness::aws::{
    self, AwsTarget, Backend, ENV_AWS, ENV_LAUNCH_ROLE, ENV_OWNER, ENV_PRODUCT,
};
use crate::harness::hcl::{provider_hcl, provider_hcl_with_keys, required_providers, resource_hcl};
use crate::harness::http::CountingEndpoint;
use crate::harness::sdk::{role, user, ACCESS_KEY, ACCOUNT, SECRET_KEY};
use crate::harness::terraform::{Cmd, Workdir};
use crate::harness::World;

/// One invalid configuration: the resource body, regexes for the config lines the diagnostic may
/// point at (its attribute path), and a regex the diagnostic message must match.
struct Invalid {
    what: &'static str,
    props: Vec<(&'static str, String)>,
    extra: &'static str,
    id: String,
    at: Vec<&'static str>,
    message: String,
}

/// 1-based numbers of the lines of `hcl` that start with a match of any of `patterns`.
fn config_lines(hcl: &str, patterns: &[&str]) -> Vec<usize> {
    let res: Vec<regex::Regex> = patterns
        .iter()
        .map(|p| regex::Regex::new(&format!(r"^\s*{p}")).expect("pattern"))
        .collect();
    hcl.lines()
        .enumerate()
        .filter(|(_, l)| res.iter().any(|re| re.is_match(l)))
        .map(|(i, _)| i + 1)
        .collect()
}

fn invalid_cases() -> Vec<Invalid> {
    let esc = |s: &str| regex::escape(s);
    let alice = user("alice");
    let group = format!("arn:aws:iam::{}:group/devs", ACCOUNT);
    let long_owner = user(&"a".repeat(1100));
    let bad_id = "pp bad/id!".to_string();
    let long_id = format!("pp-{}", "a".repeat(100));
    let pp = "pp-abcdefghijklm".to_string();
    // A map entry's diagnostic may point at the entry or at the whole map.
    let case =
        |what, props: Vec<(&'static str, String)>, at: &'static str, message: String| Invalid {
            what,
            props,
            extra: "",
            id: pp.clone(),
            at: vec![at, r"properties\s*="],
            message,
        };
    vec![
        case(
            "unknown key",
            vec![("OWNERS", alice.clone())],
            r"OWNERS\s*=",
            "OWNERS".to_string(),
        ),
        case(
            "OWNER is a group ARN",
            vec![("OWNER", group.clone())],
            r"OWNER\s*=",
            esc(&group),
        ),
        case(
            "OWNER is not an ARN",
            vec![("OWNER", "not-an-arn".to_string())],
            r"OWNER\s*=",
            "not-an-arn".to_string(),
        ),
        case(
            "LAUNCH_ROLE is a user ARN",
            vec![("LAUNCH_ROLE", alice.clone())],
            r"LAUNCH_ROLE\s*=",
            esc(&alice),
        ),
        case(
            "LAUNCH_ROLE is a malformed ARN",
            vec![("LAUNCH_ROLE", "arn:aws:iam:role/x".to_string())],
            r"LAUNCH_ROLE\s*=",
            esc("arn:aws:iam:role/x"),
        ),
        case(
            "OWNER too long",
            vec![("OWNER", long_owner)],
            r"OWNER\s*=",
            "1024".to_string(),
        ),
        case(
            "empty map",
            vec![],
            r"properties\s*=",
            "(?i)at least one|OWNER.*LAUNCH_ROLE".to_string(),
        ),
        Invalid {
            id: bad_id.clone(),
            at: vec![r"provisioned_product_id\s*="],
            ..case(
                "bad id",
                vec![("OWNER", alice.clone())],
                r"provisioned_product_id\s*=",
                esc(&bad_id),
            )
        },
        Invalid {
            id: long_id,
            at: vec![r"provisioned_product_id\s*="],
            ..case(
                "id too long",
                vec![("OWNER", alice.clone())],
                r"provisioned_product_id\s*=",
                "100".to_string(),
            )
        },
        Invalid {
            extra: "  accept_language = \"klingon\"",
            at: vec![r"accept_language\s*="],
            ..case(
                "bad accept_language",
                vec![("OWNER", alice.clone())],
                r"accept_language\s*=",
                "klingon".to_string(),
            )
        },
        Invalid {
            extra: "  timeouts {\n    create = \"soon\"\n  }",
            at: vec![r"create\s*="],
            ..case(
                "bad timeout",
                vec![("OWNER", alice.clone())],
                r"create\s*=",
                "soon".to_string(),
            )
        },
    ]
}

#[tokio::test]
async fn invalid_input_is_rejected_at_validate_and_plan_without_api_calls() {
    // Any API call would open a connection here.
    let endpoint = CountingEndpoint::start().await;
    let wd = Workdir::new();
    let provider = provider_hcl(&endpoint.url, "");
    for case in invalid_cases() {
        let props: Vec<(&str, &str)> = case.props.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let hcl = format!("{provider}\n{}", resource_hcl(&case.id, &props, case.extra));
        let lines = config_lines(&hcl, &case.at);
        assert!(
            !lines.is_empty(),
            "{}: no line matches {:?}",
            case.what,
            case.at
        );
        for cmd in [Cmd::Validate, Cmd::Plan] {
            let out = wd.expect_error(&hcl, cmd, r"Error: ").await;
            // The message says what is wrong ...
            let re = regex::Regex::new(&case.message).expect("case regex");
            assert!(
                re.is_match(&out.messages()),
                "{} ({cmd:?}): diagnostic should match /{}/:\n{}",
                case.what,
                case.message,
                out.combined()
            );
            // ... and its attribute path points at the offending line, not just the resource.
            let text = out.text();
            assert!(
                lines
                    .iter()
                    .any(|n| text.contains(&format!("on main.tf line {n},"))),
                "{} ({cmd:?}): diagnostic should point at line {lines:?}:\n{}",
                case.what,
                out.combined()
            );
        }
    }
    assert_eq!(endpoint.connections(), 0, "no API call for invalid input");
}

#[tokio::test]
async fn credentials_never_reach_state_logs_or_output() {
    let acc = World::start().await;
    let mut wd = acc.workdir();
    let pp = acc.seed("secrets").await;
    let secret = "sEcReT-acceptance-7f3a9c";
    let log = wd.path().join("terraform.log");
    wd.set_env("TF_LOG", "TRACE");
    wd.set_env("TF_LOG_PATH", log.clone());
    let config = format!(
        "{}\n{}",
        provider_hcl_with_keys(acc.endpoint(), ACCESS_KEY, secret, ""),
        resource_hcl(&pp, &[("OWNER", &role("TeamRole"))], "")
    );
    wd.apply_step(&config).await;
    wd.destroy().await;

    let log_text = std::fs::read_to_string(&log).expect("terraform log written");
    assert!(
        log_text.contains("servicecatalog"),
        "the log covers the provider"
    );
    assert!(!log_text.contains(secret), "secret key in the TRACE log");
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).expect("state");
    assert!(!state.contains(secret), "secret key in the state file");
    assert!(
        !wd.transcript().contains(secret),
        "secret key in terraform output"
    );
    acc.finish().await;
}

#[tokio::test]
async fn empty_provider_block_uses_the_aws_environment() {
    let acc = World::start().await;
    let mut wd = acc.workdir();
    let pp = acc.seed("env-config").await;
    let team = role("TeamRole");
    let resource = resource_hcl(&pp, &[("OWNER", &team)], "");
    let config = format!(
        "{}\nprovider \"servicecatalog\" {{}}\n{resource}",
        required_providers()
    );

    // Service-specific endpoint variable, region from the environment, keys from the shared
    // credentials file.
    let endpoint = acc.endpoint().to_string();
    wd.set_env("AWS_ENDPOINT_URL_SERVICE_CATALOG", endpoint.clone());
    wd.set_env("AWS_REGION", "us-east-1");
    std::fs::write(
        wd.aws_credentials_file(),
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            ACCESS_KEY, SECRET_KEY
        ),
    )
    .expect("write shared credentials");
    wd.apply_step(&config).await;
    assert_eq!(acc.owner(&pp).await, team);

    // The generic endpoint variable and keys in the environment work too.
    let pp2 = acc.seed("env-config-2").await;
    let mut wd2 = Workdir::new();
    wd2.set_env("AWS_ENDPOINT_URL", endpoint);
    wd2.set_env("AWS_DEFAULT_REGION", "us-east-1");
    wd2.set_env("AWS_ACCESS_KEY_ID", ACCESS_KEY);
    wd2.set_env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    let ops_owner = user("ops");
    wd2.apply_step(&format!(
        "{}\nprovider \"servicecatalog\" {{}}\n{}",
        required_providers(),
        resource_hcl(&pp2, &[("OWNER", &ops_owner)], "")
    ))
    .await;
    assert_eq!(acc.owner(&pp2).await, ops_owner);
    acc.finish().await;
}

/// The backend switch: unset means the emulator; `TF_ACC_AWS=1` without what it needs fails
/// with a message naming the missing variable, instead of touching any AWS account.
#[test]
fn aws_mode_is_skipped_with_a_clear_message_without_credentials() {
    let parse = |vars: &[(&str, &str)]| {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Backend::from_vars(move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    };
    assert_eq!(parse(&[]), Ok(Backend::Emulator));
    assert_eq!(parse(&[(ENV_AWS, "")]), Ok(Backend::Emulator));
    assert_eq!(parse(&[(ENV_AWS, "0")]), Ok(Backend::Emulator));

    let err = parse(&[(ENV_AWS, "yes")]).unwrap_err();
    assert!(
        err.contains("TF_ACC_AWS") && err.contains("\"yes\""),
        "{err}"
    );

    let err = parse(&[(ENV_AWS, "1")]).unwrap_err();
    assert!(err.contains("TF_ACC_AWS_PROVISIONED_PRODUCT_ID"), "{err}");

    let product = (ENV_PRODUCT, "pp-abcd27bm4mldq");
    let err = parse(&[(ENV_AWS, "1"), product]).unwrap_err();
    assert!(err.contains("TF_ACC_AWS_OWNER_ARN"), "{err}");

    let owner = (ENV_OWNER, "arn:aws:iam::111122223333:role/Team");
    let err = parse(&[(ENV_AWS, "1"), product, owner]).unwrap_err();
    assert!(err.contains("AWS_REGION"), "{err}");

    let err = parse(&[(ENV_AWS, "1"), (ENV_PRODUCT, "prod-1"), owner]).unwrap_err();
    assert!(
        err.contains(ENV_PRODUCT) && err.contains("\"prod-1\""),
        "{err}"
    );
    let err = parse(&[(ENV_AWS, "1"), product, (ENV_OWNER, "Team")]).unwrap_err();
    assert!(err.contains(ENV_OWNER) && err.contains("\"Team\""), "{err}");

    let region = ("AWS_REGION", "eu-west-1");
    assert_eq!(
        parse(&[(ENV_AWS, "1"), product, owner, region]),
        Ok(Backend::Aws(AwsTarget {
            product_id: "pp-abcd27bm4mldq".into(),
            owner_arn: "arn:aws:iam::111122223333:role/Team".into(),
            launch_role_arn: None,
            region: "eu-west-1".into(),
        }))
    );
    let launch = (ENV_LAUNCH_ROLE, "arn:aws:iam::111122223333:role/Launch");
    match parse(&[(ENV_AWS, "true"), product, owner, region, launch]) {
        Ok(Backend::Aws(t)) => assert_eq!(t.launch_role_arn.as_deref(), Some(launch.1)),
        other => panic!("expected AWS mode: {other:?}"),
    }
}

/// In AWS mode Terraform gets the real credentials/profile/region variables; on the emulator the
/// harness stays isolated and none of them reach it.
#[test]
fn aws_passthrough_only_in_aws_mode() {
    let wd = Workdir::new();
    let cmd = wd.command(&["version"]);
    let envs: Vec<String> = cmd
        .as_std()
        .get_envs()
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .collect();
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(
            !envs.iter().any(|e| e == k),
            "{k} reaches an emulator workdir"
        );
    }
    let aws = aws::workdir();
    let cmd = aws.command(&["version"]);
    let get = |k: &str| {
        cmd.as_std()
            .get_envs()
            .find(|(n, _)| *n == k)
            .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
    };
    // Instance metadata is allowed unless the real environment says otherwise.
    let imds = std::env::var("AWS_EC2_METADATA_DISABLED")
        .ok()
        .filter(|v| !v.is_empty());
    assert_eq!(
        get("AWS_EC2_METADATA_DISABLED"),
        Some(imds.unwrap_or_else(|| "false".into()))
    );
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
    ] {
        assert_eq!(
            get(k),
            std::env::var(k).ok().filter(|v| !v.is_empty()),
            "{k}"
        );
    }
    if let Ok(home) = std::env::var("HOME") {
        if std::env::var_os("AWS_CONFIG_FILE").is_none() {
            let want = std::path::Path::new(&home).join(".aws/config");
            assert_eq!(
                get("AWS_CONFIG_FILE"),
                Some(want.to_string_lossy().into_owned())
            );
        }
    }
}
