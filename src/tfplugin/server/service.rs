//! The generated tonic service trait: one line per RPC over the adapter's `serve` (unary; a
//! query, answered from the server alone, through `Queried`) or `serve_stream` (server streams).

use tonic::{Request, Response, Status, Streaming};

use super::super::authoring::Provider;
use super::super::proto;
use super::super::proto::provider_server::Provider as ProviderRpc;
use super::adapter::{EventStream, FirstChunk, Queried};
use super::Server;

type Answered<R> = Result<Response<R>, Status>;

/// The trait's methods: each unary or streaming one serves `proto::<name>::Request`.
macro_rules! rpcs {
    (
        unary: $($rpc:ident),*;
        queries: $($query:ident),*;
        streams: $($srpc:ident => $stream:ident of $event:ty),* $(,)?
    ) => {
        #[tonic::async_trait]
        impl<P: Provider> ProviderRpc for Server<P> {
            $(
                async fn $rpc(
                    &self,
                    r: Request<proto::$rpc::Request>,
                ) -> Answered<proto::$rpc::Response> {
                    self.serve(r).await
                }
            )*

            $(
                async fn $query(
                    &self,
                    r: Request<proto::$query::Request>,
                ) -> Answered<proto::$query::Response> {
                    self.serve(r.map(Queried)).await
                }
            )*

            async fn validate_state_store_config(
                &self,
                r: Request<proto::validate_state_store::Request>,
            ) -> Answered<proto::validate_state_store::Response> {
                self.serve(r.map(Queried)).await
            }

            async fn write_state_bytes(
                &self,
                r: Request<Streaming<proto::write_state_bytes::RequestChunk>>,
            ) -> Answered<proto::write_state_bytes::Response> {
                // The first chunk names the state store; nothing after it is read.
                let first = r.into_inner().message().await.ok().flatten();
                self.serve(Request::new(Queried(FirstChunk(first)))).await
            }

            $(
                type $stream = EventStream<$event>;

                async fn $srpc(
                    &self,
                    r: Request<proto::$srpc::Request>,
                ) -> Answered<Self::$stream> {
                    self.serve_stream(r).await
                }
            )*
        }
    };
}

rpcs!(
    unary: validate_provider_config, validate_resource_config, validate_data_resource_config,
        upgrade_resource_state, upgrade_resource_identity, configure_provider, read_resource,
        plan_resource_change, apply_resource_change, import_resource_state, read_data_source,
        generate_resource_config, validate_list_resource_config, plan_action,
        validate_action_config;
    queries: get_metadata, get_provider_schema, get_resource_identity_schemas,
        move_resource_state, validate_ephemeral_resource_config, open_ephemeral_resource,
        renew_ephemeral_resource, close_ephemeral_resource, get_functions, call_function,
        configure_state_store, lock_state, unlock_state, get_states, delete_state, stop_provider;
    streams: list_resource => ListResourceStream of proto::list_resource::Event,
        read_state_bytes => ReadStateBytesStream of proto::read_state_bytes::Response,
        invoke_action => InvokeActionStream of proto::invoke_action::Event,
);
