//! The toy provider protocol 6.10/6.11 is tested with: `toy_widget`, a typed resource with an
//! identity (`widget_id`), a default, a deprecated argument, a computed and a write-only
//! attribute, which plans a token (kept across a re-plan) and records the caller's
//! capabilities in planned private state; and a typed list resource of the same name whose
//! config says how many widgets exist and at which one listing fails. [`orphan`] serves the
//! list resource without an identified managed resource.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use servicecatalog_provider::model;
use servicecatalog_provider::tfplugin::validator::{length, one_of};
use servicecatalog_provider::tfplugin::{
    timeouts, Attribute, Context, Diagnostic, Diagnostics, Field, HookResult, IdentityAttribute,
    IdentitySchema, ListEmitter, ListItem, ListResource, ModelPlan, ModelResponse, Resource,
    Schema, Timeouts, Type, Value,
};

use crate::protocol::toys::Toys;

pub const WIDGET: &str = "toy_widget";

/// Private state keys the resource plans.
pub const TOKEN: &str = "token";
pub const SAW_STORE_PLANNED_PRIVATE: &str = "saw_store_planned_private";

/// What the list hook did, for tests to look at.
#[derive(Default)]
pub struct Listing {
    /// Widgets handed to the sink.
    pub produced: AtomicU64,
    /// The hook has returned.
    pub finished: AtomicBool,
}

/// The provider: `toy_widget` as a managed resource with an identity and as a list resource
/// whose hook reports to the returned [`Listing`].
pub fn query_provider() -> (Toys, Arc<Listing>) {
    let listing = Arc::new(Listing::default());
    let provider = Toys::default()
        .resource(Widget { identity: true })
        .list_resource(WidgetList {
            listing: listing.clone(),
        });
    (provider, listing)
}

model! {
    #[derive(Clone, Debug)]
    pub struct WidgetModel {
        pub widget_id: String,
        pub label: Option<String>,
        pub color: Option<String>,
        pub legacy_name: Option<String>,
        pub serial: Field<String>,
        pub secret: Option<String>,
        pub timeouts: Timeouts,
    }
}

/// `toy_widget`, with or without its identity.
pub struct Widget {
    identity: bool,
}

pub fn widget_schema() -> Schema {
    Schema::new()
        .attribute(Attribute::required("widget_id", Type::String).requires_replace())
        .attribute(Attribute::optional("label", Type::String))
        .attribute(Attribute::optional("color", Type::String).default(Value::string("blue")))
        .attribute(
            Attribute::optional("legacy_name", Type::String).deprecated("Use label instead."),
        )
        .attribute(Attribute::computed("serial", Type::String).use_state_for_unknown())
        .attribute(Attribute::optional("secret", Type::String).write_only())
        .block(timeouts::block(&["create"]))
}

#[async_trait]
impl Resource<()> for Widget {
    type Model = WidgetModel;
    type Plan = ();

    fn type_name(&self) -> &str {
        WIDGET
    }

    fn schema(&self) -> Schema {
        widget_schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.identity.then(|| {
            IdentitySchema::new().attribute(IdentityAttribute::required_for_import(
                "widget_id",
                Type::String,
            ))
        })
    }

    /// Plans a token, the first plan's when Terraform hands it back, and notes whether the
    /// caller promised to (`store_planned_private`).
    async fn modify_plan(&self, ctx: &mut Context<()>, _plan: &mut ModelPlan<()>) -> HookResult {
        let previous = ctx
            .previous_plan()
            .and_then(|p| p.get::<String>(TOKEN).ok().flatten());
        let token = previous.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let promised = ctx.client_capabilities().store_planned_private;
        ctx.private.set(TOKEN, &token)?;
        ctx.private.set(SAW_STORE_PLANNED_PRIVATE, &promised)?;
        Ok(())
    }

    /// A label that only repeats the id is what the API shows for "no label": leave it out.
    fn generate_config(&self, state: WidgetModel) -> Result<WidgetModel, Diagnostics> {
        let label = state.label.filter(|l| *l != state.widget_id);
        Ok(WidgetModel { label, ..state })
    }

    async fn create(
        &self,
        _ctx: &mut Context<()>,
        planned: WidgetModel,
        resp: &mut ModelResponse<WidgetModel>,
    ) -> HookResult {
        let serial = Field::Known(format!("s-{}", planned.widget_id));
        resp.state = Some(WidgetModel { serial, ..planned });
        Ok(())
    }

    async fn read(
        &self,
        _ctx: &mut Context<()>,
        _state: WidgetModel,
        _resp: &mut ModelResponse<WidgetModel>,
    ) -> HookResult {
        Ok(())
    }

    async fn update(
        &self,
        _ctx: &mut Context<()>,
        _prior: WidgetModel,
        planned: WidgetModel,
        resp: &mut ModelResponse<WidgetModel>,
    ) -> HookResult {
        resp.state = Some(planned);
        Ok(())
    }

    async fn delete(
        &self,
        _ctx: &mut Context<()>,
        _prior: WidgetModel,
        _resp: &mut ModelResponse<WidgetModel>,
    ) -> HookResult {
        Ok(())
    }
}

model! {
    /// The list block's `config`.
    pub struct WidgetFilter {
        count: i64,
        prefix: Option<String>,
        fail_after: Option<i64>,
    }
}

pub fn list_schema() -> Schema {
    Schema::new()
        .attribute(Attribute::required("count", Type::Number))
        .attribute(Attribute::optional("prefix", Type::String).validator(length(1, 8)))
        .attribute(Attribute::optional("color", Type::String).validator(one_of(["blue", "red"])))
        .attribute(Attribute::optional("fail_after", Type::Number))
        .attribute(
            Attribute::optional("legacy_filter", Type::String).deprecated("Use prefix instead."),
        )
}

/// The widget with index `i`, as listed (and as it is in state).
pub fn listed_widget(prefix: &str, i: i64) -> WidgetModel {
    let widget_id = format!("{prefix}-{i}");
    WidgetModel {
        serial: Field::Known(format!("s-{widget_id}")),
        widget_id,
        label: Some(format!("Widget {i}")),
        color: Some("blue".into()),
        legacy_name: None,
        secret: None,
        timeouts: Timeouts::default(),
    }
}

pub struct WidgetList {
    listing: Arc<Listing>,
}

/// Marks the hook finished however it returns.
struct Finished<'a>(&'a AtomicBool);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[async_trait]
impl ListResource<()> for WidgetList {
    type Config = WidgetFilter;
    type Model = WidgetModel;

    fn type_name(&self) -> &str {
        WIDGET
    }

    fn schema(&self) -> Schema {
        list_schema()
    }

    /// Widgets `0..count`, failing (as a visibility error would) at `fail_after`.
    async fn list(
        &self,
        _ctx: &mut Context<()>,
        config: WidgetFilter,
        out: &mut ListEmitter<'_, WidgetModel>,
    ) -> HookResult {
        let _finished = Finished(&self.listing.finished);
        let prefix = config.prefix.unwrap_or_else(|| "w".into());
        for i in 0..config.count {
            if config.fail_after == Some(i) {
                return Err(Diagnostic::error(
                    "Cannot list widgets",
                    format!("Widget {i} is not visible to this caller; ask for access to it."),
                )
                .into());
            }
            self.listing.produced.fetch_add(1, Ordering::SeqCst);
            let item = ListItem::new(format!("Widget {i}"), listed_widget(&prefix, i));
            if !out.send(item).await {
                return Ok(());
            }
            tokio::task::yield_now().await;
        }
        Ok(())
    }
}

/// A provider whose list resource lacks what Terraform needs: no managed resource of its name
/// (`resource: false`), or one without an identity.
pub fn orphan(resource: bool) -> Toys {
    let toys = Toys::default().list_resource(WidgetList {
        listing: Arc::default(),
    });
    if resource {
        toys.resource(Widget { identity: false })
    } else {
        toys
    }
}
