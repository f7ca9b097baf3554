//! What users meet outside the provider itself: the registry docs, examples and guide checked against
//! the schema Terraform reads from the built provider, `servicecatalog-dist install` for a plain
//! `terraform init`, and the release files `servicecatalog-dist package` writes.

mod docs;
mod examples;
mod guide;
mod handover_guide;
mod install;
mod package;
mod release;

use std::path::PathBuf;

/// The repository root.
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
