//! The thin tonic adapter. An [`Rpc`] says how a wire request is decoded, served and encoded;
//! `Server::serve` runs that for any unary RPC, in a `tf_rpc` span, logging counts (never
//! values). A [`StreamRpc`] is served by `Server::serve_stream` the same way, its stream logged
//! when it ends or is dropped; a request that does not decode is one event with the error.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use async_trait::async_trait;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use tonic::{Request, Response, Status};
use tracing::Instrument;

use super::super::authoring::Provider;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::proto;
use super::Server;

/// The type a wire request names (`tf_resource_type` in logs); empty for provider-wide calls.
pub(crate) trait TypeName {
    fn type_name(&self) -> &str;
}

/// `field: rpcs;` — the requests of `rpcs` name their type in `field`.
macro_rules! type_names {
    (provider_wide: $($wide:ident),*; $($field:ident: $($rpc:ident),*;)*) => {
        $($(impl TypeName for proto::$rpc::Request {
            fn type_name(&self) -> &str {
                &self.$field
            }
        })*)*
        $(impl TypeName for proto::$wide::Request {
            fn type_name(&self) -> &str {
                ""
            }
        })*
    };
}

type_names! {
    provider_wide: get_metadata, get_provider_schema, validate_provider_config,
        get_resource_identity_schemas, configure_provider, get_functions, stop_provider;
    type_name: validate_resource_config, validate_data_resource_config, upgrade_resource_state,
        upgrade_resource_identity, read_resource, plan_resource_change, apply_resource_change,
        import_resource_state, read_data_source, generate_resource_config,
        validate_ephemeral_resource_config, open_ephemeral_resource, renew_ephemeral_resource,
        close_ephemeral_resource, list_resource, validate_list_resource_config,
        validate_state_store, configure_state_store, read_state_bytes, lock_state,
        unlock_state, get_states, delete_state, validate_action_config;
    name: call_function;
    target_type_name: move_resource_state;
    action_type: plan_action, invoke_action;
}

/// The first chunk of a `WriteStateBytes` stream (`None`: the caller sent none): it names the
/// state store.
#[derive(Clone, Debug)]
pub(crate) struct FirstChunk(pub(crate) Option<proto::write_state_bytes::RequestChunk>);

impl TypeName for FirstChunk {
    fn type_name(&self) -> &str {
        self.0
            .as_ref()
            .and_then(|c| c.meta.as_ref())
            .map_or("", |m| m.type_name.as_str())
    }
}

/// What a dispatcher call works with: the server, and the diagnostics of the answer so far.
pub(crate) struct Cx<'a, P: Provider> {
    pub(crate) server: &'a Server<P>,
    pub(crate) diags: &'a mut Diagnostics,
}

/// One unary RPC, implemented on its wire request type (in the dispatcher file of its concern).
#[async_trait]
pub(crate) trait Rpc<P: Provider>: TypeName + Sized + Send + Sync + 'static {
    /// The RPC's name, logged as `tf_rpc`.
    const NAME: &'static str;
    /// The request with its values decoded, as the dispatcher takes it.
    type Request: Send;
    /// What the dispatcher answers, before encoding.
    type Response: Send;
    /// The wire answer.
    type Answer: Answer + Default;

    /// Decodes the wire request (values with the schema of the type it names).
    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic>;

    /// Serves a decoded request. Warnings and errors that still leave an answer go into
    /// `cx.diags`; an `Err` ends the call and is added to them.
    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic>;

    /// The wire answer; `resp` is `None` when decoding or the call failed (`self` is the wire
    /// request, for answers that echo it then). Default: the diagnostics alone.
    fn encode(self, resp: Option<Self::Response>, diags: Diagnostics) -> Self::Answer {
        let _ = resp;
        let mut answer = Self::Answer::default();
        answer.set_diagnostics(diags.into_proto());
        answer
    }
}

/// An RPC answered from the server alone, with nothing to decode: schemas, metadata, stop, and
/// what the provider does not offer. Served as an [`Rpc`] through [`Queried`].
pub(crate) trait Query<P: Provider>: TypeName + Clone + Send + Sync + 'static {
    const NAME: &'static str;
    type Answer: Answer + Default;

    /// The answer; its diagnostics go into `diags`.
    fn answer(&self, server: &Server<P>, diags: &mut Diagnostics) -> Self::Answer;
}

/// A [`Query`] as an [`Rpc`]: `self.serve(request.map(Queried))`.
pub(crate) struct Queried<Q>(pub(crate) Q);

impl<Q: TypeName> TypeName for Queried<Q> {
    fn type_name(&self) -> &str {
        self.0.type_name()
    }
}

#[async_trait]
impl<P: Provider, Q: Query<P>> Rpc<P> for Queried<Q> {
    const NAME: &'static str = Q::NAME;
    type Request = Q;
    type Response = Q::Answer;
    type Answer = Q::Answer;

    fn decode(&self, _: &Server<P>) -> Result<Q, Diagnostic> {
        Ok(self.0.clone())
    }

    async fn call(query: Q, cx: Cx<'_, P>) -> Result<Q::Answer, Diagnostic> {
        Ok(query.answer(cx.server, cx.diags))
    }

    fn encode(self, resp: Option<Q::Answer>, diags: Diagnostics) -> Q::Answer {
        let mut answer = resp.unwrap_or_default();
        answer.set_diagnostics(diags.into_proto());
        answer
    }
}

/// A wire answer, as far as the wrapper needs it.
pub(crate) trait Answer: Send + 'static {
    /// Its diagnostics (counted in the log, never logged).
    fn diagnostics(&self) -> &[proto::Diagnostic];

    fn set_diagnostics(&mut self, diagnostics: Vec<proto::Diagnostic>);
}

macro_rules! answers_with_diagnostics {
    ($($rpc:ident),* $(,)?) => {$(
        impl Answer for proto::$rpc::Response {
            fn diagnostics(&self) -> &[proto::Diagnostic] {
                &self.diagnostics
            }

            fn set_diagnostics(&mut self, diagnostics: Vec<proto::Diagnostic>) {
                self.diagnostics = diagnostics;
            }
        }
    )*};
}

answers_with_diagnostics! {
    get_metadata, get_provider_schema, validate_provider_config, validate_resource_config,
    validate_data_resource_config, upgrade_resource_state, get_resource_identity_schemas,
    upgrade_resource_identity, configure_provider, read_resource, plan_resource_change,
    apply_resource_change, import_resource_state, move_resource_state, read_data_source,
    generate_resource_config, get_functions, validate_ephemeral_resource_config,
    open_ephemeral_resource, renew_ephemeral_resource, close_ephemeral_resource,
    validate_list_resource_config, validate_state_store, configure_state_store,
    read_state_bytes, write_state_bytes, lock_state, unlock_state, get_states, delete_state,
    plan_action, validate_action_config
}

/// A list event's diagnostics field is singular in name only.
impl Answer for proto::list_resource::Event {
    fn diagnostics(&self) -> &[proto::Diagnostic] {
        &self.diagnostic
    }

    fn set_diagnostics(&mut self, diagnostics: Vec<proto::Diagnostic>) {
        self.diagnostic = diagnostics;
    }
}

/// An action event carries diagnostics when it completes.
impl Answer for proto::invoke_action::Event {
    fn diagnostics(&self) -> &[proto::Diagnostic] {
        use proto::invoke_action::event::Type;
        match &self.r#type {
            Some(Type::Completed(c)) => &c.diagnostics,
            _ => &[],
        }
    }

    fn set_diagnostics(&mut self, diagnostics: Vec<proto::Diagnostic>) {
        use proto::invoke_action::event::{Completed, Type};
        self.r#type = Some(Type::Completed(Completed { diagnostics }));
    }
}

/// Function errors and stop errors are not diagnostics (neither answer carries any).
macro_rules! answers_without_diagnostics {
    ($($rpc:ident),* $(,)?) => {$(
        impl Answer for proto::$rpc::Response {
            fn diagnostics(&self) -> &[proto::Diagnostic] {
                &[]
            }

            fn set_diagnostics(&mut self, _: Vec<proto::Diagnostic>) {}
        }
    )*};
}

answers_without_diagnostics!(call_function, stop_provider);

/// The span every call runs in: the RPC, the type its request names, and a fresh request id.
fn rpc_span(rpc: &'static str, wire: &impl TypeName) -> tracing::Span {
    tracing::info_span!(
        "tf_rpc",
        tf_rpc = rpc,
        tf_resource_type = wire.type_name(),
        tf_req_id = %uuid::Uuid::new_v4()
    )
}

/// How many of `diags` are errors (logged as a count).
fn error_count(diags: &[proto::Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.severity == proto::diagnostic::Severity::Error as i32)
        .count()
}

impl<P: Provider> Server<P> {
    /// Serves one RPC: span, decode, dispatch, encode, log.
    pub(super) async fn serve<R: Rpc<P>>(
        &self,
        request: Request<R>,
    ) -> Result<Response<R::Answer>, Status> {
        let wire = request.into_inner();
        let span = rpc_span(R::NAME, &wire);
        let mut diags = Diagnostics::new();
        let resp = match span.in_scope(|| wire.decode(self)) {
            Ok(req) => {
                let cx = Cx {
                    server: self,
                    diags: &mut diags,
                };
                R::call(req, cx).instrument(span.clone()).await
            }
            Err(d) => Err(d),
        };
        let resp = resp.map_err(|d| diags.push(d)).ok();
        let answer = span.in_scope(|| wire.encode(resp, diags));
        let diags = answer.diagnostics();
        let errors = error_count(diags);
        span.in_scope(|| tracing::debug!(diagnostics = diags.len(), errors, "served"));
        Ok(Response::new(answer))
    }
}

/// One server-streaming RPC, implemented on its wire request type (in the dispatcher file of
/// its concern).
pub(crate) trait StreamRpc<P: Provider>: TypeName + Sized + Send + Sync + 'static {
    /// The RPC's name, logged as `tf_rpc`.
    const NAME: &'static str;
    /// The request with its values decoded, as the dispatcher takes it.
    type Request: Send;
    /// The wire event.
    type Event: Answer + Default;

    /// Decodes the wire request (values with the schema of the type it names).
    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic>;

    /// Starts serving a decoded request: the events, ending when the call is done. Work it
    /// starts must stop when the stream is dropped (the caller went away).
    fn call(req: Self::Request, server: &Server<P>) -> BoxStream<'static, Self::Event>;
}

/// The stream a server-streaming RPC answers with.
pub(crate) type EventStream<E> = Pin<Box<dyn Stream<Item = Result<E, Status>> + Send + 'static>>;

impl<P: Provider> Server<P> {
    /// Serves one server-streaming RPC: span, decode, dispatch, and a stream that logs.
    pub(super) async fn serve_stream<R: StreamRpc<P>>(
        &self,
        request: Request<R>,
    ) -> Result<Response<EventStream<R::Event>>, Status> {
        let wire = request.into_inner();
        let span = rpc_span(R::NAME, &wire);
        let events = match span.in_scope(|| wire.decode(self)) {
            Ok(req) => span.in_scope(|| R::call(req, self)),
            Err(d) => {
                let mut event = R::Event::default();
                event.set_diagnostics(Diagnostics::from(d).into_proto());
                stream::once(async move { event }).boxed()
            }
        };
        let logged = Logged {
            events,
            span,
            count: 0,
            errors: 0,
            ended: false,
        };
        Ok(Response::new(Box::pin(logged)))
    }
}

/// A served event stream: polled in the call's span, counted, and logged when it ends.
struct Logged<E> {
    events: BoxStream<'static, E>,
    span: tracing::Span,
    count: usize,
    errors: usize,
    ended: bool,
}

impl<E: Answer> Stream for Logged<E> {
    type Item = Result<E, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let _entered = this.span.enter();
        match this.events.poll_next_unpin(cx) {
            Poll::Ready(Some(event)) => {
                this.count += 1;
                this.errors += error_count(event.diagnostics());
                Poll::Ready(Some(Ok(event)))
            }
            Poll::Ready(None) => {
                if !this.ended {
                    this.ended = true;
                    tracing::debug!(events = this.count, errors = this.errors, "served");
                }
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<E> Drop for Logged<E> {
    fn drop(&mut self) {
        if !self.ended {
            let _entered = self.span.enter();
            tracing::debug!(
                events = self.count,
                errors = self.errors,
                "caller stopped reading"
            );
        }
    }
}
