//! List resources: what `terraform query` (Terraform >= 1.14, protocol 6.10+) lists through a
//! provider, and what `-generate-config-out` turns into `import` blocks and configuration.
//!
//! A list resource has the type name of a managed resource that declares an identity
//! (Terraform requires both; the server reports a list resource without one as a schema
//! problem). Its schema is that of the list block's `config` block; the server validates it the
//! way it validates resource configuration (declared validators, read-only attributes,
//! deprecations, errors on attribute paths) in `ValidateListResourceConfig` and again before
//! listing. Listing streams one event per object found:
//!
//! - the object's identity (with the resource's identity schema), given, or derived by the
//!   layer from the object (`Resource::identity_from_state`), as for every other RPC;
//! - a display name for people;
//! - the object itself (with the resource's schema), sent only when the list block says
//!   `include_resource = true` ([`ListSink::include_resource_object`]; the hook may skip
//!   fetching it otherwise);
//! - diagnostics: [`ListSink::diagnostic`] sends a warning or error as an event of its own, and
//!   an error returned by the hook (or a panic) becomes the last event. Terraform stops reading
//!   at the first error, so the sink closes after one.
//!
//! The sink enforces `limit`: once it has sent that many objects it refuses more, and
//! [`ListSink::send`] says so (as it does when the caller has gone, Terraform has stopped
//! reading, or StopProvider cancelled the call), so a hook pages until `send` returns false and
//! never fetches a page nobody reads. Terraform always sends a positive limit (the list block's
//! `limit`, default 100); a limit of 0, which protobuf cannot tell from "not sent", means none.
//!
//! A typed list resource reads its config into a model and sends the managed resource's model:
//!
//! ```no_run
//! use servicecatalog_provider::model;
//! use servicecatalog_provider::tfplugin::{
//!     async_trait, Attribute, Context, HookResult, ListEmitter, ListItem, Schema, Type,
//!     TypedListResource,
//! };
//!
//! struct Client;
//! impl Client {
//!     async fn page(&self, _filter: &Option<String>, _token: Option<String>)
//!         -> (Vec<(String, String)>, Option<String>) { (Vec::new(), None) }
//! }
//!
//! model! {
//!     /// The `config` block of `list "example_owner" "..." {}`.
//!     struct Filters { name: Option<String> }
//! }
//! model! {
//!     /// The managed resource's state (its `TypedResource::Model`).
//!     struct OwnerModel { product_id: String, owner: String }
//! }
//!
//! struct OwnerList;
//!
//! #[async_trait]
//! impl TypedListResource<Client> for OwnerList {
//!     type Config = Filters;
//!     type Model = OwnerModel;
//!
//!     fn type_name(&self) -> &str { "example_owner" }
//!
//!     fn schema(&self) -> Schema {
//!         Schema::new().attribute(Attribute::optional("name", Type::String))
//!     }
//!
//!     async fn list(&self, ctx: &mut Context<Client>, config: Filters,
//!                   out: &mut ListEmitter<'_, OwnerModel>) -> HookResult {
//!         let client = ctx.provider_data()?;
//!         let mut token = None;
//!         loop {
//!             let (products, next) = client.page(&config.name, token).await;
//!             for (product_id, owner) in products {
//!                 let name = format!("{product_id} (owner {owner})");
//!                 // Identity comes from the object (the resource's identity attributes).
//!                 if !out.send(ListItem::new(name, OwnerModel { product_id, owner })).await {
//!                     return Ok(()); // limit reached, or nobody is reading any more
//!                 }
//!             }
//!             match next { Some(t) => token = Some(t), None => return Ok(()) }
//!         }
//!     }
//! }
//! ```
//!
//! Register it with `Provider::list_resources`.

use std::marker::PhantomData;

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::model::{Field, Model};
use super::provider::{Context, HookResult};
use super::schema::Schema;
use super::typed::read_model;
use super::value::Value;

/// Input of [`ListResource::list`].
#[derive(Clone, Debug)]
pub struct ListRequest {
    /// The list block's `config` (valid and known).
    pub config: Value,
    /// Whether each event should carry the object (the list block's `include_resource`).
    pub include_resource_object: bool,
    /// The most objects the caller reads (the list block's `limit`); `None` for no limit.
    pub limit: Option<u64>,
}

/// Input of [`ListResource::validate`]: the list block's `config` (may hold unknowns), and its
/// `include_resource` and `limit` when Terraform sends them (null when it does not).
#[derive(Clone, Debug)]
pub struct ListValidateRequest {
    pub config: Value,
    pub include_resource_object: Field<bool>,
    pub limit: Field<i64>,
}

/// One object found: a display name, its identity and/or the object. `O` is a [`Value`] for
/// [`ListResource`] and the resource's model for [`TypedListResource`].
#[derive(Clone, Debug)]
pub struct ListItem<O = Value> {
    pub display_name: String,
    /// `None`: derived from `object` (the resource's identity attributes).
    pub identity: Option<Value>,
    pub object: Option<O>,
}

impl<O> ListItem<O> {
    /// An object; its identity is derived from it.
    pub fn new(display_name: impl Into<String>, object: O) -> Self {
        Self {
            display_name: display_name.into(),
            identity: None,
            object: Some(object),
        }
    }

    /// An identity without the object (enough when the object was not asked for).
    pub fn identity_only(display_name: impl Into<String>, identity: Value) -> Self {
        Self {
            display_name: display_name.into(),
            identity: Some(identity),
            object: None,
        }
    }

    /// The same item with an explicit identity.
    pub fn with_identity(mut self, identity: Value) -> Self {
        self.identity = Some(identity);
        self
    }
}

/// What a list call sends towards the caller, before encoding.
#[derive(Debug)]
pub(crate) enum Listed {
    Item(ListItem),
    Diagnostics(Diagnostics),
}

/// Where [`ListResource::list`] sends what it finds. See the module docs for its rules.
pub struct ListSink {
    tx: mpsc::Sender<Listed>,
    include_object: bool,
    remaining: Option<u64>,
    cancel: CancellationToken,
    closed: bool,
    /// The managed resource's null object, the base typed objects are written onto.
    base: Value,
}

impl ListSink {
    pub(crate) fn new(
        tx: mpsc::Sender<Listed>,
        req: &ListRequest,
        cancel: CancellationToken,
        base: Value,
    ) -> Self {
        Self {
            tx,
            include_object: req.include_resource_object,
            remaining: req.limit,
            cancel,
            closed: false,
            base,
        }
    }

    /// Whether the caller wants each object (not just its identity).
    pub fn include_resource_object(&self) -> bool {
        self.include_object
    }

    /// How many more objects the caller reads (`None`: no limit).
    pub fn remaining(&self) -> Option<u64> {
        self.remaining
    }

    /// True once nothing more is wanted: the limit is reached, the caller has gone or stopped
    /// reading, or the call was cancelled.
    pub fn is_done(&self) -> bool {
        self.closed || self.remaining == Some(0) || self.cancel.is_cancelled()
    }

    /// Sends one object. Returns whether to go on: false once the limit is reached (this item
    /// was the last one sent) or when the item could not be sent because nothing more is wanted.
    pub async fn send(&mut self, item: ListItem) -> bool {
        if self.is_done() || !self.put(Listed::Item(item)).await {
            return false;
        }
        if let Some(r) = &mut self.remaining {
            *r -= 1;
        }
        !self.is_done()
    }

    /// Sends diagnostics as an event of their own. Returns whether to go on: false after an
    /// error (the caller stops reading at the first one) or when nothing more is wanted.
    pub async fn diagnostic(&mut self, diags: impl Into<Diagnostics>) -> bool {
        let diags = diags.into();
        let error = diags.has_errors();
        if self.closed || !self.put(Listed::Diagnostics(diags)).await {
            return false;
        }
        if error {
            self.closed = true;
        }
        !self.is_done()
    }

    /// A typed view of this sink, for objects of model `M`.
    pub fn typed<M: Model>(&mut self) -> ListEmitter<'_, M> {
        ListEmitter {
            sink: self,
            _model: PhantomData,
        }
    }

    async fn put(&mut self, listed: Listed) -> bool {
        let sent = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => false,
            sent = self.tx.send(listed) => sent.is_ok(),
        };
        self.closed |= !sent;
        sent
    }
}

/// [`ListSink`] for a typed list resource: objects are the managed resource's model `M`.
pub struct ListEmitter<'a, M> {
    sink: &'a mut ListSink,
    _model: PhantomData<fn(M)>,
}

impl<M: Model> ListEmitter<'_, M> {
    /// See [`ListSink::include_resource_object`].
    pub fn include_resource_object(&self) -> bool {
        self.sink.include_resource_object()
    }

    /// See [`ListSink::remaining`].
    pub fn remaining(&self) -> Option<u64> {
        self.sink.remaining()
    }

    /// See [`ListSink::is_done`].
    pub fn is_done(&self) -> bool {
        self.sink.is_done()
    }

    /// Sends one object; see [`ListSink::send`].
    pub async fn send(&mut self, item: ListItem<M>) -> bool {
        let ListItem {
            display_name,
            identity,
            object,
        } = item;
        let object = object.map(|m| {
            let mut v = self.sink.base.clone();
            m.write_object(&mut v);
            v
        });
        let item = ListItem {
            display_name,
            identity,
            object,
        };
        self.sink.send(item).await
    }

    /// Sends diagnostics as an event; see [`ListSink::diagnostic`].
    pub async fn diagnostic(&mut self, diags: impl Into<Diagnostics>) -> bool {
        self.sink.diagnostic(diags).await
    }
}

/// A list resource over [`Value`]s; usually written as a [`TypedListResource`].
#[async_trait]
pub trait ListResource<D>: Send + Sync + 'static {
    /// The managed resource type it lists (same name).
    fn type_name(&self) -> &str;

    /// Schema of the list block's `config` block.
    fn schema(&self) -> Schema;

    /// Extra checks on the list block (declared validators already ran).
    async fn validate(&self, _ctx: &Context<D>, _req: &ListValidateRequest) -> HookResult {
        Ok(())
    }

    /// Sends every object the config selects into `out`, stopping when `send` says so. An
    /// error returned here is sent as the last event.
    async fn list(&self, ctx: &mut Context<D>, req: ListRequest, out: &mut ListSink) -> HookResult;
}

/// A list resource over typed models: the config is read into `Config`, and objects are sent
/// as the managed resource's `Model`.
#[async_trait]
pub trait TypedListResource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The list block's `config`.
    type Config: Model + Sync;
    /// The managed resource's state (the same model its `TypedResource` uses).
    type Model: Model;

    fn type_name(&self) -> &str;

    fn schema(&self) -> Schema;

    /// Sends every object `config` selects; see [`ListResource::list`].
    async fn list(
        &self,
        ctx: &mut Context<D>,
        config: Self::Config,
        out: &mut ListEmitter<'_, Self::Model>,
    ) -> HookResult;
}

#[async_trait]
impl<D, L> ListResource<D> for L
where
    D: Send + Sync + 'static,
    L: TypedListResource<D>,
{
    fn type_name(&self) -> &str {
        TypedListResource::type_name(self)
    }

    fn schema(&self) -> Schema {
        TypedListResource::schema(self)
    }

    async fn list(&self, ctx: &mut Context<D>, req: ListRequest, out: &mut ListSink) -> HookResult {
        let config = read_model(&req.config, "list configuration")?;
        let mut typed = out.typed::<L::Model>();
        TypedListResource::list(self, ctx, config, &mut typed).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::diag::Diagnostic;

    fn sink(limit: Option<u64>, buffer: usize) -> (ListSink, mpsc::Receiver<Listed>) {
        let (tx, rx) = mpsc::channel(buffer);
        let req = ListRequest {
            config: Value::Null,
            include_resource_object: true,
            limit,
        };
        let base = Value::object([("id", Value::Null), ("name", Value::Null)]);
        (ListSink::new(tx, &req, CancellationToken::new(), base), rx)
    }

    fn item(n: i64) -> ListItem {
        ListItem::identity_only(
            format!("thing {n}"),
            Value::object([("id", Value::number(n))]),
        )
    }

    #[tokio::test]
    async fn the_limit_stops_the_sink_at_the_last_item() {
        let (mut out, mut rx) = sink(Some(2), 8);
        assert!(out.send(item(1)).await, "one more wanted");
        assert!(!out.send(item(2)).await, "the second was the last wanted");
        assert!(!out.send(item(3)).await, "nothing beyond the limit is sent");
        drop(out);
        let mut names = Vec::new();
        while let Some(Listed::Item(i)) = rx.recv().await {
            names.push(i.display_name);
        }
        assert_eq!(names, ["thing 1", "thing 2"]);
    }

    #[tokio::test]
    async fn a_gone_caller_or_a_cancelled_call_ends_the_sink() {
        let (mut out, rx) = sink(None, 1);
        drop(rx);
        assert!(!out.send(item(1)).await);
        assert!(out.is_done());

        let (mut out, _rx) = sink(None, 1);
        assert!(out.send(item(1)).await);
        out.cancel.cancel();
        // The buffer is full and the call is cancelled: send gives up instead of waiting.
        assert!(!out.send(item(2)).await);
    }

    #[tokio::test]
    async fn an_error_event_closes_the_sink_but_a_warning_does_not() {
        let (mut out, mut rx) = sink(None, 8);
        assert!(
            out.diagnostic(Diagnostic::warning("Slow", "Paging is slow."))
                .await
        );
        assert!(
            !out.diagnostic(Diagnostic::error("Denied", "No access."))
                .await
        );
        assert!(!out.send(item(1)).await);
        drop(out);
        let mut kinds = Vec::new();
        while let Some(l) = rx.recv().await {
            kinds.push(match l {
                Listed::Item(_) => "item",
                Listed::Diagnostics(d) if d.has_errors() => "error",
                Listed::Diagnostics(_) => "warning",
            });
        }
        assert_eq!(kinds, ["warning", "error"]);
    }

    crate::model! {
        struct Thing { id: i64, name: String }
    }

    #[tokio::test]
    async fn typed_objects_are_written_onto_the_resource_object() {
        let (mut out, mut rx) = sink(None, 8);
        let thing = Thing {
            id: 7,
            name: "seven".into(),
        };
        assert!(
            out.typed::<Thing>()
                .send(ListItem::new("seven", thing))
                .await
        );
        drop(out);
        let Some(Listed::Item(i)) = rx.recv().await else {
            panic!("an item was sent");
        };
        assert_eq!(i.identity, None, "derived later, from the object");
        assert_eq!(
            i.object,
            Some(Value::object([
                ("id", Value::number(7)),
                ("name", Value::string("seven"))
            ]))
        );
    }
}
