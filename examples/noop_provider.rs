//! A provider that does nothing, built on the same protocol layer as the real one
//! (`host::run` + `tfplugin::provider_routes`): the benchmark baseline. It offers one
//! resource, `noop_thing` (required `name`, optional `properties` map, computed `id`), and never
//! makes an API call, so what it costs is Terraform's own work plus our protocol layer. The
//! map lets the benchmark give it the provider's configuration shape (`count` over a list of
//! ids, `properties = { OWNER = var.owner }`).
//!
//!
//! A second resource, `noop_twin`, has the real resource's schema (its attributes, `timeouts`
//! block and identity) and the same no-op behaviour, for a baseline whose state has the same
//! shape as the provider's (`servicecatalog-bench --baseline twin`).
//!
//! Terraform starts it like any provider (dev_overrides with the binary renamed or linked to
//! `terraform-provider-noop`); see `docs/performance.md`.

use std::process::ExitCode;
use std::sync::Arc;

use servicecatalog_provider::host;
use servicecatalog_provider::resources::provisioned_product_properties::ProvisionedProductProperties;
use servicecatalog_provider::servicecatalog::ServiceCatalog;
use servicecatalog_provider::tfplugin::{
    self, async_trait, Attribute, ConfigureRequest, Context, CreateRequest, DeleteRequest,
    Diagnostics, HookResult, IdentitySchema, ObjectExt, Provider, ReadRequest, Resource, Schema,
    StateResponse, Type, TypedResource, UpdateRequest, Value,
};

/// The `noop` provider: no configuration, one resource.
struct NoopProvider;

#[async_trait]
impl Provider for NoopProvider {
    type Data = ();

    fn schema(&self) -> Schema {
        Schema::new().description("A provider that does nothing (benchmark baseline).")
    }

    async fn configure(
        &self,
        _ctx: &Context<()>,
        _req: ConfigureRequest,
        _diags: &mut Diagnostics,
    ) -> Option<()> {
        Some(())
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
        vec![Arc::new(Noop::Thing), Arc::new(Noop::Twin)]
    }
}

/// A resource that makes no API call: `noop_thing` (state = the config plus
/// `id = "noop-<name>"`) or `noop_twin` (the real resource's schema; a change fills the computed
/// attributes with fixed values).
enum Noop {
    Thing,
    Twin,
}

impl Noop {
    /// What a create or an update leaves in state for `planned`.
    fn changed(&self, planned: Value) -> Value {
        match self {
            Noop::Thing => {
                let id = format!("noop-{}", planned.str_attr("name").unwrap_or_default());
                planned.with_attr("id", Value::String(id))
            }
            Noop::Twin => {
                let properties = planned.get("properties").cloned().unwrap_or(Value::Null);
                let id = planned
                    .str_attr("provisioned_product_id")
                    .unwrap_or_default()
                    .to_owned();
                let original = match planned.get("original_properties") {
                    Some(v) if !v.is_unknown() => v.clone(),
                    _ => properties,
                };
                planned
                    .with_attr("id", Value::String(id))
                    .with_attr("record_id", Value::String("rec-noop".to_owned()))
                    .with_attr("record_status", Value::String("SUCCEEDED".to_owned()))
                    .with_attr("original_properties", original)
            }
        }
    }
}

#[async_trait]
impl Resource<()> for Noop {
    fn type_name(&self) -> &str {
        match self {
            Noop::Thing => "noop_thing",
            Noop::Twin => "noop_twin",
        }
    }

    fn schema(&self) -> Schema {
        match self {
            Noop::Thing => Schema::new()
                .description("Stores its name; nothing else.")
                .attribute(Attribute::required("name", Type::String))
                .attribute(Attribute::optional("properties", Type::map(Type::String)))
                .attribute(Attribute::computed("id", Type::String).use_state_for_unknown()),
            Noop::Twin => TypedResource::<ServiceCatalog>::schema(&ProvisionedProductProperties),
        }
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        match self {
            Noop::Thing => None,
            Noop::Twin => {
                TypedResource::<ServiceCatalog>::identity_schema(&ProvisionedProductProperties)
            }
        }
    }

    async fn create(
        &self,
        _ctx: &mut Context<()>,
        req: CreateRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        resp.state = self.changed(req.planned);
        Ok(())
    }

    async fn read(
        &self,
        _ctx: &mut Context<()>,
        _req: ReadRequest,
        _resp: &mut StateResponse,
    ) -> HookResult {
        // The state is the truth: read leaves it as it is.
        Ok(())
    }

    async fn update(
        &self,
        _ctx: &mut Context<()>,
        req: UpdateRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        resp.state = self.changed(req.planned);
        Ok(())
    }

    async fn delete(
        &self,
        _ctx: &mut Context<()>,
        _req: DeleteRequest,
        _resp: &mut StateResponse,
    ) -> HookResult {
        Ok(())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    host::run(false, |_| tfplugin::provider_routes(NoopProvider)).await
}
