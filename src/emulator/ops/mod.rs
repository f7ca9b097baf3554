//! The Service Catalog operations, each a function of one [`Call`] (the locked [`State`], the call's
//! context, the request body), and the one operation table that routing, fault filtering, rate
//! limits, metrics and persistence read.
//!
//! By concern: `context` (what an operation runs with), `access` (visibility and access-level
//! filters), `paging`, `tokens` (idempotency), `mutate` (the idempotent-mutation pipeline every
//! change goes through), `mutations` (the four changing operations), `describe`, `search`
//! (search, scan, record history) and `seed`.

use serde_json::{Map, Value};

use super::error::ServiceError;
use super::model::State;

mod access;
mod context;
mod describe;
mod mutate;
mod mutations;
mod paging;
mod search;
mod seed;
mod tokens;

pub(crate) use context::{Ctx, Env, RecordFaults};
pub(crate) use seed::seed;
pub use seed::SeedProduct;

/// One call as an operation receives it.
pub(crate) struct Call<'c, 'a> {
    /// The state, locked for the call.
    pub state: &'c mut State,
    /// Who calls, when, and the faults that shape new records.
    pub ctx: &'c mut Ctx<'a>,
    /// The request body.
    pub body: &'c Map<String, Value>,
}

/// An operation: validates the request body, works on the state, returns the answer body.
pub(crate) type Handler = fn(Call<'_, '_>) -> Result<Value, ServiceError>;

/// One row of the operation table.
#[derive(Debug)]
pub(crate) struct Operation {
    /// Place in the table (indexes per-operation counters and rate-limit buckets).
    pub index: usize,
    /// Name, as in `X-Amz-Target: AWS242ServiceCatalogService.<name>`.
    pub name: &'static str,
    /// The implementation.
    pub handler: Handler,
    /// Whether a successful call changes what is persisted (acknowledged only once durable).
    pub mutates: bool,
}

impl Operation {
    const fn read(name: &'static str, handler: Handler) -> Operation {
        Operation {
            index: 0,
            name,
            handler,
            mutates: false,
        }
    }

    const fn write(name: &'static str, handler: Handler) -> Operation {
        Operation {
            mutates: true,
            ..Operation::read(name, handler)
        }
    }
}

const fn indexed<const N: usize>(mut table: [Operation; N]) -> [Operation; N] {
    let mut i = 0;
    while i < N {
        table[i].index = i;
        i += 1;
    }
    table
}

const fn names<const N: usize>(table: &[Operation; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = table[i].name;
        i += 1;
    }
    out
}

const TABLE_ROWS: [Operation; 9] = indexed([
    Operation::write("ProvisionProduct", mutations::provision_product),
    Operation::read(
        "DescribeProvisionedProduct",
        describe::describe_provisioned_product,
    ),
    Operation::read(
        "SearchProvisionedProducts",
        search::search_provisioned_products,
    ),
    Operation::read("ScanProvisionedProducts", search::scan_provisioned_products),
    Operation::write(
        "UpdateProvisionedProductProperties",
        mutations::update_properties,
    ),
    Operation::read("DescribeRecord", describe::describe_record),
    Operation::read("ListRecordHistory", search::list_record_history),
    Operation::write(
        "UpdateProvisionedProduct",
        mutations::update_provisioned_product,
    ),
    Operation::write(
        "TerminateProvisionedProduct",
        mutations::terminate_provisioned_product,
    ),
]);

/// The operation table.
pub(crate) static TABLE: [Operation; TABLE_ROWS.len()] = TABLE_ROWS;

const NAMES: [&str; TABLE_ROWS.len()] = names(&TABLE_ROWS);

/// Names of the operations the endpoint serves, in table order (read from the table).
pub const OPERATIONS: &[&str] = &NAMES;

/// The operation with this name.
pub(crate) fn find(name: &str) -> Option<&'static Operation> {
    TABLE.iter().find(|op| op.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_table_is_indexed_and_names_are_unique() {
        for (i, op) in TABLE.iter().enumerate() {
            assert_eq!(op.index, i);
            assert_eq!(OPERATIONS[i], op.name);
            assert_eq!(find(op.name).map(|o| o.index), Some(i));
        }
        let unique: BTreeSet<&str> = OPERATIONS.iter().copied().collect();
        assert_eq!(unique.len(), OPERATIONS.len());
        assert!(find("CreatePortfolio").is_none());
        let writes: Vec<&str> = TABLE.iter().filter(|o| o.mutates).map(|o| o.name).collect();
        assert_eq!(
            writes,
            [
                "ProvisionProduct",
                "UpdateProvisionedProductProperties",
                "UpdateProvisionedProduct",
                "TerminateProvisionedProduct"
            ]
        );
    }
}
