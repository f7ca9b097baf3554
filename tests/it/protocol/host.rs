//! The go-plugin host contract, checked by driving the built binary exactly as Terraform does,
//! and by the real Terraform CLI (found through `dev_overrides`: handshake, AutoMTLS, logs,
//! schema, shutdown).

use std::net::Ipv4Addr;

use base64::Engine as _;
use servicecatalog_provider::host::proto::grpc_broker_client::GrpcBrokerClient;
use servicecatalog_provider::host::proto::grpc_stdio_client::GrpcStdioClient;
use servicecatalog_provider::host::{MAGIC_COOKIE_KEY, PROVIDER_ADDRESS};
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::harness::hcl::{required_providers, RESOURCE_TYPE};
use crate::harness::plugin_process::{
    run_to_exit, ClientIdentity, PluginOptions, PluginProcess, SAFETY_TIMEOUT,
};
use crate::harness::terraform::{self, Workdir};

async fn health(channel: Channel, service: &str) -> Result<ServingStatus, tonic::Status> {
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await?;
    Ok(response.into_inner().status())
}

/// Connects with `identity` and tries one RPC; true if anything got through.
async fn any_rpc_succeeds(process: &PluginProcess, identity: Option<&ClientIdentity>) -> bool {
    match process.connect_as(identity).await {
        Ok(channel) => health(channel, "plugin").await.is_ok(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn handshake_line_is_go_plugin_format_with_der_server_cert() {
    let mut process = PluginProcess::start().await.unwrap();
    let raw = process.handshake().unwrap().raw.clone();

    let fields: Vec<&str> = raw.split('|').collect();
    assert_eq!(fields.len(), 6, "{raw}");
    assert_eq!(&fields[..3], ["1", "6", "tcp"], "{raw}");
    let addr: std::net::SocketAddr = fields[3].parse().unwrap();
    assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
    assert_ne!(addr.port(), 0);
    assert_eq!(fields[4], "grpc");
    assert!(
        !fields[5].contains('='),
        "cert must be unpadded base64: {raw}"
    );

    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .unwrap();
    let der = rustls::pki_types::CertificateDer::from(der);
    let cert = webpki::EndEntityCert::try_from(&der).expect("field 6 is an X.509 certificate");
    let localhost = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    cert.verify_is_valid_for_subject_name(&localhost)
        .expect("certificate is for localhost");

    let status = process.shutdown().await.unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        process.stdout_after_handshake().is_empty(),
        "nothing but the handshake may go to stdout: {:?}",
        process.stdout_after_handshake()
    );
}

#[tokio::test]
async fn health_reports_plugin_serving_over_mtls() {
    let mut process = PluginProcess::start().await.unwrap();
    assert_eq!(
        health(process.channel(), "plugin").await.unwrap(),
        ServingStatus::Serving
    );
    let unknown = health(process.channel(), "no-such-service")
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
    assert_eq!(process.shutdown().await.unwrap().code(), Some(0));
}

#[tokio::test]
async fn client_without_certificate_is_refused() {
    let mut process = PluginProcess::start().await.unwrap();
    assert!(!any_rpc_succeeds(&process, None).await);
    // The refused handshake did not stop the server.
    assert_eq!(
        health(process.channel(), "plugin").await.unwrap(),
        ServingStatus::Serving
    );
    assert_eq!(process.shutdown().await.unwrap().code(), Some(0));
}

#[tokio::test]
async fn client_with_a_different_certificate_is_refused() {
    let mut process = PluginProcess::start().await.unwrap();
    let stranger = ClientIdentity::generate().unwrap();
    assert!(!any_rpc_succeeds(&process, Some(&stranger)).await);
    // The host's own certificate still works, on a new connection too.
    let host = process.identity().unwrap();
    assert!(any_rpc_succeeds(&process, Some(host)).await);
    assert_eq!(process.shutdown().await.unwrap().code(), Some(0));
}

#[tokio::test]
async fn shutdown_ends_open_streams_and_exits_zero() {
    let mut process = PluginProcess::start().await.unwrap();

    let mut stdio = GrpcStdioClient::new(process.channel())
        .stream_stdio(())
        .await
        .unwrap()
        .into_inner();
    let stdio_reader = tokio::spawn(async move { stdio.message().await });

    let (_keep_open, outbound) = tokio::sync::mpsc::channel(1);
    let mut broker = GrpcBrokerClient::new(process.channel())
        .start_stream(tokio_stream::wrappers::ReceiverStream::new(outbound))
        .await
        .unwrap()
        .into_inner();
    let broker_reader = tokio::spawn(async move { broker.message().await });

    // A full round trip on the same connection, and the streams are still open.
    assert_eq!(
        health(process.channel(), "plugin").await.unwrap(),
        ServingStatus::Serving
    );
    assert!(!stdio_reader.is_finished());
    assert!(!broker_reader.is_finished());

    let status = process.shutdown().await.unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(status.code(), Some(0));

    // Both streams ended cleanly (no data, no error) rather than being cut off.
    let stdio_end = tokio::time::timeout(SAFETY_TIMEOUT, stdio_reader)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(stdio_end, Ok(None)), "{stdio_end:?}");
    let broker_end = tokio::time::timeout(SAFETY_TIMEOUT, broker_reader)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(broker_end, Ok(None)), "{broker_end:?}");
}

#[tokio::test]
async fn run_by_hand_exits_1_with_a_message() {
    let finished = run_to_exit(PluginOptions::new().without_env(MAGIC_COOKIE_KEY))
        .await
        .unwrap();
    assert_eq!(finished.status.code(), Some(1));
    assert!(
        finished.stderr.contains("not meant to be run directly"),
        "{}",
        finished.stderr
    );
    assert_eq!(finished.stdout, "");

    let wrong = run_to_exit(PluginOptions::new().env(MAGIC_COOKIE_KEY, "0123"))
        .await
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(wrong.stderr.contains("not meant to be run directly"));
}

#[tokio::test]
async fn host_offering_only_protocol_5_is_refused() {
    let finished = run_to_exit(PluginOptions::new().env("PLUGIN_PROTOCOL_VERSIONS", "5"))
        .await
        .unwrap();
    assert_eq!(finished.status.code(), Some(1));
    assert!(
        finished.stderr.contains("PLUGIN_PROTOCOL_VERSIONS=\"5\"")
            && finished.stderr.contains("protocol 6"),
        "{}",
        finished.stderr
    );
    assert_eq!(finished.stdout, "");
}

#[tokio::test]
async fn listens_on_a_free_port_inside_the_range() {
    // Hold the first port of the range so the plugin has to skip it.
    let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let min = taken.local_addr().unwrap().port();
    let max = min.saturating_add(20);
    let mut process = PluginProcess::start_with(
        PluginOptions::new()
            .env("PLUGIN_MIN_PORT", &min.to_string())
            .env("PLUGIN_MAX_PORT", &max.to_string()),
    )
    .await
    .unwrap();
    let port = process.addr().port();
    assert!(
        port > min && port <= max,
        "{port} not in {}..={max}",
        min + 1
    );
    assert_eq!(process.shutdown().await.unwrap().code(), Some(0));

    // A range with no free port is a clear start-up error.
    let finished = run_to_exit(
        PluginOptions::new()
            .env("PLUGIN_MIN_PORT", &min.to_string())
            .env("PLUGIN_MAX_PORT", &min.to_string()),
    )
    .await
    .unwrap();
    assert_eq!(finished.status.code(), Some(1));
    assert!(
        finished.stderr.contains("no free TCP port"),
        "{}",
        finished.stderr
    );
    assert!(
        finished.stderr.contains(&format!("{min}..={min}")),
        "{}",
        finished.stderr
    );
}

#[tokio::test]
async fn without_client_cert_serves_plaintext_with_empty_cert_field() {
    let mut process = PluginProcess::start_with(PluginOptions::new().plaintext())
        .await
        .unwrap();
    let handshake = process.handshake().unwrap();
    assert!(handshake.raw.ends_with("|grpc|"), "{}", handshake.raw);
    assert!(handshake.server_cert.is_none());
    assert_eq!(
        health(process.channel(), "plugin").await.unwrap(),
        ServingStatus::Serving
    );
    assert_eq!(process.shutdown().await.unwrap().code(), Some(0));
}

#[tokio::test]
async fn debug_mode_prints_reattach_json_and_serves_plaintext() {
    let mut process = PluginProcess::start_debug().await.unwrap();
    let reattach = process.reattach().unwrap().clone();
    let entry = &reattach[PROVIDER_ADDRESS];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], process.pid().unwrap());
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "tcp");
    assert_eq!(
        entry["Addr"]["String"].as_str().unwrap(),
        process.addr().to_string()
    );
    assert_eq!(process.addr().ip(), Ipv4Addr::LOCALHOST);
    assert_eq!(
        health(process.channel(), "plugin").await.unwrap(),
        ServingStatus::Serving
    );

    // Ctrl-C stops a debug server cleanly.
    process.signal("INT");
    let status = process.wait_exit(SAFETY_TIMEOUT).await.unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn managed_mode_ignores_sigint_and_stops_on_sigterm() {
    let mut process = PluginProcess::start().await.unwrap();
    process.signal("INT");
    assert_eq!(
        health(process.channel(), "plugin").await.unwrap(),
        ServingStatus::Serving
    );
    // Had SIGINT been fatal, the exit status would report the signal instead of code 0.
    process.signal("TERM");
    let status = process.wait_exit(SAFETY_TIMEOUT).await.unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
}

#[tokio::test]
async fn tf_log_debug_writes_hclog_json_lines_to_stderr() {
    let mut process = PluginProcess::start_with(PluginOptions::new().env("TF_LOG", "debug"))
        .await
        .unwrap();
    process.shutdown().await.unwrap();
    let lines = process.stderr_lines();
    assert!(!lines.is_empty(), "expected debug logs on stderr");
    let timestamp =
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")
            .unwrap();
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            ["trace", "debug", "info", "warn", "error"].contains(&v["@level"].as_str().unwrap()),
            "{line}"
        );
        assert!(v["@message"].is_string(), "{line}");
        assert_eq!(v["@module"], "servicecatalog", "{line}");
        assert!(
            timestamp.is_match(v["@timestamp"].as_str().unwrap()),
            "{line}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"@message\":\"shutdown requested by the plugin host\"")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn without_tf_log_nothing_is_logged() {
    let mut process = PluginProcess::start().await.unwrap();
    process.shutdown().await.unwrap();
    assert_eq!(process.stderr_lines(), Vec::<String>::new());
}

/// Runs `terraform validate` of an empty provider block (validate never configures the
/// provider, so no AWS calls) against the binary through `dev_overrides`; it must pass. Returns
/// Terraform's debug log.
async fn terraform_validate_log(extra_env: &[(&str, &str)]) -> String {
    let mut wd = Workdir::new();
    let log_path = wd.path().join("terraform.log");
    wd.set_env("TF_LOG", "debug");
    wd.set_env("TF_LOG_PATH", &log_path);
    for (k, v) in extra_env {
        wd.set_env(k, v);
    }
    wd.write_config(&format!(
        "{}\nprovider \"servicecatalog\" {{}}\n",
        required_providers()
    ));
    let out = wd.validate().await;
    assert!(
        out.stdout.contains("The configuration is valid"),
        "{}",
        wd.transcript()
    );
    std::fs::read_to_string(log_path).expect("terraform wrote its log")
}

/// Our "listening" hclog line as go-plugin re-logged it (fields come in any order).
fn listening_line(log: &str) -> &str {
    log.lines()
        .find(|l| {
            l.contains("provider.terraform-provider-servicecatalog: plugin server listening:")
        })
        .unwrap_or_else(|| panic!("our log line is missing from Terraform's log:\n{log}"))
}

#[tokio::test]
async fn real_terraform_connects_over_automtls_reads_our_logs_and_shuts_us_down() {
    let log = terraform_validate_log(&[]).await;
    assert!(log.contains("configuring client automatic mTLS"), "{log}");
    assert!(log.contains("provider: using plugin: version=6"), "{log}");
    // Our hclog line, parsed and re-logged by go-plugin with its fields.
    assert!(listening_line(&log).contains("tls=true"), "{log}");
    assert!(
        log.contains("shutdown requested by the plugin host"),
        "{log}"
    );
    assert!(!log.contains("plugin failed to exit gracefully"), "{log}");
}

#[tokio::test]
async fn real_terraform_with_tls_disabled_connects_in_plaintext() {
    let log = terraform_validate_log(&[("TF_DISABLE_PLUGIN_TLS", "1")]).await;
    assert!(!log.contains("configuring client automatic mTLS"), "{log}");
    assert!(log.contains("provider: using plugin: version=6"), "{log}");
    assert!(listening_line(&log).contains("tls=false"), "{log}");
    assert!(
        log.contains("shutdown requested by the plugin host"),
        "{log}"
    );
}

#[tokio::test]
async fn providers_schema_lists_the_resource() {
    let provider = terraform::provider_schema().await;
    assert!(
        provider.is_object(),
        "no schema for {PROVIDER_ADDRESS}: {provider}"
    );
    let resource = &provider["resource_schemas"][RESOURCE_TYPE];
    assert!(
        resource.is_object(),
        "{PROVIDER_ADDRESS} does not list {RESOURCE_TYPE}: {provider}"
    );

    // The attributes users write and read, with the kinds the spec gives them.
    let attrs = &resource["block"]["attributes"];
    assert_eq!(attrs["provisioned_product_id"]["required"], true, "{attrs}");
    assert_eq!(attrs["properties"]["required"], true, "{attrs}");
    assert_eq!(
        attrs["properties"]["type"],
        serde_json::json!(["map", "string"]),
        "{attrs}"
    );
    for computed in ["id", "record_id", "record_status", "original_properties"] {
        assert_eq!(attrs[computed]["computed"], true, "{computed}: {attrs}");
    }
    assert_eq!(attrs["restore_on_destroy"]["optional"], true, "{attrs}");
    assert_eq!(attrs["accept_language"]["optional"], true, "{attrs}");
    let timeouts = &resource["block"]["block_types"]["timeouts"]["block"]["attributes"];
    for op in ["create", "update", "delete"] {
        assert_eq!(timeouts[op]["optional"], true, "timeouts.{op}: {resource}");
    }

    // Provider secrets are marked sensitive so Terraform hides them.
    let provider_attrs = &provider["provider"]["block"]["attributes"];
    for secret in ["secret_key", "token"] {
        assert_eq!(
            provider_attrs[secret]["sensitive"], true,
            "{secret}: {provider_attrs}"
        );
    }
}
