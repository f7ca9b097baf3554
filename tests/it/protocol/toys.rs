//! What the toy providers of the protocol tests share: a provider with no configuration that
//! offers the resources and list resources it is built with.

use async_trait::async_trait;
use servicecatalog_provider::tfplugin::{
    ConfigureRequest, Context, Diagnostics, ListResource, ListResourceType, Provider, Resource,
    ResourceType, Schema,
};

/// A provider with an empty schema whose `configure` always succeeds.
#[derive(Default)]
pub struct Toys {
    resources: Vec<ResourceType<()>>,
    list_resources: Vec<ListResourceType<()>>,
}

impl Toys {
    pub fn resource(mut self, resource: impl Resource<()>) -> Self {
        self.resources.push(ResourceType::new(resource));
        self
    }

    pub fn list_resource(mut self, list: impl ListResource<()>) -> Self {
        self.list_resources.push(ListResourceType::new(list));
        self
    }
}

#[async_trait]
impl Provider for Toys {
    type Data = ();
    type Config = ();

    fn schema(&self) -> Schema {
        Schema::new()
    }

    async fn configure(
        &self,
        _ctx: &Context<()>,
        _req: ConfigureRequest<()>,
        _diags: &mut Diagnostics,
    ) -> Option<()> {
        Some(())
    }

    fn resources(&self) -> Vec<ResourceType<()>> {
        self.resources.clone()
    }

    fn list_resources(&self) -> Vec<ListResourceType<()>> {
        self.list_resources.clone()
    }
}
