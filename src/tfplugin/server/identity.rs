//! Resource identity: GetResourceIdentitySchemas, and the identity every Read, Plan, Apply and
//! Import answers with.

use super::super::authoring::Provider;
use super::super::diag::Diagnostics;
use super::super::identity::{conflicting_attributes, is_empty_identity};
use super::super::proto;
use super::super::value::Value;
use super::adapter::Query;
use super::{ResourceEntry, Server};

impl<P: Provider> Query<P> for proto::get_resource_identity_schemas::Request {
    const NAME: &'static str = "GetResourceIdentitySchemas";
    type Answer = proto::get_resource_identity_schemas::Response;

    fn answer(&self, server: &Server<P>, _: &mut Diagnostics) -> Self::Answer {
        let identities = server.resources.iter().filter_map(|(name, entry)| {
            let schema = &entry.identity.as_ref()?.schema;
            Some((name.clone(), schema.to_proto()))
        });
        Self::Answer {
            identity_schemas: identities.collect(),
            diagnostics: Vec::new(),
        }
    }
}

/// The identity to answer Read or Apply with: the one of `state`, which must agree with
/// `expected` (the prior or planned identity). When it does not, that is an error and the
/// expected identity is sent back, so Terraform's record keeps naming the same object.
pub(super) fn answer<D: 'static>(
    entry: &ResourceEntry<D>,
    state: &Value,
    expected: &Value,
    when: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let ident = entry.identity.as_ref()?;
    if state.is_null() {
        return None;
    }
    let type_name = &entry.name;
    let derived = ident.schema.from_state(state);
    if !is_empty_identity(expected) {
        let changed = conflicting_attributes(expected, &derived);
        if !changed.is_empty() {
            diags.error(
                "Unexpected identity change",
                format!(
                    "{type_name}: the {when} produced an identity that differs from the \
                     prior one in {}. The identity of an existing object must never change. \
                     This is a bug in the provider.",
                    changed.join(", ")
                ),
            );
            return Some(expected.clone());
        }
    }
    let missing = ident.schema.missing_required(&derived);
    if !derived.is_wholly_known() || !missing.is_empty() {
        diags.error(
            "Provider produced an incomplete identity",
            format!(
                "{type_name}: after {when}, the identity must be wholly known and set{}. \
                 This is a bug in the provider.",
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(" ({} is null)", missing.join(", "))
                }
            ),
        );
        return None;
    }
    Some(derived)
}

/// The planned identity of a create or update: a create plans the identity of its planned
/// state (unknowns allowed); an update keeps the prior identity unless it replaces the object.
pub(super) fn planned<D: 'static>(
    entry: &ResourceEntry<D>,
    planned: &Value,
    prior_identity: &Value,
    replacing: bool,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let ident = entry.identity.as_ref()?;
    let derived = ident.schema.from_state(planned);
    if is_empty_identity(prior_identity) || replacing {
        return Some(derived);
    }
    let changed = conflicting_attributes(prior_identity, &derived);
    if !changed.is_empty() && derived.is_wholly_known() {
        diags.error(
            "Unexpected identity change",
            format!(
                "{}: the plan changes the identity ({}) of an existing object without \
                 replacing it. The identity of an existing object must never change. This is \
                 a bug in the provider.",
                entry.name,
                changed.join(", ")
            ),
        );
    }
    Some(prior_identity.clone())
}

/// The identity of an imported state: derived from it, with attributes it leaves null taken
/// from the requested identity, which it must not contradict. `None` when there is nothing to
/// send yet (Read fills in what import left open).
pub(super) fn imported<D: 'static>(
    entry: &ResourceEntry<D>,
    state: &Value,
    requested: &Value,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let ident = entry.identity.as_ref()?;
    let mut derived = ident.schema.from_state(state);
    let changed = conflicting_attributes(requested, &derived);
    if !changed.is_empty() {
        diags.error(
            "Imported object has a different identity",
            format!(
                "{}: the object imported for the requested identity differs from it in {}. \
                 This is a bug in the provider.",
                entry.name,
                changed.join(", ")
            ),
        );
        return None;
    }
    if let (Value::Object(d), Value::Object(r)) = (&mut derived, requested) {
        for (k, v) in r {
            if d.get(k).is_none_or(Value::is_null) {
                d.insert(k.clone(), v.clone());
            }
        }
    }
    if is_empty_identity(&derived) || !derived.is_wholly_known() {
        return None;
    }
    Some(derived)
}
