//! go-plugin's auxiliary gRPC services: `GRPCController` (shutdown), `GRPCStdio` (an idle
//! stream; we never write to stdout/stderr through it) and `GRPCBroker` (accepted and drained,
//! since tfplugin6 never brokers extra connections).

use std::pin::Pin;

use futures::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::proto::grpc_broker_server::GrpcBroker;
use super::proto::grpc_controller_server::GrpcController;
use super::proto::grpc_stdio_server::GrpcStdio;
use super::proto::{ConnInfo, Empty, StdioData};

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A response stream that sends nothing and ends once `done` completes.
fn idle_until<T: Send + 'static>(
    done: impl std::future::Future<Output = ()> + Send + 'static,
) -> ResponseStream<T> {
    Box::pin(futures::stream::once(done).filter_map(|()| async { None }))
}

/// `plugin.GRPCController`: `Shutdown` cancels the server's token, which stops the server
/// gracefully; the response still reaches the host before the connection closes.
#[derive(Clone, Debug)]
pub(crate) struct Controller {
    pub(crate) shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("shutdown requested by the plugin host");
        self.shutdown.cancel();
        Ok(Response::new(Empty {}))
    }
}

/// `plugin.GRPCStdio`: the host opens this right after connecting; it stays open and silent
/// until shutdown (our logs go to stderr, which go-plugin reads directly).
#[derive(Clone, Debug)]
pub(crate) struct Stdio {
    pub(crate) shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = ResponseStream<StdioData>;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(idle_until(
            self.shutdown.clone().cancelled_owned(),
        )))
    }
}

/// `plugin.GRPCBroker`: reads and discards whatever the host announces; the reply stream ends
/// when the host closes its side or at shutdown.
#[derive(Clone, Debug)]
pub(crate) struct Broker {
    pub(crate) shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    type StartStreamStream = ResponseStream<ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        let drained = async move {
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = async {
                    while let Some(Ok(info)) = inbound.next().await {
                        tracing::trace!(service_id = info.service_id, "ignoring broker announcement");
                    }
                } => {}
            }
        };
        Ok(Response::new(idle_until(drained)))
    }
}
