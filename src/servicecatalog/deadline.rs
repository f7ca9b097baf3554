//! [`Deadline`]: how long an operation may take and how it is cut short (a cancellation token,
//! which also abandons a request in flight). Every call goes out through
//! [`ServiceCatalog::send`]: unless the provider block sets `max_retries`, throttling that
//! outlasts the SDK's own retries is sent again, with the [`Backoff::throttled`] schedule, until
//! the deadline, so a throttled run slows down instead of failing. Every resend is the same
//! request (an update carries the same idempotency token), so resending is safe.

use std::future::Future;
use std::time::Duration;

use aws_sdk_servicecatalog::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::{jitter_sample, Backoff};
use super::client::ServiceCatalog;
use super::error::{About, ApiError};

/// How long an operation may take, and how it is cancelled.
#[derive(Debug, Clone)]
pub struct Deadline {
    at: Instant,
    cancel: CancellationToken,
}

impl Deadline {
    /// A deadline `timeout` from now.
    pub fn new(timeout: Duration, cancel: CancellationToken) -> Self {
        Deadline {
            at: Instant::now() + timeout,
            cancel,
        }
    }

    /// The same deadline, but no later than `bound` from now.
    pub(super) fn capped(&self, bound: Duration) -> Self {
        Deadline {
            at: self.at.min(Instant::now() + bound),
            cancel: self.cancel.clone(),
        }
    }

    /// Time left (zero once it has passed).
    pub(super) fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
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

    /// Sleeps for the next step of `backoff`, never past the deadline.
    pub(super) async fn pause(&self, backoff: &mut Backoff, during: &str) -> Result<(), ApiError> {
        let delay = backoff.next_delay_within(jitter_sample(), self.remaining());
        self.guard(during, tokio::time::sleep(delay)).await
    }
}

impl ServiceCatalog {
    /// Sends the request `call` makes within `deadline`, again while it is throttled (see the
    /// module docs); a failure is classified as about `about`.
    pub(super) async fn send<T, E, Fut>(
        &self,
        deadline: &Deadline,
        operation: &'static str,
        about: About,
        mut call: impl FnMut() -> Fut,
    ) -> Result<T, ApiError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        aws_sdk_servicecatalog::Error: From<E>,
    {
        let during = format!("calling {operation}");
        let mut backoff = Backoff::throttled();
        let mut sends = 0u32;
        loop {
            sends += 1;
            let error = match deadline.guard(&during, call()).await? {
                Ok(out) => return Ok(out),
                Err(e) => self.classify(operation, &about, e),
            };
            if !error.is_throttling() || !self.resends_throttling() {
                return Err(error);
            }
            if deadline.remaining().is_zero() {
                return Err(error.after_sends(sends));
            }
            tracing::debug!(operation, sends, "throttled; sending again");
            deadline.pause(&mut backoff, &during).await?;
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

    /// A client nothing is sent through (each test's `call` answers instead).
    fn client(resend: bool) -> ServiceCatalog {
        let conf = aws_sdk_servicecatalog::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        ServiceCatalog::from_conf(conf).with_throttling_resent(resend)
    }

    const RECORD: fn() -> About = || About::Record("rec-1".into());

    #[tokio::test]
    async fn throttling_is_resent_until_the_deadline_then_reported() {
        let deadline = Deadline::new(Duration::from_millis(800), CancellationToken::new());
        let mut calls = 0u32;
        let error = client(true)
            .send(&deadline, "DescribeRecord", RECORD(), || {
                calls += 1;
                async { Err::<(), _>(throttled()) }
            })
            .await
            .expect_err("throttled throughout");
        assert!(calls >= 2, "resent within the deadline: {calls} calls");
        assert!(
            matches!(error, ApiError::Throttled { sends, .. } if sends == calls),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(
            text.contains("DescribeRecord for record rec-1")
                && text.contains("Rate exceeded")
                && text.contains(&format!("sent {calls} times until the operation's timeout")),
            "{text}"
        );
    }

    #[tokio::test]
    async fn without_resending_a_throttled_call_is_sent_once() {
        let deadline = Deadline::new(Duration::from_secs(60), CancellationToken::new());
        let mut calls = 0u32;
        let error = client(false)
            .send(&deadline, "DescribeRecord", RECORD(), || {
                calls += 1;
                async { Err::<(), _>(throttled()) }
            })
            .await
            .expect_err("throttled");
        assert!(error.is_throttling(), "{error:?}");
        assert_eq!(calls, 1, "max_retries set: the SDK's attempts are all");
    }

    #[tokio::test]
    async fn other_failures_and_successes_are_not_resent() {
        let deadline = Deadline::new(Duration::from_secs(60), CancellationToken::new());
        let sc = client(true);
        let mut calls = 0u32;
        let error = sc
            .send(&deadline, "DescribeRecord", RECORD(), || {
                calls += 1;
                async { Err::<(), DescribeRecordFailure>(SdkError::timeout_error("slow")) }
            })
            .await
            .expect_err("timed out");
        assert!(matches!(error, ApiError::Unreachable { .. }), "{error:?}");
        assert_eq!(calls, 1);
        let mut calls = 0u32;
        let answer = sc
            .send(&deadline, "DescribeRecord", RECORD(), || {
                calls += 1;
                let answer = if calls < 3 {
                    Err(throttled())
                } else {
                    Ok(calls)
                };
                async move { answer }
            })
            .await;
        assert_eq!(answer, Ok(3), "the third call went through");
    }

    #[tokio::test]
    async fn a_cancelled_deadline_is_cancelled() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let deadline = Deadline::new(Duration::from_secs(60), cancel);
        let outcome = client(true)
            .send(&deadline, "DescribeRecord", RECORD(), || async {
                Err::<(), DescribeRecordFailure>(throttled())
            })
            .await;
        assert!(
            matches!(outcome, Err(ApiError::Cancelled { .. })),
            "{outcome:?}"
        );
    }
}
