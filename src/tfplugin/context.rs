//! What every hook sees beside its values: the configured provider data, cancellation, the
//! caller's capabilities and the resource's private state.

use std::fmt;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::diag::{Diagnostic, Diagnostics};
use super::private::PrivateState;

/// What the caller said it supports (all false when the request carries none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    /// A deferred answer is understood (6.6+).
    pub deferral_allowed: bool,
    /// Write-only attributes are understood (6.8+).
    pub write_only_attributes_allowed: bool,
    /// A second plan of a change gets the first plan's private state ([`Context::previous_plan`];
    /// 6.11+, Terraform >= 1.16).
    pub store_planned_private: bool,
    /// Computed blocks are understood (6.11+).
    pub computed_blocks_allowed: bool,
}

/// Per-call context. `private` is the resource's private state: what is left in it at the end
/// goes back to Terraform.
pub struct Context<D> {
    data: Option<Arc<D>>,
    cancel: CancellationToken,
    client: ClientCapabilities,
    previous_plan: Option<PrivateState>,
    pub private: PrivateState,
}

impl<D> Context<D> {
    /// A context for tests or for calling hooks directly.
    pub fn new(data: Option<Arc<D>>, cancel: CancellationToken, private: PrivateState) -> Self {
        Self {
            data,
            cancel,
            client: ClientCapabilities::default(),
            previous_plan: None,
            private,
        }
    }

    pub fn with_client_capabilities(mut self, client: ClientCapabilities) -> Self {
        self.client = client;
        self
    }

    /// This context with the private state of an earlier plan of the same change.
    pub fn with_previous_plan(mut self, planned_private: PrivateState) -> Self {
        self.previous_plan = Some(planned_private);
        self
    }

    pub fn client_capabilities(&self) -> &ClientCapabilities {
        &self.client
    }

    /// `modify_plan` only: when Terraform plans a change again at apply time, the private state
    /// its first plan left, so what that plan chose (a token) can be chosen again. `None` on a
    /// first plan, and always from Terraform before 1.16.
    pub fn previous_plan(&self) -> Option<&PrivateState> {
        self.previous_plan.as_ref()
    }

    /// What `Provider::configure` produced (e.g. the API client).
    pub fn provider_data(&self) -> Result<&D, NotConfigured> {
        self.data.as_deref().ok_or(NotConfigured)
    }

    /// Cancelled when Terraform sends StopProvider (e.g. on Ctrl-C).
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.cancel
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves once the operation is cancelled; `select!` it against slow work.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await
    }
}

impl<D> fmt::Debug for Context<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("configured", &self.data.is_some())
            .field("cancelled", &self.cancel.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// Provider data was needed before Terraform called ConfigureProvider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the provider has not been configured yet")]
pub struct NotConfigured;

impl From<NotConfigured> for Diagnostic {
    fn from(_: NotConfigured) -> Self {
        Diagnostic::error(
            "Provider not configured",
            "This operation needs the configured provider (its API client), but Terraform has \
             not called ConfigureProvider yet, or configuration failed. Check the provider \
             block for errors reported earlier.",
        )
    }
}

impl From<NotConfigured> for Diagnostics {
    fn from(e: NotConfigured) -> Self {
        Diagnostic::from(e).into()
    }
}

/// What a hook returns: `Err` diagnostics are added to the answer (a state set so far is still
/// sent).
pub type HookResult = Result<(), Diagnostics>;
