//! Terraform configurations the suites write: quoting, the `required_providers` block, provider
//! blocks pointed at an emulator, and `servicecatalog_provisioned_product_properties` blocks.

use super::sdk::{ACCESS_KEY, REGION, SECRET_KEY};
use super::terraform::PROVIDER_SOURCE;

/// The resource type under test.
pub const RESOURCE_TYPE: &str = "servicecatalog_provisioned_product_properties";
/// The resource every single-resource configuration declares, by address.
pub const ADDR: &str = "servicecatalog_provisioned_product_properties.this";
/// The `count` resource of a fleet configuration ([`fleet_hcl`]), by address.
pub const FLEET: &str = "servicecatalog_provisioned_product_properties.fleet";

/// Quotes a string as an HCL string literal.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `terraform { required_providers { ... } }` block every configuration starts with.
pub fn required_providers() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    servicecatalog = {{\n      source = \"{PROVIDER_SOURCE}\"\n    }}\n  }}\n}}\n"
    )
}

/// `required_providers` and a provider block for `endpoint` with the suites' static keys and
/// `extra` provider arguments.
pub fn provider_hcl(endpoint: &str, extra: &str) -> String {
    provider_hcl_with_keys(endpoint, ACCESS_KEY, SECRET_KEY, extra)
}

/// Like [`provider_hcl`] with explicit static keys (the access key id picks the emulator's caller).
pub fn provider_hcl_with_keys(
    endpoint: &str,
    access_key: &str,
    secret_key: &str,
    extra: &str,
) -> String {
    format!(
        r#"{}
provider "servicecatalog" {{
  endpoint   = {}
  region     = "{REGION}"
  access_key = {}
  secret_key = {}
{extra}
}}
"#,
        required_providers(),
        hcl_string(endpoint),
        hcl_string(access_key),
        hcl_string(secret_key),
    )
}

/// The resource `this` managing `props` of `pp`, with `extra` arguments.
pub fn resource_hcl(pp: &str, props: &[(&str, &str)], extra: &str) -> String {
    labelled_resource_hcl("this", pp, props, extra)
}

/// Like [`resource_hcl`] for a resource named `label`.
pub fn labelled_resource_hcl(label: &str, pp: &str, props: &[(&str, &str)], extra: &str) -> String {
    let mut map = String::new();
    for (k, v) in props {
        map.push_str(&format!("    {k} = {}\n", hcl_string(v)));
    }
    format!(
        r#"resource "{RESOURCE_TYPE}" "{label}" {{
  provisioned_product_id = {}
  properties = {{
{map}  }}
{extra}
}}
"#,
        hcl_string(pp)
    )
}

/// The resource `fleet`: `count` over a list of product ids (the shape a large workspace
/// uses), the i-th managing `props(i)`.
pub fn fleet_hcl(ids: &[String], props: &dyn Fn(usize) -> Vec<(&'static str, String)>) -> String {
    let list = |items: Vec<String>| format!("[\n    {},\n  ]", items.join(",\n    "));
    let ids_hcl = list(ids.iter().map(|id| hcl_string(id)).collect());
    let props_hcl = list(
        (0..ids.len())
            .map(|i| {
                let entries: Vec<String> = props(i)
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", hcl_string(v)))
                    .collect();
                format!("{{ {} }}", entries.join(", "))
            })
            .collect(),
    );
    format!(
        r#"locals {{
  ids   = {ids_hcl}
  props = {props_hcl}
}}

resource "{RESOURCE_TYPE}" "fleet" {{
  count                  = length(local.ids)
  provisioned_product_id = local.ids[count.index]
  properties             = local.props[count.index]
}}
"#
    )
}
