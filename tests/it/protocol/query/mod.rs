//! Protocol 6.10/6.11 over real gRPC, driven the way Terraform 1.16 drives it (its
//! `internal/plugin6/grpc_provider.go`): list resources for `terraform query` (the `config`
//! object alone, `include_resource_object` and `limit`; events read until the limit or the
//! first error), GenerateResourceConfig for `-generate-config-out`, deprecation messages, client
//! capabilities, and 6.11's `planned_private` on a re-plan. The provider is the toy in
//! [`toy`]; Terraform 1.11 cannot make these calls, so they are tested at the protocol level.

mod toy;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{Model, ObjectExt, PrivateState, Schema, Type, Value};

use self::toy::{
    list_schema, listed_widget, orphan, query_provider, widget_schema, Listing,
    SAW_STORE_PLANNED_PRIVATE, TOKEN, WIDGET,
};
use super::{assert_no_errors, stop_provider};
use crate::harness::plugin::{errors, path_of, undynamic, PluginClient, Typed};

/// How long a test waits for the listing to notice it should stop: a guard against hanging,
/// far above what it takes.
const PATIENCE: Duration = Duration::from_secs(10);

async fn start() -> (PluginClient, Arc<Listing>) {
    let (provider, listing) = query_provider();
    let mut client = PluginClient::serve(provider).await;
    let diagnostics = client
        .configure(&Schema::new(), &Value::object::<&str>([]))
        .await;
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    (client, listing)
}

/// The managed resource `toy_widget`, typed.
fn widget() -> Typed {
    Typed::new(WIDGET, &widget_schema())
}

/// The list resource `toy_widget`: values are its `config` block.
fn filters() -> Typed {
    Typed::new(WIDGET, &list_schema())
}

/// A list `config` object: every argument null, then `pairs`.
fn filter(pairs: &[(&str, Value)]) -> Value {
    let mut v = list_schema().null_object();
    for (k, x) in pairs {
        v.set_attr(k, x.clone());
    }
    v
}

fn count(n: i64) -> (&'static str, Value) {
    ("count", Value::number(n))
}

fn identity_type() -> Type {
    Type::object([("widget_id", Type::String)])
}

fn widget_id(event: &proto::list_resource::Event) -> String {
    let identity = event
        .identity
        .as_ref()
        .expect("an object event has an identity");
    let v = undynamic(&identity.identity_data, &identity_type());
    v.str_attr("widget_id").expect("a widget_id").to_owned()
}

/// `widget` as a state object of `toy_widget`.
fn state_of(widget: toy::WidgetModel) -> Value {
    let mut v = widget_schema().null_object();
    widget.write_object(&mut v);
    v
}

fn warnings(diags: &[proto::Diagnostic]) -> Vec<&proto::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == proto::diagnostic::Severity::Warning as i32)
        .collect()
}

async fn wait_finished(listing: &Listing) {
    tokio::time::timeout(PATIENCE, async {
        while !listing.finished.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the list hook stops once nobody reads");
}

#[tokio::test]
async fn schema_lists_the_list_resource_deprecations_and_capabilities() {
    let (mut c, _) = start().await;
    let schema = c.schema().await;
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    let caps = schema.server_capabilities.expect("capabilities");
    assert!(caps.generate_resource_config && caps.plan_destroy);
    assert!(schema.state_store_schemas.is_empty());
    assert!(schema.action_schemas.is_empty());

    let list = schema.list_resource_schemas[WIDGET].block.clone().unwrap();
    let names: Vec<&str> = list.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["count", "prefix", "color", "fail_after", "legacy_filter"]
    );
    let legacy = list.attributes.iter().find(|a| a.name == "legacy_filter");
    let legacy = legacy.unwrap();
    assert!(legacy.deprecated);
    assert_eq!(legacy.deprecation_message, "Use prefix instead.");

    let resource = schema.resource_schemas[WIDGET].block.clone().unwrap();
    let legacy = resource.attributes.iter().find(|a| a.name == "legacy_name");
    let legacy = legacy.unwrap();
    assert!(legacy.deprecated);
    assert_eq!(legacy.deprecation_message, "Use label instead.");
    let label = resource
        .attributes
        .iter()
        .find(|a| a.name == "label")
        .unwrap();
    assert!(!label.deprecated && label.deprecation_message.is_empty());

    let metadata = c
        .rpc
        .get_metadata(proto::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    let listed: Vec<&str> = metadata
        .list_resources
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    assert_eq!(listed, [WIDGET]);
    assert!(
        metadata
            .server_capabilities
            .unwrap()
            .generate_resource_config
    );
}

#[tokio::test]
async fn validate_list_config_rejects_bad_filters_on_their_paths() {
    let (mut c, _) = start().await;
    let good = filter(&[count(3), ("prefix", Value::string("w"))]);
    let diags = c
        .validate_list(
            &filters(),
            &good,
            Some(Value::Bool(true)),
            Some(Value::number(100)),
        )
        .await;
    assert!(diags.is_empty(), "{diags:?}");

    let bad = filter(&[
        count(3),
        ("prefix", Value::string("far-too-long")),
        ("color", Value::string("green")),
    ]);
    let diags = c.validate_list(&filters(), &bad, None, None).await;
    let errs = errors(&diags);
    let mut paths: Vec<Vec<String>> = errs.iter().map(|d| path_of(d)).collect();
    paths.sort();
    assert_eq!(
        paths,
        [vec!["color".to_string()], vec!["prefix".to_string()]]
    );
    let color = errs.iter().find(|d| path_of(d) == ["color"]).unwrap();
    assert!(color.detail.contains("\"green\""), "{}", color.detail);

    // Terraform sends include_resource and limit as values that may not be known yet.
    let diags = c
        .validate_list(
            &filters(),
            &good,
            Some(Value::Unknown),
            Some(Value::Unknown),
        )
        .await;
    assert!(diags.is_empty(), "{diags:?}");
    let diags = c
        .validate_list(&filters(), &good, None, Some(Value::number(-1)))
        .await;
    let errs = errors(&diags);
    assert_eq!(errs.len(), 1, "{diags:?}");
    assert!(errs[0].detail.contains("limit") && errs[0].detail.contains("-1"));

    let deprecated = filter(&[count(1), ("legacy_filter", Value::string("x"))]);
    let diags = c.validate_list(&filters(), &deprecated, None, None).await;
    assert!(errors(&diags).is_empty(), "{diags:?}");
    let warned = warnings(&diags);
    assert_eq!(warned.len(), 1, "{diags:?}");
    assert_eq!(path_of(warned[0]), ["legacy_filter"]);
    assert!(warned[0].detail.contains("Use prefix instead."));
}

#[tokio::test]
async fn list_streams_every_widget_with_identity_and_the_object_only_when_asked() {
    let (mut c, _) = start().await;
    let config = filter(&[count(5)]);
    let events = c.list(&filters(), &config, false, 100).await;
    let ids: Vec<String> = events.iter().map(widget_id).collect();
    assert_eq!(ids, ["w-0", "w-1", "w-2", "w-3", "w-4"]);
    assert_eq!(events[3].display_name, "Widget 3");
    assert!(events.iter().all(|e| e.diagnostic.is_empty()));
    assert!(events.iter().all(|e| e.resource_object.is_none()));

    let events = c.list(&filters(), &config, true, 100).await;
    assert_eq!(events.len(), 5);
    for (i, event) in events.iter().enumerate() {
        let object = widget().value(&event.resource_object);
        assert_eq!(object, state_of(listed_widget("w", i as i64)));
    }
}

#[tokio::test]
async fn list_stops_at_the_limit_and_the_hook_produces_no_more() {
    let (mut c, listing) = start().await;
    let config = filter(&[count(10), ("prefix", Value::string("lim"))]);
    let events = c.list(&filters(), &config, true, 3).await;
    let ids: Vec<String> = events.iter().map(widget_id).collect();
    assert_eq!(ids, ["lim-0", "lim-1", "lim-2"]);
    wait_finished(&listing).await;
    assert_eq!(listing.produced.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_error_mid_stream_is_an_event_with_the_diagnostic_and_the_stream_ends() {
    let (mut c, _) = start().await;
    let config = filter(&[count(5), ("fail_after", Value::number(2))]);
    let events = c.list(&filters(), &config, false, 100).await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(widget_id(&events[0]), "w-0");
    assert_eq!(widget_id(&events[1]), "w-1");
    let last = &events[2];
    assert!(last.identity.is_none());
    let errs = errors(&last.diagnostic);
    assert_eq!(errs.len(), 1, "{:?}", last.diagnostic);
    assert_eq!(errs[0].summary, "Cannot list widgets");
    assert!(errs[0].detail.contains("Widget 2"), "{}", errs[0].detail);
}

#[tokio::test]
async fn a_list_of_an_invalid_config_is_one_error_event() {
    let (mut c, listing) = start().await;
    let config = filter(&[count(5), ("prefix", Value::string("far-too-long"))]);
    let events = c.list(&filters(), &config, false, 100).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let errs = errors(&events[0].diagnostic);
    assert_eq!(errs.len(), 1);
    assert_eq!(path_of(errs[0]), ["prefix"]);
    assert_eq!(
        listing.produced.load(Ordering::SeqCst),
        0,
        "the hook never ran"
    );

    // A list resource that does not exist is an error event too, naming the type.
    let unknown = Typed::new("toy_nope", &list_schema());
    let events = c.list(&unknown, &config, false, 100).await;
    assert_eq!(events.len(), 1);
    assert!(errors(&events[0].diagnostic)[0]
        .detail
        .contains("\"toy_nope\""));
}

#[tokio::test]
async fn a_caller_that_stops_reading_stops_the_listing() {
    let (mut c, listing) = start().await;
    let config = filter(&[count(1_000_000)]);
    // No limit: Terraform's stream is cancelled when it has read what it wanted.
    let mut stream = c.list_stream(&filters(), &config, false, 0).await;
    for _ in 0..3 {
        stream.message().await.unwrap().expect("an event");
    }
    drop(stream);
    wait_finished(&listing).await;
    assert!(listing.produced.load(Ordering::SeqCst) < 1_000_000);
}

#[tokio::test]
async fn stop_provider_ends_a_listing() {
    let (mut c, listing) = start().await;
    let config = filter(&[count(1_000_000)]);
    let mut stream = c.list_stream(&filters(), &config, false, 0).await;
    stream.message().await.unwrap().expect("an event");
    let stop = stop_provider(&mut c).await;
    assert!(stop.error.is_empty());
    let drained = tokio::time::timeout(PATIENCE, async {
        let mut n = 0usize;
        while stream
            .message()
            .await
            .expect("the stream ends cleanly")
            .is_some()
        {
            n += 1;
        }
        n
    })
    .await
    .expect("the stream ends after StopProvider");
    assert!(drained < 1_000_000);
    wait_finished(&listing).await;
}

#[tokio::test]
async fn generated_config_holds_only_what_a_user_writes() {
    let (mut c, _) = start().await;
    let state = state_of(listed_widget("w", 1));
    let resp = c.generate_config(&widget(), &state).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let config = widget().value(&resp.config);
    let expected = widget_schema()
        .null_object()
        .with_attr("widget_id", Value::string("w-1"))
        .with_attr("label", Value::string("Widget 1"));
    // serial (computed) and color (at its default) are left out; so is the empty timeouts block.
    assert_eq!(config, expected);

    let red = state.clone().with_attr("color", Value::string("red"));
    let config = widget().value(&c.generate_config(&widget(), &red).await.config);
    assert_eq!(config.get("color"), Some(&Value::string("red")));

    // The resource's own hook runs first: a label that only repeats the id is left out.
    let unlabelled = state.with_attr("label", Value::string("w-1"));
    let config = widget().value(&c.generate_config(&widget(), &unlabelled).await.config);
    assert_eq!(config.get("label"), Some(&Value::Null));
    assert_eq!(config.get("widget_id"), Some(&Value::string("w-1")));

    let resp = c.generate_config(&widget(), &Value::Null).await;
    assert_eq!(errors(&resp.diagnostics).len(), 1);
    assert!(resp.config.is_none());
}

#[tokio::test]
async fn setting_a_deprecated_argument_warns_on_its_path() {
    let (mut c, _) = start().await;
    let config = widget_schema()
        .null_object()
        .with_attr("widget_id", Value::string("w-1"));
    assert!(c.validate(&widget(), &config).await.is_empty());
    let old = config.with_attr("legacy_name", Value::string("old"));
    let diags = c.validate(&widget(), &old).await;
    assert!(errors(&diags).is_empty(), "{diags:?}");
    let warned = warnings(&diags);
    assert_eq!(warned.len(), 1, "{diags:?}");
    assert_eq!(path_of(warned[0]), ["legacy_name"]);
    assert_eq!(warned[0].summary, "Deprecated attribute");
    assert!(warned[0].detail.contains("Use label instead."));
}

/// The planned private state of a create plan of `toy_widget`, as the given client sends it.
async fn plan_private(
    c: &mut PluginClient,
    caps: Option<proto::ClientCapabilities>,
    previous: Vec<u8>,
) -> PrivateState {
    let config = widget_schema()
        .null_object()
        .with_attr("widget_id", Value::string("w-9"));
    let resp = c
        .plan(proto::plan_resource_change::Request {
            client_capabilities: caps,
            planned_private: previous,
            ..widget().plan(&Value::Null, &config, &config)
        })
        .await;
    assert_no_errors(&resp.diagnostics);
    PrivateState::from_bytes(&resp.planned_private).unwrap()
}

fn token(private: &PrivateState) -> String {
    private
        .get::<String>(TOKEN)
        .unwrap()
        .expect("a planned token")
}

#[tokio::test]
async fn a_replan_at_apply_sees_the_first_plans_private_state() {
    let (mut c, _) = start().await;
    // Terraform 1.16: the first plan promises to hand its private state back ...
    let caps = Some(proto::ClientCapabilities {
        deferral_allowed: true,
        write_only_attributes_allowed: true,
        store_planned_private: true,
        computed_blocks_allowed: true,
    });
    let first = plan_private(&mut c, caps, Vec::new()).await;
    assert_eq!(
        first.get::<bool>(SAW_STORE_PLANNED_PRIVATE).unwrap(),
        Some(true)
    );
    // ... and does so when it plans the change again at apply time.
    let again = plan_private(&mut c, caps, first.to_bytes()).await;
    assert_eq!(token(&again), token(&first));

    // Terraform 1.11 sends neither: every plan is a first plan.
    let old = plan_private(&mut c, None, Vec::new()).await;
    assert_eq!(
        old.get::<bool>(SAW_STORE_PLANNED_PRIVATE).unwrap(),
        Some(false)
    );
    assert_ne!(token(&old), token(&first));
}

#[tokio::test]
async fn a_list_resource_without_a_managed_resource_with_identity_is_a_schema_problem() {
    for (resource, problem) in [
        (false, "there is no managed resource type of that name"),
        (true, "its managed resource type declares no identity"),
    ] {
        let mut c = PluginClient::serve(orphan(resource)).await;
        let schema = c.schema().await;
        let errs = errors(&schema.diagnostics);
        assert_eq!(errs.len(), 1, "{:?}", schema.diagnostics);
        assert_eq!(errs[0].summary, "Invalid provider schema");
        assert!(
            errs[0].detail.contains(WIDGET) && errs[0].detail.contains(problem),
            "{}",
            errs[0].detail
        );
        let events = c.list(&filters(), &filter(&[count(1)]), false, 100).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(
            errors(&events[0].diagnostic)[0].summary,
            "Cannot list resources"
        );
    }
}
