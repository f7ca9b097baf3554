//! Generated messages, servers and clients for go-plugin's `plugin` package
//! (`GRPCController`, `GRPCStdio`, `GRPCBroker`).

#![allow(missing_docs, clippy::all, clippy::pedantic)]

tonic::include_proto!("plugin");
