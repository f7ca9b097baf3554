//! Actions (`terraform apply -invoke=action.TYPE.NAME`, protocol 6.10+, Terraform >= 1.14): a
//! day-two operation that changes no Terraform state. Its config is validated like any other
//! (ValidateActionConfig, and again at PlanAction once more values are known); InvokeAction runs
//! the hook, which reports progress as it goes, and its diagnostics end the call.

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::context::{Context, HookResult};
use super::model::Model;
use super::schema::Schema;

/// An action over a typed config. Register it with `Provider::actions`.
#[async_trait]
pub trait Action<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The action block's `config`.
    type Config: Model + Sync;

    /// Full type name, e.g. `servicecatalog_update_provisioned_product_properties`.
    fn type_name(&self) -> &str;

    /// Schema of the action block's `config` block.
    fn schema(&self) -> Schema;

    /// Extra checks on the config, after the schema's; see `Resource::validate`.
    async fn validate(&self, _ctx: &Context<D>, _config: Self::Config) -> HookResult {
        Ok(())
    }

    /// Does the work for a known, valid config. Stop soon after `ctx` is cancelled (Ctrl-C),
    /// and say in the diagnostics what was and was not done.
    async fn invoke(
        &self,
        ctx: &mut Context<D>,
        config: Self::Config,
        progress: &Progress,
    ) -> HookResult;
}

/// Where an invoke's progress messages go; Terraform shows each as it arrives.
#[derive(Clone, Debug)]
pub struct Progress {
    tx: mpsc::Sender<String>,
}

impl Progress {
    pub(crate) fn new(tx: mpsc::Sender<String>) -> Self {
        Self { tx }
    }

    /// Sends one message; waits while the caller is behind, and does nothing once it is gone.
    pub async fn report(&self, message: impl Into<String>) {
        let _ = self.tx.send(message.into()).await;
    }
}
