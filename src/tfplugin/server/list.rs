//! List resources: ValidateListResourceConfig, and the ListResource stream. The hook runs in
//! its own task, sending into a small channel that the answer stream drains and encodes (each
//! item's identity checked complete). Dropping the stream (the caller stopped reading)
//! cancels the hook's context.

use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::super::authoring::Provider;
use super::super::context::ClientCapabilities;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::erased::DynListResource;
use super::super::list::{ListItem, ListSink, Listed};
use super::super::model::{Field, FromValue};
use super::super::path::AttributePath;
use super::super::plan;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::value::{Type, Value};
use super::adapter::{Cx, Rpc, StreamRpc};
use super::{codec, guarded, validate_type, Config, ListEntry, ResourceEntry, Server};

/// Objects the hook may find before the stream has sent them on (it then waits).
const LIST_BUFFER: usize = 32;

/// ValidateListResourceConfig, decoded: the config, and the limit to check after it.
pub(crate) struct ValidateList<D> {
    config: Config<dyn DynListResource<D>>,
    limit: Field<i64>,
}

/// A list block argument Terraform sends beside the config (`include_resource`, `limit`).
fn argument<T: FromValue>(
    dv: Option<&proto::DynamicValue>,
    ty: &Type,
    name: &str,
) -> Result<Field<T>, Diagnostic> {
    let what = format!("list block's {name}");
    let v = codec::decode(dv, ty, &what)?;
    Field::from_value(&v, &AttributePath::attr(name)).map_err(|e| {
        Diagnostic::error(
            format!("Invalid {name}"),
            format!("The list block's {name} is not valid: {}.", e.message),
        )
    })
}

fn negative_limit(limit: i64) -> Diagnostic {
    Diagnostic::error(
        "Invalid limit",
        format!("The list block's limit must be zero or more, but it is {limit}."),
    )
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::validate_list_resource_config::Request {
    const NAME: &'static str = "ValidateListResourceConfig";
    type Request = ValidateList<P::Data>;
    type Response = ();
    type Answer = proto::validate_list_resource_config::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.list_resource(&self.type_name)?;
        let config = codec::decode(self.config.as_ref(), &entry.list.ty, "list configuration")?;
        let include = self.include_resource_object.as_ref();
        argument::<bool>(include, &Type::Bool, "include_resource")?;
        let limit = argument(self.limit.as_ref(), &Type::Number, "limit")?;
        let config = Config {
            entry: entry.list.clone(),
            config,
            client: ClientCapabilities::default(),
        };
        Ok(ValidateList { config, limit })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<(), Diagnostic> {
        let (server, diags) = (cx.server, &mut *cx.diags);
        validate_type(<Self as Rpc<P>>::NAME, req.config, Cx { server, diags }).await?;
        if let Field::Known(limit) = req.limit {
            if limit < 0 {
                cx.diags.push(negative_limit(limit));
            }
        }
        Ok(())
    }
}

/// ListResource, decoded: the list resource, the managed resource it lists, the request.
pub(crate) struct List<D> {
    entry: Arc<ListEntry<D>>,
    resource: Arc<ResourceEntry<D>>,
    config: Value,
    include: bool,
    limit: Option<u64>,
}

impl<P: Provider> StreamRpc<P> for proto::list_resource::Request {
    const NAME: &'static str = "ListResource";
    type Request = List<P::Data>;
    type Event = proto::list_resource::Event;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.list_resource(&self.type_name)?;
        let resource = match &entry.resource {
            Some(r) if r.identity.is_some() => r.clone(),
            _ => {
                return Err(Diagnostic::error(
                    "Cannot list resources",
                    format!(
                        "{} has no managed resource type with an identity to list objects of. \
                         This is a bug in the provider.",
                        self.type_name
                    ),
                ))
            }
        };
        let config = codec::decode(self.config.as_ref(), &entry.list.ty, "list configuration")?;
        if self.limit < 0 {
            return Err(negative_limit(self.limit));
        }
        Ok(List {
            entry,
            resource,
            config,
            include: self.include_resource_object,
            limit: u64::try_from(self.limit).ok().filter(|l| *l > 0),
        })
    }

    fn call(req: Self::Request, server: &Server<P>) -> BoxStream<'static, Self::Event> {
        let List {
            entry,
            resource,
            config,
            include,
            limit,
        } = req;
        // Deprecation warnings were given at validate time.
        let mut checked = plan::validate(&entry.list.schema, &config).errors_only();
        if !config.is_wholly_known() {
            checked.error(
                "Invalid list configuration",
                "The list block's config is not known yet; Terraform can only list with a \
                 known configuration.",
            );
        }
        if checked.has_errors() {
            let event = proto::list_resource::Event {
                diagnostic: checked.into_proto(),
                ..Default::default()
            };
            return stream::once(async move { event }).boxed();
        }
        let mut ctx = server.context(PrivateState::new());
        let cancel = ctx.cancellation_token().clone();
        let (tx, rx) = mpsc::channel(LIST_BUFFER);
        let base = resource.schema.null_object();
        let mut sink = ListSink::new(tx.clone(), include, limit, cancel.clone(), base);
        let hooks = entry.list.hooks.clone();
        tokio::spawn(
            async move {
                let ran = guarded(<Self as StreamRpc<P>>::NAME, async move {
                    let r = hooks.list(&mut ctx, &config, &mut sink).await;
                    (r, sink)
                })
                .await;
                match ran {
                    Ok((Ok(()), _)) => {}
                    Ok((Err(failure), mut sink)) => {
                        sink.diagnostic(failure).await;
                    }
                    // The sink went down with the hook; say why on a sender of our own.
                    Err(panicked) => {
                        let _ = tx.send(Listed::Diagnostics(panicked.into())).await;
                    }
                }
            }
            .in_current_span(),
        );
        // Each event as the hook sends it, until one carries an error; dropping the stream
        // (the caller stopped reading) drops the guard, which cancels the hook.
        let state = (rx, cancel.drop_guard(), false);
        stream::unfold(state, move |(mut rx, guard, ended)| {
            let resource = resource.clone();
            async move {
                if ended {
                    return None;
                }
                let event = match rx.recv().await? {
                    Listed::Item(item) => encode_item(&resource, include, item),
                    Listed::Diagnostics(diags) => proto::list_resource::Event {
                        diagnostic: diags.into_proto(),
                        ..Default::default()
                    },
                };
                let error = proto::diagnostic::Severity::Error as i32;
                let ended = event.diagnostic.iter().any(|d| d.severity == error);
                Some((event, (rx, guard, ended)))
            }
        })
        .boxed()
    }
}

/// One object as a wire event: its identity (given or derived, and complete), display name,
/// and the object when the caller asked for it. A problem is an error on the event.
fn encode_item<D: 'static>(
    resource: &ResourceEntry<D>,
    include: bool,
    item: ListItem<Value>,
) -> proto::list_resource::Event {
    let ListItem {
        display_name,
        identity,
        object,
    } = item;
    let mut diags = Diagnostics::new();
    let bug = |what: String| {
        Diagnostic::error(
            "Provider listed an invalid object",
            format!(
                "{}: the object listed as {display_name:?} {what}. This is a bug in the provider.",
                resource.name
            ),
        )
    };
    let object = object.filter(|o| !o.is_null());
    if object.as_ref().is_some_and(|o| !o.is_wholly_known()) {
        diags.push(bug("has values that are not known".to_string()));
    }
    let mut identity_data = None;
    if let Some(ident) = &resource.identity {
        let derived = object.as_ref().map(|o| ident.schema.from_state(o));
        match identity.or(derived) {
            None => diags.push(bug("has neither an identity nor the object".to_string())),
            Some(id) => {
                let missing = ident.schema.missing_required(&id);
                if !missing.is_empty() {
                    diags.push(bug(format!(
                        "has no {} in its identity",
                        missing.join(", ")
                    )));
                } else if !id.is_wholly_known() {
                    diags.push(bug("has an identity that is not known".to_string()));
                } else {
                    identity_data = codec::identity_data(resource, Some(id), &mut diags);
                }
            }
        }
    }
    let resource_object = match object {
        Some(o) if include && !diags.has_errors() => codec::encode(&o, &resource.ty)
            .map_err(|d| diags.push(d))
            .ok(),
        _ => None,
    };
    proto::list_resource::Event {
        identity: identity_data,
        display_name,
        resource_object,
        diagnostic: diags.into_proto(),
    }
}
