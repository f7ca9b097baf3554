//! Smoke test of the plugin protocol through the real Terraform CLI: the provider binary is found
//! through `dev_overrides`, starts, completes the handshake and serves its schema.

#[path = "support/terraform.rs"]
mod terraform;

use terraform::{Workdir, PROVIDER_ADDRESS};

const RESOURCE_TYPE: &str = "servicecatalog_provisioned_product_properties";

fn empty_provider_config() -> String {
    format!(
        "{}\nprovider \"servicecatalog\" {{}}\n",
        terraform::required_providers()
    )
}

#[tokio::test]
async fn validate_accepts_an_empty_provider_block() {
    let wd = Workdir::new();
    wd.write_config(&empty_provider_config());
    let out = wd.validate().await;
    assert!(
        out.stdout.contains("The configuration is valid"),
        "{}",
        wd.transcript()
    );
}

#[tokio::test]
async fn providers_schema_lists_the_resource() {
    let wd = Workdir::new();
    wd.write_config(&empty_provider_config());
    let out = wd.run_ok(&["providers", "schema", "-json"]).await;
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON from providers schema: {e}\n{}",
            wd.transcript()
        )
    });

    let provider = &schema["provider_schemas"][PROVIDER_ADDRESS];
    assert!(
        provider.is_object(),
        "no schema for {PROVIDER_ADDRESS}: {}",
        out.stdout
    );
    let resource = &provider["resource_schemas"][RESOURCE_TYPE];
    assert!(
        resource.is_object(),
        "{PROVIDER_ADDRESS} does not list {RESOURCE_TYPE}: {}",
        out.stdout
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
