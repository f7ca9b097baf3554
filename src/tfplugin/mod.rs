//! The tfplugin6 protocol: generated stubs, msgpack values, schema, diagnostics, the gRPC
//! server that dispatches to resources, and the plan rules.

pub mod path;
pub mod proto;
pub mod value;
