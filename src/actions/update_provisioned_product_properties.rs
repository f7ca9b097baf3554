//! `servicecatalog_update_provisioned_product_properties`: one property change (`OWNER`,
//! `LAUNCH_ROLE`) across a fleet, chosen by ids or by the plural data source's filters, made by
//! [`ServiceCatalog::hand_over`]. What to change is decided at invoke time from what is live;
//! the registry page is `docs/actions/update_provisioned_product_properties.md`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::data_sources::search_filters::{filter_attributes, Filters};
use crate::resources::provisioned_product_properties::properties_attribute;
use crate::servicecatalog::{
    validate_provisioned_product_id, ApiError, HandOver, HandOverReport, Progress as Step,
    PropertyMap, Selection, ServiceCatalog,
};
use crate::tfplugin::validator::{check, each_value, exactly_one_of};
use crate::tfplugin::{
    Action, Attribute, AttributePath, Block, Context, Diagnostic, Diagnostics, HookResult,
    NestedBlock, Progress, Schema, Type,
};

pub const TYPE_NAME: &str = "servicecatalog_update_provisioned_product_properties";

/// How long each product's change may take (the resource's default timeout).
const PRODUCT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// After Ctrl-C, how long changes already sent are waited for.
const GRACE: Duration = Duration::from_secs(30);
/// A progress message goes out at least this often, and at every tenth of the changes.
const REPORT_EVERY: Duration = Duration::from_secs(5);

crate::model! {
    /// The action's config.
    #[derive(Clone, Debug)]
    pub struct HandOverConfig {
        pub provisioned_product_ids: Option<BTreeSet<String>>,
        pub filter: Option<Filters>,
        pub properties: PropertyMap,
    }
}

/// The action.
#[derive(Debug, Default, Clone, Copy)]
pub struct UpdateProvisionedProductProperties;

#[async_trait]
impl Action<ServiceCatalog> for UpdateProvisionedProductProperties {
    type Config = HandOverConfig;

    fn type_name(&self) -> &str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let filter = filter_attributes()
            .into_iter()
            .fold(Block::new(), Block::attribute)
            .description(
                "The products to change: those matching every argument set, as the \
                 `servicecatalog_provisioned_products` data source finds them. At least one \
                 argument.",
            );
        Schema::new()
            .description(
                "Sets the owner and/or launch role of many provisioned products at once, with \
                 `UpdateProvisionedProductProperties`, and waits for every record. Products \
                 already at the values are skipped, so invoking it again finishes what an \
                 interrupted run left.",
            )
            .attribute(
                Attribute::optional("provisioned_product_ids", Type::set(Type::String))
                    .validator(each_value(check(
                        "Invalid provisioned product id",
                        "1 to 100 letters, digits, '_' or '-'",
                        validate_provisioned_product_id,
                    )))
                    .description(
                        "The products to change, by id (e.g. `pp-abcd27bm4mldq`). Set this or \
                         `filter`.",
                    ),
            )
            .block(NestedBlock::single("filter", filter))
            .attribute(properties_attribute())
            .config_validator(
                exactly_one_of(["provisioned_product_ids", "filter"])
                    .summaries("No products selected", "Two selections of products"),
            )
    }

    async fn validate(&self, _ctx: &Context<ServiceCatalog>, config: HandOverConfig) -> HookResult {
        config.selection().map(drop)
    }

    async fn invoke(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        config: HandOverConfig,
        progress: &Progress,
    ) -> HookResult {
        let h = HandOver {
            products: config.selection()?,
            desired: config.properties,
            accept_language: None,
            timeout: PRODUCT_TIMEOUT,
            grace: GRACE,
        };
        let client = ctx.provider_data()?;
        let stop = ctx.cancellation_token();
        let (tx, mut steps) = mpsc::unbounded_channel();
        let work = client.hand_over(&h, stop, move |step| {
            let _ = tx.send(step);
        });
        tokio::pin!(work);
        let mut reporter = Reporter::default();
        let start = tokio::time::Instant::now() + REPORT_EVERY;
        let mut tick = tokio::time::interval_at(start, REPORT_EVERY);
        let report = loop {
            let message = tokio::select! {
                biased;
                Some(step) = steps.recv() => reporter.step(step),
                report = &mut work => break report,
                _ = tick.tick() => reporter.heartbeat(),
            };
            if let Some(message) = message {
                progress.report(message).await;
            }
        };
        // Steps of the last moment, which the end of the work may have overtaken.
        while let Ok(step) = steps.try_recv() {
            if let Some(message) = reporter.step(step) {
                progress.report(message).await;
            }
        }
        let report = report.map_err(|e| listing_failed(&e))?;
        progress.report(summary(&report)).await;
        outcome(&report, stop.is_cancelled())
    }
}

impl HandOverConfig {
    /// The products chosen. The schema already refused both or neither; a filter with no
    /// argument would select the whole account, so it is refused too.
    fn selection(&self) -> Result<Selection, Diagnostics> {
        match (&self.provisioned_product_ids, &self.filter) {
            (Some(ids), None) => Ok(Selection::Ids(ids.iter().cloned().collect())),
            (None, Some(filter)) if *filter == Filters::default() => Err(Diagnostic::error(
                "Empty filter",
                "The filter block sets no argument, so it would select every provisioned \
                 product of the account. Set at least one of owner, name, product_id, tags, \
                 status, search_text or access_level, or list the products in \
                 provisioned_product_ids.",
            )
            .at(AttributePath::attr("filter"))
            .into()),
            (None, Some(filter)) => Ok(Selection::Filter(
                filter
                    .search_filter()
                    .map_err(|d| d.within(&AttributePath::attr("filter")))?,
            )),
            _ => Err(Diagnostic::error(
                "No products selected",
                "Set exactly one of provisioned_product_ids and filter.",
            )
            .at(AttributePath::attr("provisioned_product_ids"))
            .into()),
        }
    }
}

/// Turns the hand-over's steps into progress messages: one when the products are resolved,
/// then at every tenth of the changes done and at least every [`REPORT_EVERY`].
#[derive(Debug, Default)]
struct Reporter {
    /// `(changed, failed, to_change)`, once resolved.
    counts: Option<(usize, usize, usize)>,
    reported_tenth: usize,
    last: Option<Instant>,
}

impl Reporter {
    fn step(&mut self, step: Step) -> Option<String> {
        match step {
            Step::Resolved { found, already_set } => {
                let to_change = found - already_set;
                self.counts = Some((0, 0, to_change));
                self.sent(format!(
                    "found {found} products, {to_change} to change, {already_set} already set"
                ))
            }
            Step::Done {
                changed,
                failed,
                to_change,
            } => {
                self.counts = Some((changed, failed, to_change));
                let tenth = (changed + failed) * 10 / to_change.max(1);
                if tenth > self.reported_tenth {
                    self.reported_tenth = tenth;
                    self.counts_message()
                } else {
                    self.heartbeat()
                }
            }
        }
    }

    /// The counts again when nothing was said for [`REPORT_EVERY`].
    fn heartbeat(&mut self) -> Option<String> {
        let quiet = self.last.is_none_or(|at| at.elapsed() >= REPORT_EVERY);
        if !quiet {
            return None;
        }
        match self.counts {
            Some(_) => self.counts_message(),
            None => self.sent("finding the products to change".to_owned()),
        }
    }

    fn counts_message(&mut self) -> Option<String> {
        let (changed, failed, to_change) = self.counts?;
        self.sent(format!("changed {changed} of {to_change}, {failed} failed"))
    }

    fn sent(&mut self, message: String) -> Option<String> {
        self.last = Some(Instant::now());
        Some(message)
    }
}

/// The last progress message: what the hand-over did, in counts.
fn summary(r: &HandOverReport) -> String {
    let mut s = format!(
        "done: {} changed, {} already set, {} failed",
        r.changed.len(),
        r.already_set.len(),
        r.failed.len()
    );
    if !r.not_started.is_empty() || !r.unfinished.is_empty() {
        s.push_str(&format!(
            ", {} not started, {} still running",
            r.not_started.len(),
            r.unfinished.len()
        ));
    }
    s
}

/// One error per product that failed, and one that says what is left when anything is.
fn outcome(r: &HandOverReport, stopped: bool) -> HookResult {
    if r.complete() {
        return Ok(());
    }
    let mut diags = Diagnostics::new();
    for (id, e) in &r.failed {
        diags.push(Diagnostic::error(
            format!("Cannot change provisioned product {id}"),
            e.to_string(),
        ));
    }
    let mut done = format!(
        "{} of the {} products found were changed and {} were already set; {} failed",
        r.changed.len(),
        r.found,
        r.already_set.len(),
        r.failed.len()
    );
    if !r.not_started.is_empty() {
        done.push_str(&format!(", {} were not started", r.not_started.len()));
    }
    if !r.unfinished.is_empty() {
        let records: Vec<String> = r
            .unfinished
            .iter()
            .map(|(id, rec)| format!("{id} (record {})", rec.id))
            .collect();
        done.push_str(&format!(
            ", and {} were still running when the wait for them ended: {}",
            r.unfinished.len(),
            records.join(", ")
        ));
    }
    let (summary, next) = if stopped {
        (
            "Hand-over interrupted",
            "It was stopped before it finished. Invoke the action again to finish the rest: \
             products already at the values are skipped.",
        )
    } else {
        (
            "Hand-over incomplete",
            "Fix what the errors above say, then invoke the action again: products already at \
             the values are skipped.",
        )
    };
    diags.error(summary, format!("{done}. {next}"));
    Err(diags)
}

fn listing_failed(e: &ApiError) -> Diagnostics {
    Diagnostic::error(
        "Cannot find the products to change",
        format!(
            "Listing the provisioned products the filter selects failed: {e} Nothing was changed."
        ),
    )
    .at(AttributePath::attr("filter"))
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::model::unknown_attributes;

    #[test]
    fn the_model_matches_the_schema() {
        let schema = Action::schema(&UpdateProvisionedProductProperties);
        assert!(schema.problems().is_empty(), "{:?}", schema.problems());
        assert!(unknown_attributes::<HandOverConfig>(&schema).is_empty());
    }

    #[test]
    fn progress_is_said_when_resolved_at_each_tenth_and_not_in_between() {
        let mut r = Reporter::default();
        let resolved = Step::Resolved {
            found: 312,
            already_set: 12,
        };
        assert_eq!(
            r.step(resolved).as_deref(),
            Some("found 312 products, 300 to change, 12 already set")
        );
        let done = |changed, failed| Step::Done {
            changed,
            failed,
            to_change: 300,
        };
        assert_eq!(r.step(done(1, 0)), None, "just said something");
        assert_eq!(r.heartbeat(), None, "nothing for 5 s yet");
        assert_eq!(
            r.step(done(28, 2)).as_deref(),
            Some("changed 28 of 300, 2 failed"),
            "a tenth done"
        );
        assert_eq!(r.step(done(29, 2)), None);
        r.last = Instant::now().checked_sub(REPORT_EVERY);
        assert_eq!(
            r.heartbeat().as_deref(),
            Some("changed 29 of 300, 2 failed"),
            "quiet for 5 s"
        );
    }

    #[test]
    fn an_incomplete_hand_over_is_never_a_success() {
        let report = HandOverReport {
            found: 3,
            changed: Vec::new(),
            not_started: vec!["pp-a".into(), "pp-b".into(), "pp-c".into()],
            ..HandOverReport::default()
        };
        let diags = outcome(&report, true).expect_err("nothing was done");
        let last = diags.iter().last().expect("a summary");
        assert_eq!(last.summary, "Hand-over interrupted");
        assert!(
            last.detail.contains("3 were not started"),
            "{}",
            last.detail
        );
        assert!(outcome(&HandOverReport::default(), false).is_ok());
    }
}
