//! RPCs the provider does not offer (functions, ephemeral resources, move, state stores):
//! each answers with an error diagnostic naming what was asked for, or an empty list.

use futures::stream::BoxStream;

use super::super::authoring::Provider;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::proto;
use super::adapter::{FirstChunk, Query, StreamRpc, TypeName};
use super::{unknown_type, Server};

impl<P: Provider> Query<P> for proto::move_resource_state::Request {
    const NAME: &'static str = "MoveResourceState";
    type Answer = proto::move_resource_state::Response;

    fn answer(&self, _: &Server<P>, diags: &mut Diagnostics) -> Self::Answer {
        diags.push(Diagnostic::error(
            "Move resource state not supported",
            format!(
                "This provider cannot move {:?} resources into {:?}.",
                self.source_type_name, self.target_type_name
            ),
        ));
        Self::Answer::default()
    }
}

impl<P: Provider> Query<P> for proto::get_functions::Request {
    const NAME: &'static str = "GetFunctions";
    type Answer = proto::get_functions::Response;

    fn answer(&self, _: &Server<P>, _: &mut Diagnostics) -> Self::Answer {
        Self::Answer::default()
    }
}

impl<P: Provider> Query<P> for proto::call_function::Request {
    const NAME: &'static str = "CallFunction";
    type Answer = proto::call_function::Response;

    fn answer(&self, _: &Server<P>, _: &mut Diagnostics) -> Self::Answer {
        Self::Answer {
            result: None,
            error: Some(proto::FunctionError {
                text: format!("This provider has no function named {:?}.", self.name),
                function_argument: None,
            }),
        }
    }
}

/// Types of a kind we have none of: every type name is unknown.
macro_rules! no_such_type {
    ($($kind:literal: $($rpc:ident => $name:literal),*;)*) => {$($(
        impl<P: Provider> Query<P> for proto::$rpc::Request {
            const NAME: &'static str = $name;
            type Answer = proto::$rpc::Response;

            fn answer(&self, _: &Server<P>, diags: &mut Diagnostics) -> Self::Answer {
                diags.push(unknown_type($kind, self.type_name(), std::iter::empty()));
                Self::Answer::default()
            }
        }
    )*)*};
}

no_such_type! {
    "ephemeral resource":
        validate_ephemeral_resource_config => "ValidateEphemeralResourceConfig",
        open_ephemeral_resource => "OpenEphemeralResource",
        renew_ephemeral_resource => "RenewEphemeralResource",
        close_ephemeral_resource => "CloseEphemeralResource";
    "state store":
        validate_state_store => "ValidateStateStoreConfig",
        configure_state_store => "ConfigureStateStore",
        lock_state => "LockState",
        unlock_state => "UnlockState",
        get_states => "GetStates",
        delete_state => "DeleteState";
}

impl<P: Provider> Query<P> for FirstChunk {
    const NAME: &'static str = "WriteStateBytes";
    type Answer = proto::write_state_bytes::Response;

    fn answer(&self, _: &Server<P>, diags: &mut Diagnostics) -> Self::Answer {
        diags.push(unknown_type(
            "state store",
            self.type_name(),
            std::iter::empty(),
        ));
        Self::Answer::default()
    }
}

/// Streams of a type we do not have: decoding fails, so the stream is that one error event.
macro_rules! no_such_stream {
    ($($rpc:ident => $name:literal, $kind:literal, $event:ty);* $(;)?) => {$(
        impl<P: Provider> StreamRpc<P> for proto::$rpc::Request {
            const NAME: &'static str = $name;
            type Request = std::convert::Infallible;
            type Event = $event;

            fn decode(&self, _: &Server<P>) -> Result<Self::Request, Diagnostic> {
                        Err(unknown_type($kind, self.type_name(), std::iter::empty()))
            }

            fn call(req: Self::Request, _: &Server<P>) -> BoxStream<'static, Self::Event> {
                match req {}
            }
        }
    )*};
}

no_such_stream!(
    read_state_bytes => "ReadStateBytes", "state store", proto::read_state_bytes::Response;
);
