//! The thin tonic adapter: [`Rpc`] says how one RPC's wire request becomes a typed request, which
//! dispatcher call serves it and how the answer goes back on the wire; `Server::serve` runs
//! that sequence for any RPC; each generated trait method is one line over it.
//!
//! Every RPC of protocol 6.9 is unary. A server-streaming one (6.10's `ListResource`) would get
//! a second wrapper beside `serve`, with the same span, decode and logging, whose call yields a
//! stream of answers.

use async_trait::async_trait;
use tonic::{Request, Response, Status};
use tracing::Instrument;

use super::super::diag::{Diagnostic, Diagnostics};
use super::super::proto;
use super::super::proto::provider_server::Provider as ProviderRpc;
use super::super::provider::Provider;
use super::Server;

/// The resource, data source or function type a wire request names (`tf_resource_type` in
/// logs); empty for provider-wide calls.
pub(crate) trait TypeName {
    fn type_name(&self) -> &str;
}

macro_rules! type_names {
    (named: $($rpc:ident),* ; function: $($fn_rpc:ident),* ; provider_wide: $($wide:ident),* $(,)?) => {
        $(impl TypeName for proto::$rpc::Request {
            fn type_name(&self) -> &str {
                &self.type_name
            }
        })*
        $(impl TypeName for proto::$fn_rpc::Request {
            fn type_name(&self) -> &str {
                &self.name
            }
        })*
        $(impl TypeName for proto::$wide::Request {
            fn type_name(&self) -> &str {
                ""
            }
        })*
    };
}

type_names!(
    named: validate_resource_config, validate_data_resource_config, upgrade_resource_state,
        upgrade_resource_identity, read_resource, plan_resource_change, apply_resource_change,
        import_resource_state, read_data_source, validate_ephemeral_resource_config,
        open_ephemeral_resource, renew_ephemeral_resource, close_ephemeral_resource;
    function: call_function;
    provider_wide: get_metadata, get_provider_schema, validate_provider_config,
        get_resource_identity_schemas, configure_provider, get_functions, stop_provider,
);

impl TypeName for proto::move_resource_state::Request {
    fn type_name(&self) -> &str {
        &self.target_type_name
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
pub(crate) struct Queried<Q>(Q);

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

answers_with_diagnostics!(
    get_metadata,
    get_provider_schema,
    validate_provider_config,
    validate_resource_config,
    validate_data_resource_config,
    upgrade_resource_state,
    get_resource_identity_schemas,
    upgrade_resource_identity,
    configure_provider,
    read_resource,
    plan_resource_change,
    apply_resource_change,
    import_resource_state,
    move_resource_state,
    read_data_source,
    get_functions,
    validate_ephemeral_resource_config,
    open_ephemeral_resource,
    renew_ephemeral_resource,
    close_ephemeral_resource,
);

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

impl<P: Provider> Server<P> {
    /// Serves one RPC: span, decode, dispatch, encode, log.
    async fn serve<R: Rpc<P>>(&self, request: Request<R>) -> Result<Response<R::Answer>, Status> {
        let wire = request.into_inner();
        let span = tracing::info_span!(
            "tf_rpc",
            tf_rpc = R::NAME,
            tf_resource_type = wire.type_name(),
            tf_req_id = %uuid::Uuid::new_v4()
        );
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
        let errors = diags
            .iter()
            .filter(|d| d.severity == proto::diagnostic::Severity::Error as i32)
            .count();
        span.in_scope(|| tracing::debug!(diagnostics = diags.len(), errors, "served"));
        Ok(Response::new(answer))
    }
}

type Answered<R> = Result<Response<R>, Status>;

#[tonic::async_trait]
impl<P: Provider> ProviderRpc for Server<P> {
    async fn get_metadata(
        &self,
        r: Request<proto::get_metadata::Request>,
    ) -> Answered<proto::get_metadata::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn get_provider_schema(
        &self,
        r: Request<proto::get_provider_schema::Request>,
    ) -> Answered<proto::get_provider_schema::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn validate_provider_config(
        &self,
        r: Request<proto::validate_provider_config::Request>,
    ) -> Answered<proto::validate_provider_config::Response> {
        self.serve(r).await
    }

    async fn validate_resource_config(
        &self,
        r: Request<proto::validate_resource_config::Request>,
    ) -> Answered<proto::validate_resource_config::Response> {
        self.serve(r).await
    }

    async fn validate_data_resource_config(
        &self,
        r: Request<proto::validate_data_resource_config::Request>,
    ) -> Answered<proto::validate_data_resource_config::Response> {
        self.serve(r).await
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<proto::upgrade_resource_state::Request>,
    ) -> Answered<proto::upgrade_resource_state::Response> {
        self.serve(r).await
    }

    async fn get_resource_identity_schemas(
        &self,
        r: Request<proto::get_resource_identity_schemas::Request>,
    ) -> Answered<proto::get_resource_identity_schemas::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn upgrade_resource_identity(
        &self,
        r: Request<proto::upgrade_resource_identity::Request>,
    ) -> Answered<proto::upgrade_resource_identity::Response> {
        self.serve(r).await
    }

    async fn configure_provider(
        &self,
        r: Request<proto::configure_provider::Request>,
    ) -> Answered<proto::configure_provider::Response> {
        self.serve(r).await
    }

    async fn read_resource(
        &self,
        r: Request<proto::read_resource::Request>,
    ) -> Answered<proto::read_resource::Response> {
        self.serve(r).await
    }

    async fn plan_resource_change(
        &self,
        r: Request<proto::plan_resource_change::Request>,
    ) -> Answered<proto::plan_resource_change::Response> {
        self.serve(r).await
    }

    async fn apply_resource_change(
        &self,
        r: Request<proto::apply_resource_change::Request>,
    ) -> Answered<proto::apply_resource_change::Response> {
        self.serve(r).await
    }

    async fn import_resource_state(
        &self,
        r: Request<proto::import_resource_state::Request>,
    ) -> Answered<proto::import_resource_state::Response> {
        self.serve(r).await
    }

    async fn move_resource_state(
        &self,
        r: Request<proto::move_resource_state::Request>,
    ) -> Answered<proto::move_resource_state::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn read_data_source(
        &self,
        r: Request<proto::read_data_source::Request>,
    ) -> Answered<proto::read_data_source::Response> {
        self.serve(r).await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        r: Request<proto::validate_ephemeral_resource_config::Request>,
    ) -> Answered<proto::validate_ephemeral_resource_config::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn open_ephemeral_resource(
        &self,
        r: Request<proto::open_ephemeral_resource::Request>,
    ) -> Answered<proto::open_ephemeral_resource::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn renew_ephemeral_resource(
        &self,
        r: Request<proto::renew_ephemeral_resource::Request>,
    ) -> Answered<proto::renew_ephemeral_resource::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn close_ephemeral_resource(
        &self,
        r: Request<proto::close_ephemeral_resource::Request>,
    ) -> Answered<proto::close_ephemeral_resource::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn get_functions(
        &self,
        r: Request<proto::get_functions::Request>,
    ) -> Answered<proto::get_functions::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn call_function(
        &self,
        r: Request<proto::call_function::Request>,
    ) -> Answered<proto::call_function::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn stop_provider(
        &self,
        r: Request<proto::stop_provider::Request>,
    ) -> Answered<proto::stop_provider::Response> {
        self.serve(r.map(Queried)).await
    }
}
