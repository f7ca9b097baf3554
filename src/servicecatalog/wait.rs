//! [`Wait`]: how long an operation may wait (a deadline) and how it is cut short (a
//! cancellation token). Cancellation also aborts a request in flight.
//!
//! [`ServiceCatalog::send`] is how every call goes out. Unless the provider block sets
//! `max_retries`, throttling that outlasts the SDK's own retries (standard mode, a few attempts)
//! is sent again here with growing pauses until the deadline ([`Wait::send`]), so a throttled
//! run slows down instead of failing; with `max_retries` set, its attempts are all there are, as
//! in the AWS provider. Every resent request is the same request (an
//! `UpdateProvisionedProductProperties` carries the same idempotency token), so resending is safe.

use std::future::Future;
use std::time::Duration;

use aws_sdk_servicecatalog::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::{jitter_sample, Backoff};
use super::client::ServiceCatalog;
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

    /// Sends the request `call` makes, again and again while the answer is throttling, `resend`
    /// is set and the deadline allows (see the module docs). The outer error is cancellation;
    /// the inner result is the call's, with a throttling failure that outlived the deadline
    /// saying how many times it was sent.
    pub(super) async fn send<T, E, Fut>(
        &self,
        operation: &'static str,
        resend: bool,
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
            if !failure.is_throttling() || !resend {
                return Ok(Err(failure));
            }
            if self.remaining().is_zero() {
                return Ok(Err(failure.after_sends(attempts)));
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

impl ServiceCatalog {
    /// Sends the request `call` makes within `wait` ([`Wait::send`], resending throttled
    /// requests unless `max_retries` is set); a failure says it was about what `about` names.
    pub(super) async fn send<T, E, Fut>(
        &self,
        wait: &Wait,
        operation: &'static str,
        about: impl FnOnce() -> String,
        call: impl FnMut() -> Fut,
    ) -> Result<Result<T, ServiceFailure>, ApiError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let sent = wait
            .send(operation, self.resends_throttling(), call)
            .await?;
        Ok(sent.map_err(|f| self.in_context(f, about())))
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
            .send("DescribeRecord", true, || {
                calls += 1;
                async { Err::<(), _>(throttled()) }
            })
            .await
            .expect("not cancelled");
        let failure = outcome.expect_err("throttled throughout");
        assert!(calls >= 2, "retried within the deadline: {calls} calls");
        let error = failure.into_api_error();
        assert!(
            matches!(error, ApiError::Throttled { sends, .. } if sends == calls),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(
            text.contains("DescribeRecord")
                && text.contains("Rate exceeded")
                && text.contains(&format!("sent {calls} times until the operation's timeout")),
            "{text}"
        );
    }

    #[tokio::test]
    async fn without_resending_a_throttled_call_is_sent_once() {
        let wait = Wait::new(Duration::from_secs(60), CancellationToken::new());
        let mut calls = 0u32;
        let outcome = wait
            .send("DescribeRecord", false, || {
                calls += 1;
                async { Err::<(), _>(throttled()) }
            })
            .await
            .expect("not cancelled");
        assert!(outcome.expect_err("throttled").is_throttling());
        assert_eq!(calls, 1, "max_retries set: the SDK's attempts are all");
    }

    #[tokio::test]
    async fn other_failures_and_successes_are_not_retried() {
        let wait = Wait::new(Duration::from_secs(60), CancellationToken::new());
        let mut calls = 0u32;
        let outcome = wait
            .send("DescribeRecord", true, || {
                calls += 1;
                async { Err::<(), DescribeRecordFailure>(SdkError::timeout_error("slow")) }
            })
            .await
            .expect("not cancelled");
        assert!(outcome.is_err());
        assert_eq!(calls, 1);
        let mut calls = 0u32;
        let outcome = wait
            .send("DescribeRecord", true, || {
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
            .send("DescribeRecord", true, || async {
                Err::<(), DescribeRecordFailure>(throttled())
            })
            .await;
        assert!(
            matches!(outcome, Err(ApiError::Cancelled { .. })),
            "{outcome:?}"
        );
    }
}
