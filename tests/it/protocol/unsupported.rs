//! Every RPC of protocol 6.11 the provider does not offer (and the action RPCs for a type it does
//! not have), called once the way Terraform 1.16 would, against the real provider served in-process: each answers cleanly (no gRPC error, no
//! hang) with what Terraform reads as "none" or an error naming what was asked for; the
//! streaming ones send that one event and end.

use servicecatalog_provider::provider::ServiceCatalogProvider;
use servicecatalog_provider::tfplugin::proto;

use crate::harness::plugin::{errors, PluginClient};

/// The one error of an answer, which must name `kind` and `name`.
fn names(diags: &[proto::Diagnostic], kind: &str, name: &str) {
    let errs = errors(diags);
    assert_eq!(errs.len(), 1, "{diags:?}");
    let d = errs[0];
    assert!(
        d.detail.contains(kind) && d.detail.contains(&format!("{name:?}")),
        "{}: {}",
        d.summary,
        d.detail
    );
}

async fn client() -> PluginClient {
    PluginClient::serve(ServiceCatalogProvider).await
}

#[tokio::test]
async fn functions_and_ephemeral_resources_and_moves_are_none() {
    let mut c = client().await;
    let rpc = &mut c.rpc;
    let functions = rpc
        .get_functions(proto::get_functions::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(functions.functions.is_empty() && functions.diagnostics.is_empty());
    let called = rpc
        .call_function(proto::call_function::Request {
            name: "tidy".into(),
            arguments: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(called.error.unwrap().text.contains("\"tidy\""));

    let name = "servicecatalog_secret";
    let kind = "ephemeral resource";
    let validate = proto::validate_ephemeral_resource_config::Request {
        type_name: name.into(),
        config: None,
    };
    let r = rpc.validate_ephemeral_resource_config(validate).await;
    names(&r.unwrap().into_inner().diagnostics, kind, name);
    let open = proto::open_ephemeral_resource::Request {
        type_name: name.into(),
        ..Default::default()
    };
    let r = rpc
        .open_ephemeral_resource(open)
        .await
        .unwrap()
        .into_inner();
    names(&r.diagnostics, kind, name);
    assert!(r.result.is_none());
    let renew = proto::renew_ephemeral_resource::Request {
        type_name: name.into(),
        private: None,
    };
    let r = rpc.renew_ephemeral_resource(renew).await;
    names(&r.unwrap().into_inner().diagnostics, kind, name);
    let close = proto::close_ephemeral_resource::Request {
        type_name: name.into(),
        private: None,
    };
    let r = rpc.close_ephemeral_resource(close).await;
    names(&r.unwrap().into_inner().diagnostics, kind, name);

    let moved = proto::move_resource_state::Request {
        source_type_name: "aws_thing".into(),
        target_type_name: "servicecatalog_provisioned_product_properties".into(),
        ..Default::default()
    };
    let r = rpc.move_resource_state(moved).await.unwrap().into_inner();
    assert_eq!(errors(&r.diagnostics).len(), 1);
    assert!(r.target_state.is_none());
}

#[tokio::test]
async fn state_stores_are_none() {
    let mut c = client().await;
    let rpc = &mut c.rpc;
    let (name, kind) = ("servicecatalog_store", "state store");
    let validate = proto::validate_state_store::Request {
        type_name: name.into(),
        config: None,
    };
    let r = rpc.validate_state_store_config(validate).await;
    names(&r.unwrap().into_inner().diagnostics, kind, name);
    let configure = proto::configure_state_store::Request {
        type_name: name.into(),
        ..Default::default()
    };
    let r = rpc
        .configure_state_store(configure)
        .await
        .unwrap()
        .into_inner();
    names(&r.diagnostics, kind, name);
    assert!(r.capabilities.is_none());
    let lock = proto::lock_state::Request {
        type_name: name.into(),
        state_id: "default".into(),
        operation: "apply".into(),
    };
    let r = rpc.lock_state(lock).await.unwrap().into_inner();
    names(&r.diagnostics, kind, name);
    assert!(r.lock_id.is_empty());
    let unlock = proto::unlock_state::Request {
        type_name: name.into(),
        state_id: "default".into(),
        lock_id: "l-1".into(),
    };
    let r = rpc.unlock_state(unlock).await;
    names(&r.unwrap().into_inner().diagnostics, kind, name);
    let states = proto::get_states::Request {
        type_name: name.into(),
    };
    let r = rpc.get_states(states).await.unwrap().into_inner();
    names(&r.diagnostics, kind, name);
    assert!(r.state_id.is_empty());
    let delete = proto::delete_state::Request {
        type_name: name.into(),
        state_id: "old".into(),
    };
    let r = rpc.delete_state(delete).await;
    names(&r.unwrap().into_inner().diagnostics, kind, name);

    // Server stream: one event with the error, then the end.
    let read = proto::read_state_bytes::Request {
        type_name: name.into(),
        state_id: "default".into(),
    };
    let mut stream = rpc.read_state_bytes(read).await.unwrap().into_inner();
    let only = stream.message().await.unwrap().expect("one event");
    names(&only.diagnostics, kind, name);
    assert!(only.bytes.is_empty());
    assert!(stream.message().await.unwrap().is_none());

    // Client stream: answered from the first chunk, which names the store.
    let chunks = vec![
        proto::write_state_bytes::RequestChunk {
            meta: Some(proto::RequestChunkMeta {
                type_name: name.into(),
                state_id: "default".into(),
            }),
            bytes: b"{\"version\":4}".to_vec(),
            total_length: 13,
            range: Some(proto::StateRange { start: 0, end: 12 }),
        },
        proto::write_state_bytes::RequestChunk::default(),
    ];
    let r = rpc.write_state_bytes(tokio_stream::iter(chunks)).await;
    names(&r.unwrap().into_inner().diagnostics, kind, name);
    // Nothing to write (Terraform then sends no chunk at all) is answered too.
    let none: Vec<proto::write_state_bytes::RequestChunk> = Vec::new();
    let r = rpc.write_state_bytes(tokio_stream::iter(none)).await;
    assert_eq!(errors(&r.unwrap().into_inner().diagnostics).len(), 1);
}

#[tokio::test]
async fn an_action_type_it_does_not_have_is_named() {
    let mut c = client().await;
    let rpc = &mut c.rpc;
    let (name, kind) = ("servicecatalog_notify", "action");
    let validate = proto::validate_action_config::Request {
        type_name: name.into(),
        config: None,
    };
    let r = rpc.validate_action_config(validate).await;
    names(&r.unwrap().into_inner().diagnostics, kind, name);
    let plan = proto::plan_action::Request {
        action_type: name.into(),
        ..Default::default()
    };
    let r = rpc.plan_action(plan).await.unwrap().into_inner();
    names(&r.diagnostics, kind, name);
    assert!(r.deferred.is_none());

    // Server stream: one completed event carrying the error, then the end.
    let invoke = proto::invoke_action::Request {
        action_type: name.into(),
        ..Default::default()
    };
    let mut stream = rpc.invoke_action(invoke).await.unwrap().into_inner();
    let only = stream.message().await.unwrap().expect("one event");
    let Some(proto::invoke_action::event::Type::Completed(done)) = only.r#type else {
        panic!("the one event completes the action: {only:?}");
    };
    names(&done.diagnostics, kind, name);
    assert!(stream.message().await.unwrap().is_none());
}

#[tokio::test]
async fn the_schema_offers_no_state_stores_or_functions() {
    let mut c = client().await;
    let schema = c.schema().await;
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    assert!(schema.state_store_schemas.is_empty());
    assert!(schema.ephemeral_resource_schemas.is_empty());
    assert!(schema.functions.is_empty());
    assert!(schema.server_capabilities.unwrap().generate_resource_config);
}
