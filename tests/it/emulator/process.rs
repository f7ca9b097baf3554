//! The `servicecatalog-emulator` binary: ready line, `--help`, graceful stop on SIGTERM, persistence
//! across restarts, and no lost acknowledged change after a `kill -9` in the middle of a write burst.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_servicecatalog::types::PropertyKey;
use servicecatalog_provider::emulator::State;

use crate::harness::emulator_process::{run_to_exit, EmulatorProcess};
use crate::harness::http::raw;
use crate::harness::sdk::{self, iam_arn, provision};

#[tokio::test]
async fn prints_ready_line_serves_and_stops_on_sigterm() {
    let emu =
        EmulatorProcess::start(&["--account-id", "210987654321", "--region", "eu-west-1"]).await;
    let c = emu.client("AKID", "s", 1);
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
    assert!(emu.sigterm().await.success());
}

#[tokio::test]
async fn help_explains_the_flags_and_bad_flags_fail_clearly() {
    let out = run_to_exit(&["--help"]).await;
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
    let out = run_to_exit(&["--account-id", "12"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'12'"));
}

/// Duration flags take Go durations, as the provider's `timeouts` do; anything else (plain
/// seconds need a unit) is refused naming the value and the format.
#[tokio::test]
async fn duration_flags_are_go_durations() {
    let emu = EmulatorProcess::start(&[
        "--latency",
        "250ms",
        "--search-lag",
        "1m30s",
        "--record-latency",
        "2s",
    ])
    .await;
    let faults = raw(emu.addr(), "GET", "/_emulator/faults", &[], b"")
        .await
        .json();
    assert_eq!(faults["latency_ms"], 250, "{faults}");
    assert_eq!(faults["search_lag_ms"], 90_000, "{faults}");
    assert!(emu.sigterm().await.success());
    let emu = EmulatorProcess::start(&["--latency", "0", "--record-latency", "0"]).await;
    assert!(emu.sigterm().await.success());

    for (flag, bad) in [
        ("--latency", "1.5"),
        ("--search-lag", "-1s"),
        ("--record-latency", "soon"),
    ] {
        let out = run_to_exit(&[&format!("{flag}={bad}")]).await;
        assert!(!out.status.success(), "{flag} {bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("'{bad}'"))
                && stderr.contains("Go duration such as 250ms, 2s, 1m30s or 0"),
            "{flag} {bad}: {stderr}"
        );
    }
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let file_arg = file.to_str().unwrap();
    let emu = EmulatorProcess::start(&["--state-file", file_arg]).await;
    let c = emu.client("AKID", "s", 1);
    let (id, _) = provision(&c, "keep").await;
    let send = |c: aws_sdk_servicecatalog::Client, id: String| async move {
        c.update_provisioned_product_properties()
            .provisioned_product_id(id)
            .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "kept"))
            .idempotency_token("restart-token")
            .send()
            .await
            .unwrap()
    };
    let first = send(c.clone(), id.clone()).await;
    assert!(emu.sigterm().await.success());

    let emu = EmulatorProcess::start(&["--state-file", file_arg]).await;
    let c = emu.client("AKID", "s", 1);
    assert_eq!(
        sdk::owner(&c, &id).await.as_deref(),
        Some(iam_arn("user", "kept").as_str())
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
    assert!(emu.sigterm().await.success());
}

#[tokio::test]
async fn corrupt_state_file_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken-state.json");
    std::fs::write(&file, b"{\"products\": [").unwrap();
    let out = run_to_exit(&["--state-file", file.to_str().unwrap()]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken-state.json"));
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn kill_9_during_a_write_burst_loses_no_acknowledged_change() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let file_arg = file.to_str().unwrap();
    let emu = EmulatorProcess::start(&["--state-file", file_arg]).await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = vec![];
    for w in 0..6 {
        let (acked, stop) = (acked.clone(), stop.clone());
        let c = emu.client("AKID", "s", 1);
        workers.push(tokio::spawn(async move {
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
    emu.kill_9().await;
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

    let emu = EmulatorProcess::start(&["--state-file", file_arg]).await;
    let c = emu.client("AKID", "s", 1);
    for id in &acked {
        c.describe_provisioned_product()
            .id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id} lost: {e:?}"));
    }
    assert!(emu.sigterm().await.success());
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
            iam_arn("user", "alice")
        ),
    )
    .unwrap();
    let emu = EmulatorProcess::start(&[
        "--principals",
        file.to_str().unwrap(),
        "--throttle-next",
        "1",
        "--fault-operation",
        "ScanProvisionedProducts",
    ])
    .await;
    let alice = emu.client("AKIDALICE", "alice-secret", 1);
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
    let e = emu
        .client("AKIDEVE", "x", 1)
        .scan_provisioned_products()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnrecognizedClientException"));
    let e = emu
        .client("AKIDALICE", "wrong", 1)
        .scan_provisioned_products()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    assert!(emu.sigterm().await.success());

    std::fs::write(&file, b"{\"keys\": {\"K\": {\"arn\": 1}}}").unwrap();
    let out = run_to_exit(&["--principals", file.to_str().unwrap()]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("principals.json"));
}

#[tokio::test]
async fn rate_limit_flags_throttle_and_bad_ones_fail_clearly() {
    use aws_sdk_servicecatalog::error::ProvideErrorMetadata;
    let emu = EmulatorProcess::start(&[
        "--rate-limit",
        "all=100",
        "--rate-limit",
        "ScanProvisionedProducts=0.1/1",
    ])
    .await;
    let c = emu.client("AKID", "s", 1);
    c.scan_provisioned_products().send().await.unwrap();
    let e = c.scan_provisioned_products().send().await.unwrap_err();
    assert_eq!(e.code(), Some("ThrottlingException"));
    assert_eq!(e.message(), Some("Rate exceeded"));
    // `all` gave every other operation 100 calls a second, with a burst of 100.
    for _ in 0..10 {
        c.search_provisioned_products().send().await.unwrap();
    }
    assert!(emu.sigterm().await.success());

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
        let out = run_to_exit(&args).await;
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(names), "{args:?}: {stderr}");
    }
}
