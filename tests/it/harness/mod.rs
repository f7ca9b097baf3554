//! The one harness every suite shares.
//!
//! - [`world`]: an in-process emulator (or, for the acceptance suites, a real product: [`aws`]),
//!   an SDK client, seeding, record waits and live properties.
//! - [`sdk`]: the SDK client builder, the emulator's identities, reads and waits by client.
//! - [`terraform`] and [`hcl`]: the Terraform CLI in an isolated workdir, and the configurations.
//! - [`host`]: a provider served in-process over gRPC, with typed request helpers;
//!   [`plugin_process`]: the provider binary, launched and connected as Terraform does.
//! - [`emulator_process`]: the emulator binary as a separate process.
//! - [`http`]: raw HTTP/1.1 and a connection-counting endpoint; [`fault_proxy`]: per-request
//!   fault rates in front of an emulator.
//! - [`procfs`]: processes, scoped to what a test started.

pub mod aws;
pub mod emulator_process;
pub mod fault_proxy;
pub mod hcl;
pub mod http;
pub mod plugin;
pub mod plugin_process;
pub mod procfs;
pub mod sdk;
pub mod terraform;
pub mod world;

pub use world::World;
