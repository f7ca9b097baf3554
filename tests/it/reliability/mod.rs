//! Reliability through the real `terraform` CLI and the emulator: faults at scale, a fleet under a
//! tight rate limit, failed records, Ctrl-C during record waits, Terraform killed mid-apply (no
//! provider outlives it), the emulator killed mid-soak, a matrix of bad input, secrets hygiene,
//! a smoke run of the fuzz targets, and the evidence in `docs/reliability.md`.
//!
//! Default sizes run in a few minutes on 2 cores; `RELIABILITY_FULL=1` runs the sizes.

mod docs;
mod faults;
mod fuzz;
mod inputs;
mod orphans;
mod rate_limits;

/// Whether the long variants (issue sizes) run: `RELIABILITY_FULL=1`.
fn full() -> bool {
    std::env::var("RELIABILITY_FULL").is_ok_and(|v| v == "1")
}
