//! The integration tests: one test binary, one shared harness ([`harness`]), a module per suite.
//!
//! - [`acceptance`]: the real `terraform` CLI drives the provider binary against an in-process
//!   emulator (or, with `TF_ACC_AWS=1`, a real product: `docs/acceptance-tests.md`).
//! - [`protocol`]: the tfplugin6 layer, identity and the data source over in-process gRPC, the
//!   provider binary's go-plugin contract over mTLS, and the msgpack codec's goldens.
//! - [`servicecatalog_api`]: the Service Catalog API layer against the emulator.
//! - [`emulator`]: the emulator through the SDK and raw HTTP, its faults and control API, and
//!   its binary.
//! - [`reliability`]: faults at scale, interruption, crashes, bad input, secrets, fuzz smoke.
//! - [`ecosystem`]: registry docs and examples against the served schema, install, packaging.

mod harness;

mod acceptance;
mod ecosystem;
mod emulator;
mod protocol;
mod reliability;
mod servicecatalog_api;
