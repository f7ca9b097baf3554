//! Record waits that share their polls: every wait of one client registers with one poller,
//! whose task polls for all of them, so concurrent applies do not multiply the polling.
//!
//! The rules:
//! - Each wait keeps its own schedule ([`Backoff::delay_after`] the time it has waited: every
//!   250 ms at first, then a fifth of the time waited), so a record is seen as late as it would
//!   be if it were polled alone — the overshoot goals in `docs/performance.md` hold.
//! - A new wait is due at once (a record that finishes at once costs one poll).
//! - When any wait is due and two or more are registered, one account-level
//!   `ListRecordHistory` (newest first, 20 a page) answers every wait whose record is on it, due
//!   or not, and moves each one's next poll on from that answer; a due record that is not on the
//!   page (20 newer records in the account) gets its own `DescribeRecord`, and so does a record
//!   the page shows `FAILED` (its errors are read from the record). A single wait, or a client
//!   refused account-level history, polls with `DescribeRecord`.
//! - Several rounds may be in flight at once, so a new wait never waits for another's round.
//! - A throttled poll costs that poll, not the wait. A wait ends `SUCCEEDED`/`FAILED`, not
//!   visible, on another error, on cancellation, or with [`ApiError::Timeout`] when a poll made
//!   at its deadline still shows it running.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tokio::task::JoinSet;
use tokio::time::{sleep_until, Instant};

use super::backoff::{jitter_sample, Backoff};
use super::client::ServiceCatalog;
use super::error::ApiError;
use super::record::{Observed, RecordId, RecordOutcome};
use super::wait::Wait;

/// Rounds in flight at once: more than Terraform's default parallelism, so that a new wait's
/// first poll never queues behind other rounds.
const MAX_ROUNDS: usize = 16;
/// How long past its deadline a wait trusts the poller to answer before giving up by itself
/// (a round stuck in a call that never returns).
const GRACE: Duration = Duration::from_secs(30);

/// The poller of one client (shared by its clones).
#[derive(Debug, Default)]
pub(super) struct Poller {
    inner: Mutex<Inner>,
    wake: Notify,
}

#[derive(Debug, Default)]
struct Inner {
    waiters: HashMap<u64, Waiter>,
    next_key: u64,
    /// The poller task is alive.
    running: bool,
    /// Account-level `ListRecordHistory` was refused: poll with `DescribeRecord` only.
    no_history: bool,
}

#[derive(Debug)]
struct Waiter {
    record_id: RecordId,
    registered: Instant,
    deadline: Instant,
    next_due: Instant,
    in_round: bool,
    last_status: String,
    schedule: Backoff,
    done: Option<oneshot::Sender<Result<RecordOutcome, ApiError>>>,
}

/// What one round learned of one wait.
#[derive(Debug)]
enum Seen {
    Observed(Observed),
    /// Polled, but the answer said nothing (throttled).
    NoNews,
    /// Not polled in this round (not due, not on the history page).
    Skipped,
}

/// A wait a round polls; `due` when its own schedule asks for this poll.
#[derive(Debug)]
struct Member {
    key: u64,
    record_id: RecordId,
    due: bool,
}

#[derive(Debug)]
struct Round {
    started: Instant,
    seen: Vec<(u64, Seen)>,
    history_refused: bool,
}

impl Poller {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn last_status(&self, key: u64) -> String {
        self.lock()
            .waiters
            .get(&key)
            .map_or_else(|| "not yet read".to_owned(), |w| w.last_status.clone())
    }
}

/// Removes a wait that ends (or is dropped) before the poller answered it.
struct Registered<'a> {
    poller: &'a Poller,
    key: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.poller.lock().waiters.remove(&self.key);
    }
}

impl ServiceCatalog {
    /// Waits for `record_id` through the shared poller (see the module docs).
    pub(super) async fn wait_shared(
        &self,
        record_id: &RecordId,
        wait: &Wait,
    ) -> Result<RecordOutcome, ApiError> {
        let poller = self.poller();
        let (tx, rx) = oneshot::channel();
        let now = Instant::now();
        let deadline = now + wait.remaining();
        let (key, start) = {
            let mut inner = poller.lock();
            let key = inner.next_key;
            inner.next_key += 1;
            inner.waiters.insert(
                key,
                Waiter {
                    record_id: record_id.clone(),
                    registered: now,
                    deadline,
                    next_due: now,
                    in_round: false,
                    last_status: "not yet read".to_owned(),
                    schedule: self.backoff(),
                    done: Some(tx),
                },
            );
            (key, !std::mem::replace(&mut inner.running, true))
        };
        let registered = Registered { poller, key };
        if start {
            tokio::spawn(run(self.clone()));
        }
        poller.wake.notify_one();
        let during = format!("waiting for record {record_id}");
        let answer = async {
            tokio::select! {
                answer = rx => answer.unwrap_or_else(|_| Err(ApiError::Other {
                    operation: "DescribeRecord",
                    message: format!("polling for record {record_id} stopped unexpectedly"),
                })),
                _ = sleep_until(deadline + GRACE) => Err(ApiError::Timeout {
                    record_id: record_id.to_string(),
                    status: registered.poller.last_status(key),
                }),
            }
        };
        let outcome = wait.guard(&during, answer).await?;
        drop(registered);
        outcome
    }
}

/// The poller task: starts rounds when waits are due, settles them as they end, and stops when
/// no wait is left.
async fn run(sc: ServiceCatalog) {
    let poller = sc.poller();
    let mut rounds: JoinSet<Round> = JoinSet::new();
    loop {
        let next_due = {
            let mut inner = poller.lock();
            if inner.waiters.is_empty() && rounds.is_empty() {
                inner.running = false;
                return;
            }
            let now = Instant::now();
            if rounds.len() < MAX_ROUNDS {
                if let Some((members, history)) = inner.take_round(now) {
                    rounds.spawn(poll_round(sc.clone(), now, members, history));
                    continue;
                }
                inner.earliest_due()
            } else {
                None
            }
        };
        tokio::select! {
            _ = poller.wake.notified() => {}
            _ = sleep_until(next_due.unwrap_or_else(Instant::now)), if next_due.is_some() => {}
            Some(done) = rounds.join_next(), if !rounds.is_empty() => {
                if let Ok(round) = done {
                    poller.lock().settle(round);
                }
            }
        }
    }
}

impl Inner {
    /// The waits the next round polls, if one is due: every wait not in a round when history
    /// is used (it answers them all at once), else only the due ones.
    fn take_round(&mut self, now: Instant) -> Option<(Vec<Member>, bool)> {
        let free = || self.waiters.iter().filter(|(_, w)| !w.in_round);
        if !free().any(|(_, w)| w.next_due <= now) {
            return None;
        }
        let history = !self.no_history && free().count() >= 2;
        let members: Vec<Member> = free()
            .map(|(key, w)| Member {
                key: *key,
                record_id: w.record_id.clone(),
                due: w.next_due <= now,
            })
            .filter(|m| history || m.due)
            .collect();
        for m in &members {
            if let Some(w) = self.waiters.get_mut(&m.key) {
                w.in_round = true;
            }
        }
        Some((members, history))
    }

    fn earliest_due(&self) -> Option<Instant> {
        self.waiters
            .values()
            .filter(|w| !w.in_round)
            .map(|w| w.next_due)
            .min()
    }

    /// Answers the waits a round finished and schedules the next poll of the others.
    fn settle(&mut self, round: Round) {
        if round.history_refused {
            self.no_history = true;
        }
        for (key, seen) in round.seen {
            let Some(w) = self.waiters.get_mut(&key) else {
                continue;
            };
            w.in_round = false;
            let answer = match seen {
                Seen::Skipped => continue,
                Seen::Observed(Observed::Finished(result)) => Some(result),
                Seen::Observed(Observed::Running(status)) => {
                    w.last_status = status;
                    None
                }
                Seen::NoNews => None,
            };
            let answer = answer.or_else(|| {
                (round.started >= w.deadline).then(|| {
                    Err(ApiError::Timeout {
                        record_id: w.record_id.to_string(),
                        status: w.last_status.clone(),
                    })
                })
            });
            match answer {
                Some(answer) => {
                    if let Some(tx) = w.done.take() {
                        // The wait may be gone already; then nobody needs the answer.
                        let _ = tx.send(answer);
                    }
                    self.waiters.remove(&key);
                }
                None => {
                    let waited = round.started.saturating_duration_since(w.registered);
                    let delay = w.schedule.delay_after(waited, jitter_sample());
                    w.next_due = (round.started + delay).min(w.deadline);
                }
            }
        }
    }
}

/// One round: the history page for everyone (when `history`), `DescribeRecord` for the due
/// waits it does not answer.
async fn poll_round(
    sc: ServiceCatalog,
    started: Instant,
    members: Vec<Member>,
    history: bool,
) -> Round {
    let mut history_refused = false;
    let page = if history {
        match sc.recent_records().await {
            Ok(page) => Some(page),
            Err(f) => {
                history_refused = f.is_access_problem() || f.is("InvalidParametersException");
                if !f.is_throttling() {
                    tracing::debug!(error = %f.message, "account-level record history failed; polling records one by one");
                }
                None
            }
        }
    } else {
        None
    };
    let polls = members.into_iter().map(|m| {
        let on_page = page
            .as_ref()
            .and_then(|p| p.get(m.record_id.as_str()).cloned());
        let sc = &sc;
        async move {
            let seen = match (on_page, m.due) {
                // A failure's errors are read from the record itself.
                (Some(Observed::Finished(Ok(outcome))), _) if !outcome.succeeded() => {
                    match sc.observe_record(&m.record_id).await {
                        Some(observed) => Seen::Observed(observed),
                        None => Seen::Observed(Observed::Finished(Ok(outcome))),
                    }
                }
                (Some(observed), _) => Seen::Observed(observed),
                (None, false) => Seen::Skipped,
                (None, true) => match sc.observe_record(&m.record_id).await {
                    Some(observed) => Seen::Observed(observed),
                    None => Seen::NoNews,
                },
            };
            (m.key, seen)
        }
    });
    let seen = futures::future::join_all(polls).await;
    Round {
        started,
        seen,
        history_refused,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_servicecatalog::types::RecordStatus;

    use super::*;

    type Answer = oneshot::Receiver<Result<RecordOutcome, ApiError>>;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A wait registered at `at` for `record`, due at `due`, ending at `deadline`.
    fn add(
        inner: &mut Inner,
        record: &str,
        at: Instant,
        due: Instant,
        deadline: Instant,
    ) -> (u64, Answer) {
        let (tx, rx) = oneshot::channel();
        let key = inner.next_key;
        inner.next_key += 1;
        inner.waiters.insert(
            key,
            Waiter {
                record_id: RecordId::new(record),
                registered: at,
                deadline,
                next_due: due,
                in_round: false,
                last_status: "not yet read".to_owned(),
                schedule: Backoff::new(ms(250), 0.2, ms(10_000), 0.0),
                done: Some(tx),
            },
        );
        (key, rx)
    }

    fn ids(members: &[Member]) -> Vec<(&str, bool)> {
        let mut ids: Vec<(&str, bool)> = members
            .iter()
            .map(|m| (m.record_id.as_str(), m.due))
            .collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn a_single_wait_is_polled_on_its_own_at_once() {
        let now = Instant::now();
        let mut inner = Inner::default();
        add(&mut inner, "rec-1", now, now, now + ms(60_000));
        let (members, history) = inner.take_round(now).expect("due at once");
        assert!(!history, "one record: DescribeRecord");
        assert_eq!(ids(&members), [("rec-1", true)]);
        assert!(inner.take_round(now).is_none(), "already in a round");
    }

    #[test]
    fn one_due_wait_polls_every_other_through_the_history() {
        let now = Instant::now();
        let later = now + ms(200);
        let end = now + ms(60_000);
        let mut inner = Inner::default();
        add(&mut inner, "rec-1", now, later, end);
        add(&mut inner, "rec-2", now, later, end);
        assert!(inner.take_round(now).is_none(), "nobody due yet");
        assert_eq!(inner.earliest_due(), Some(later));
        add(&mut inner, "rec-3", now, now, end);
        let (members, history) = inner.take_round(now).expect("rec-3 is due");
        assert!(history);
        assert_eq!(
            ids(&members),
            [("rec-1", false), ("rec-2", false), ("rec-3", true)]
        );

        // Once history is refused, only the due wait is polled.
        let mut inner = Inner {
            no_history: true,
            ..Inner::default()
        };
        add(&mut inner, "rec-1", now, later, end);
        add(&mut inner, "rec-3", now, now, end);
        let (members, history) = inner.take_round(now).unwrap();
        assert!(!history);
        assert_eq!(ids(&members), [("rec-3", true)]);
    }

    #[test]
    fn settling_answers_finished_waits_and_reschedules_the_others_from_the_poll() {
        let t0 = Instant::now();
        let end = t0 + ms(60_000);
        let mut inner = Inner::default();
        let (done, mut done_rx) = add(&mut inner, "rec-done", t0, t0, end);
        let (running, _r) = add(&mut inner, "rec-running", t0, t0, end);
        let (skipped, _s) = add(&mut inner, "rec-skipped", t0, t0 + ms(900), end);
        let (throttled, _t) = add(&mut inner, "rec-throttled", t0, t0, end);
        inner.take_round(t0).unwrap();
        let started = t0 + ms(2_000);
        let outcome = RecordOutcome {
            record_id: RecordId::new("rec-done"),
            status: RecordStatus::Succeeded,
            errors: Vec::new(),
        };
        inner.settle(Round {
            started,
            seen: vec![
                (
                    done,
                    Seen::Observed(Observed::Finished(Ok(outcome.clone()))),
                ),
                (
                    running,
                    Seen::Observed(Observed::Running("IN_PROGRESS".to_owned())),
                ),
                (skipped, Seen::Skipped),
                (throttled, Seen::NoNews),
            ],
            history_refused: true,
        });
        assert_eq!(done_rx.try_recv().unwrap(), Ok(outcome));
        assert!(!inner.waiters.contains_key(&done));
        let w = &inner.waiters[&running];
        assert_eq!(w.last_status, "IN_PROGRESS");
        // 2 s into the wait: a fifth of it.
        assert_eq!(w.next_due, started + ms(400));
        assert!(!w.in_round);
        assert_eq!(
            inner.waiters[&skipped].next_due,
            t0 + ms(900),
            "not polled: schedule kept"
        );
        assert_eq!(inner.waiters[&throttled].next_due, started + ms(400));
        assert!(inner.no_history);
    }

    #[test]
    fn a_poll_at_the_deadline_that_still_shows_the_record_running_times_out() {
        let t0 = Instant::now();
        let deadline = t0 + ms(1_000);
        let mut inner = Inner::default();
        let (key, mut rx) = add(&mut inner, "rec-slow", t0, t0, deadline);
        inner.take_round(t0).unwrap();
        inner.settle(Round {
            started: t0 + ms(900),
            seen: vec![(key, Seen::Observed(Observed::Running("CREATED".to_owned())))],
            history_refused: false,
        });
        assert_eq!(
            inner.waiters[&key].next_due, deadline,
            "the next poll is at the deadline"
        );
        inner.take_round(deadline).unwrap();
        inner.settle(Round {
            started: deadline,
            seen: vec![(
                key,
                Seen::Observed(Observed::Running("IN_PROGRESS".to_owned())),
            )],
            history_refused: false,
        });
        assert_eq!(
            rx.try_recv().unwrap(),
            Err(ApiError::Timeout {
                record_id: "rec-slow".to_owned(),
                status: "IN_PROGRESS".to_owned()
            })
        );
        assert!(inner.waiters.is_empty());
    }
}
