//! The generated tonic service trait: one line per RPC over the adapter's `serve` (unary, and
//! queries with nothing to decode via `Queried`) or `serve_stream` (server streams).

use tonic::{Request, Response, Status, Streaming};

use super::super::authoring::Provider;
use super::super::proto;
use super::super::proto::provider_server::Provider as ProviderRpc;
use super::adapter::{EventStream, FirstChunk, Queried};
use super::Server;

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

    async fn generate_resource_config(
        &self,
        r: Request<proto::generate_resource_config::Request>,
    ) -> Answered<proto::generate_resource_config::Response> {
        self.serve(r).await
    }

    type ListResourceStream = EventStream<proto::list_resource::Event>;

    async fn list_resource(
        &self,
        r: Request<proto::list_resource::Request>,
    ) -> Answered<Self::ListResourceStream> {
        self.serve_stream(r).await
    }

    async fn validate_list_resource_config(
        &self,
        r: Request<proto::validate_list_resource_config::Request>,
    ) -> Answered<proto::validate_list_resource_config::Response> {
        self.serve(r).await
    }

    async fn validate_state_store_config(
        &self,
        r: Request<proto::validate_state_store::Request>,
    ) -> Answered<proto::validate_state_store::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn configure_state_store(
        &self,
        r: Request<proto::configure_state_store::Request>,
    ) -> Answered<proto::configure_state_store::Response> {
        self.serve(r.map(Queried)).await
    }

    type ReadStateBytesStream = EventStream<proto::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        r: Request<proto::read_state_bytes::Request>,
    ) -> Answered<Self::ReadStateBytesStream> {
        self.serve_stream(r).await
    }

    async fn write_state_bytes(
        &self,
        r: Request<Streaming<proto::write_state_bytes::RequestChunk>>,
    ) -> Answered<proto::write_state_bytes::Response> {
        // The first chunk names the state store; nothing after it is read.
        let first = r.into_inner().message().await.ok().flatten();
        self.serve(Request::new(Queried(FirstChunk(first)))).await
    }

    async fn lock_state(
        &self,
        r: Request<proto::lock_state::Request>,
    ) -> Answered<proto::lock_state::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn unlock_state(
        &self,
        r: Request<proto::unlock_state::Request>,
    ) -> Answered<proto::unlock_state::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn get_states(
        &self,
        r: Request<proto::get_states::Request>,
    ) -> Answered<proto::get_states::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn delete_state(
        &self,
        r: Request<proto::delete_state::Request>,
    ) -> Answered<proto::delete_state::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn plan_action(
        &self,
        r: Request<proto::plan_action::Request>,
    ) -> Answered<proto::plan_action::Response> {
        self.serve(r.map(Queried)).await
    }

    type InvokeActionStream = EventStream<proto::invoke_action::Event>;

    async fn invoke_action(
        &self,
        r: Request<proto::invoke_action::Request>,
    ) -> Answered<Self::InvokeActionStream> {
        self.serve_stream(r).await
    }

    async fn validate_action_config(
        &self,
        r: Request<proto::validate_action_config::Request>,
    ) -> Answered<proto::validate_action_config::Response> {
        self.serve(r.map(Queried)).await
    }

    async fn stop_provider(
        &self,
        r: Request<proto::stop_provider::Request>,
    ) -> Answered<proto::stop_provider::Response> {
        self.serve(r.map(Queried)).await
    }
}
