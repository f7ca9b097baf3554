//! RPCs the provider does not offer: functions, ephemeral resources and moving state between
//! resource types. Each answers with an error diagnostic (or an empty list), never a gRPC error.

use async_trait::async_trait;

use super::super::diag::{Diagnostic, Diagnostics};
use super::super::proto;
use super::super::provider::Provider;
use super::adapter::Rpc;
use super::{unknown_type, Server};

#[async_trait]
impl<P: Provider> Rpc<P> for proto::move_resource_state::Request {
    const NAME: &'static str = "MoveResourceState";
    type Request = ();
    type Response = ();
    type Answer = proto::move_resource_state::Response;

    fn type_name(&self) -> &str {
        &self.target_type_name
    }

    fn decode(&self, _: &Server<P>) -> Result<(), Diagnostic> {
        Err(Diagnostic::error(
            "Move resource state not supported",
            format!(
                "This provider cannot move {:?} resources into {:?}.",
                self.source_type_name, self.target_type_name
            ),
        ))
    }

    async fn call(_: &Server<P>, _: (), _: &mut Diagnostics) -> Result<(), Diagnostic> {
        Ok(())
    }

    fn encode(self, _: Option<()>, diags: Diagnostics) -> Self::Answer {
        Self::Answer {
            diagnostics: diags.into_proto(),
            ..Default::default()
        }
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::get_functions::Request {
    const NAME: &'static str = "GetFunctions";
    type Request = ();
    type Response = ();
    type Answer = proto::get_functions::Response;

    fn decode(&self, _: &Server<P>) -> Result<(), Diagnostic> {
        Ok(())
    }

    async fn call(_: &Server<P>, _: (), _: &mut Diagnostics) -> Result<(), Diagnostic> {
        Ok(())
    }

    fn encode(self, _: Option<()>, diags: Diagnostics) -> Self::Answer {
        Self::Answer {
            diagnostics: diags.into_proto(),
            ..Default::default()
        }
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::call_function::Request {
    const NAME: &'static str = "CallFunction";
    type Request = ();
    type Response = ();
    type Answer = proto::call_function::Response;

    fn type_name(&self) -> &str {
        &self.name
    }

    fn decode(&self, _: &Server<P>) -> Result<(), Diagnostic> {
        Ok(())
    }

    async fn call(_: &Server<P>, _: (), _: &mut Diagnostics) -> Result<(), Diagnostic> {
        Ok(())
    }

    fn encode(self, _: Option<()>, _: Diagnostics) -> Self::Answer {
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
        #[async_trait]
        impl<P: Provider> Rpc<P> for proto::$rpc::Request {
            const NAME: &'static str = $name;
            type Request = ();
            type Response = ();
            type Answer = proto::$rpc::Response;

            fn type_name(&self) -> &str {
                &self.type_name
            }

            fn decode(&self, _: &Server<P>) -> Result<(), Diagnostic> {
                Err(unknown_type("ephemeral resource", &self.type_name, std::iter::empty()))
            }

            async fn call(_: &Server<P>, _: (), _: &mut Diagnostics) -> Result<(), Diagnostic> {
                Ok(())
            }

            // CloseEphemeralResource's answer has no other fields.
            #[allow(clippy::needless_update)]
            fn encode(self, _: Option<()>, diags: Diagnostics) -> Self::Answer {
                Self::Answer {
                    diagnostics: diags.into_proto(),
                    ..Default::default()
                }
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
