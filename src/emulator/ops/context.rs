//! What an operation runs with: the caller, the time, the account ([`Env`]) and the faults that
//! shape new records ([`RecordFaults`]).

use std::collections::BTreeSet;

use crate::emulator::principal::Principal;

/// Fixed facts about the emulated account.
#[derive(Clone, Debug)]
pub(crate) struct Env {
    /// Account id.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// ARN partition.
    pub partition: String,
    /// Record latency in seconds.
    pub record_latency_secs: f64,
    /// Launch role of new products.
    pub launch_role_arn: Option<String>,
}

/// The faults that shape the records a call creates (a view of the active faults).
#[derive(Debug)]
pub(crate) struct RecordFaults<'a> {
    /// The next N records fail; counts down as records are created.
    pub fail_next: &'a mut u32,
    /// Every record of these products (ids or names) fails.
    pub fail_products: &'a BTreeSet<String>,
    /// Replaces the configured record latency, in seconds.
    pub latency_secs: Option<f64>,
    /// Search keeps showing the previous owner this long after an owner change…
    pub search_lag_secs: f64,
    /// …and for this many searches.
    pub search_lag_calls: u32,
}

/// One call's context.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    /// Who calls.
    pub caller: &'a Principal,
    /// Epoch seconds.
    pub now: f64,
    /// Account facts.
    pub env: &'a Env,
    /// Faults applied to new records.
    pub faults: RecordFaults<'a>,
}
