//! A provider that does nothing, built on the same protocol layer as the real one: the
//! benchmark baseline. `noop_thing` (required `name`, optional `properties` map, computed `id`)
//! and `noop_twin` (the real resource's schema and identity) never make an API call, so what
//! they cost is Terraform's own work plus our protocol layer. See `docs/performance.md`.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::process::ExitCode;

use servicecatalog_provider::host;
use servicecatalog_provider::model;
use servicecatalog_provider::resources::provisioned_product_properties::ProvisionedProductProperties;
use servicecatalog_provider::servicecatalog::ServiceCatalog;
use servicecatalog_provider::tfplugin::{
    self, async_trait, Attribute, ConfigureRequest, Context, Diagnostics, Field, HookResult,
    IdentitySchema, Model, ModelResponse, Provider, Resource, ResourceType, Schema, Type,
};

/// The `noop` provider: no configuration, two resources.
struct NoopProvider;

#[async_trait]
impl Provider for NoopProvider {
    type Data = ();
    type Config = ();

    fn schema(&self) -> Schema {
        Schema::new().description("A provider that does nothing (benchmark baseline).")
    }

    async fn configure(
        &self,
        _: &Context<()>,
        _: ConfigureRequest<()>,
        _: &mut Diagnostics,
    ) -> Option<()> {
        Some(())
    }

    fn resources(&self) -> Vec<ResourceType<()>> {
        vec![Noop::<Thing>::registered(), Noop::<Twin>::registered()]
    }
}

type Properties = Field<BTreeMap<String, String>>;

model! {
    /// `noop_thing`: its state is the config plus `id = "noop-<name>"`.
    #[derive(Clone)]
    struct Thing {
        name: String,
        id: Field<String>,
    }
}

model! {
    /// What `noop_twin` sets of the real resource's state: a change fills the computed
    /// attributes with fixed values.
    #[derive(Clone)]
    struct Twin {
        provisioned_product_id: String,
        properties: Properties,
        id: Field<String>,
        record_id: Field<String>,
        record_status: Field<String>,
        original_properties: Properties,
    }
}

/// A model of a no-op resource: its type, schema, and what a create or update leaves.
trait NoopModel: Model + Clone + Sync {
    const TYPE_NAME: &'static str;
    fn schema() -> Schema;
    fn identity_schema() -> Option<IdentitySchema>;
    fn changed(self) -> Self;
}

impl NoopModel for Thing {
    const TYPE_NAME: &'static str = "noop_thing";

    fn schema() -> Schema {
        Schema::new()
            .description("Stores its name; nothing else.")
            .attribute(Attribute::required("name", Type::String))
            .attribute(Attribute::optional("properties", Type::map(Type::String)))
            .attribute(Attribute::computed("id", Type::String).use_state_for_unknown())
    }

    fn identity_schema() -> Option<IdentitySchema> {
        None
    }

    fn changed(self) -> Self {
        let id = Field::Known(format!("noop-{}", self.name));
        Thing { id, ..self }
    }
}

impl NoopModel for Twin {
    const TYPE_NAME: &'static str = "noop_twin";

    fn schema() -> Schema {
        Resource::<ServiceCatalog>::schema(&ProvisionedProductProperties)
    }

    fn identity_schema() -> Option<IdentitySchema> {
        Resource::<ServiceCatalog>::identity_schema(&ProvisionedProductProperties)
    }

    fn changed(self) -> Self {
        let original_properties = match self.original_properties {
            Field::Unknown => self.properties.clone(),
            known => known,
        };
        Twin {
            id: Field::Known(self.provisioned_product_id.clone()),
            record_id: Field::Known("rec-noop".into()),
            record_status: Field::Known("SUCCEEDED".into()),
            original_properties,
            ..self
        }
    }
}

/// A resource that makes no API call; read leaves the state as it is.
struct Noop<M>(PhantomData<fn() -> M>);

impl<M: NoopModel> Noop<M> {
    fn registered() -> ResourceType<()> {
        ResourceType::new(Noop::<M>(PhantomData))
    }
}

#[async_trait]
impl<M: NoopModel> Resource<()> for Noop<M> {
    type Model = M;
    type Plan = ();

    fn type_name(&self) -> &str {
        M::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        M::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        M::identity_schema()
    }

    async fn create(
        &self,
        _: &mut Context<()>,
        planned: M,
        resp: &mut ModelResponse<M>,
    ) -> HookResult {
        resp.state = Some(planned.changed());
        Ok(())
    }

    async fn read(&self, _: &mut Context<()>, _: M, _: &mut ModelResponse<M>) -> HookResult {
        Ok(())
    }

    async fn update(
        &self,
        _: &mut Context<()>,
        _: M,
        planned: M,
        resp: &mut ModelResponse<M>,
    ) -> HookResult {
        resp.state = Some(planned.changed());
        Ok(())
    }

    async fn delete(&self, _: &mut Context<()>, _: M, _: &mut ModelResponse<M>) -> HookResult {
        Ok(())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    host::run(false, |_| tfplugin::provider_routes(NoopProvider)).await
}
