//! Stubs generated from `proto/tfplugin6.proto` (protocol 6.11): messages, the server trait
//! and the client used by tests.

#![allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unreachable_pub,
    rustdoc::all,
    non_camel_case_types
)]

tonic::include_proto!("tfplugin6");
