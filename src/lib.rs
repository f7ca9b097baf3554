//! terraform-provider-servicecatalog: a Terraform/OpenTofu provider for the properties
//! (`OWNER`, `LAUNCH_ROLE`) of AWS Service Catalog provisioned products, and
//! servicecatalog-emulator, a local Service Catalog endpoint to test it against.
//!
//! Layers, bottom up:
//! - [`host`]: the go-plugin host contract (handshake, mTLS, controller, stdio, health, logging).
//! - [`tfplugin`]: the tfplugin6 protocol layer (values, schemas, diagnostics, the server and its
//!   plan rules) and the traits a resource is written with, over typed models.
//! - [`provider`] (our provider block) over [`list_resources`] over [`resources`] and
//!   [`data_sources`], and [`actions`].
//! - [`servicecatalog`]: the AWS API layer they use (reads, changes, record waits, search,
//!   errors as sentences).
//! - [`emulator`]: the local Service Catalog endpoint.
//! - [`dist`]: installing the provider without a registry, and release packaging.

pub mod actions;
pub mod data_sources;
pub mod dist;
pub mod emulator;
pub mod host;
pub mod list_resources;
pub mod provider;
pub mod resources;
pub mod servicecatalog;
pub mod tfplugin;
