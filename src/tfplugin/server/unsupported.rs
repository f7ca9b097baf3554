//! RPCs the provider does not offer: functions, ephemeral resources and moving state between
//! resource types. Each answers with an error diagnostic (or an empty list), never a gRPC error.

use super::super::diag::{Diagnostic, Diagnostics};
use super::super::proto;
use super::super::provider::Provider;
use super::adapter::Query;
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

/// Ephemeral resources: every type name is unknown.
macro_rules! no_ephemeral_resources {
    ($($rpc:ident => $name:literal),* $(,)?) => {$(
        impl<P: Provider> Query<P> for proto::$rpc::Request {
            const NAME: &'static str = $name;
            type Answer = proto::$rpc::Response;

            fn answer(&self, _: &Server<P>, diags: &mut Diagnostics) -> Self::Answer {
                diags.push(unknown_type("ephemeral resource", &self.type_name, std::iter::empty()));
                Self::Answer::default()
            }
        }
    )*};
}

no_ephemeral_resources!(
    validate_ephemeral_resource_config => "ValidateEphemeralResourceConfig",
    open_ephemeral_resource => "OpenEphemeralResource",
    renew_ephemeral_resource => "RenewEphemeralResource",
    close_ephemeral_resource => "CloseEphemeralResource",
);
