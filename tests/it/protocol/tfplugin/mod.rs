//! The tfplugin6 layer over real gRPC: a toy provider ([`toy`]) served in-process on
//! 127.0.0.1:0 and driven with the generated client stubs and msgpack from the codec.

mod toy;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::value;
use servicecatalog_provider::tfplugin::{DataSource, Number, Provider, Type, Value};
use tokio::sync::Notify;

use self::toy::{s, set, toy_schema, toy_type, Echo, TestProvider};
use super::{identity_schemas, stop_provider};
use crate::harness::plugin::{errors, path_of, PluginClient, Typed};

// ---------- harness ----------

async fn start() -> (PluginClient, Arc<Notify>) {
    let started = Arc::new(Notify::new());
    let client = PluginClient::serve(TestProvider {
        started: started.clone(),
    })
    .await;
    (client, started)
}

/// `toy_thing`, typed.
fn thing() -> Typed {
    Typed::new("toy_thing", &toy_schema())
}

/// A toy_thing object: every attribute null, timeouts absent, then `pairs`.
fn toy(pairs: &[(&str, Value)]) -> Value {
    let mut obj = toy_schema().null_object();
    for (k, v) in pairs {
        set(&mut obj, k, v.clone());
    }
    obj
}

fn dv(v: &Value) -> Option<proto::DynamicValue> {
    thing().dv(v)
}

fn undv(d: &Option<proto::DynamicValue>) -> Value {
    thing().value(d)
}

async fn configure(c: &mut PluginClient) {
    let schema = TestProvider {
        started: Arc::new(Notify::new()),
    }
    .schema();
    let config = Value::Object([("endpoint".to_string(), s("emu"))].into());
    let diagnostics = c.configure(&schema, &config).await;
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

async fn plan(
    c: &mut PluginClient,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> proto::plan_resource_change::Response {
    c.plan(thing().plan(prior, proposed, config)).await
}

async fn apply(
    c: &mut PluginClient,
    prior: &Value,
    planned: Option<proto::DynamicValue>,
    config: &Value,
    planned_private: Vec<u8>,
) -> proto::apply_resource_change::Response {
    c.apply(thing().apply(prior, planned, config, planned_private))
        .await
}

/// Plan then apply a create of `config`, as Terraform would.
async fn create(c: &mut PluginClient, config: &Value) -> proto::apply_resource_change::Response {
    c.create(&thing(), config).await.1
}

// ---------- tests ----------

#[tokio::test]
async fn schema_round_trips_types_flags_descriptions_and_blocks() {
    let (mut c, _) = start().await;
    let resp = c.schema().await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert!(resp.server_capabilities.unwrap().plan_destroy);
    assert!(resp.data_source_schemas.contains_key("toy_echo"));
    let schema = &resp.resource_schemas["toy_thing"];
    let block = schema.block.as_ref().unwrap();
    assert_eq!(block.description, "A toy *thing*.");
    assert_eq!(block.description_kind, proto::StringKind::Markdown as i32);
    let attr = |n: &str| block.attributes.iter().find(|a| a.name == n).unwrap();
    let name = attr("name");
    assert!(name.required && !name.optional && !name.computed);
    assert_eq!(
        name.description,
        "Name; changing it **replaces** the thing."
    );
    assert!(attr("token").sensitive && attr("token").optional);
    assert!(attr("id").computed && !attr("id").optional && !attr("id").required);
    let ty = |n: &str| serde_json::from_slice::<serde_json::Value>(&attr(n).r#type).unwrap();
    assert_eq!(ty("tags"), json!(["map", "string"]));
    assert_eq!(ty("size"), json!("number"));

    let t = &block.block_types[0];
    assert_eq!(t.type_name, "timeouts");
    assert_eq!(
        t.nesting,
        proto::schema::nested_block::NestingMode::Single as i32
    );
    let inner = t.block.as_ref().unwrap();
    let names: Vec<_> = inner.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["create", "delete"]);
    assert!(inner.attributes.iter().all(|a| a.optional && !a.required));

    // The implied type Terraform derives from the wire schema is the one values are coded with.
    let mut fields = serde_json::Map::new();
    for a in &block.attributes {
        fields.insert(a.name.clone(), serde_json::from_slice(&a.r#type).unwrap());
    }
    fields.insert(
        "timeouts".into(),
        json!(["object", {"create": "string", "delete": "string"}]),
    );
    assert_eq!(
        json!(["object", fields]),
        toy_type().to_json(),
        "wire schema and implied type disagree"
    );

    let meta = c
        .rpc
        .get_metadata(proto::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(meta.resources[0].type_name, "toy_thing");
    assert_eq!(meta.data_sources[0].type_name, "toy_echo");
}

#[tokio::test]
async fn validate_reports_exact_attribute_paths() {
    let (mut c, _) = start().await;
    let config = toy(&[
        ("name", s("a")),
        ("id", s("mine")),
        ("mode", s("medium")),
        ("tags", Value::Map([("team".to_string(), s(""))].into())),
        (
            "timeouts",
            Value::Object([("create".into(), s("1d")), ("delete".into(), s("90s"))].into()),
        ),
    ]);
    let diags = c.validate(&thing(), &config).await;
    let mut paths: Vec<_> = errors(&diags)
        .iter()
        .map(|d| path_of(d).join("."))
        .collect();
    paths.sort();
    assert_eq!(paths, ["id", "mode", "tags.[\"team\"]", "timeouts.create"]);
    let mode = diags.iter().find(|d| path_of(d) == ["mode"]).unwrap();
    assert!(mode.detail.contains("\"medium\""), "{}", mode.detail);
    let t = diags
        .iter()
        .find(|d| path_of(d) == ["timeouts", "create"])
        .unwrap();
    assert!(t.detail.contains("\"1d\""), "{}", t.detail);
}

#[tokio::test]
async fn validators_skip_unknown_values_and_json_config_is_read() {
    let (mut c, _) = start().await;
    let config = toy(&[
        ("name", Value::Unknown),
        ("mode", Value::Unknown),
        ("tags", Value::Unknown),
        (
            "timeouts",
            Value::Object(
                [
                    ("create".into(), Value::Unknown),
                    ("delete".into(), Value::Null),
                ]
                .into(),
            ),
        ),
    ]);
    assert!(c.validate(&thing(), &config).await.is_empty());

    // JSON fallback when msgpack is empty
    let resp = c
        .rpc
        .validate_resource_config(proto::validate_resource_config::Request {
            type_name: "toy_thing".into(),
            config: Some(proto::DynamicValue {
                msgpack: vec![],
                json: serde_json::to_vec(&json!({
                    "name": "a", "size": null, "mode": "nope", "tags": null, "token": null,
                    "behavior": null, "id": null, "revision": null, "timeouts": null
                }))
                .unwrap(),
            }),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.diagnostics.len(), 1, "{:?}", resp.diagnostics);
    assert_eq!(path_of(&resp.diagnostics[0]), ["mode"]);
}

#[tokio::test]
async fn unknown_type_names_and_bad_values_are_diagnostics() {
    let (mut c, _) = start().await;
    let resp = c
        .rpc
        .validate_resource_config(proto::validate_resource_config::Request {
            type_name: "toy_nope".into(),
            config: None,
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics[0].detail.contains("\"toy_nope\""));
    assert!(resp.diagnostics[0].detail.contains("toy_thing"));

    // an object with the wrong attribute count does not decode; the error says which value
    let short = Value::Object([("name".to_string(), s("a"))].into());
    let bad = value::encode_msgpack(
        &short,
        &Type::Object([("name".to_string(), Type::String)].into()),
    )
    .unwrap();
    let resp = c
        .rpc
        .plan_resource_change(proto::plan_resource_change::Request {
            type_name: "toy_thing".into(),
            config: Some(proto::DynamicValue {
                msgpack: bad,
                json: vec![],
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let e = errors(&resp.diagnostics);
    assert_eq!(e.len(), 1);
    assert!(e[0].summary.contains("configuration"), "{}", e[0].summary);
}

#[tokio::test]
async fn plan_marks_unknowns_keeps_state_and_replaces_only_on_change() {
    let (mut c, _) = start().await;
    // create with an unknown config value
    let config = toy(&[("name", s("a")), ("size", Value::Unknown)]);
    let p = plan(&mut c, &Value::Null, &config, &config).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let planned = undv(&p.planned_state);
    assert_eq!(planned.get("size"), Some(&Value::Unknown));
    assert_eq!(planned.get("id"), Some(&Value::Unknown));
    assert_eq!(planned.get("revision"), Some(&Value::Unknown));
    assert_eq!(planned.get("name"), Some(&s("a")));
    assert!(p.requires_replace.is_empty());

    let prior = toy(&[
        ("name", s("a")),
        ("size", Value::Number(Number::Int(1))),
        ("id", s("emu/1")),
        ("revision", s("r1")),
    ]);
    // no-op: config equals what is there
    let config = toy(&[("name", s("a")), ("size", Value::Number(Number::Int(1)))]);
    let p = plan(&mut c, &prior, &prior, &config).await;
    assert_eq!(undv(&p.planned_state), prior);
    assert!(p.requires_replace.is_empty());

    // in-place change: id kept (use-state-for-unknown), revision unknown, no replacement
    let config = toy(&[("name", s("a")), ("size", Value::Number(Number::Int(2)))]);
    let mut proposed = prior.clone();
    set(&mut proposed, "size", Value::Number(Number::Int(2)));
    let p = plan(&mut c, &prior, &proposed, &config).await;
    let planned = undv(&p.planned_state);
    assert_eq!(planned.get("id"), Some(&s("emu/1")));
    assert_eq!(planned.get("revision"), Some(&Value::Unknown));
    assert_eq!(planned.get("size"), Some(&Value::Number(Number::Int(2))));
    assert!(p.requires_replace.is_empty());

    // rename: requires replacement at exactly `name`
    let config = toy(&[("name", s("b")), ("size", Value::Number(Number::Int(1)))]);
    let mut proposed = prior.clone();
    set(&mut proposed, "name", s("b"));
    let p = plan(&mut c, &prior, &proposed, &config).await;
    assert_eq!(p.requires_replace.len(), 1);
    assert_eq!(
        p.requires_replace[0].steps[0].selector,
        Some(proto::attribute_path::step::Selector::AttributeName(
            "name".into()
        ))
    );

    // destroy stays null
    let p = plan(&mut c, &prior, &Value::Null, &Value::Null).await;
    assert_eq!(undv(&p.planned_state), Value::Null);
    assert!(p.diagnostics.is_empty());
}

#[tokio::test]
async fn apply_returns_state_and_planned_private_reaches_apply() {
    let (mut c, _) = start().await;
    configure(&mut c).await;
    let config = toy(&[("name", s("a"))]);
    let p = plan(&mut c, &Value::Null, &config, &config).await;
    let private: serde_json::Value = serde_json::from_slice(&p.planned_private).unwrap();
    assert_eq!(private["plan_marker"], "p1");
    let a = apply(
        &mut c,
        &Value::Null,
        p.planned_state,
        &config,
        p.planned_private,
    )
    .await;
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    let state = undv(&a.new_state);
    assert_eq!(state.get("id"), Some(&s("emu/1")));
    assert_eq!(state.get("revision"), Some(&s("r1")));
    let private: serde_json::Value = serde_json::from_slice(&a.private).unwrap();
    assert_eq!(private["seen_plan_marker"], "p1");

    // update, then delete
    let mut proposed = state.clone();
    set(&mut proposed, "size", Value::Number(Number::Int(3)));
    let config2 = toy(&[("name", s("a")), ("size", Value::Number(Number::Int(3)))]);
    let p = plan(&mut c, &state, &proposed, &config2).await;
    let a = apply(&mut c, &state, p.planned_state, &config2, p.planned_private).await;
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    let updated = undv(&a.new_state);
    assert_eq!(updated.get("revision"), Some(&s("r2")));
    assert_eq!(updated.get("id"), Some(&s("emu/1")));
    let a = apply(&mut c, &updated, dv(&Value::Null), &Value::Null, vec![]).await;
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    assert_eq!(undv(&a.new_state), Value::Null);
}

#[tokio::test]
async fn apply_before_configure_is_a_clear_diagnostic() {
    let (mut c, _) = start().await;
    let a = create(&mut c, &toy(&[("name", s("a"))])).await;
    let e = errors(&a.diagnostics);
    assert_eq!(e[0].summary, "Provider not configured");
    assert_eq!(undv(&a.new_state), Value::Null);
}

#[tokio::test]
async fn partial_state_comes_back_with_the_error() {
    let (mut c, _) = start().await;
    configure(&mut c).await;
    let a = create(
        &mut c,
        &toy(&[("name", s("a")), ("behavior", s("partial"))]),
    )
    .await;
    assert_eq!(errors(&a.diagnostics)[0].summary, "Create half done");
    let state = undv(&a.new_state);
    assert_eq!(state.get("id"), Some(&s("emu/1")));
    assert_eq!(state.get("revision"), Some(&Value::Null));
}

#[tokio::test]
async fn inconsistent_apply_result_names_the_attribute() {
    let (mut c, _) = start().await;
    configure(&mut c).await;
    let a = create(&mut c, &toy(&[("name", s("a")), ("behavior", s("drift"))])).await;
    let e = errors(&a.diagnostics);
    assert_eq!(e.len(), 1, "{:?}", a.diagnostics);
    assert_eq!(path_of(e[0]), ["name"]);
    assert!(
        !e[0].detail.contains("not-what-was-planned"),
        "no values in diagnostics"
    );
}

#[tokio::test]
async fn stop_cancels_in_flight_apply_while_the_server_keeps_answering() {
    let (mut c, started) = start().await;
    configure(&mut c).await;
    let mut c2 = c.clone();
    let in_flight = tokio::spawn(async move {
        create(&mut c2, &toy(&[("name", s("a")), ("behavior", s("wait"))])).await
    });
    started.notified().await;
    let schema = c.schema().await;
    assert!(schema.resource_schemas.contains_key("toy_thing"));
    let stop = stop_provider(&mut c).await;
    assert_eq!(stop.error, "");
    // hang guard only: the apply must end because of the stop
    let a = tokio::time::timeout(Duration::from_secs(60), in_flight)
        .await
        .expect("apply did not observe StopProvider")
        .unwrap();
    assert_eq!(errors(&a.diagnostics)[0].summary, "Create cancelled");
    // a call made after the stop gets a fresh token: it runs normally
    let later = create(
        &mut c,
        &toy(&[("name", s("b")), ("behavior", s("check_stop"))]),
    )
    .await;
    assert!(later.diagnostics.is_empty(), "{:?}", later.diagnostics);
    assert_eq!(undv(&later.new_state).get("name"), Some(&s("b")));
    // and a later stop cancels what is in flight then
    let mut c3 = c.clone();
    let in_flight = tokio::spawn(async move {
        create(&mut c3, &toy(&[("name", s("c")), ("behavior", s("wait"))])).await
    });
    started.notified().await;
    stop_provider(&mut c).await;
    let a = tokio::time::timeout(Duration::from_secs(60), in_flight)
        .await
        .expect("apply did not observe the second StopProvider")
        .unwrap();
    assert_eq!(errors(&a.diagnostics)[0].summary, "Create cancelled");
    let again = c.schema().await;
    assert!(again.resource_schemas.contains_key("toy_thing"));
}

#[tokio::test]
async fn a_ten_mib_request_is_accepted() {
    let (mut c, _) = start().await;
    let big = "x".repeat(10 * 1024 * 1024);
    let diags = c
        .validate(&thing(), &toy(&[("name", s("a")), ("token", s(&big))]))
        .await;
    assert!(diags.is_empty(), "{diags:?}");
}

async fn upgrade(
    c: &mut PluginClient,
    version: i64,
    raw: &serde_json::Value,
) -> proto::upgrade_resource_state::Response {
    c.upgrade_state("toy_thing", version, raw).await
}

#[tokio::test]
async fn upgrade_from_json_answers_msgpack() {
    let (mut c, _) = start().await;
    // current version: decoded as is; attributes the schema no longer has are dropped and
    // ones it gained since (here `behavior`) read as null
    let raw = json!({
        "name": "a", "size": 2, "mode": null, "tags": {"team": "x"}, "token": null,
        "id": "emu/1", "revision": "r1", "timeouts": null,
        "removed_long_ago": true
    });
    let resp = upgrade(&mut c, 1, &raw).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let state = undv(&resp.upgraded_state);
    assert_eq!(state.get("id"), Some(&s("emu/1")));
    assert_eq!(state.get("behavior"), Some(&Value::Null));
    assert_eq!(state.get("size"), Some(&Value::Number(Number::Int(2))));
    assert_eq!(
        state.get("tags"),
        Some(&Value::Map(BTreeMap::from([("team".to_string(), s("x"))])))
    );

    // an older version goes through the resource's upgrade hook
    let mut v0 = raw.clone();
    v0["size"] = json!("2");
    v0.as_object_mut().unwrap().remove("removed_long_ago");
    let resp = upgrade(&mut c, 0, &v0).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(
        undv(&resp.upgraded_state).get("size"),
        Some(&Value::Number(Number::Int(2)))
    );

    let flat = c
        .rpc
        .upgrade_resource_state(proto::upgrade_resource_state::Request {
            type_name: "toy_thing".into(),
            version: 1,
            raw_state: Some(proto::RawState {
                json: vec![],
                flatmap: [("id".to_string(), "x".to_string())].into(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(flat.diagnostics[0].detail.contains("flatmap"));
    assert!(flat.upgraded_state.is_none());

    let newer = upgrade(&mut c, 7, &raw).await;
    assert!(newer.diagnostics[0].detail.contains("version 7"));
    assert!(newer.upgraded_state.is_none());
}

#[tokio::test]
async fn read_import_and_data_source() {
    let (mut c, _) = start().await;
    configure(&mut c).await;
    let current = toy(&[
        ("name", s("a")),
        ("id", s("emu/1")),
        ("behavior", s("gone")),
    ]);
    let r = c.read(thing().read(&current, &[])).await;
    assert!(r.diagnostics.is_empty());
    assert_eq!(undv(&r.new_state), Value::Null, "gone objects read as null");

    let i = c
        .import(proto::import_resource_state::Request {
            type_name: "toy_thing".into(),
            id: "emu/42".into(),
            ..Default::default()
        })
        .await;
    assert!(i.diagnostics.is_empty(), "{:?}", i.diagnostics);
    let imported = undv(&i.imported_resources[0].state);
    assert_eq!(imported.get("id"), Some(&s("emu/42")));
    assert_eq!(imported.get("timeouts"), Some(&Value::Null));

    let echo = Typed::new("toy_echo", &Echo.schema());
    let cfg = Value::Object([("input".into(), s("hi")), ("output".into(), Value::Null)].into());
    let d = c.read_data(&echo, &cfg).await;
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    let state = echo.value(&d.state);
    assert_eq!(state.get("output"), Some(&s("emu:hi")));
}

#[tokio::test]
async fn unimplemented_rpcs_answer_cleanly() {
    let (mut c, _) = start().await;
    let m = c
        .rpc
        .move_resource_state(proto::move_resource_state::Request {
            target_type_name: "toy_thing".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&m.diagnostics).len(), 1);
    let f = c
        .rpc
        .call_function(proto::call_function::Request {
            name: "f".into(),
            arguments: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(f.error.unwrap().text.contains("\"f\""));
    let g = c
        .rpc
        .get_functions(proto::get_functions::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(g.functions.is_empty() && g.diagnostics.is_empty());
    let ids = identity_schemas(&mut c).await;
    assert!(ids.identity_schemas.is_empty() && ids.diagnostics.is_empty());
    let u = c
        .rpc
        .upgrade_resource_identity(proto::upgrade_resource_identity::Request {
            type_name: "toy_thing".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&u.diagnostics).len(), 1);
    let o = c
        .rpc
        .open_ephemeral_resource(proto::open_ephemeral_resource::Request {
            type_name: "toy_secret".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(o.diagnostics[0].detail.contains("toy_secret"));
}

#[tokio::test]
async fn a_panicking_hook_is_a_diagnostic_and_the_server_keeps_serving() {
    let (mut c, _) = start().await;
    configure(&mut c).await;
    let a = create(
        &mut c,
        &toy(&[
            ("name", s("a")),
            ("behavior", s("panic")),
            ("token", s("s3cret")),
        ]),
    )
    .await;
    let e = errors(&a.diagnostics);
    assert_eq!(e[0].summary, "Provider internal error");
    for d in &a.diagnostics {
        assert!(!d.detail.contains("s3cret") && !d.detail.contains("panicked at"));
        assert!(!d.detail.contains("stack backtrace") && !d.detail.contains(".rs:"));
    }
    assert_eq!(undv(&a.new_state), Value::Null);
    let ok = create(&mut c, &toy(&[("name", s("b"))])).await;
    assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
}

#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_carry_rpc_fields_but_no_attribute_values() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Scoped to this thread, where the current-thread runtime also runs the in-process server:
    // the other tests of the binary neither log here nor lose their own logging.
    let _logging = tracing::subscriber::set_default(subscriber);

    let (mut c, _) = start().await;
    configure(&mut c).await;
    // Other tests may have hit the server's callsites first, with no subscriber to interest;
    // recompute their interest now that this thread has one.
    tracing::callsite::rebuild_interest_cache();
    let config = toy(&[("name", s("visible-name")), ("token", s("s3cret-token"))]);
    assert!(c.validate(&thing(), &config).await.is_empty());
    let a = create(&mut c, &config).await;
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("tf_rpc=\"ApplyResourceChange\""), "{log}");
    assert!(log.contains("tf_resource_type=\"toy_thing\""), "{log}");
    assert!(log.contains("tf_req_id="), "{log}");
    assert!(!log.contains("s3cret-token"), "sensitive value logged");
    assert!(!log.contains("visible-name"), "attribute value logged");
}
