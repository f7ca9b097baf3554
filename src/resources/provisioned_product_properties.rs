//! `servicecatalog_provisioned_product_properties`: who owns a provisioned product (`OWNER`) and
//! which launch role it uses (`LAUNCH_ROLE`), set with `UpdateProvisionedProductProperties`. The
//! idempotency token is chosen at plan time and kept in planned private state, so applying the
//! same plan twice makes one change. Its choices are in `docs/resources/provisioned_product_properties.md`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

use crate::servicecatalog::{
    validate_property, validate_provisioned_product_id, AcceptLanguage, ApiError, Change,
    ChangeOutcome, PropertyMap, RecordId, RecordRef, RecordStatus, ServiceCatalog,
};
use crate::tfplugin::validator::{check, check_entries, not_empty, one_of};
use crate::tfplugin::{
    timeouts, Attribute, Context, Diagnostic, Diagnostics, Field, HookResult, IdentityAttribute,
    IdentitySchema, ModelPlan, ModelResponse, Resource, Schema, Timeouts, Type, Value,
};

pub const TYPE_NAME: &str = "servicecatalog_provisioned_product_properties";

/// Create, update and delete wait this long by default (as terraform-provider-aws does).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Planned private state key of the idempotency token.
const TOKEN: &str = "idempotency_token";

crate::model! {
    /// The resource's config, planned state at apply, and state.
    #[derive(Clone, Debug)]
    pub struct Properties {
        /// Same as `provisioned_product_id` (unknown in a plan whose product id is).
        pub id: Field<String>,
        pub provisioned_product_id: String,
        pub properties: PropertyMap,
        pub accept_language: Option<AcceptLanguage>,
        pub restore_on_destroy: bool,
        pub record_id: Field<String>,
        pub record_status: Field<String>,
        pub original_properties: Field<PropertyMap>,
        pub timeouts: Timeouts,
    }
}

crate::model! {
    /// What planning reads and sets; config may still be unknown then, in whole or per key.
    pub struct Planned {
        pub id: Field<String>,
        pub provisioned_product_id: Field<String>,
        pub properties: Field<BTreeMap<String, Field<String>>>,
        pub record_id: Field<String>,
        pub record_status: Field<String>,
        pub original_properties: Field<PropertyMap>,
    }
}

/// `properties`, as the resource and the hand-over action take it: at least one key, each
/// value checked as the API checks it.
pub fn properties_attribute() -> Attribute {
    Attribute::required("properties", Type::map(Type::String))
        .validator(not_empty(
            "No properties",
            "properties must set at least one key: OWNER and/or LAUNCH_ROLE.",
        ))
        .validator(check_entries(
            "Invalid property",
            "OWNER and/or LAUNCH_ROLE, each an ARN of the right kind",
            validate_property,
        ))
        .description(
            "Property values by key: `OWNER` (an IAM user, IAM role or STS assumed-role ARN of \
             the product's account) and/or `LAUNCH_ROLE` (an IAM role ARN). At least one key.",
        )
}

/// The resource.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProvisionedProductProperties;

#[async_trait]
impl Resource<ServiceCatalog> for ProvisionedProductProperties {
    type Model = Properties;
    type Plan = Planned;

    fn type_name(&self) -> &str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description(
                "Sets the owner and/or launch role of an AWS Service Catalog provisioned product \
                 with `UpdateProvisionedProductProperties`, and waits for the change's record to \
                 finish. Read maps the live values back, so changes made outside Terraform show \
                 as drift.",
            )
            .attribute(
                Attribute::computed("id", Type::String)
                    .use_state_for_unknown()
                    .description("The provisioned product id (same as `provisioned_product_id`)."),
            )
            .attribute(
                Attribute::required("provisioned_product_id", Type::String)
                    .requires_replace()
                    .validator(check(
                        "Invalid provisioned product id",
                        "1 to 100 letters, digits, '_' or '-'",
                        validate_provisioned_product_id,
                    ))
                    .description(
                        "Id of the provisioned product, e.g. `pp-abcd27bm4mldq`. Changing it \
                         replaces the resource.",
                    ),
            )
            .attribute(properties_attribute())
            .attribute(
                Attribute::optional("accept_language", Type::String)
                    .validator(one_of(["en", "jp", "zh"]))
                    .description(
                        "Language code for API messages: `en`, `jp` or `zh`. Defaults to the \
                         provider's `accept_language`.",
                    ),
            )
            .attribute(
                Attribute::optional("restore_on_destroy", Type::Bool)
                    .default(Value::Bool(false))
                    .description(
                        "On destroy, put back the values in `original_properties`. When false \
                         (the default), destroy only removes the resource from state: there is \
                         no API to unset these properties.",
                    ),
            )
            .attribute(
                Attribute::computed("record_id", Type::String)
                    .description("Id of the record of the last change this resource made."),
            )
            .attribute(
                Attribute::computed("record_status", Type::String).description(
                    "Status of that record: `SUCCEEDED`, `FAILED`, or the last status seen when \
                 waiting ended early.",
                ),
            )
            .attribute(
                Attribute::computed("original_properties", Type::map(Type::String))
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
                IdentityAttribute::required_for_import("provisioned_product_id", Type::String)
                    .description("Id of the provisioned product, e.g. `pp-abcd27bm4mldq`."),
            ),
        )
    }

    async fn modify_plan(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        plan: &mut ModelPlan<Planned>,
    ) -> HookResult {
        let prior = plan.prior.as_ref();
        let planned = &mut plan.planned;
        planned.id = planned.provisioned_product_id.clone();
        if let Some(prior) = prior.filter(|p| p.properties == planned.properties) {
            // Nothing to send: the last change's record stays what it was.
            planned.record_id = prior.record_id.clone();
            planned.record_status = prior.record_status.clone();
            planned.original_properties = prior.original_properties.clone();
            return Ok(());
        }
        let token = previous_token(ctx).unwrap_or_else(new_idempotency_token);
        ctx.private.set(TOKEN, &token)?;
        planned.record_id = Field::Unknown;
        planned.record_status = Field::Unknown;
        // A newly managed key needs its original value read at apply time.
        let old_keys = prior.and_then(|p| p.properties.known());
        let adds_keys = match (planned.properties.known(), old_keys) {
            (Some(new), Some(old)) => new.keys().any(|k| !old.contains_key(k)),
            _ => true,
        };
        if adds_keys {
            planned.original_properties = Field::Unknown;
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        plan: Properties,
        resp: &mut ModelResponse<Properties>,
    ) -> HookResult {
        apply(ctx, None, plan, resp).await
    }

    async fn read(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        state: Properties,
        resp: &mut ModelResponse<Properties>,
    ) -> HookResult {
        let sc = ctx.provider_data()?;
        let id = state.provisioned_product_id.clone();
        let last_change = state.last_change();
        let cancel = ctx.cancellation_token();
        let live = match sc
            .refresh(&id, &state.properties, last_change.as_ref(), cancel)
            .await
        {
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
        resp.state = Some(Properties {
            id: Field::Known(id),
            properties: live.values_of(&state.properties),
            ..state
        });
        Ok(())
    }

    async fn update(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        prior: Properties,
        plan: Properties,
        resp: &mut ModelResponse<Properties>,
    ) -> HookResult {
        apply(ctx, Some(prior), plan, resp).await
    }

    async fn delete(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        prior: Properties,
        resp: &mut ModelResponse<Properties>,
    ) -> HookResult {
        if !prior.restore_on_destroy {
            return Ok(());
        }
        let id = &prior.provisioned_product_id;
        let original = prior
            .original_properties
            .known()
            .cloned()
            .unwrap_or_default();
        let mut restore = PropertyMap::new();
        for key in prior.properties.keys() {
            match original.get(key) {
                Some(value) => {
                    restore.insert(*key, value.clone());
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
        // A fresh token: the one in private state belongs to the last create or update.
        let change = prior.change(restore, new_idempotency_token(), "delete");
        let outcome = ctx
            .provider_data()?
            .change(&change, ctx.cancellation_token())
            .await;
        match &outcome.error {
            // Gone already: nothing to restore.
            Some(ApiError::NotFound { .. }) if outcome.before.is_none() => return Ok(()),
            // The resource stays in state, with what is really live.
            Some(_) if outcome.before.is_some() => resp.state = Some(prior.after(&outcome)),
            _ => {}
        }
        result(outcome)
    }

    async fn import(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        id: &str,
    ) -> Result<Properties, Diagnostics> {
        validate_provisioned_product_id(id).map_err(|e| {
            Diagnostic::error(
                "Invalid import id",
                format!("Expected a provisioned product id, e.g. pp-abcd27bm4mldq: {e}"),
            )
        })?;
        let sc = ctx.provider_data()?;
        let live = sc
            .refresh(id, &PropertyMap::new(), None, ctx.cancellation_token())
            .await
            .map_err(|e| api_diagnostic("Cannot import the provisioned product", &e))?;
        Ok(Properties::imported(id, live.properties()))
    }
}

impl Properties {
    /// The state an import of product `id` whose live properties are `live` starts from (the
    /// list resource sends the same objects).
    pub fn imported(id: &str, live: PropertyMap) -> Self {
        Properties {
            id: Field::Known(id.to_owned()),
            provisioned_product_id: id.to_owned(),
            properties: live.clone(),
            accept_language: None,
            restore_on_destroy: false,
            record_id: Field::Null,
            record_status: Field::Null,
            original_properties: Field::Known(live),
            timeouts: Timeouts::default(),
        }
    }

    /// The change that makes `desired` live on this object's product.
    fn change(&self, desired: PropertyMap, idempotency_token: String, operation: &str) -> Change {
        Change {
            id: self.provisioned_product_id.clone(),
            desired,
            idempotency_token,
            accept_language: self.accept_language,
            timeout: self.timeouts.get(operation, DEFAULT_TIMEOUT),
        }
    }

    /// This object before its change (`prior`: the state it updates, `None` on create): the
    /// last record until a new one is made, and the originals of the keys it starts managing,
    /// as they were live `before`.
    fn before_change(self, prior: Option<&Properties>, before: &PropertyMap) -> Self {
        let original_properties = match self.original_properties {
            Field::Unknown => {
                let mut original = prior
                    .and_then(|p| p.original_properties.known().cloned())
                    .unwrap_or_default();
                for (key, value) in before {
                    if !prior.is_some_and(|p| p.properties.contains_key(key)) {
                        original.insert(*key, value.clone());
                    }
                }
                Field::Known(original)
            }
            planned => planned,
        };
        let last = |field: Field<String>, prior: Option<Field<String>>| {
            field.or_if_unknown(prior.unwrap_or(Field::Null))
        };
        Properties {
            id: Field::Known(self.provisioned_product_id.clone()),
            record_id: last(self.record_id, prior.map(|p| p.record_id.clone())),
            record_status: last(self.record_status, prior.map(|p| p.record_status.clone())),
            original_properties,
            ..self
        }
    }

    /// This object after `outcome`: what is live of its keys, and the change's record.
    fn after(self, outcome: &ChangeOutcome) -> Self {
        let (record_id, record_status) = match &outcome.record {
            Some(record) => (
                Field::Known(record.id.to_string()),
                record
                    .status
                    .as_ref()
                    .map_or(Field::Null, |s| Field::Known(s.as_str().to_owned())),
            ),
            None => (self.record_id, self.record_status),
        };
        Properties {
            properties: outcome.live.clone(),
            record_id,
            record_status,
            ..self
        }
    }

    /// The last change this object's state records.
    fn last_change(&self) -> Option<RecordRef> {
        Some(RecordRef {
            id: RecordId::new(self.record_id.known()?.clone()),
            status: self
                .record_status
                .known()
                .map(|s| RecordStatus::from(s.as_str())),
        })
    }
}

/// Create (`prior` is `None`) or update: make the plan's properties live.
async fn apply(
    ctx: &mut Context<ServiceCatalog>,
    prior: Option<Properties>,
    plan: Properties,
    resp: &mut ModelResponse<Properties>,
) -> HookResult {
    let operation = if prior.is_some() { "update" } else { "create" };
    let change = plan.change(plan.properties.clone(), planned_token(ctx), operation);
    let outcome = ctx
        .provider_data()?
        .change(&change, ctx.cancellation_token())
        .await;
    // Unread, nothing was sent; a FAILED create changed nothing: state stays what it was.
    let failed_create = prior.is_none() && outcome.record_failed();
    if let (Some(before), false) = (&outcome.before, failed_create) {
        resp.state = Some(plan.before_change(prior.as_ref(), before).after(&outcome));
    }
    result(outcome)
}

/// A change's outcome as the hook's result.
fn result(outcome: ChangeOutcome) -> HookResult {
    let summary = if outcome.before.is_none() {
        "Cannot read the provisioned product"
    } else if outcome.record_failed() {
        "The property change failed"
    } else {
        "The property change did not complete"
    };
    match outcome.error {
        Some(e) => Err(api_diagnostic(summary, &e).into()),
        None => Ok(()),
    }
}

fn api_diagnostic(summary: &str, e: &ApiError) -> Diagnostic {
    Diagnostic::error(summary, e.to_string())
}

/// The token the first plan of this change chose, when Terraform (>= 1.16) plans it again at
/// apply time and hands that plan's private state back.
fn previous_token(ctx: &Context<ServiceCatalog>) -> Option<String> {
    ctx.previous_plan()?.get::<String>(TOKEN).ok().flatten()
}

/// The plan-time token (taken out of private state, so it is never stored for a later change),
/// or a fresh one for plans made before tokens were planned.
fn planned_token(ctx: &mut Context<ServiceCatalog>) -> String {
    let planned = ctx.private.get::<String>(TOKEN).ok().flatten();
    ctx.private.remove(TOKEN);
    planned.unwrap_or_else(new_idempotency_token)
}

fn new_idempotency_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::model::unknown_attributes;
    use crate::tfplugin::Model;

    #[test]
    fn the_models_match_the_schema() {
        let schema = Resource::schema(&ProvisionedProductProperties);
        assert!(schema.problems().is_empty(), "{:?}", schema.problems());
        assert!(unknown_attributes::<Properties>(&schema).is_empty());
        assert!(unknown_attributes::<Planned>(&schema).is_empty());
        let implied = schema.implied_type();
        let crate::tfplugin::Type::Object(all) = implied else {
            panic!("a resource schema implies an object type");
        };
        let mut names: Vec<&str> = all.keys().map(String::as_str).collect();
        let mut model = Properties::ATTRIBUTES.to_vec();
        names.sort_unstable();
        model.sort_unstable();
        assert_eq!(model, names, "the state model holds every attribute");
    }

    fn create_plan() -> ModelPlan<Planned> {
        let owner = Field::Known("arn:aws:iam::123456789012:role/Team".to_string());
        ModelPlan {
            prior: None,
            planned: Planned {
                id: Field::Unknown,
                provisioned_product_id: Field::Known("pp-1".into()),
                properties: Field::Known([("OWNER".to_string(), owner)].into()),
                record_id: Field::Unknown,
                record_status: Field::Unknown,
                original_properties: Field::Unknown,
            },
            requires_replace: Vec::new(),
        }
    }

    async fn planned_token(ctx: Context<ServiceCatalog>) -> String {
        let mut ctx = ctx;
        let mut plan = create_plan();
        Resource::modify_plan(&ProvisionedProductProperties, &mut ctx, &mut plan)
            .await
            .unwrap();
        ctx.private
            .get::<String>(TOKEN)
            .unwrap()
            .expect("a change plans a token")
    }

    fn context() -> Context<ServiceCatalog> {
        use crate::tfplugin::PrivateState;
        Context::new(None, Default::default(), PrivateState::new())
    }

    #[test]
    fn generated_config_is_the_product_and_its_properties_and_what_else_was_set() {
        use crate::servicecatalog::PropertyKey;
        use crate::tfplugin::erased::{AsResource, DynResource};
        use crate::tfplugin::{generate, ObjectExt};
        let schema = Resource::schema(&ProvisionedProductProperties);
        let owner = "arn:aws:iam::123456789012:role/Team";
        let live = PropertyMap::from([(PropertyKey::Owner, owner.to_owned())]);
        let mut state = schema.null_object();
        Properties::imported("pp-1", live).write_object(&mut state);
        state.set_attr("record_id", Value::string("rec-1"));
        state.set_attr("record_status", Value::string("SUCCEEDED"));
        let generate = |state: &Value| {
            let hooked = AsResource(ProvisionedProductProperties).generate_config(state.clone());
            generate::config_from_state(&schema.block, &hooked.unwrap())
        };
        let written = schema
            .null_object()
            .with_attr("provisioned_product_id", Value::string("pp-1"))
            .with_attr("properties", Value::map([("OWNER", Value::string(owner))]));
        assert_eq!(generate(&state), written);
        // Arguments set to other than their default are part of what the user wrote.
        let set = state
            .with_attr("accept_language", Value::string("jp"))
            .with_attr("restore_on_destroy", Value::Bool(true));
        let expected = written
            .with_attr("accept_language", Value::string("jp"))
            .with_attr("restore_on_destroy", Value::Bool(true));
        assert_eq!(generate(&set), expected);
    }

    #[tokio::test]
    async fn a_replan_at_apply_keeps_the_token_of_the_first_plan() {
        use crate::tfplugin::PrivateState;
        let first = planned_token(context()).await;
        // Terraform < 1.16: each plan makes its own token.
        assert_ne!(planned_token(context()).await, first);
        // Terraform >= 1.16 hands the re-plan the first plan's private state.
        let mut previous = PrivateState::new();
        previous.set(TOKEN, &first).unwrap();
        let again = planned_token(context().with_previous_plan(previous)).await;
        assert_eq!(again, first);
    }
}
