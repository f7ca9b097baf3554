//! terraform-provider-servicecatalog: a Terraform/OpenTofu provider for the properties
//! (`OWNER`, `LAUNCH_ROLE`) of AWS Service Catalog provisioned products, and
//! servicecatalog-emulator, a local Service Catalog endpoint to test it against.
//!
//! Layers, bottom up:
//! - [`plugin`]: the go-plugin host contract (handshake, mTLS, controller, stdio, health, logging).
//! - [`tfplugin`]: the tfplugin6 protocol (stubs, values, schema, diagnostics, server, plan rules).
//! - [`provider`] over [`list_resources`] over [`resources`] and [`data_sources`]: our provider.
//! - [`servicecatalog`]: the small AWS API layer the resource uses.
//! - [`emulator`]: the local Service Catalog endpoint.

pub mod data_sources;
pub mod dist;
pub mod emulator;
pub mod list_resources;
pub mod plugin;
pub mod provider;
pub mod resources;
pub mod servicecatalog;
pub mod tfplugin;
