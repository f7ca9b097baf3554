//! [`Wait`]: how long an operation may wait (a deadline) and how it is cut short (a
//! cancellation token). Cancellation also aborts a request in flight.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::{jitter_sample, Backoff};
use super::error::ApiError;

/// How long a wait may last and how it is cancelled.
#[derive(Debug, Clone)]
pub struct Wait {
    deadline: Instant,
    cancel: CancellationToken,
}

impl Wait {
    /// A wait lasting at most `timeout` from now.
    pub fn new(timeout: Duration, cancel: CancellationToken) -> Self {
        Wait {
            deadline: Instant::now() + timeout,
            cancel,
        }
    }

    /// The same wait, ending no later than `bound` from now.
    pub(super) fn capped(&self, bound: Duration) -> Self {
        Wait {
            deadline: self.deadline.min(Instant::now() + bound),
            cancel: self.cancel.clone(),
        }
    }

    /// Time left before the deadline (zero once it has passed).
    pub(super) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Runs `fut` unless cancelled first.
    pub(super) async fn guard<T>(
        &self,
        during: &str,
        fut: impl Future<Output = T>,
    ) -> Result<T, ApiError> {
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => Err(ApiError::Cancelled {
                during: during.to_owned(),
                record_id: None,
            }),
            value = fut => Ok(value),
        }
    }

    /// Sleeps for the next back-off step, never past the deadline.
    pub(super) async fn pause(&self, backoff: &mut Backoff, during: &str) -> Result<(), ApiError> {
        let delay = backoff.next_delay_within(jitter_sample(), self.remaining());
        self.guard(during, tokio::time::sleep(delay)).await
    }
}
