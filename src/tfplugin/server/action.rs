//! Actions: the InvokeAction stream (ValidateActionConfig and PlanAction, the same checks with
//! the values known by then, are `validate_rpcs!` in the server module). The invoke hook runs in its own task; its progress messages
//! are events as they come, then one completed event carries its diagnostics. Dropping the
//! stream (the caller went away) cancels the hook's context.

use futures::stream::{self, BoxStream, StreamExt};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::super::action::Progress;
use super::super::authoring::Provider;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::erased::DynAction;
use super::super::plan;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::proto::invoke_action::event::{Completed, Type};
use super::adapter::StreamRpc;
use super::{guarded, Config, Server};

/// Progress messages the hook may send before the stream has passed them on (it then waits).
const PROGRESS_BUFFER: usize = 16;

impl<P: Provider> StreamRpc<P> for proto::invoke_action::Request {
    const NAME: &'static str = "InvokeAction";
    type Request = Config<dyn DynAction<P::Data>>;
    type Event = proto::invoke_action::Event;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let (entry, client) = (server.action(&self.action_type)?, &self.client_capabilities);
        Config::decode(entry, self.config.as_ref(), client.as_ref())
    }

    fn call(req: Self::Request, server: &Server<P>) -> BoxStream<'static, Self::Event> {
        let Config {
            entry,
            config,
            client,
        } = req;
        // Deprecation warnings were given at validate time.
        let mut checked = plan::validate(&entry.schema, &config).errors_only();
        if !config.is_wholly_known() {
            checked.error(
                "Invalid action configuration",
                format!(
                    "The configuration of {} is not known yet; Terraform can only invoke an \
                     action with a known configuration.",
                    entry.name
                ),
            );
        }
        if checked.has_errors() {
            return stream::once(async move { completed(checked) }).boxed();
        }
        let config = plan::with_defaults(&entry.schema.block, &config);
        let mut ctx = server
            .context(PrivateState::new())
            .with_client_capabilities(client);
        let cancel = ctx.cancellation_token().clone();
        let (tx, rx) = mpsc::channel(PROGRESS_BUFFER);
        let hooks = entry.hooks.clone();
        let done = tokio::spawn(
            async move {
                let progress = Progress::new(tx);
                let ran = guarded(<Self as StreamRpc<P>>::NAME, async move {
                    hooks.invoke(&mut ctx, &config, &progress).await
                })
                .await;
                match ran {
                    Ok(result) => result.err().unwrap_or_default(),
                    Err(panicked) => panicked.into(),
                }
            }
            .in_current_span(),
        );
        // Every progress message, then the completed event; dropping the stream drops the
        // guard, which cancels the hook.
        let progress = stream::unfold(rx, |mut rx| async move {
            let message = rx.recv().await?;
            let event = proto::invoke_action::Event {
                r#type: Some(Type::Progress(proto::invoke_action::event::Progress {
                    message,
                })),
            };
            Some((event, rx))
        });
        let guard = cancel.drop_guard();
        let end = stream::once(async move {
            let diagnostics = done.await.unwrap_or_else(|_| {
                Diagnostic::error(
                    "Provider internal error",
                    "The provider was interrupted while handling InvokeAction. This is a bug \
                     in the provider; please report it with the steps that led here.",
                )
                .into()
            });
            drop(guard);
            completed(diagnostics)
        });
        progress.chain(end).boxed()
    }
}

fn completed(diagnostics: Diagnostics) -> proto::invoke_action::Event {
    proto::invoke_action::Event {
        r#type: Some(Type::Completed(Completed {
            diagnostics: diagnostics.into_proto(),
        })),
    }
}
