//! The tfplugin6 protocol layer: values, schemas, diagnostics and the gRPC server, and on top
//! of them the traits a provider implements ([`Provider`], [`Resource`], [`DataSource`],
//! [`ListResource`], [`Action`], over typed [`model`]s). The server applies the plan,
//! validation and identity rules around the hooks, so a resource only says what it does.
//!
//! Every RPC of protocol 6.11 is served; what we do not offer (functions, ephemeral resources,
//! move, state stores) answers with an error diagnostic naming what was asked for, or an
//! empty list. Diagnostics describe values by kind, never by content, except validator
//! errors quoting the (non-sensitive) value they reject. Decisions: `docs/design.md`.

pub mod action;
mod authoring;
mod context;
pub mod diag;
pub(crate) mod erased;
pub mod generate;
pub mod identity;
pub mod list;
pub mod model;
pub mod object;
pub mod path;
pub mod plan;
pub mod private;
pub mod proto;
pub mod schema;
pub mod server;
pub mod timeouts;
pub mod validator;
pub mod value;

pub use action::{Action, Progress};
pub use async_trait::async_trait;
pub use authoring::{ConfigureRequest, DataSource, ModelPlan, ModelResponse, Provider, Resource};
pub use context::{ClientCapabilities, Context, HookResult, NotConfigured};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use erased::{ActionType, DataSourceType, ListResourceType, ResourceType};
pub use identity::{IdentityAttribute, IdentitySchema, ImportRole};
pub use list::{ListEmitter, ListItem, ListResource};
pub use model::{Field, FromValue, IntoValue, Model};
pub use object::ObjectExt;
pub use path::{AttributePath, PathStep};
pub use private::PrivateState;
pub use schema::{Attribute, Block, NestedBlock, Nesting, Presence, Schema};
pub use server::{
    provider_routes, provider_routes_until, provider_service, Server, MAX_MESSAGE_SIZE,
};
pub use timeouts::Timeouts;
pub use value::{Number, Type, Value};
