//! The tfplugin6 gRPC service: a thin tonic adapter (`adapter`, one generic wrapper per unary
//! and per streaming RPC; `service` is the generated trait, one line per RPC) over a dispatcher
//! with one file per concern, on decoded requests. Each RPC is an `adapter::Rpc` (decode, call,
//! encode) in its concern's file (data source and action config checks are `validate_rpcs!`
//! here); an error in a handler propagates with `?` into the answer's diagnostics. Every hook
//! runs in its own task, so a panic becomes an error diagnostic. StopProvider cancels the
//! calls in flight; later calls get a fresh token.

mod action;
mod adapter;
mod codec;
mod configure;
mod data;
mod identity;
mod import;
mod lifecycle;
mod list;
mod schema;
mod service;
mod unsupported;
mod upgrade;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::authoring::Provider;
use super::context::{ClientCapabilities, Context, HookResult};
use super::diag::{Diagnostic, Diagnostics};
use super::erased::{DynAction, DynDataSource, DynListResource, DynResource, DynValidate, Entry};
use super::plan;
use super::private::PrivateState;
use super::proto;
use super::proto::provider_server::ProviderServer;
use super::schema::Schema;
use super::value::{Type, Value};

/// Largest message accepted or sent, either way (Terraform's own plugins use the same).
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;

/// The generated gRPC service for `provider`, with 256 MiB message limits both ways; add it to
/// a `tonic::service::Routes` or a tonic `Server`.
pub fn provider_service<P: Provider>(provider: P) -> ProviderServer<Server<P>> {
    service(Server::new(provider, CancellationToken::new()))
}

/// [`provider_service`] as routes, ready for the plugin host's `serve`.
pub fn provider_routes<P: Provider>(provider: P) -> tonic::service::Routes {
    tonic::service::Routes::new(provider_service(provider))
}

/// [`provider_routes`] whose in-flight calls are also cancelled when `shutdown` is (the plugin
/// host's `Shutdown`), so they end at once with a diagnostic instead of being cut off by the
/// host's grace period. `StopProvider` still only cancels calls, never the server.
pub fn provider_routes_until<P: Provider>(
    provider: P,
    shutdown: &CancellationToken,
) -> tonic::service::Routes {
    tonic::service::Routes::new(service(Server::new(provider, shutdown.child_token())))
}

fn service<P: Provider>(server: Server<P>) -> ProviderServer<Server<P>> {
    ProviderServer::new(server)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

type ResourceEntry<D> = Entry<dyn DynResource<D>>;
type DataSourceEntry<D> = Entry<dyn DynDataSource<D>>;
type ActionEntry<D> = Entry<dyn DynAction<D>>;

/// A registered list resource, and the managed resource it lists (`None` when there is none
/// of its name; a schema problem).
pub(crate) struct ListEntry<D> {
    list: Arc<Entry<dyn DynListResource<D>>>,
    resource: Option<Arc<ResourceEntry<D>>>,
}

/// StopProvider's token: cancelled by a stop, then replaced by a fresh one.
struct StopSignal {
    root: CancellationToken,
    current: Mutex<CancellationToken>,
}

impl StopSignal {
    fn new(root: CancellationToken) -> Self {
        Self {
            current: Mutex::new(root.child_token()),
            root,
        }
    }

    /// The token for a call starting now.
    fn token(&self) -> CancellationToken {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .child_token()
    }

    /// Cancels every call in flight; later calls get a fresh token.
    fn stop(&self) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.cancel();
        *current = self.root.child_token();
    }
}

/// Implements the protocol for one [`Provider`]; build it with [`provider_service`].
pub struct Server<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    provider_type: Type,
    resources: BTreeMap<String, Arc<ResourceEntry<P::Data>>>,
    data_sources: BTreeMap<String, Arc<DataSourceEntry<P::Data>>>,
    list_resources: BTreeMap<String, Arc<ListEntry<P::Data>>>,
    actions: BTreeMap<String, Arc<ActionEntry<P::Data>>>,
    data: RwLock<Option<Arc<P::Data>>>,
    stop: StopSignal,
}

impl<P: Provider> Server<P> {
    /// A server whose calls are also cancelled when `root` is.
    fn new(provider: P, root: CancellationToken) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.implied_type();
        let resources = by_name("resource", provider.resources().into_iter().map(|r| r.0));
        let data_sources = by_name(
            "data source",
            provider.data_sources().into_iter().map(|d| d.0),
        );
        let lists = provider.list_resources().into_iter().map(|l| {
            let resource = resources.get(&l.0.name).cloned();
            Arc::new(ListEntry {
                list: l.0,
                resource,
            })
        });
        let list_resources = by_name("list resource", lists);
        let actions = by_name("action", provider.actions().into_iter().map(|a| a.0));
        Self {
            provider: Arc::new(provider),
            provider_schema,
            provider_type,
            resources,
            data_sources,
            list_resources,
            actions,
            data: RwLock::new(None),
            stop: StopSignal::new(root),
        }
    }

    fn context(&self, private: PrivateState) -> Context<P::Data> {
        let data = self.data.read().map(|d| d.clone()).unwrap_or_default();
        Context::new(data, self.stop.token(), private)
    }

    fn resource(&self, type_name: &str) -> Result<Arc<ResourceEntry<P::Data>>, Diagnostic> {
        registered("resource", &self.resources, type_name)
    }

    fn data_source(&self, type_name: &str) -> Result<Arc<DataSourceEntry<P::Data>>, Diagnostic> {
        registered("data source", &self.data_sources, type_name)
    }

    fn action(&self, type_name: &str) -> Result<Arc<ActionEntry<P::Data>>, Diagnostic> {
        registered("action", &self.actions, type_name)
    }

    fn list_resource(&self, type_name: &str) -> Result<Arc<ListEntry<P::Data>>, Diagnostic> {
        registered("list resource", &self.list_resources, type_name)
    }
}

/// The registered type of `kind` named `type_name`, or an error listing the known ones.
fn registered<T>(
    kind: &str,
    all: &BTreeMap<String, Arc<T>>,
    type_name: &str,
) -> Result<Arc<T>, Diagnostic> {
    let known = || unknown_type(kind, type_name, all.keys());
    all.get(type_name).cloned().ok_or_else(known)
}

/// A registered type's name and schema: an entry's, or a list resource's.
trait Named {
    fn name(&self) -> &str;
    fn schema(&self) -> &Schema;
}

impl<H: ?Sized> Named for Entry<H> {
    fn name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }
}

impl<D> Named for ListEntry<D> {
    fn name(&self) -> &str {
        &self.list.name
    }

    fn schema(&self) -> &Schema {
        &self.list.schema
    }
}

/// Registered types by name; a name registered twice keeps the last one, with a warning.
fn by_name<T: Named>(kind: &str, all: impl Iterator<Item = Arc<T>>) -> BTreeMap<String, Arc<T>> {
    let mut out = BTreeMap::new();
    for entry in all {
        let name = entry.name().to_owned();
        if out.insert(name.clone(), entry).is_some() {
            tracing::warn!(tf_resource_type = %name, "{kind} type registered twice; the last one wins");
        }
    }
    out
}

/// Runs a hook in its own task so that a panic in it becomes a diagnostic.
async fn guarded<T: Send + 'static>(
    rpc: &'static str,
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T, Diagnostic> {
    match tokio::spawn(fut.in_current_span()).await {
        Ok(v) => Ok(v),
        Err(e) => {
            let panicked = e.is_panic();
            if panicked {
                // The panic message is not logged: it may quote sensitive values.
                tracing::error!(rpc, "provider hook panicked");
            }
            Err(Diagnostic::error(
                "Provider internal error",
                format!(
                    "The provider {} while handling {rpc}. This is a bug in the provider; \
                     please report it with the steps that led here.",
                    if panicked {
                        "crashed"
                    } else {
                        "was interrupted"
                    }
                ),
            ))
        }
    }
}

/// Validate*Config: the schema's checks (validators, read-only attributes, deprecations), then,
/// when they pass, the type's own `check` on the config with its defaults, run guarded.
async fn validate<P, F, Fut>(
    rpc: &'static str,
    schema: &Schema,
    config: Value,
    client: ClientCapabilities,
    cx: adapter::Cx<'_, P>,
    check: F,
) -> Result<(), Diagnostic>
where
    P: Provider,
    F: FnOnce(Context<P::Data>, Value) -> Fut,
    Fut: Future<Output = HookResult> + Send + 'static,
{
    let found = plan::validate(schema, &config);
    let failed = found.has_errors();
    cx.diags.extend(found);
    if failed {
        return Ok(());
    }
    let config = plan::with_defaults(&schema.block, &config);
    let ctx = cx
        .server
        .context(PrivateState::new())
        .with_client_capabilities(client);
    let checked = guarded(rpc, check(ctx, config)).await?;
    cx.diags.extend(checked.err().unwrap_or_default());
    Ok(())
}

/// A Validate*Config or ReadDataSource request for a registered type, decoded: its config and
/// what the caller supports.
pub(crate) struct Config<H: ?Sized> {
    entry: Arc<Entry<H>>,
    config: Value,
    client: ClientCapabilities,
}

impl<H: ?Sized> Config<H> {
    fn decode(
        entry: Arc<Entry<H>>,
        config: Option<&proto::DynamicValue>,
        client: Option<&proto::ClientCapabilities>,
    ) -> Result<Self, Diagnostic> {
        Ok(Config {
            config: codec::decode(config, &entry.ty, "configuration")?,
            client: codec::client(client),
            entry,
        })
    }
}

/// [`validate`] for a registered type.
async fn validate_type<P, H>(
    rpc: &'static str,
    req: Config<H>,
    cx: adapter::Cx<'_, P>,
) -> Result<(), Diagnostic>
where
    P: Provider,
    H: DynValidate<P::Data> + ?Sized + 'static,
{
    let Config {
        entry,
        config,
        client,
    } = req;
    let hooks = entry.hooks.clone();
    let check = |ctx, config| async move { hooks.validate(&ctx, &config).await };
    validate(rpc, &entry.schema, config, client, cx, check).await
}

/// `rpc => "Name", lookup(type field), Dyn trait, client`: an RPC that decodes the config of a
/// registered type (with what the caller supports, or `no_client` when the request says
/// nothing) and answers with [`validate_type`]'s diagnostics.
macro_rules! validate_rpcs {
    ($($rpc:ident => $name:literal, $lookup:ident($field:ident), $dyn:ident, $client:ident;)*) => {$(
        #[async_trait::async_trait]
        impl<P: Provider> adapter::Rpc<P> for proto::$rpc::Request {
            const NAME: &'static str = $name;
            type Request = Config<dyn $dyn<P::Data>>;
            type Response = ();
            type Answer = proto::$rpc::Response;

            fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
                let client = validate_rpcs!(@$client self);
                Config::decode(server.$lookup(&self.$field)?, self.config.as_ref(), client)
            }

            async fn call(req: Self::Request, cx: adapter::Cx<'_, P>) -> Result<(), Diagnostic> {
                validate_type($name, req, cx).await
            }
        }
    )*};
    (@client $req:ident) => { $req.client_capabilities.as_ref() };
    (@no_client $req:ident) => { None };
}

validate_rpcs! {
    validate_data_resource_config => "ValidateDataResourceConfig",
        data_source(type_name), DynDataSource, no_client;
    validate_action_config => "ValidateActionConfig", action(type_name), DynAction, no_client;
    plan_action => "PlanAction", action(action_type), DynAction, client;
}

/// A hook's answer, or `None` with its diagnostics added to `diags`.
fn answered<T>(result: Result<T, Diagnostics>, diags: &mut Diagnostics) -> Option<T> {
    result.map_err(|d| diags.extend(d)).ok()
}

fn unknown_type<'a>(
    kind: &str,
    type_name: &str,
    known: impl Iterator<Item = &'a String>,
) -> Diagnostic {
    let known: Vec<_> = known.map(String::as_str).collect();
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!(
            "This provider has no {kind} type named {type_name:?} (it has: {}).",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    )
}
