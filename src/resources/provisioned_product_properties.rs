//! `servicecatalog_provisioned_product_properties`: who owns a provisioned product (`OWNER`) and
//! which launch role it uses (`LAUNCH_ROLE`), applied with `UpdateProvisionedProductProperties`.
//!
//! Choices (also in `docs/resources/provisioned_product_properties.md`):
//! - Only the keys that differ from what is live are sent; a change that is already live makes
//!   no call and no record.
//! - The idempotency token is made at plan time and carried in planned private state, so a
//!   retried apply of the same plan never makes a second change.
//! - Read refreshes only the keys this resource manages. While the search index still shows the
//!   previous owner after our own successful change (the product's last record is ours), read
//!   waits a short, bounded time for it.
//! - A `FAILED` create leaves nothing in state (nothing changed); a timed-out or cancelled create
//!   keeps the record id in state, since the change may still complete.
//! - Destroy forgets the resource, or with `restore_on_destroy` puts back `original_properties`.
//!   A property that had no value before cannot be unset (the API has no way to), so it is left
//!   as it is, with a warning.

use std::time::Duration;

use async_trait::async_trait;

use crate::servicecatalog::{
    validate_property, validate_provisioned_product_id, AcceptLanguage, ApiError, ProductState,
    PropertyKey, PropertyMap, RecordStatus, ServiceCatalog, Wait, OWNER_CONSISTENCY_BOUND,
};
use crate::tfplugin::validator::{one_of, Validator};
use crate::tfplugin::{
    timeouts, timeouts::Timeouts, Attribute, AttributePath, Context, CreateRequest, DeleteRequest,
    Diagnostic, Diagnostics, HookResult, IdentityAttribute, IdentitySchema, PlanRequest,
    PlanResponse, ReadRequest, Resource, Schema, StateResponse, Type, UpdateRequest, Value,
};

pub const TYPE_NAME: &str = "servicecatalog_provisioned_product_properties";

const ID: &str = "id";
const PRODUCT_ID: &str = "provisioned_product_id";
const PROPERTIES: &str = "properties";
const ACCEPT_LANGUAGE: &str = "accept_language";
const RESTORE_ON_DESTROY: &str = "restore_on_destroy";
const RECORD_ID: &str = "record_id";
const RECORD_STATUS: &str = "record_status";
const ORIGINAL_PROPERTIES: &str = "original_properties";

/// Create, update and delete wait this long by default (as terraform-provider-aws does).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Planned private state key of the idempotency token.
const TOKEN: &str = "idempotency_token";

/// The resource.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProvisionedProductProperties;

#[async_trait]
impl Resource<ServiceCatalog> for ProvisionedProductProperties {
    fn type_name(&self) -> &str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let properties_doc = "Property values by key: `OWNER` (an IAM user, IAM role or STS \
            assumed-role ARN of the product's account) and/or `LAUNCH_ROLE` (an IAM role ARN). \
            At least one key.";
        Schema::new()
            .description(
                "Sets the owner and/or launch role of an AWS Service Catalog provisioned product \
                 with `UpdateProvisionedProductProperties`, and waits for the change's record to \
                 finish. Read maps the live values back, so changes made outside Terraform show \
                 as drift.",
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .use_state_for_unknown()
                    .description("The provisioned product id (same as `provisioned_product_id`)."),
            )
            .attribute(
                Attribute::required(PRODUCT_ID, Type::String)
                    .requires_replace()
                    .validator(std::sync::Arc::new(ProductIdFormat))
                    .description(
                        "Id of the provisioned product, e.g. `pp-abcd27bm4mldq`. Changing it \
                         replaces the resource.",
                    ),
            )
            .attribute(
                Attribute::required(PROPERTIES, Type::map(Type::String))
                    .validator(std::sync::Arc::new(PropertiesFormat))
                    .description(properties_doc),
            )
            .attribute(
                Attribute::optional(ACCEPT_LANGUAGE, Type::String)
                    .validator(one_of(["en", "jp", "zh"]))
                    .description(
                        "Language code for API messages: `en`, `jp` or `zh`. Defaults to the \
                         provider's `accept_language`.",
                    ),
            )
            .attribute(
                Attribute::optional(RESTORE_ON_DESTROY, Type::Bool)
                    .default(Value::Bool(false))
                    .description(
                        "On destroy, put back the values in `original_properties`. When false \
                         (the default), destroy only removes the resource from state: there is \
                         no API to unset these properties.",
                    ),
            )
            .attribute(
                Attribute::computed(RECORD_ID, Type::String)
                    .description("Id of the record of the last change this resource made."),
            )
            .attribute(
                Attribute::computed(RECORD_STATUS, Type::String).description(
                    "Status of that record: `SUCCEEDED`, `FAILED`, or the last status seen when \
                 waiting ended early.",
                ),
            )
            .attribute(
                Attribute::computed(ORIGINAL_PROPERTIES, Type::map(Type::String))
                    .use_state_for_unknown()
                    .description(
                        "The live values of the managed keys before this resource first changed \
                         them (a key that had no value is absent).",
                    ),
            )
            .block(timeouts::block(&["create", "update", "delete"]))
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(
            IdentitySchema::new().attribute(
                IdentityAttribute::required_for_import(PRODUCT_ID, Type::String)
                    .description("Id of the provisioned product, e.g. `pp-abcd27bm4mldq`."),
            ),
        )
    }

    async fn modify_plan(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        req: PlanRequest,
        resp: &mut PlanResponse,
    ) -> HookResult {
        if req.is_destroy() {
            return Ok(());
        }
        let planned = &mut resp.planned;
        let product_id = field(planned, PRODUCT_ID).clone();
        set(planned, ID, product_id);

        let prior_properties = field(&req.prior, PROPERTIES);
        if req.is_create() || field(planned, PROPERTIES) != prior_properties {
            ctx.private.set(TOKEN, &new_idempotency_token())?;
            set(planned, RECORD_ID, Value::Unknown);
            set(planned, RECORD_STATUS, Value::Unknown);
            // A newly managed key needs its original value read at apply time.
            let adds_keys = match (
                field(planned, PROPERTIES).as_map(),
                prior_properties.as_map(),
            ) {
                (Some(new), Some(old)) => new.keys().any(|k| !old.contains_key(k)),
                _ => true,
            };
            if req.is_create() || adds_keys {
                set(planned, ORIGINAL_PROPERTIES, Value::Unknown);
            }
        } else {
            // Nothing to send: the last change's record stays what it was.
            for name in [RECORD_ID, RECORD_STATUS, ORIGINAL_PROPERTIES] {
                set(planned, name, field(&req.prior, name).clone());
            }
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        req: CreateRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let planned = req.planned;
        let Start {
            sc,
            id,
            desired,
            wait,
            before,
        } = Start::new(ctx, &planned, "create").await?;

        let mut state = planned.clone();
        set(&mut state, ID, Value::string(&id));
        set(
            &mut state,
            ORIGINAL_PROPERTIES,
            map_value(&before.properties_for(desired.keys().copied())),
        );
        set(&mut state, RECORD_ID, Value::Null);
        set(&mut state, RECORD_STATUS, Value::Null);
        let token = token(ctx);
        let result = change(
            &sc,
            &id,
            &desired,
            &before,
            &token,
            language(&planned),
            &wait,
            &mut state,
        )
        .await;
        resp.state = match &result {
            // Nothing changed, so there is nothing to keep track of.
            Err(Failure::Record(_)) => Value::Null,
            _ => state,
        };
        result.map_err(Failure::into_diagnostics)
    }

    async fn read(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        req: ReadRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let sc = ctx.provider_data()?.clone();
        let state = req.state;
        let id = string(&state, PRODUCT_ID);
        let wait = Wait::new(
            OWNER_CONSISTENCY_BOUND * 2,
            ctx.cancellation_token().clone(),
        );
        let mut live = match sc.read_properties_within(&id, &wait).await {
            Ok(live) => live,
            Err(ApiError::NotFound { .. }) => {
                resp.remove();
                resp.diagnostics.push(Diagnostic::warning(
                    "Provisioned product no longer exists",
                    format!(
                        "Provisioned product {id:?} was not found, so {TYPE_NAME} was removed \
                         from state. Terraform will plan to create it again if it is still in \
                         the configuration."
                    ),
                ));
                return Ok(());
            }
            Err(e) => return Err(api_diagnostic("Cannot read the provisioned product", &e).into()),
        };

        let managed = properties_of(field(&state, PROPERTIES));
        if let Some(owner) = managed.get(&PropertyKey::Owner) {
            // Our own change succeeded but the search may not show it yet: wait, briefly.
            let ours_is_last = live.last_record_id.as_deref() == field(&state, RECORD_ID).as_str()
                && field(&state, RECORD_STATUS).as_str() == Some(RecordStatus::Succeeded.as_str());
            if !live.owner_is(owner) && ours_is_last {
                live = sc
                    .wait_for_owner(&id, owner, &wait.capped(OWNER_CONSISTENCY_BOUND))
                    .await
                    .map_err(|e| api_diagnostic("Cannot read the provisioned product", &e))?;
            }
        }
        let mut refreshed = state.clone();
        set(&mut refreshed, ID, Value::string(&id));
        set(
            &mut refreshed,
            PROPERTIES,
            map_value(&live_values(&live, &managed)),
        );
        resp.state = refreshed;
        Ok(())
    }

    async fn update(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        req: UpdateRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let planned = req.planned;
        let Start {
            sc,
            id,
            desired,
            wait,
            before,
        } = Start::new(ctx, &planned, "update").await?;

        let mut state = planned.clone();
        for name in [RECORD_ID, RECORD_STATUS] {
            if field(&state, name).is_unknown() {
                set(&mut state, name, field(&req.prior, name).clone());
            }
        }
        if field(&state, ORIGINAL_PROPERTIES).is_unknown() {
            // Keep the originals known so far; read the ones of newly managed keys now.
            let mut original = properties_of(field(&req.prior, ORIGINAL_PROPERTIES));
            let managed_before = properties_of(field(&req.prior, PROPERTIES));
            for key in desired.keys().filter(|k| !managed_before.contains_key(k)) {
                if let Some(value) = before.get(*key) {
                    original.insert(*key, value.to_owned());
                }
            }
            set(&mut state, ORIGINAL_PROPERTIES, map_value(&original));
        }
        let token = token(ctx);
        let result = change(
            &sc,
            &id,
            &desired,
            &before,
            &token,
            language(&planned),
            &wait,
            &mut state,
        )
        .await;
        resp.state = state;
        result.map_err(Failure::into_diagnostics)
    }

    async fn delete(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        req: DeleteRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let prior = req.prior;
        if field(&prior, RESTORE_ON_DESTROY).as_bool() != Some(true) {
            return Ok(());
        }
        let sc = ctx.provider_data()?.clone();
        let id = string(&prior, PRODUCT_ID);
        let original = properties_of(field(&prior, ORIGINAL_PROPERTIES));
        let mut restore = PropertyMap::new();
        for key in properties_of(field(&prior, PROPERTIES)).into_keys() {
            match original.get(&key) {
                Some(value) => {
                    restore.insert(key, value.clone());
                }
                None => resp.diagnostics.push(Diagnostic::warning(
                    "Property left as it is",
                    format!(
                        "{key} of provisioned product {id:?} had no value before this resource \
                         set it, and the API cannot unset it, so it keeps its current value."
                    ),
                )),
            }
        }
        if restore.is_empty() {
            return Ok(());
        }
        let wait = Wait::new(
            Timeouts::from_object(&prior).get("delete", DEFAULT_TIMEOUT),
            ctx.cancellation_token().clone(),
        );
        let before = match sc.read_when_available(&id, &wait).await {
            Ok(before) => before,
            // Gone already: nothing to restore.
            Err(ApiError::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(api_diagnostic("Cannot read the provisioned product", &e).into()),
        };
        let mut state = prior.clone();
        // A fresh token: the one in private state belongs to the last create or update.
        let token = new_idempotency_token();
        let result = change(
            &sc,
            &id,
            &restore,
            &before,
            &token,
            language(&prior),
            &wait,
            &mut state,
        )
        .await;
        // On error the resource stays in state, with what is really live.
        resp.state = state;
        result.map_err(Failure::into_diagnostics)
    }

    async fn import(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        id: &str,
        resp: &mut StateResponse,
    ) -> HookResult {
        validate_provisioned_product_id(id).map_err(|e| {
            Diagnostic::error(
                "Invalid import id",
                format!("Expected a provisioned product id, e.g. pp-abcd27bm4mldq: {e}"),
            )
        })?;
        let sc = ctx.provider_data()?.clone();
        let wait = Wait::new(
            OWNER_CONSISTENCY_BOUND * 2,
            ctx.cancellation_token().clone(),
        );
        let live = sc
            .read_properties_within(id, &wait)
            .await
            .map_err(|e| api_diagnostic("Cannot import the provisioned product", &e))?;
        let properties = map_value(&live.properties());
        set(&mut resp.state, ID, Value::string(id));
        set(&mut resp.state, PRODUCT_ID, Value::string(id));
        set(&mut resp.state, PROPERTIES, properties.clone());
        set(&mut resp.state, ORIGINAL_PROPERTIES, properties);
        set(&mut resp.state, RESTORE_ON_DESTROY, Value::Bool(false));
        Ok(())
    }
}

/// What create and update both start from: the client, the product, the desired values, the
/// wait for the operation, and what is live once the product is free to change.
struct Start {
    sc: ServiceCatalog,
    id: String,
    desired: PropertyMap,
    wait: Wait,
    before: ProductState,
}

impl Start {
    async fn new(
        ctx: &Context<ServiceCatalog>,
        planned: &Value,
        operation: &str,
    ) -> Result<Self, Diagnostics> {
        let sc = ctx.provider_data()?.clone();
        let id = string(planned, PRODUCT_ID);
        let wait = Wait::new(
            Timeouts::from_object(planned).get(operation, DEFAULT_TIMEOUT),
            ctx.cancellation_token().clone(),
        );
        let before = sc
            .read_when_available(&id, &wait)
            .await
            .map_err(|e| api_diagnostic("Cannot read the provisioned product", &e))?;
        Ok(Self {
            desired: properties_of(field(planned, PROPERTIES)),
            sc,
            id,
            wait,
            before,
        })
    }
}

/// How a change went wrong: the record failed (nothing changed), or anything else.
enum Failure {
    Record(ApiError),
    Other(ApiError),
}

impl Failure {
    fn into_diagnostics(self) -> Diagnostics {
        match self {
            Failure::Record(e) => api_diagnostic("The property change failed", &e).into(),
            Failure::Other(e) => api_diagnostic("The property change did not complete", &e).into(),
        }
    }
}

/// Sends the keys of `desired` that differ from `before`, waits for the record, and leaves in
/// `state` what is really live afterwards (with the record id and status).
#[allow(clippy::too_many_arguments)]
async fn change(
    sc: &ServiceCatalog,
    id: &str,
    desired: &PropertyMap,
    before: &ProductState,
    token: &str,
    language: Option<AcceptLanguage>,
    wait: &Wait,
    state: &mut Value,
) -> Result<(), Failure> {
    // Until a record succeeds, what is live is what was there before.
    set(state, PROPERTIES, map_value(&live_values(before, desired)));
    let applied = match sc
        .apply_from(id, before.clone(), desired, token, language, wait)
        .await
    {
        Ok(applied) => applied,
        Err(e) => {
            if let Some(record_id) = e.record_id() {
                set(state, RECORD_ID, Value::string(record_id));
                let status = match &e {
                    ApiError::Timeout { status, .. } => Value::string(status),
                    _ => Value::Null,
                };
                set(state, RECORD_STATUS, status);
            }
            return Err(Failure::Other(e));
        }
    };
    let Some(outcome) = applied.outcome else {
        set(state, PROPERTIES, map_value(desired));
        return Ok(());
    };
    set(state, RECORD_ID, Value::string(outcome.record_id.as_str()));
    set(state, RECORD_STATUS, Value::string(outcome.status.as_str()));
    if outcome.succeeded() {
        set(state, PROPERTIES, map_value(desired));
        return Ok(());
    }
    set(
        state,
        PROPERTIES,
        map_value(&live_values(&applied.after, desired)),
    );
    Err(Failure::Record(ApiError::RecordFailed {
        record_id: outcome.record_id.into_string(),
        errors: outcome.errors,
    }))
}

/// The live values of the keys in `managed`; a live value equal to the managed one in another
/// spelling (the owner's session ARN) keeps the managed spelling.
fn live_values(live: &ProductState, managed: &PropertyMap) -> PropertyMap {
    managed
        .iter()
        .filter_map(|(key, value)| match key {
            PropertyKey::Owner if live.owner_is(value) => Some((*key, value.clone())),
            _ => live.get(*key).map(|v| (*key, v.to_owned())),
        })
        .collect()
}

fn api_diagnostic(summary: &str, e: &ApiError) -> Diagnostic {
    Diagnostic::error(summary, e.to_string())
}

/// The plan-time token (taken out of private state, so it is never stored for a later change),
/// or a fresh one for plans made before tokens were planned.
fn token(ctx: &mut Context<ServiceCatalog>) -> String {
    let planned = ctx.private.get::<String>(TOKEN).ok().flatten();
    ctx.private.remove(TOKEN);
    planned.unwrap_or_else(new_idempotency_token)
}

fn new_idempotency_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn language(object: &Value) -> Option<AcceptLanguage> {
    field(object, ACCEPT_LANGUAGE)
        .as_str()
        .and_then(|l| l.parse().ok())
}

fn field<'a>(object: &'a Value, name: &str) -> &'a Value {
    object.get(name).unwrap_or(&Value::Null)
}

fn string(object: &Value, name: &str) -> String {
    field(object, name).as_str().unwrap_or_default().to_owned()
}

fn set(object: &mut Value, name: &str, value: Value) {
    if let Value::Object(fields) = object {
        fields.insert(name.to_owned(), value);
    }
}

/// The known, valid entries of a `properties`-style map value (validation rejected the rest).
fn properties_of(value: &Value) -> PropertyMap {
    value
        .as_map()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_owned())))
        .collect()
}

fn map_value(properties: &PropertyMap) -> Value {
    Value::map(
        properties
            .iter()
            .map(|(k, v)| (k.as_str(), Value::string(v))),
    )
}

/// `provisioned_product_id` as the API accepts it.
#[derive(Debug)]
struct ProductIdFormat;

impl Validator for ProductIdFormat {
    fn description(&self) -> String {
        "1 to 100 letters, digits, '_' or '-'".to_owned()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(Err(e)) = value.as_str().map(validate_provisioned_product_id) {
            diags.attribute_error(
                path.clone(),
                "Invalid provisioned product id",
                e.to_string(),
            );
        }
    }
}

/// `properties`: known keys, and values of the right kind of ARN.
#[derive(Debug)]
struct PropertiesFormat;

impl Validator for PropertiesFormat {
    fn description(&self) -> String {
        "OWNER and/or LAUNCH_ROLE, each an ARN of the right kind".to_owned()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(entries) = value.as_map() else {
            return;
        };
        if entries.is_empty() {
            diags.attribute_error(
                path.clone(),
                "No properties",
                "properties must set at least one key: OWNER and/or LAUNCH_ROLE.",
            );
        }
        for (key, v) in entries {
            let Some(v) = v.as_str() else { continue };
            if let Err(e) = validate_property(key, v) {
                diags.attribute_error(path.join_key(key), "Invalid property", e.to_string());
            }
        }
    }
}
