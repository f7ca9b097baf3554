//! Shared harness for driving a provider over real gRPC in-process: serve it on 127.0.0.1:0
//! (plaintext), connect the generated client, and move values in and out as msgpack.
//! Include with `#[path = "support/tfplugin.rs"] mod tfplugin_support;`.
#![allow(dead_code)]

use servicecatalog_provider::tfplugin::proto::{self, provider_client::ProviderClient};
use servicecatalog_provider::tfplugin::{
    provider_service, value, Provider, Type, Value, MAX_MESSAGE_SIZE,
};
use tonic::transport::Channel;

/// Serves `provider` on an ephemeral loopback port and returns a connected client with the
/// same 256 MiB limits Terraform uses.
pub async fn serve<P: Provider>(provider: P) -> ProviderClient<Channel> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(provider_service(provider))
            .serve_with_incoming(incoming),
    );
    ProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// `v` as a msgpack DynamicValue of type `ty`.
pub fn dynamic(v: &Value, ty: &Type) -> Option<proto::DynamicValue> {
    Some(proto::DynamicValue {
        msgpack: value::encode_msgpack(v, ty).unwrap(),
        json: Vec::new(),
    })
}

/// Decodes an answer, checking it is msgpack only (as Terraform expects).
pub fn undynamic(d: &Option<proto::DynamicValue>, ty: &Type) -> Value {
    let d = d.as_ref().expect("a dynamic value");
    assert!(d.json.is_empty(), "answers must be msgpack only");
    value::decode_msgpack(&d.msgpack, ty).unwrap()
}

/// A diagnostic's attribute path as readable steps: `["tags", "[\"team\"]"]`.
pub fn path_of(d: &proto::Diagnostic) -> Vec<String> {
    use proto::attribute_path::step::Selector;
    d.attribute
        .as_ref()
        .map(|p| {
            p.steps
                .iter()
                .map(|s| match s.selector.as_ref().unwrap() {
                    Selector::AttributeName(n) => n.clone(),
                    Selector::ElementKeyString(k) => format!("[{k:?}]"),
                    Selector::ElementKeyInt(i) => format!("[{i}]"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Only the error diagnostics.
pub fn errors(diags: &[proto::Diagnostic]) -> Vec<&proto::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == proto::diagnostic::Severity::Error as i32)
        .collect()
}
