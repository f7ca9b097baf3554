//! Who sees what: visibility by access level, the `AccessLevelFilter` member, and finding a
//! product by id or name among those the caller sees.

use crate::emulator::arn;
use crate::emulator::error::{ErrorCode, ServiceError};
use crate::emulator::input::{self, Input};
use crate::emulator::model::{ProvisionedProduct, Record, State};
use crate::emulator::principal::{AccessLevel, Principal};

/// Whether `caller` sees something owned by `owner`/`session` at `level`.
pub(super) fn can_see(level: AccessLevel, caller: &Principal, owner: &str, session: &str) -> bool {
    match level {
        AccessLevel::Account => true,
        AccessLevel::Role => {
            owner == caller.arn
                || session == caller.arn
                || match (arn::role_of(&caller.arn), arn::role_of(owner)) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                }
        }
        AccessLevel::User => owner == caller.arn || session == caller.arn,
    }
}

/// Whether `caller` sees a record at `level`: the current owner of its product sees all of the
/// product's records; once the product is gone, the owner at the time does.
pub(super) fn record_visible(
    state: &State,
    rec: &Record,
    caller: &Principal,
    level: AccessLevel,
) -> bool {
    match state.products.get(&rec.provisioned_product_id) {
        Some(pp) => can_see(level, caller, &pp.user_arn, &pp.user_arn_session),
        None => can_see(level, caller, &rec.owner_arn, &rec.owner_arn_session),
    }
}

/// Reads `AccessLevelFilter`: absent → `default` lowered to the caller's granted level; a level
/// above the granted one → `AccessDeniedException`.
pub(super) fn access_level(
    input: &mut Input<'_>,
    default: AccessLevel,
    caller: &Principal,
    op: &str,
) -> Result<AccessLevel, ServiceError> {
    let Some(filter) = input.opt_object("AccessLevelFilter")? else {
        return Ok(default.min(caller.access_level));
    };
    let (key, value) = input.nested(filter, "accessLevelFilter".into(), |i| {
        Ok((
            i.opt_enum("Key", &["Account", "Role", "User"])?,
            i.opt_str("Value", &input::ANY)?,
        ))
    })?;
    input.finish()?;
    let level = key.and_then(AccessLevel::parse).unwrap_or(default);
    if let Some(v) = value {
        if v != "self" {
            return Err(ServiceError::invalid_parameters(format!(
                "AccessLevelFilter.Value '{v}' is not supported; the only supported value is 'self'"
            )));
        }
    }
    if level > caller.access_level {
        return Err(ServiceError::new(
            ErrorCode::AccessDenied,
            format!(
                "{} is not authorized to perform servicecatalog:{op} with AccessLevelFilter {} \
                 (granted access level: {})",
                caller.arn, level, caller.access_level
            ),
        ));
    }
    Ok(level)
}

/// A product named by id or by name (exactly one of them), with the request members they came from.
#[derive(Clone, Copy, Debug)]
pub(super) struct Lookup<'b> {
    pub id: Option<&'b str>,
    pub name: Option<&'b str>,
    pub id_member: &'static str,
    pub name_member: &'static str,
}

impl Lookup<'_> {
    /// The product, if it exists and the caller sees it at its granted level.
    pub(super) fn find<'s>(
        &self,
        state: &'s State,
        caller: &Principal,
    ) -> Result<&'s ProvisionedProduct, ServiceError> {
        let (id_member, name_member) = (self.id_member, self.name_member);
        let not_found =
            |key: &str| ServiceError::not_found(format!("provisioned product {key} not found"));
        let pp = match (self.id, self.name) {
            (Some(id), None) => state.products.get(id).ok_or_else(|| not_found(id))?,
            (None, Some(name)) => state
                .products
                .values()
                .find(|p| p.name == name || p.arn == name)
                .ok_or_else(|| not_found(name))?,
            (Some(_), Some(_)) => {
                return Err(ServiceError::invalid_parameters(format!(
                    "provide either {id_member} or {name_member}, not both"
                )))
            }
            (None, None) => {
                return Err(ServiceError::invalid_parameters(format!(
                    "either {id_member} or {name_member} must be provided"
                )))
            }
        };
        let level = caller.access_level;
        if can_see(level, caller, &pp.user_arn, &pp.user_arn_session) {
            Ok(pp)
        } else {
            Err(not_found(&pp.id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCT: &str = "arn:aws:iam::123456789012";

    #[test]
    fn role_level_sees_the_role_and_its_sessions() {
        let dev = Principal::new(
            "arn:aws:sts::123456789012:assumed-role/Dev/carol",
            AccessLevel::Role,
        );
        let role_owned = format!("{ACCT}:role/team/Dev");
        let other_session = "arn:aws:sts::123456789012:assumed-role/Dev/dave";
        assert!(can_see(AccessLevel::Role, &dev, &role_owned, &role_owned));
        assert!(can_see(
            AccessLevel::Role,
            &dev,
            other_session,
            other_session
        ));
        let ops = format!("{ACCT}:role/Ops");
        assert!(!can_see(AccessLevel::Role, &dev, &ops, &ops));
        assert!(!can_see(
            AccessLevel::User,
            &dev,
            other_session,
            other_session
        ));
        assert!(can_see(AccessLevel::Account, &dev, &ops, &ops));
    }
}
