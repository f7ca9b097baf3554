//! Pacing of property updates, shared by a client's clones: at most [`MAX_SENDS`] at once, at a
//! rate that starts unlimited and follows the service's throttling. Every throttled attempt (seen
//! by [`ThrottleWatch`] as the SDK classifies it) lowers the rate to a little under what got
//! through in the last second, at most once a second, and the SDK's retry of it waits for a slot
//! too; each second without a throttle raises the rate by 5%. A fleet of changes then runs just
//! under the account's limit instead of into it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use aws_sdk_servicecatalog::operation::update_provisioned_product_properties::UpdateProvisionedProductPropertiesError;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::retry::ErrorKind;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// Property updates sent at once by one provider process.
pub const MAX_SENDS: usize = 16;
const WINDOW: Duration = Duration::from_secs(1);
const LOWEST: f64 = 1.0;

/// The pace of one client's property updates.
#[derive(Debug)]
pub(super) struct Pace {
    sends: Semaphore,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Sends a second; `None` until the first throttle.
    rate: Option<f64>,
    /// When the next send may start.
    next: Option<Instant>,
    /// Sends that got through in the last [`WINDOW`].
    through: VecDeque<Instant>,
    /// The last time the rate was changed.
    changed: Option<Instant>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            sends: Semaphore::new(MAX_SENDS),
            state: Mutex::default(),
        }
    }
}

impl Pace {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a free send and its time slot; the permit is held for the send.
    pub(super) async fn slot(&self) -> Option<SemaphorePermit<'_>> {
        let permit = self.sends.acquire().await.ok()?;
        let at = self.lock().take(Instant::now());
        tokio::time::sleep_until(at).await;
        Some(permit)
    }

    /// A send went through.
    pub(super) fn through(&self) {
        self.lock().through(Instant::now());
    }

    /// An attempt was throttled: how long its retry waits for a slot.
    pub(super) fn throttled(&self) -> Duration {
        let now = Instant::now();
        let mut state = self.lock();
        state.throttled(now);
        state.take(now) - now
    }

    /// The current rate, `None` when unlimited.
    #[cfg(test)]
    fn rate(&self) -> Option<f64> {
        self.lock().rate
    }
}

impl State {
    /// The time of the next slot, taken.
    fn take(&mut self, now: Instant) -> Instant {
        let Some(rate) = self.rate else {
            return now;
        };
        let at = self.next.map_or(now, |next| next.max(now));
        self.next = Some(at + Duration::from_secs_f64(1.0 / rate));
        at
    }

    fn through(&mut self, now: Instant) {
        self.through.push_back(now);
        while self.through.front().is_some_and(|t| now - *t > WINDOW) {
            self.through.pop_front();
        }
        if let (Some(rate), Some(changed)) = (self.rate, self.changed) {
            if now - changed >= WINDOW {
                self.rate = Some(rate + (rate * 0.05).max(0.5));
                self.changed = Some(now);
            }
        }
    }

    fn throttled(&mut self, now: Instant) {
        if self.changed.is_some_and(|c| now - c < WINDOW) && self.rate.is_some() {
            return;
        }
        let got_through = self.through.iter().filter(|t| now - **t <= WINDOW).count() as f64;
        let ceiling = self.rate.map_or(got_through, |r| r.min(got_through));
        self.rate = Some((ceiling * 0.9).max(LOWEST));
        self.changed = Some(now);
    }
}

/// Tells a [`Pace`] of every throttled `UpdateProvisionedProductProperties` attempt, as the
/// SDK's own classifiers judge it, and has the SDK retry it at the slot the pace gives it (the
/// decision to retry stays the SDK's).
#[derive(Debug, Clone)]
pub(super) struct ThrottleWatch(pub(super) Arc<Pace>);

impl ClassifyRetry for ThrottleWatch {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        let throttled = matches!(
            previous,
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            })
        );
        let update = ctx
            .output_or_error()
            .and_then(Result::err)
            .and_then(OrchestratorError::as_operation_error)
            .is_some_and(|e| {
                e.downcast_ref::<UpdateProvisionedProductPropertiesError>()
                    .is_some()
            });
        if !(throttled && update) {
            return RetryAction::NoActionIndicated;
        }
        RetryAction::RetryIndicated(RetryReason::RetryableError {
            kind: ErrorKind::ThrottlingError,
            retry_after: Some(self.0.throttled()),
        })
    }

    fn name(&self) -> &'static str {
        "ThrottleWatch"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn unlimited_until_throttled_then_under_what_got_through() {
        let t0 = Instant::now();
        let mut s = State::default();
        assert_eq!(s.take(t0), t0);
        assert_eq!(s.take(t0), t0, "no rate yet: every send at once");
        for n in 0..30 {
            s.through(t0 + ms(n * 30));
        }
        s.throttled(t0 + ms(900));
        assert_eq!(s.rate, Some(27.0), "90% of the 30 that got through");
        // One cut a second, however many attempts are throttled.
        s.throttled(t0 + ms(950));
        assert_eq!(s.rate, Some(27.0));
        // Slots are 1/27 s apart from now on.
        let first = s.take(t0 + ms(1000));
        let second = s.take(t0 + ms(1000));
        assert_eq!(second - first, Duration::from_secs_f64(1.0 / 27.0));
    }

    #[test]
    fn a_quiet_second_raises_the_rate_and_it_never_falls_below_one_a_second() {
        let t0 = Instant::now();
        let mut s = State::default();
        s.throttled(t0);
        assert_eq!(s.rate, Some(LOWEST), "nothing got through: the lowest rate");
        s.through(t0 + ms(500));
        assert_eq!(s.rate, Some(LOWEST), "not a second yet");
        s.through(t0 + ms(1000));
        assert_eq!(s.rate, Some(1.5), "at least half a send a second more");
        s.rate = Some(20.0);
        s.through(t0 + ms(2000));
        assert_eq!(s.rate, Some(21.0), "5% more");
    }

    #[tokio::test]
    async fn at_most_max_sends_at_once() {
        let pace = Pace::default();
        let mut held = Vec::new();
        for _ in 0..MAX_SENDS {
            held.push(pace.slot().await.expect("a slot"));
        }
        let more = tokio::time::timeout(ms(50), pace.slot()).await;
        assert!(more.is_err(), "the next send waits for one to finish");
        held.pop();
        assert!(pace.slot().await.is_some());
        assert_eq!(pace.rate(), None);
    }
}
