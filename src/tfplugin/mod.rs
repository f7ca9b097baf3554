//! The tfplugin6 protocol layer and the authoring layer on top of it: generated stubs
//! ([`proto`]), values ([`value`]), schemas ([`schema`]), diagnostics ([`diag`]), the plan
//! rules ([`plan`]), the traits resources are written against ([`provider`]), private state,
//! timeouts, validators, and the gRPC service ([`server`]).

// TEMPORARY: public only until the codec lands in `value`; tests reach it through here.
#[doc(hidden)]
pub mod codec;
mod codec_shim;
pub mod diag;
pub mod path;
pub mod plan;
pub mod private;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod server;
pub mod timeouts;
pub mod validator;
pub mod value;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use path::{AttributePath, PathStep};
pub use private::PrivateState;
pub use provider::{
    ConfigureRequest, Context, CreateRequest, DataReadRequest, DataSource, DeleteRequest,
    HookResult, NotConfigured, PlanRequest, PlanResponse, Provider, ReadRequest, Resource,
    StateResponse, UpdateRequest,
};
pub use schema::{Attribute, Block, NestedBlock, Nesting, Presence, Schema};
pub use server::{provider_routes, provider_service, Server, MAX_MESSAGE_SIZE};
pub use timeouts::Timeouts;
pub use value::{Number, Type, Value};
