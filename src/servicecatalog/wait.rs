//! [`Wait`]: how long an operation may wait (a deadline) and how it is cut short (a
//! cancellation token). Cancellation also aborts a request in flight.
//!
//! [`Wait::send`] is how every call goes out: throttling that outlasts the SDK's own retries
//! (adaptive mode, a few attempts) is retried here with growing pauses until the deadline, so a
//! throttled run slows down instead of failing. Every retried request is the same request (an
//! `UpdateProvisionedProductProperties` carries the same idempotency token), so retrying is safe.

use std::future::Future;
use std::time::Duration;

use aws_sdk_servicecatalog::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::{jitter_sample, Backoff};
use super::error::{ApiError, ServiceFailure};

/// First pause after a call the SDK gave up on as throttled; it doubles up to [`THROTTLE_MAX`].
const THROTTLE_FIRST: Duration = Duration::from_millis(500);
const THROTTLE_MAX: Duration = Duration::from_secs(10);

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

    /// Sends the request `call` makes, again and again while the answer is throttling and the
    /// deadline allows (see the module docs). The outer error is cancellation; the inner result
    /// is the call's, with a throttling failure that outlived the deadline saying how many
    /// attempts were made.
    pub(super) async fn send<T, E, Fut>(
        &self,
        operation: &'static str,
        mut call: impl FnMut() -> Fut,
    ) -> Result<Result<T, ServiceFailure>, ApiError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let during = format!("calling {operation}");
        let mut pause = THROTTLE_FIRST;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let failure = match self.guard(&during, call()).await? {
                Ok(out) => return Ok(Ok(out)),
                Err(e) => ServiceFailure::from_sdk(operation, e),
            };
            if !failure.is_throttling() {
                return Ok(Err(failure));
            }
            if self.remaining().is_zero() {
                return Ok(Err(failure.after_attempts(attempts)));
            }
            let delay = pause
                .mul_f64(0.5 + 0.5 * jitter_sample())
                .min(self.remaining());
            tracing::debug!(operation, attempts, ?delay, "throttled; retrying");
            self.guard(&during, tokio::time::sleep(delay)).await?;
            pause = (pause * 2).min(THROTTLE_MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type DescribeRecordFailure = SdkError<
        aws_sdk_servicecatalog::operation::describe_record::DescribeRecordError,
        HttpResponse,
    >;

    fn throttled() -> DescribeRecordFailure {
        use aws_sdk_servicecatalog::error::ErrorMetadata;
        use aws_sdk_servicecatalog::operation::describe_record::DescribeRecordError;
        let meta = ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("Rate exceeded")
            .build();
        SdkError::service_error(
            DescribeRecordError::generic(meta),
            HttpResponse::new(400.try_into().expect("a status"), "".into()),
        )
    }

    #[tokio::test]
    async fn throttling_is_retried_until_the_deadline_then_reported() {
        let wait = Wait::new(Duration::from_millis(300), CancellationToken::new());
        let mut calls = 0u32;
        let outcome = wait
            .send("DescribeRecord", || {
                calls += 1;
                async { Err::<(), _>(throttled()) }
            })
            .await
            .expect("not cancelled");
        let failure = outcome.expect_err("throttled throughout");
        assert!(calls >= 2, "retried within the deadline: {calls} calls");
        let error = failure.into_api_error();
        assert!(
            matches!(error, ApiError::Throttled { attempts, .. } if attempts == calls),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(
            text.contains("DescribeRecord") && text.contains("Rate exceeded"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn other_failures_and_successes_are_not_retried() {
        let wait = Wait::new(Duration::from_secs(60), CancellationToken::new());
        let mut calls = 0u32;
        let outcome = wait
            .send("DescribeRecord", || {
                calls += 1;
                async { Err::<(), DescribeRecordFailure>(SdkError::timeout_error("slow")) }
            })
            .await
            .expect("not cancelled");
        assert!(outcome.is_err());
        assert_eq!(calls, 1);
        let mut calls = 0u32;
        let outcome = wait
            .send("DescribeRecord", || {
                calls += 1;
                let answer = if calls < 3 {
                    Err(throttled())
                } else {
                    Ok(calls)
                };
                async move { answer }
            })
            .await
            .expect("not cancelled");
        assert_eq!(outcome.expect("the third call went through"), 3);
    }

    #[tokio::test]
    async fn a_cancelled_wait_is_cancelled() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let wait = Wait::new(Duration::from_secs(60), cancel);
        let outcome = wait
            .send("DescribeRecord", || async {
                Err::<(), DescribeRecordFailure>(throttled())
            })
            .await;
        assert!(
            matches!(outcome, Err(ApiError::Cancelled { .. })),
            "{outcome:?}"
        );
    }
}
