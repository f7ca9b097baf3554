//! What the toy providers of the protocol tests share: a provider with no configuration that
//! offers the resources and list resources it is built with.

use std::sync::Arc;

use async_trait::async_trait;
use servicecatalog_provider::tfplugin::{
    ConfigureRequest, Context, Diagnostics, ListResource, Provider, Resource, Schema,
};

/// A provider with an empty schema whose `configure` always succeeds.
#[derive(Default)]
pub struct Toys {
    resources: Vec<Arc<dyn Resource<()>>>,
    list_resources: Vec<Arc<dyn ListResource<()>>>,
}

impl Toys {
    pub fn resource(mut self, resource: impl Resource<()>) -> Self {
        self.resources.push(Arc::new(resource));
        self
    }

    pub fn list_resource(mut self, list: impl ListResource<()>) -> Self {
        self.list_resources.push(Arc::new(list));
        self
    }
}

#[async_trait]
impl Provider for Toys {
    type Data = ();

    fn schema(&self) -> Schema {
        Schema::new()
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
        self.resources.clone()
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource<()>>> {
        self.list_resources.clone()
    }
}
