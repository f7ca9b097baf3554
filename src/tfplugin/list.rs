//! List resources (`terraform query`, protocol 6.10+): a list resource has the type name of a
//! managed resource with an identity, and a schema for the list block's `config`. Its hook
//! sends one item per object found; the emitter enforces the caller's `limit` and says when to
//! stop (limit reached, caller gone, call cancelled), so a hook pages until `send` returns
//! false. An error (sent, returned, or a panic) is the last event.

use std::marker::PhantomData;

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::context::{Context, HookResult};
use super::diag::Diagnostics;
use super::model::Model;
use super::schema::Schema;
use super::value::Value;

/// A list resource over typed models: the config is read into `Config`, and objects are sent
/// as the managed resource's `Model`. Register it with `Provider::list_resources`.
#[async_trait]
pub trait ListResource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The list block's `config`.
    type Config: Model + Sync;
    /// The managed resource's state (the model its `Resource` uses).
    type Model: Model;

    /// The managed resource type it lists (same name).
    fn type_name(&self) -> &str;

    /// Schema of the list block's `config` block.
    fn schema(&self) -> Schema;

    /// Extra checks on the config, after the schema's; see `Resource::validate`.
    async fn validate(&self, _ctx: &Context<D>, _config: Self::Config) -> HookResult {
        Ok(())
    }

    /// Sends every object `config` selects, until `send` says to stop.
    async fn list(
        &self,
        ctx: &mut Context<D>,
        config: Self::Config,
        out: &mut ListEmitter<'_, Self::Model>,
    ) -> HookResult;
}

/// One object found: a display name, and its identity and/or the object.
#[derive(Clone, Debug)]
pub struct ListItem<O> {
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
}

/// What a list call sends towards the caller, before encoding.
#[derive(Debug)]
pub(crate) enum Listed {
    Item(ListItem<Value>),
    Diagnostics(Diagnostics),
}

/// Where a list call sends what it finds, as values.
pub(crate) struct ListSink {
    tx: mpsc::Sender<Listed>,
    include_object: bool,
    remaining: Option<u64>,
    cancel: CancellationToken,
    closed: bool,
    /// The managed resource's null object, the base objects are written onto.
    base: Value,
}

impl ListSink {
    /// `limit`: the most objects sent (`None`: no limit).
    pub(crate) fn new(
        tx: mpsc::Sender<Listed>,
        include_object: bool,
        limit: Option<u64>,
        cancel: CancellationToken,
        base: Value,
    ) -> Self {
        Self {
            tx,
            include_object,
            remaining: limit,
            cancel,
            closed: false,
            base,
        }
    }

    fn is_done(&self) -> bool {
        self.closed || self.remaining == Some(0) || self.cancel.is_cancelled()
    }

    async fn send(&mut self, item: ListItem<Value>) -> bool {
        if self.is_done() || !self.put(Listed::Item(item)).await {
            return false;
        }
        if let Some(r) = &mut self.remaining {
            *r -= 1;
        }
        !self.is_done()
    }

    pub(crate) async fn diagnostic(&mut self, diags: impl Into<Diagnostics>) -> bool {
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
    pub(crate) fn typed<M: Model>(&mut self) -> ListEmitter<'_, M> {
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

/// Where [`ListResource::list`] sends the objects (of the managed resource's model `M`) it
/// finds.
pub struct ListEmitter<'a, M> {
    sink: &'a mut ListSink,
    _model: PhantomData<fn(M)>,
}

impl<M: Model> ListEmitter<'_, M> {
    /// Whether the caller wants each object (the list block's `include_resource`), not just
    /// its identity; the hook may skip fetching it otherwise.
    pub fn include_resource_object(&self) -> bool {
        self.sink.include_object
    }

    /// How many more objects the caller reads (`None`: no limit).
    pub fn remaining(&self) -> Option<u64> {
        self.sink.remaining
    }

    /// True once nothing more is wanted: the limit is reached, the caller has gone or stopped
    /// reading, or the call was cancelled.
    pub fn is_done(&self) -> bool {
        self.sink.is_done()
    }

    /// Sends one object. Returns whether to go on: false once the limit is reached (this item
    /// was the last one sent) or when nothing more is wanted.
    pub async fn send(&mut self, item: ListItem<M>) -> bool {
        let base = &self.sink.base;
        let item = ListItem {
            object: item.object.map(|m| {
                let mut v = base.clone();
                m.write_object(&mut v);
                v
            }),
            display_name: item.display_name,
            identity: item.identity,
        };
        self.sink.send(item).await
    }

    /// Sends diagnostics as an event of their own. Returns whether to go on: false after an
    /// error (the caller stops reading at the first one).
    pub async fn diagnostic(&mut self, diags: impl Into<Diagnostics>) -> bool {
        self.sink.diagnostic(diags).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::diag::Diagnostic;

    fn sink(limit: Option<u64>, buffer: usize) -> (ListSink, mpsc::Receiver<Listed>) {
        let (tx, rx) = mpsc::channel(buffer);
        let base = Value::object([("id", Value::Null), ("name", Value::Null)]);
        (
            ListSink::new(tx, true, limit, CancellationToken::new(), base),
            rx,
        )
    }

    fn item(n: i64) -> ListItem<Value> {
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
