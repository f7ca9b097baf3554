//! The `servicecatalog-emulator` binary: ready line, `--help`, graceful stop on SIGTERM, persistence across
//! restarts, and no lost acknowledged change after a `kill -9` in the middle of a write burst.
#![cfg(unix)]

#[path = "support/emulator.rs"]
mod support;

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_servicecatalog::types::PropertyKey;
use servicecatalog_provider::emulator::State;
use support::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_servicecatalog-emulator");

/// Starts the binary and waits for its `listening on http://ADDR` line.
async fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn emulator");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("ready line in time")
    .expect("read stdout");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    (child, url.to_owned())
}

async fn sigterm(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("stops after SIGTERM")
        .unwrap()
}

#[tokio::test]
async fn prints_ready_line_serves_and_stops_on_sigterm() {
    let (mut child, url) = spawn(&["--account-id", "210987654321", "--region", "eu-west-1"]).await;
    let c = client_with(&url, "AKID", "s", 1);
    let (id, _) = provision(&c, "bin").await;
    let d = c
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    let arn = d
        .provisioned_product_detail()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    assert!(
        arn.starts_with("arn:aws:servicecatalog:eu-west-1:210987654321:stack/bin/"),
        "{arn}"
    );
    assert!(sigterm(&mut child).await.success());
}

#[tokio::test]
async fn help_explains_the_flags_and_bad_flags_fail_clearly() {
    let out = Command::new(BIN).arg("--help").output().await.unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--account-id",
        "--region",
        "--record-latency",
        "--principals",
        "--state-file",
        "--throttle-next",
        "--server-error-next",
        "--fail-next-records",
        "--fail-provisioned-product",
        "--search-lag",
        "/_emulator/",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    let out = Command::new(BIN)
        .args(["--record-latency", "soon"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'soon'"));
    // Durations are Go durations: plain seconds need a unit.
    let out = Command::new(BIN)
        .args(["--latency", "1.5"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'1.5'") && stderr.contains("1m30s"),
        "{stderr}"
    );
    let out = Command::new(BIN)
        .args(["--account-id", "12"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'12'"));
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let file_arg = file.to_str().unwrap();
    let (mut child, url) = spawn(&["--state-file", file_arg]).await;
    let c = client_with(&url, "AKID", "s", 1);
    let (id, _) = provision(&c, "keep").await;
    let send = |c: aws_sdk_servicecatalog::Client, id: String| async move {
        c.update_provisioned_product_properties()
            .provisioned_product_id(id)
            .provisioned_product_properties(PropertyKey::Owner, arn("user", "kept"))
            .idempotency_token("restart-token")
            .send()
            .await
            .unwrap()
    };
    let first = send(c.clone(), id.clone()).await;
    assert!(sigterm(&mut child).await.success());

    let (mut child, url) = spawn(&["--state-file", file_arg]).await;
    let c = client_with(&url, "AKID", "s", 1);
    assert_eq!(
        search_owner(&c, &id).await.as_deref(),
        Some(arn("user", "kept").as_str())
    );
    let again = send(c.clone(), id.clone()).await;
    assert_eq!(again.record_id(), first.record_id());
    let d = c
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.provisioned_product_detail().unwrap().last_record_id(),
        first.record_id()
    );
    assert!(sigterm(&mut child).await.success());
}

#[tokio::test]
async fn corrupt_state_file_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken-state.json");
    std::fs::write(&file, b"{\"products\": [").unwrap();
    let out = Command::new(BIN)
        .args(["--state-file", file.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken-state.json"));
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn kill_9_during_a_write_burst_loses_no_acknowledged_change() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let file_arg = file.to_str().unwrap();
    let (mut child, url) = spawn(&["--state-file", file_arg]).await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = vec![];
    for w in 0..6 {
        let (acked, stop, url) = (acked.clone(), stop.clone(), url.clone());
        workers.push(tokio::spawn(async move {
            let c = client_with(&url, "AKID", "s", 1);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let name = format!("w{w}-n{n}");
                let r = c
                    .provision_product()
                    .product_id("prod-a")
                    .provisioning_artifact_id("pa-a")
                    .provisioned_product_name(&name)
                    .provision_token(&name)
                    .send()
                    .await;
                match r {
                    Ok(out) => acked.lock().unwrap().push(
                        out.record_detail()
                            .unwrap()
                            .provisioned_product_id()
                            .unwrap()
                            .to_owned(),
                    ),
                    Err(_) => break,
                }
            }
        }));
    }
    // Kill while writes are still coming in.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 60 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "burst made no progress"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let state: State = serde_json::from_slice(&std::fs::read(&file).unwrap())
        .expect("state file parses after kill -9");
    for id in &acked {
        assert!(
            state.products.contains_key(id),
            "acknowledged {id} missing from the file"
        );
    }

    let (mut child, url) = spawn(&["--state-file", file_arg]).await;
    let c = client_with(&url, "AKID", "s", 1);
    for id in &acked {
        c.describe_provisioned_product()
            .id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id} lost: {e:?}"));
    }
    assert!(sigterm(&mut child).await.success());
}

#[tokio::test]
async fn principals_file_and_start_up_faults_are_applied() {
    use aws_sdk_servicecatalog::error::ProvideErrorMetadata;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("principals.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"keys": {{"AKIDALICE": {{"arn": "{}", "access_level": "User", "secret_access_key": "alice-secret"}}}},
                "reject_unknown_keys": true}}"#,
            arn("user", "alice")
        ),
    )
    .unwrap();
    let (mut child, url) = spawn(&[
        "--principals",
        file.to_str().unwrap(),
        "--throttle-next",
        "1",
        "--fault-operation",
        "ScanProvisionedProducts",
    ])
    .await;
    let alice = client_with(&url, "AKIDALICE", "alice-secret", 1);
    let (id, _) = provision(&alice, "alices").await;
    let own = alice.search_provisioned_products().send().await.unwrap();
    assert_eq!(own.provisioned_products()[0].id(), Some(id.as_str()));
    let e = alice.scan_provisioned_products().send().await.unwrap_err();
    assert_eq!(e.code(), Some("ThrottlingException"));
    assert_eq!(
        alice
            .scan_provisioned_products()
            .send()
            .await
            .unwrap()
            .provisioned_products()
            .len(),
        1
    );
    let e = client_with(&url, "AKIDEVE", "x", 1)
        .scan_provisioned_products()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnrecognizedClientException"));
    let e = client_with(&url, "AKIDALICE", "wrong", 1)
        .scan_provisioned_products()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    assert!(sigterm(&mut child).await.success());

    std::fs::write(&file, b"{\"keys\": {\"K\": {\"arn\": 1}}}").unwrap();
    let out = Command::new(BIN)
        .args(["--principals", file.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("principals.json"));
}

#[tokio::test]
async fn rate_limit_flags_throttle_and_bad_ones_fail_clearly() {
    use aws_sdk_servicecatalog::error::ProvideErrorMetadata;
    let (mut child, url) = spawn(&[
        "--rate-limit",
        "all=100",
        "--rate-limit",
        "ScanProvisionedProducts=0.1/1",
    ])
    .await;
    let c = client_with(&url, "AKID", "s", 1);
    c.scan_provisioned_products().send().await.unwrap();
    let e = c.scan_provisioned_products().send().await.unwrap_err();
    assert_eq!(e.code(), Some("ThrottlingException"));
    assert_eq!(e.message(), Some("Rate exceeded"));
    // `all` gave every other operation 100 calls a second, with a burst of 100.
    for _ in 0..10 {
        c.search_provisioned_products().send().await.unwrap();
    }
    assert!(sigterm(&mut child).await.success());

    for (args, names) in [
        (vec!["--rate-limit", "Nope=5"], "'Nope'"),
        (vec!["--rate-limit", "all=0"], "per_second 0"),
        (vec!["--rate-limit", "all=often"], "'often'"),
        (vec!["--rate-limit", "all=5/x"], "'x'"),
        (vec!["--rate-limit", "all"], "OPERATION=PER_SECOND"),
        (
            vec!["--rate-limit", "all=1", "--rate-limit", "all=2"],
            "more than once",
        ),
    ] {
        let out = Command::new(BIN).args(&args).output().await.unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(names), "{args:?}: {stderr}");
    }
}
