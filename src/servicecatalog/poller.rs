//! Record waits that share their polls: every wait of one client registers with one poller, whose
//! task polls for all of them (one account-level `ListRecordHistory` page for many waits, else
//! `DescribeRecord`), while each wait keeps its own schedule. The rules: `docs/design.md`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tokio::task::JoinSet;
use tokio::time::{sleep_until, Instant};

use super::backoff::Backoff;
use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::ApiError;
use super::record::{Observed, RecordId, RecordOutcome};

/// Rounds in flight at once: more than Terraform's default parallelism, so that a new wait's
/// first poll never queues behind other rounds.
const MAX_ROUNDS: usize = 16;
/// Least time between two rounds: waits that begin together (Terraform starts changes ten at a
/// time, and their records come back within milliseconds) share their first poll, at the cost
/// of at most this much delay.
const ROUND_SPACING: Duration = Duration::from_millis(10);
/// Records per `ListRecordHistory` page (the API's largest).
pub(super) const HISTORY_PAGE: usize = 20;
/// After a round of several history pages, the next one waits this long for each page past
/// the first (at most [`MAX_GAP`]): many waits (a fleet hand-over) poll the account's history a
/// few pages a second, not without pause.
const PAGE_GAP: Duration = Duration::from_millis(500);
const MAX_GAP: Duration = Duration::from_secs(2);
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
    /// When the next round may start.
    next_round: Option<Instant>,
}

#[derive(Debug)]
struct Waiter {
    record_id: RecordId,
    registered: Instant,
    deadline: Instant,
    /// When its schedule asks for the next poll (moved on when a round includes it).
    next_due: Instant,
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

/// A wait a round polls; `due` when its own schedule asks for this poll, `was_due` its next
/// poll before the round moved it on (put back when the round did not see it).
#[derive(Debug)]
struct Member {
    key: u64,
    record_id: RecordId,
    due: bool,
    was_due: Instant,
}

#[derive(Debug)]
struct Round {
    started: Instant,
    seen: Vec<(Member, Seen)>,
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
        deadline: &Deadline,
    ) -> Result<RecordOutcome, ApiError> {
        let poller = self.poller();
        let (tx, rx) = oneshot::channel();
        let now = Instant::now();
        let ends = now + deadline.remaining();
        let (key, start) = {
            let mut inner = poller.lock();
            let key = inner.next_key;
            inner.next_key += 1;
            inner.waiters.insert(
                key,
                Waiter {
                    record_id: record_id.clone(),
                    registered: now,
                    deadline: ends,
                    next_due: now,
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
                answer = rx => answer.unwrap_or_else(|_| Err(ApiError::Unusable {
                    operation: "DescribeRecord",
                    message: format!("polling for record {record_id} stopped unexpectedly"),
                })),
                _ = sleep_until(ends + GRACE) => Err(ApiError::Timeout {
                    record_id: record_id.to_string(),
                    status: registered.poller.last_status(key),
                }),
            }
        };
        let outcome = deadline.guard(&during, answer).await?;
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
                if let Some((members, pages)) = inner.take_round(now) {
                    rounds.spawn(poll_round(sc.clone(), now, members, pages));
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
    /// The waits the next round polls, if one is due, and the history pages it reads (0: none):
    /// every wait when history is used (its pages answer them all), else only the due ones.
    /// Each is scheduled on from `now`.
    fn take_round(&mut self, now: Instant) -> Option<(Vec<Member>, usize)> {
        if !self.waiters.values().any(|w| w.next_due <= now)
            || self.next_round.is_some_and(|next| now < next)
        {
            return None;
        }
        let history = !self.no_history && self.waiters.len() >= 2;
        let pages = if !history {
            0
        } else if self.waiters.len() <= HISTORY_PAGE {
            1
        } else {
            // Our records are among the newest, unless others make records meanwhile.
            self.waiters.len().div_ceil(HISTORY_PAGE) + 1
        };
        let gap = match u32::try_from(pages.saturating_sub(1)) {
            Ok(0) => ROUND_SPACING,
            Ok(extra) => PAGE_GAP.saturating_mul(extra).min(MAX_GAP),
            Err(_) => MAX_GAP,
        };
        self.next_round = Some(now + gap);
        let mut members = Vec::new();
        for (key, w) in &mut self.waiters {
            let due = w.next_due <= now;
            if !(history || due) {
                continue;
            }
            members.push(Member {
                key: *key,
                record_id: w.record_id.clone(),
                due,
                was_due: w.next_due,
            });
            let waited = now.saturating_duration_since(w.registered);
            // No jitter: one poller makes every poll, so there is nothing to spread out, and
            // waits polled together stay together.
            let mut next = now + w.schedule.delay_after(waited, 0.0);
            if w.deadline > now {
                // One poll at the deadline; a poll from then on that sees it running ends it.
                next = next.min(w.deadline);
            }
            w.next_due = if due { next } else { w.next_due.max(next) };
        }
        Some((members, pages))
    }

    /// When the next round may start.
    fn earliest_due(&self) -> Option<Instant> {
        let due = self.waiters.values().map(|w| w.next_due).min()?;
        Some(match self.next_round {
            Some(next) => due.max(next),
            None => due,
        })
    }

    /// Answers the waits a round finished; a wait the round did not see gets its earlier
    /// schedule back.
    fn settle(&mut self, round: Round) {
        if round.history_refused {
            self.no_history = true;
        }
        for (member, seen) in round.seen {
            let Some(w) = self.waiters.get_mut(&member.key) else {
                continue;
            };
            let answer = match seen {
                Seen::Skipped => {
                    w.next_due = w.next_due.min(member.was_due);
                    continue;
                }
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
            if let Some(answer) = answer {
                if let Some(tx) = w.done.take() {
                    // The wait may be gone already; then nobody needs the answer.
                    let _ = tx.send(answer);
                }
                self.waiters.remove(&member.key);
            }
        }
    }
}

/// One round: up to `pages` history pages for everyone, `DescribeRecord` for the due waits they
/// do not answer.
async fn poll_round(
    sc: ServiceCatalog,
    started: Instant,
    members: Vec<Member>,
    pages: usize,
) -> Round {
    let mut history_refused = false;
    let page = if pages > 0 {
        let wanted: Vec<&str> = members.iter().map(|m| m.record_id.as_str()).collect();
        match sc.recent_records(pages, &wanted).await {
            Ok(page) => Some(page),
            Err(e) => {
                history_refused = e.is_refusal();
                if !e.is_throttling() {
                    tracing::debug!(error = %e, "account-level record history failed; polling records one by one");
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
            (m, seen)
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

    fn take(members: &mut Vec<Member>, record: &str) -> Member {
        let i = members
            .iter()
            .position(|m| m.record_id.as_str() == record)
            .expect("a member");
        members.remove(i)
    }

    #[test]
    fn a_single_wait_is_polled_on_its_own_at_once_then_on_its_schedule() {
        let now = Instant::now();
        let mut inner = Inner::default();
        let (key, _rx) = add(&mut inner, "rec-1", now, now, now + ms(60_000));
        let (members, history) = inner.take_round(now).expect("due at once");
        assert_eq!(history, 0, "one record: DescribeRecord");
        assert_eq!(ids(&members), [("rec-1", true)]);
        assert_eq!(inner.waiters[&key].next_due, now + ms(250));
        assert!(inner.take_round(now).is_none(), "polled: not due again yet");
        assert_eq!(inner.earliest_due(), Some(now + ms(250)));
    }

    #[test]
    fn one_due_wait_polls_every_wait_through_the_history_and_they_share_a_schedule() {
        let t0 = Instant::now();
        let end = t0 + ms(60_000);
        let mut inner = Inner::default();
        let (old, _a) = add(&mut inner, "rec-old", t0, t0 + ms(200), end);
        let t1 = t0 + ms(100);
        assert!(inner.take_round(t1).is_none(), "nobody due yet");
        let (new, _b) = add(&mut inner, "rec-new", t1, t1, end);
        let (mut members, history) = inner.take_round(t1).expect("the new wait is due");
        assert_eq!(history, 1, "one history page");
        assert_eq!(ids(&members), [("rec-new", true), ("rec-old", false)]);
        // Both now count as polled at t1: their next polls line up.
        assert_eq!(inner.waiters[&new].next_due, t1 + ms(250));
        assert_eq!(inner.waiters[&old].next_due, t1 + ms(250));
        // A round that did not see the old record gives it its earlier schedule back.
        let old_member = take(&mut members, "rec-old");
        inner.settle(Round {
            started: t1,
            seen: vec![(old_member, Seen::Skipped)],
            history_refused: false,
        });
        assert_eq!(inner.waiters[&old].next_due, t0 + ms(200));

        // Once history is refused, only the due wait is polled.
        let mut inner = Inner {
            no_history: true,
            ..Inner::default()
        };
        add(&mut inner, "rec-1", t0, t0 + ms(200), end);
        add(&mut inner, "rec-3", t0, t0, end);
        let (members, history) = inner.take_round(t0).unwrap();
        assert_eq!(history, 0);
        assert_eq!(ids(&members), [("rec-3", true)]);
    }

    #[test]
    fn waits_that_begin_together_share_their_first_poll() {
        let t0 = Instant::now();
        let end = t0 + ms(60_000);
        let mut inner = Inner::default();
        add(&mut inner, "rec-1", t0, t0, end);
        let (members, _) = inner.take_round(t0).unwrap();
        assert_eq!(ids(&members), [("rec-1", true)]);
        // Two more records come back a few milliseconds later: one round for both, after the
        // spacing.
        let t1 = t0 + ms(3);
        add(&mut inner, "rec-2", t1, t1, end);
        add(&mut inner, "rec-3", t1 + ms(1), t1 + ms(1), end);
        assert!(inner.take_round(t1 + ms(2)).is_none());
        assert_eq!(inner.earliest_due(), Some(t0 + ROUND_SPACING));
        let (members, history) = inner.take_round(t0 + ROUND_SPACING).unwrap();
        assert_eq!(history, 1, "one history page");
        assert_eq!(
            ids(&members),
            [("rec-1", false), ("rec-2", true), ("rec-3", true)]
        );
    }

    #[test]
    fn settling_answers_finished_waits_and_keeps_the_others() {
        let t0 = Instant::now();
        let end = t0 + ms(60_000);
        let mut inner = Inner::default();
        let (done, mut done_rx) = add(&mut inner, "rec-done", t0, t0, end);
        let (running, _r) = add(&mut inner, "rec-running", t0, t0, end);
        let started = t0 + ms(2_000);
        let (mut members, _) = inner.take_round(started).unwrap();
        // 2 s into the wait: the next poll a fifth of that later.
        assert_eq!(inner.waiters[&running].next_due, started + ms(400));
        let outcome = RecordOutcome {
            record_id: RecordId::new("rec-done"),
            status: RecordStatus::Succeeded,
            errors: Vec::new(),
        };
        inner.settle(Round {
            started,
            seen: vec![
                (
                    take(&mut members, "rec-done"),
                    Seen::Observed(Observed::Finished(Ok(outcome.clone()))),
                ),
                (
                    take(&mut members, "rec-running"),
                    Seen::Observed(Observed::Running("IN_PROGRESS".to_owned())),
                ),
            ],
            history_refused: true,
        });
        assert_eq!(done_rx.try_recv().unwrap(), Ok(outcome));
        assert!(!inner.waiters.contains_key(&done));
        assert_eq!(inner.waiters[&running].last_status, "IN_PROGRESS");
        assert_eq!(inner.waiters[&running].next_due, started + ms(400));
        assert!(inner.no_history);
    }

    #[test]
    fn a_poll_at_the_deadline_that_still_shows_the_record_running_times_out() {
        let t0 = Instant::now();
        let deadline = t0 + ms(1_000);
        let mut inner = Inner::default();
        let (key, mut rx) = add(&mut inner, "rec-slow", t0, t0 + ms(900), deadline);
        let (mut members, _) = inner.take_round(t0 + ms(900)).unwrap();
        assert_eq!(
            inner.waiters[&key].next_due, deadline,
            "the next poll is at the deadline"
        );
        inner.settle(Round {
            started: t0 + ms(900),
            seen: vec![(
                members.remove(0),
                Seen::Observed(Observed::Running("CREATED".to_owned())),
            )],
            history_refused: false,
        });
        let (mut members, _) = inner.take_round(deadline).unwrap();
        assert!(
            inner.take_round(deadline).is_none(),
            "no second round while the one at the deadline runs"
        );
        inner.settle(Round {
            started: deadline,
            seen: vec![(
                members.remove(0),
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

    #[test]
    fn many_waits_page_through_the_history_and_space_their_rounds_by_the_pages() {
        let t0 = Instant::now();
        let end = t0 + ms(600_000);
        let mut inner = Inner::default();
        for n in 0..60 {
            add(&mut inner, &format!("rec-{n}"), t0, t0, end);
        }
        let (members, pages) = inner.take_round(t0).expect("due at once");
        assert_eq!(members.len(), 60, "one round answers every wait");
        assert_eq!(pages, 4, "60 records are among the newest 80");
        // Three pages past the first: the next round is 1.5 s later, whoever is due.
        assert!(inner.take_round(t0 + ms(1_499)).is_none());
        assert!(inner.take_round(t0 + ms(1_500)).is_some());
        // A few waits need one page, and their rounds come as soon as they are due.
        let mut few = Inner::default();
        add(&mut few, "rec-a", t0, t0, end);
        add(&mut few, "rec-b", t0, t0, end);
        assert_eq!(few.take_round(t0).map(|(_, pages)| pages), Some(1));
        assert_eq!(few.next_round, Some(t0 + ROUND_SPACING));
    }
}
