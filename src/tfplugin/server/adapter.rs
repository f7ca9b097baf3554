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

/// One unary RPC, implemented on its wire request type (in the dispatcher file of its concern).
#[async_trait]
pub(crate) trait Rpc<P: Provider>: Sized + Send + Sync + 'static {
    /// The RPC's name, logged as `tf_rpc`.
    const NAME: &'static str;
    /// The request with its values decoded, as the dispatcher takes it.
    type Request: Send;
    /// What the dispatcher answers, before encoding.
    type Response: Send;
    /// The wire answer.
    type Answer: Answer;

    /// The type the call is about (`tf_resource_type`); empty for provider-wide calls.
    fn type_name(&self) -> &str {
        ""
    }

    /// Decodes the wire request (values with the schema of the type it names).
    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic>;

    /// Serves a decoded request. Warnings and non-fatal errors go into `diags`; an `Err` ends
    /// the call and is added to them.
    async fn call(
        server: &Server<P>,
        req: Self::Request,
        diags: &mut Diagnostics,
    ) -> Result<Self::Response, Diagnostic>;

    /// The wire answer; `resp` is `None` when decoding or the call failed (`self` is the wire
    /// request, for answers that echo it then).
    fn encode(self, resp: Option<Self::Response>, diags: Diagnostics) -> Self::Answer;
}

/// A wire answer, as far as the log line needs it.
pub(crate) trait Answer: Send + 'static {
    /// Its diagnostics (counted, never logged).
    fn diagnostics(&self) -> &[proto::Diagnostic];
}

macro_rules! answers_with_diagnostics {
    ($($rpc:ident),* $(,)?) => {$(
        impl Answer for proto::$rpc::Response {
            fn diagnostics(&self) -> &[proto::Diagnostic] {
                &self.diagnostics
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

/// Function errors and stop errors are not diagnostics.
impl Answer for proto::call_function::Response {
    fn diagnostics(&self) -> &[proto::Diagnostic] {
        &[]
    }
}

impl Answer for proto::stop_provider::Response {
    fn diagnostics(&self) -> &[proto::Diagnostic] {
        &[]
    }
}

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
                R::call(self, req, &mut diags)
                    .instrument(span.clone())
                    .await
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
        self.serve(r).await
    }

    async fn get_provider_schema(
        &self,
        r: Request<proto::get_provider_schema::Request>,
    ) -> Answered<proto::get_provider_schema::Response> {
        self.serve(r).await
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
        self.serve(r).await
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
        self.serve(r).await
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
        self.serve(r).await
    }

    async fn open_ephemeral_resource(
        &self,
        r: Request<proto::open_ephemeral_resource::Request>,
    ) -> Answered<proto::open_ephemeral_resource::Response> {
        self.serve(r).await
    }

    async fn renew_ephemeral_resource(
        &self,
        r: Request<proto::renew_ephemeral_resource::Request>,
    ) -> Answered<proto::renew_ephemeral_resource::Response> {
        self.serve(r).await
    }

    async fn close_ephemeral_resource(
        &self,
        r: Request<proto::close_ephemeral_resource::Request>,
    ) -> Answered<proto::close_ephemeral_resource::Response> {
        self.serve(r).await
    }

    async fn get_functions(
        &self,
        r: Request<proto::get_functions::Request>,
    ) -> Answered<proto::get_functions::Response> {
        self.serve(r).await
    }

    async fn call_function(
        &self,
        r: Request<proto::call_function::Request>,
    ) -> Answered<proto::call_function::Response> {
        self.serve(r).await
    }

    async fn stop_provider(
        &self,
        r: Request<proto::stop_provider::Request>,
    ) -> Answered<proto::stop_provider::Response> {
        self.serve(r).await
    }
}
