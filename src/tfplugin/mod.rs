//! The tfplugin6 protocol layer and the authoring layer on top of it.
//!
//! - Protocol: generated stubs ([`proto`]), values ([`value`]), schemas ([`schema`]),
//!   diagnostics ([`diag`]), attribute paths ([`path`]), private state ([`private`]) and
//!   resource identity ([`identity`]).
//! - The gRPC service ([`server`]): a thin tonic adapter (one generic wrapper for every RPC)
//!   over a dispatcher with one file per concern, which applies the plan rules ([`plan`]) and
//!   identity rules around the hooks.
//! - Authoring: the traits the dispatcher calls ([`provider`]: [`Provider`], [`Resource`],
//!   [`DataSource`]; [`list`]: [`ListResource`], over [`Value`]s) and, on top of them, typed
//!   models ([`model`], [`typed`]: [`TypedResource`], [`TypedDataSource`];
//!   [`TypedListResource`]), declared validators ([`validator`]), the `timeouts` block
//!   ([`timeouts`]) and configuration generated from state ([`generate`]).
//!
//! A resource is a schema plus hooks over a typed model; the layer does the protocol, the plan
//! rules and validation:
//!
//! ```no_run
//! use servicecatalog_provider::model;
//! use servicecatalog_provider::tfplugin::{
//!     async_trait, timeouts, Attribute, Context, Field, HookResult, ModelResponse, Schema,
//!     Timeouts, Type, TypedResource,
//! };
//!
//! struct Client;
//! struct Owner;
//!
//! model! {
//!     #[derive(Clone)]
//!     struct OwnerModel {
//!         product_id: String,
//!         owner: String,
//!         /// Computed: unknown in the plan of a create.
//!         id: Field<String>,
//!         timeouts: Timeouts,
//!     }
//! }
//!
//! #[async_trait]
//! impl TypedResource<Client> for Owner {
//!     type Model = OwnerModel;
//!     type Plan = ();
//!
//!     fn type_name(&self) -> &str { "example_owner" }
//!
//!     fn schema(&self) -> Schema {
//!         Schema::new()
//!             .description("Sets the owner of a product.")
//!             .attribute(Attribute::required("product_id", Type::String).requires_replace())
//!             .attribute(Attribute::required("owner", Type::String))
//!             .attribute(Attribute::computed("id", Type::String).use_state_for_unknown())
//!             .block(timeouts::block(&["create", "update"]))
//!     }
//!
//!     async fn create(&self, ctx: &mut Context<Client>, plan: OwnerModel,
//!                     resp: &mut ModelResponse<OwnerModel>) -> HookResult {
//!         let _client = ctx.provider_data()?;
//!         resp.state = Some(OwnerModel { id: Field::Known(plan.product_id.clone()), ..plan });
//!         Ok(())
//!     }
//!     async fn read(&self, _: &mut Context<Client>, _: OwnerModel,
//!                   _: &mut ModelResponse<OwnerModel>) -> HookResult { Ok(()) }
//!     async fn update(&self, _: &mut Context<Client>, _prior: OwnerModel, plan: OwnerModel,
//!                     resp: &mut ModelResponse<OwnerModel>) -> HookResult {
//!         resp.state = Some(plan);
//!         Ok(())
//!     }
//!     async fn delete(&self, _: &mut Context<Client>, _: OwnerModel,
//!                     _: &mut ModelResponse<OwnerModel>) -> HookResult { Ok(()) }
//! }
//! ```
//!
//! Protocol 6.11 (Terraform 1.16), as Terraform's client drives it (read in hashicorp/terraform
//! `internal/plugin6/grpc_provider.go` and its tests, commit 01141858 and later, the query
//! command's list nodes in `internal/terraform`, and the pull requests that added 6.11's
//! fields, #37986 and #38305):
//! - `terraform query` (>= 1.14) runs the `list` blocks of `.tfquery.hcl` files. A list
//!   resource's schema is its `config` block only: Terraform wraps it (beside its own
//!   `include_resource` and `limit` arguments) and sends just the `config` object, in
//!   ValidateListResourceConfig (with `include_resource` and `limit` as dynamic values that may
//!   be unknown) and in ListResource (with them as plain fields; `limit` defaults to 100).
//! - ListResource: Terraform needs the managed resource type of the same name, with an
//!   identity. It reads events until `limit` objects, then cancels the stream; it stops at the
//!   first event with an error; it skips events with only warnings; every object event must
//!   carry identity data (identity schema), and `resource_object` (resource schema) is read
//!   only when it asked for it.
//! - `-generate-config-out` calls GenerateResourceConfig with each listed object's state when
//!   the provider advertises `generate_resource_config` (it derives config itself otherwise) and
//!   writes an argument for every non-null attribute of the answer.
//! - PlanResourceChange: from 1.16, Terraform advertises `store_planned_private` and, when it
//!   plans a change a second time at apply time, sends the first plan's `planned_private` in
//!   the request's `planned_private` field (see [`Context::previous_plan`]).
//! - Terraform 1.11 (6.8) sends none of the new fields and calls none of the new RPCs.
//!
//! Choices where the protocol or the framework left room:
//! - Every RPC of 6.11 is served. What we do not offer (functions, ephemeral resources, move,
//!   state stores, actions) answers with an error diagnostic naming what was asked for, or an
//!   empty list, never a gRPC error; its streams send that one event and end.
//! - `generate_resource_config` is advertised whenever there is a resource: each answers with
//!   its `generate_config` hook (default: the state) reduced to what configuration sets.
//! - A list resource's `limit` of 0 means no limit (protobuf cannot tell it from unset);
//!   Terraform always sends a positive one.
//! - Client capabilities of every request that carries them reach the hooks through
//!   [`Context::client_capabilities`].
//! - Resource identity: a resource declares only an [`IdentitySchema`]; the server fills and
//!   checks identity data on every call (rules in [`identity`]).
//! - `plan_destroy` is advertised: `Resource::modify_plan` sees destroys, whose plan stays null
//!   (`TypedResource::modify_plan` does not).
//! - StopProvider cancels the calls in flight; calls made after it get a fresh token (as
//!   terraform-plugin-go renews its stop channel).
//! - Use-state-for-unknown copies the prior value even when it is null (framework v1.19).
//! - A default makes an optional attribute optional+computed (Terraform requires that).
//! - Same-version UpgradeResourceState drops stored attributes the schema no longer has and
//!   fills missing ones with null; older versions go to `Resource::upgrade_state`; newer ones
//!   and legacy flatmap state are errors.
//! - A hook that panics: create leaves no state, update/delete/read keep the prior state.
//! - Diagnostics describe values by kind, never by content, except validator errors quoting
//!   the (non-sensitive, user-typed) value they reject.
//! - Timeouts parse as Go durations, except that negatives are rejected.

pub mod diag;
pub mod generate;
pub mod identity;
pub mod list;
pub mod model;
pub mod object;
pub mod path;
pub mod plan;
pub mod private;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod server;
pub mod timeouts;
pub mod typed;
pub mod validator;
pub mod value;

pub use async_trait::async_trait;
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use identity::{IdentityAttribute, IdentitySchema, ImportRole};
pub use list::{
    ListEmitter, ListItem, ListRequest, ListResource, ListSink, ListValidateRequest,
    TypedListResource,
};
pub use model::{Field, FromValue, IntoValue, Model};
pub use object::ObjectExt;
pub use path::{AttributePath, PathStep};
pub use private::PrivateState;
pub use provider::{
    ClientCapabilities, ConfigureRequest, Context, CreateRequest, DataReadRequest, DataSource,
    DeleteRequest, HookResult, NotConfigured, PlanRequest, PlanResponse, Provider, ReadRequest,
    Resource, StateResponse, UpdateRequest,
};
pub use schema::{Attribute, Block, NestedBlock, Nesting, Presence, Schema};
pub use server::{
    provider_routes, provider_routes_until, provider_service, Server, MAX_MESSAGE_SIZE,
};
pub use timeouts::Timeouts;
pub use typed::{ModelPlan, ModelResponse, TypedDataSource, TypedResource};
pub use value::{Number, Type, Value};
