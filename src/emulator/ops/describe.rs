//! `DescribeProvisionedProduct` and `DescribeRecord`: one product or record, as its owner (or an
//! account-level caller) sees it.

use serde_json::{json, Value};

use super::access::{record_visible, Lookup};
use super::paging::{by_offset, page, with_next};
use super::Call;
use crate::emulator::error::ServiceError;
use crate::emulator::input::{self, Input};
use crate::emulator::model::outputs;

pub(super) fn describe_provisioned_product(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
    let id = i.opt_str("Id", &input::ID)?;
    let name = i.opt_str("Name", &input::PP_NAME)?;
    i.finish()?;
    let lookup = Lookup {
        id,
        name,
        id_member: "Id",
        name_member: "Name",
    };
    let pp = lookup.find(state, ctx.caller)?;
    Ok(json!({ "ProvisionedProductDetail": pp.detail(), "CloudWatchDashboards": [] }))
}

pub(super) fn describe_record(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
    let id = i.req_str("Id", &input::ID)?;
    let (start, size) = page(&mut i, 20, 20)?;
    // The current owner sees all past records; a previous owner does not.
    let rec = state
        .records
        .get(id)
        .filter(|r| record_visible(state, r, ctx.caller, ctx.caller.access_level))
        .ok_or_else(|| ServiceError::not_found(format!("record {id} not found")))?;
    let (items, next) = by_offset(&rec.outputs, &start, size)?;
    Ok(with_next(
        json!({ "RecordDetail": rec.detail(), "RecordOutputs": outputs(items) }),
        next,
    ))
}
