//! An empty provider configuration takes endpoint, region and credentials from the environment.
//! The environment belongs to the whole test process, so the check runs in a child process with
//! exactly the variables it needs.

use std::time::Duration;

use servicecatalog_provider::provider::config::ProviderConfig;

use super::{seed, start};

/// Configured only through the environment; run by
/// `endpoint_region_and_credentials_come_from_the_environment` in a child process.
#[tokio::test]
#[ignore = "run in a child process by endpoint_region_and_credentials_come_from_the_environment"]
async fn child_empty_provider_config_uses_the_environment() {
    let id = std::env::var("SC_API_TEST_PRODUCT_ID").expect("set by the parent test");
    let sc = ProviderConfig::default()
        .load()
        .await
        .expect("empty config loads");
    let live = sc
        .read_properties(&id)
        .await
        .expect("reads through the env endpoint");
    assert_eq!(live.id, id);
}

#[tokio::test]
async fn endpoint_region_and_credentials_come_from_the_environment() {
    let (world, _sc) = start(Duration::ZERO).await;
    let emulator = world.emu();
    let id = seed(&world, "from-env", None).await;
    let exe = std::env::current_exe().expect("test binary path");
    // The child's full test name: this module's path without the crate name.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let child = format!("{module}::child_empty_provider_config_uses_the_environment");
    for endpoint_var in ["AWS_ENDPOINT_URL_SERVICE_CATALOG", "AWS_ENDPOINT_URL"] {
        let out = tokio::process::Command::new(&exe)
            .args(["--ignored", "--exact", &child])
            .env_clear()
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
            .env("AWS_SECRET_ACCESS_KEY", "secret-from-env")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env(endpoint_var, emulator.endpoint_url())
            .env("SC_API_TEST_PRODUCT_ID", &id)
            .output()
            .await
            .expect("child runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{endpoint_var}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    world.finish().await;
}
