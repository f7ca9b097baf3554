//! The emulator's state: provisioned products, records, idempotency tokens, and the record state machine
//! (`CREATED → IN_PROGRESS → SUCCEEDED`, or `→ IN_PROGRESS_IN_ERROR → FAILED`), driven by wall-clock time.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::error::wire_enum;

wire_enum! {
    /// Record status (`RecordStatus`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum RecordStatus {
        Created = "CREATED",
        InProgress = "IN_PROGRESS",
        /// Failed, remediation running; ends in `FAILED`.
        InProgressInError = "IN_PROGRESS_IN_ERROR",
        Succeeded = "SUCCEEDED",
        /// Done, with `RecordErrors`.
        Failed = "FAILED",
    }
}

impl RecordStatus {
    /// `SUCCEEDED` or `FAILED`.
    pub fn is_terminal(self) -> bool {
        matches!(self, RecordStatus::Succeeded | RecordStatus::Failed)
    }
}

wire_enum! {
    /// Provisioned product status (`ProvisionedProductStatus`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ProductStatus {
        /// Stable; the last operation succeeded.
        Available = "AVAILABLE",
        /// A record is in flight.
        UnderChange = "UNDER_CHANGE",
        /// Stable; the last update failed.
        Tainted = "TAINTED",
        /// Provisioning failed.
        Error = "ERROR",
        /// A plan is being executed (not produced by the emulator, accepted in state files).
        PlanInProgress = "PLAN_IN_PROGRESS",
    }
}

/// A key/value pair (tags, provisioning parameters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// A provisioned product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProvisionedProduct {
    /// `pp-…`
    pub id: String,
    /// Unique.
    pub name: String,
    /// `arn:…:servicecatalog:<region>:<acct>:stack/<name>/<id>`
    pub arn: String,
    /// `CFN_STACK`.
    pub product_type: String,
    pub status: ProductStatus,
    /// Why the last operation failed.
    pub status_message: Option<String>,
    /// Epoch seconds.
    pub created_time: f64,
    /// The ProvisionToken it was created with.
    pub idempotency_token: String,
    /// Last record of any kind.
    pub last_record_id: Option<String>,
    /// Last provision/update/terminate record.
    pub last_provisioning_record_id: Option<String>,
    /// Last such record that succeeded.
    pub last_successful_provisioning_record_id: Option<String>,
    pub product_id: String,
    pub product_name: Option<String>,
    pub provisioning_artifact_id: String,
    pub provisioning_artifact_name: Option<String>,
    pub path_id: Option<String>,
    pub launch_role_arn: Option<String>,
    /// Current owner.
    pub user_arn: String,
    pub user_arn_session: String,
    /// Who provisioned it (the `provisioningPrincipalArn` system tag).
    #[serde(default)]
    pub provisioned_by: String,
    /// User tags.
    pub tags: Vec<KeyValue>,
    /// Provisioning parameters.
    pub parameters: Vec<KeyValue>,
    /// Stand-in for the CloudFormation stack ARN.
    pub physical_id: String,
    /// Creation order.
    pub seq: u64,
    /// Search lag after an owner change: what search still shows, and until when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_owner: Option<StaleOwner>,
}

/// The owner `SearchProvisionedProducts` keeps showing during an injected search lag: until
/// `until` (epoch seconds) and for `calls_left` more searches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaleOwner {
    pub user_arn: String,
    pub user_arn_session: String,
    pub until: f64,
    pub calls_left: u32,
}

/// What a record changes once it succeeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Externally tagged: internally tagged enums buffer numbers, which breaks with serde_json's
// `arbitrary_precision` feature (enabled in this crate).
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// `ProvisionProduct`.
    Provision,
    /// `UpdateProvisionedProduct`: the version, parameters and tags after the update.
    Update {
        product_id: String,
        provisioning_artifact_id: String,
        path_id: Option<String>,
        parameters: Vec<KeyValue>,
        tags: Vec<KeyValue>,
    },
    /// `UpdateProvisionedProductProperties`.
    Properties {
        /// Requested properties, as sent (`OWNER`, `LAUNCH_ROLE`).
        properties: BTreeMap<String, String>,
        /// Product status to return to.
        prior_status: ProductStatus,
        /// Search lag to apply on success.
        search_lag_secs: f64,
        search_lag_calls: u32,
    },
    /// `TerminateProvisionedProduct`.
    Terminate,
}

/// A `RecordError`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    pub code: String,
    pub description: String,
}

/// A record (one request against a provisioned product). The product's version, path, launch
/// role and tags are copied at creation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `rec-…`
    pub id: String,
    /// `PROVISION_PRODUCT`, `UPDATE_PROVISIONED_PRODUCT`, `UPDATE_PROVISIONED_PRODUCT_PROPERTIES`,
    /// `TERMINATE_PROVISIONED_PRODUCT`.
    pub record_type: String,
    pub status: RecordStatus,
    /// Epoch seconds.
    pub created_time: f64,
    /// Epoch seconds of the last status change.
    pub updated_time: f64,
    pub provisioned_product_id: String,
    pub provisioned_product_name: String,
    pub provisioned_product_type: String,
    pub product_id: String,
    pub provisioning_artifact_id: String,
    pub path_id: Option<String>,
    pub launch_role_arn: Option<String>,
    /// Errors (from `IN_PROGRESS_IN_ERROR` on).
    pub errors: Vec<RecordError>,
    pub tags: Vec<KeyValue>,
    /// `RecordOutputs`.
    pub outputs: Vec<KeyValue>,
    /// Owner of the product when the record was created (history visibility).
    pub owner_arn: String,
    pub owner_arn_session: String,
    /// What to apply on success.
    pub change: Change,
    /// Decided at creation, so restarts replay the same outcome.
    pub will_fail: bool,
    /// `CREATED` to terminal, in seconds.
    pub latency_secs: f64,
    /// Creation order.
    pub seq: u64,
}

impl Record {
    /// Status and the time it was entered, at `now`.
    pub fn status_at(&self, now: f64) -> (RecordStatus, f64) {
        let t0 = self.created_time;
        let l = self.latency_secs;
        let elapsed = now - t0;
        if self.will_fail {
            if elapsed >= l {
                (RecordStatus::Failed, t0 + l)
            } else if elapsed >= l * 2.0 / 3.0 {
                (RecordStatus::InProgressInError, t0 + l * 2.0 / 3.0)
            } else if elapsed >= l / 3.0 {
                (RecordStatus::InProgress, t0 + l / 3.0)
            } else {
                (RecordStatus::Created, t0)
            }
        } else if elapsed >= l {
            (RecordStatus::Succeeded, t0 + l)
        } else if elapsed >= l / 2.0 {
            (RecordStatus::InProgress, t0 + l / 2.0)
        } else {
            (RecordStatus::Created, t0)
        }
    }
}

/// A remembered idempotency token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUse {
    /// Hash of the request without the token.
    pub fingerprint: String,
    /// The record the request created.
    pub record_id: String,
}

/// All state the emulator persists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Format version of the state file.
    #[serde(default)]
    pub version: u32,
    /// By id. Terminated products are removed.
    pub products: BTreeMap<String, ProvisionedProduct>,
    /// By id. Kept forever (history).
    pub records: BTreeMap<String, Record>,
    /// `<Operation>/<token>` → use.
    pub tokens: BTreeMap<String, TokenUse>,
    /// Records not yet terminal.
    pub open: BTreeSet<String>,
    /// Creation counter.
    pub seq: u64,
}

/// Current state file format.
pub const STATE_VERSION: u32 = 1;

const FAILURE_CODE: &str = "EmulatorInjectedFailure";

impl State {
    /// Next creation sequence number.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Moves open records along to their status at `now`, applying terminal outcomes.
    /// Returns whether anything changed.
    pub fn advance(&mut self, now: f64) -> bool {
        if self.open.is_empty() {
            return false;
        }
        let mut changed = false;
        let open: Vec<String> = self.open.iter().cloned().collect();
        for id in open {
            let Some(rec) = self.records.get_mut(&id) else {
                self.open.remove(&id);
                continue;
            };
            let (status, since) = rec.status_at(now);
            if status == rec.status {
                continue;
            }
            changed = true;
            rec.status = status;
            rec.updated_time = since;
            if matches!(
                status,
                RecordStatus::InProgressInError | RecordStatus::Failed
            ) && rec.errors.is_empty()
            {
                rec.errors.push(RecordError {
                    code: FAILURE_CODE.to_owned(),
                    description: format!(
                        "{} of {} failed: failure injected by the emulator",
                        rec.record_type, rec.provisioned_product_id
                    ),
                });
            }
            if status.is_terminal() {
                self.open.remove(&id);
                let rec = rec.clone();
                self.finish(&rec, since);
            }
        }
        changed
    }

    fn finish(&mut self, rec: &Record, at: f64) {
        let ok = rec.status == RecordStatus::Succeeded;
        if ok && rec.change == Change::Terminate {
            self.products.remove(&rec.provisioned_product_id);
            return;
        }
        let Some(pp) = self.products.get_mut(&rec.provisioned_product_id) else {
            return;
        };
        let failure_message = rec
            .errors
            .first()
            .map(|e| format!("{}: {}", e.code, e.description));
        match &rec.change {
            Change::Provision => {
                if ok {
                    pp.status = ProductStatus::Available;
                    pp.status_message = None;
                    pp.last_successful_provisioning_record_id = Some(rec.id.clone());
                } else {
                    pp.status = ProductStatus::Error;
                    pp.status_message = failure_message;
                }
            }
            Change::Update {
                product_id,
                provisioning_artifact_id,
                path_id,
                parameters,
                tags,
            } => {
                if ok {
                    pp.status = ProductStatus::Available;
                    pp.status_message = None;
                    pp.product_id = product_id.clone();
                    pp.provisioning_artifact_id = provisioning_artifact_id.clone();
                    pp.path_id = path_id.clone();
                    pp.parameters = parameters.clone();
                    pp.tags = tags.clone();
                    pp.last_successful_provisioning_record_id = Some(rec.id.clone());
                } else {
                    pp.status = ProductStatus::Tainted;
                    pp.status_message = failure_message;
                }
            }
            Change::Properties {
                properties,
                prior_status,
                search_lag_secs,
                search_lag_calls,
            } => {
                pp.status = *prior_status;
                if ok {
                    if let Some(role) = properties.get("LAUNCH_ROLE") {
                        pp.launch_role_arn = Some(role.clone());
                    }
                    if let Some(owner) = properties.get("OWNER") {
                        if *search_lag_secs > 0.0 || *search_lag_calls > 0 {
                            pp.stale_owner = Some(StaleOwner {
                                user_arn: pp.user_arn.clone(),
                                user_arn_session: pp.user_arn_session.clone(),
                                until: at + search_lag_secs,
                                calls_left: *search_lag_calls,
                            });
                        }
                        pp.user_arn = owner.clone();
                        pp.user_arn_session = owner.clone();
                    }
                }
            }
            Change::Terminate => {
                pp.status = ProductStatus::Tainted;
                pp.status_message = failure_message;
            }
        }
    }
}

/// The members of a JSON object but its nulls: AWS leaves absent optional members out.
fn members(value: Value) -> Map<String, Value> {
    let Value::Object(mut m) = value else {
        return Map::new();
    };
    m.retain(|_, v| !v.is_null());
    m
}

fn time(t: f64) -> Value {
    // Millisecond precision, like the real service.
    let ms = (t * 1000.0).round() / 1000.0;
    serde_json::Number::from_f64(ms).map_or(Value::Null, Value::Number)
}

fn key_values(items: &[KeyValue]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|kv| json!({"Key": kv.key, "Value": kv.value}))
            .collect(),
    )
}

impl Record {
    /// The `RecordDetail` JSON.
    pub fn detail(&self) -> Value {
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| json!({"Code": e.code, "Description": e.description}))
            .collect();
        Value::Object(members(json!({
            "RecordId": self.id,
            "ProvisionedProductName": self.provisioned_product_name,
            "Status": self.status,
            "CreatedTime": time(self.created_time),
            "UpdatedTime": time(self.updated_time),
            "ProvisionedProductType": self.provisioned_product_type,
            "RecordType": self.record_type,
            "ProvisionedProductId": self.provisioned_product_id,
            "ProductId": self.product_id,
            "ProvisioningArtifactId": self.provisioning_artifact_id,
            "PathId": self.path_id,
            "RecordErrors": errors,
            "RecordTags": key_values(&self.tags),
            "LaunchRoleArn": self.launch_role_arn,
        })))
    }
}

impl ProvisionedProduct {
    /// The `ProvisionedProductDetail` JSON.
    pub fn detail(&self) -> Value {
        Value::Object(members(json!({
            "Name": self.name,
            "Arn": self.arn,
            "Type": self.product_type,
            "Id": self.id,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "CreatedTime": time(self.created_time),
            "IdempotencyToken": self.idempotency_token,
            "LastRecordId": self.last_record_id,
            "LastProvisioningRecordId": self.last_provisioning_record_id,
            "LastSuccessfulProvisioningRecordId": self.last_successful_provisioning_record_id,
            "ProductId": self.product_id,
            "ProvisioningArtifactId": self.provisioning_artifact_id,
            "LaunchRoleArn": self.launch_role_arn,
        })))
    }

    /// The `ProvisionedProductAttribute` JSON (search results), with the owner search shows.
    pub fn attribute(
        &self,
        user_arn: &str,
        user_arn_session: &str,
        system_tags: &[KeyValue],
    ) -> Value {
        let Value::Object(mut m) = self.detail() else {
            return Value::Null;
        };
        m.remove("LaunchRoleArn");
        let tags: Vec<KeyValue> = self.tags.iter().chain(system_tags).cloned().collect();
        m.extend(members(json!({
            "Tags": key_values(&tags),
            "PhysicalId": self.physical_id,
            "ProductName": self.product_name,
            "ProvisioningArtifactName": self.provisioning_artifact_name,
            "UserArn": user_arn,
            "UserArnSession": user_arn_session,
        })));
        Value::Object(m)
    }
}

/// The `RecordOutput` JSON list.
pub fn outputs(items: &[KeyValue]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|kv| {
                json!({"OutputKey": kv.key, "OutputValue": kv.value,
                       "Description": format!("Output {} of the provisioned product", kv.key)})
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(will_fail: bool, latency: f64) -> Record {
        Record {
            id: "rec-1".into(),
            record_type: "UPDATE_PROVISIONED_PRODUCT_PROPERTIES".into(),
            status: RecordStatus::Created,
            created_time: 100.0,
            updated_time: 100.0,
            provisioned_product_id: "pp-1".into(),
            provisioned_product_name: "n".into(),
            provisioned_product_type: "CFN_STACK".into(),
            product_id: "prod-1".into(),
            provisioning_artifact_id: "pa-1".into(),
            path_id: None,
            launch_role_arn: None,
            errors: vec![],
            tags: vec![],
            outputs: vec![],
            owner_arn: "o".into(),
            owner_arn_session: "o".into(),
            change: Change::Provision,
            will_fail,
            latency_secs: latency,
            seq: 1,
        }
    }

    #[test]
    fn success_path_walks_created_in_progress_succeeded() {
        let r = record(false, 6.0);
        assert_eq!(r.status_at(100.0).0, RecordStatus::Created);
        assert_eq!(r.status_at(103.0).0, RecordStatus::InProgress);
        assert_eq!(r.status_at(106.0), (RecordStatus::Succeeded, 106.0));
        assert_eq!(
            record(false, 0.0).status_at(100.0).0,
            RecordStatus::Succeeded
        );
    }

    #[test]
    fn records_with_every_change_kind_round_trip_through_json() {
        let mut properties = BTreeMap::new();
        properties.insert(
            "OWNER".to_owned(),
            "arn:aws:iam::123456789012:user/a".to_owned(),
        );
        let changes = [
            Change::Provision,
            Change::Terminate,
            Change::Properties {
                properties,
                prior_status: ProductStatus::Available,
                search_lag_secs: 1.5,
                search_lag_calls: 2,
            },
        ];
        for change in changes {
            let mut r = record(false, 2.5);
            r.change = change;
            let bytes = serde_json::to_vec(&r).unwrap();
            let back: Record = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(back, r);
        }
    }

    #[test]
    fn failure_path_passes_in_progress_in_error() {
        let r = record(true, 6.0);
        assert_eq!(r.status_at(102.5).0, RecordStatus::InProgress);
        assert_eq!(r.status_at(104.5).0, RecordStatus::InProgressInError);
        assert_eq!(r.status_at(106.0).0, RecordStatus::Failed);
    }
}
