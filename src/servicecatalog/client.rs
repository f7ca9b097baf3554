//! [`ServiceCatalog`]: the SDK client with the settings every call shares (default
//! `AcceptLanguage`, polling schedule, read-after-write bound) and the state its clones share
//! (the batched-read pages and the record poller).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_servicecatalog::Client;

use super::backoff::Backoff;
use super::error::EndpointRecorder;
use super::fleet::Fleet;
use super::input::AcceptLanguage;
use super::pace::{Pace, ThrottleWatch};
use super::poller::Poller;
use super::OWNER_CONSISTENCY_BOUND;

/// The Service Catalog client the resource and data source use. Clones share their pages and
/// their record poller.
#[derive(Clone)]
pub struct ServiceCatalog {
    client: Client,
    accept_language: Option<AcceptLanguage>,
    backoff: Backoff,
    owner_consistency: Duration,
    endpoint: EndpointRecorder,
    resend_throttling: bool,
    shared: Arc<Shared>,
    pace: Arc<Pace>,
}

#[derive(Debug, Default)]
struct Shared {
    fleet: Fleet,
    poller: Poller,
}

// The SDK client's Debug would print its configuration, credentials provider included.
impl fmt::Debug for ServiceCatalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceCatalog")
            .field("accept_language", &self.accept_language)
            .field("backoff", &self.backoff)
            .field("owner_consistency", &self.owner_consistency)
            .finish_non_exhaustive()
    }
}

impl ServiceCatalog {
    /// Wraps an SDK client (adding what lets errors name the endpoint, and what paces updates).
    pub fn new(client: Client) -> Self {
        let endpoint = EndpointRecorder::default();
        let pace = Arc::new(Pace::default());
        let conf = client
            .config()
            .to_builder()
            .interceptor(endpoint.clone())
            .retry_classifier(ThrottleWatch(Arc::clone(&pace)));
        ServiceCatalog {
            client: Client::from_conf(conf.build()),
            endpoint,
            accept_language: None,
            backoff: Backoff::polling(),
            owner_consistency: OWNER_CONSISTENCY_BOUND,
            resend_throttling: true,
            shared: Arc::default(),
            pace,
        }
    }

    pub fn from_conf(conf: aws_sdk_servicecatalog::Config) -> Self {
        ServiceCatalog::new(Client::from_conf(conf))
    }

    /// The `AcceptLanguage` sent when a call does not give its own (the provider default).
    pub fn with_accept_language(mut self, language: Option<AcceptLanguage>) -> Self {
        self.accept_language = language;
        self
    }

    /// Replaces the polling schedule (tests use a faster one).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Replaces how long a search that still shows the previous owner after our own change is
    /// waited out ([`OWNER_CONSISTENCY_BOUND`] by default; tests use a shorter one).
    pub fn with_owner_consistency(mut self, bound: Duration) -> Self {
        self.owner_consistency = bound;
        self
    }

    /// Whether a call still throttled after the SDK's retries is sent again until its
    /// operation's deadline (the default), or fails (when `max_retries` is set: its attempts are
    /// all there are).
    pub fn with_throttling_resent(mut self, resend: bool) -> Self {
        self.resend_throttling = resend;
        self
    }

    pub(super) fn resends_throttling(&self) -> bool {
        self.resend_throttling
    }

    pub fn accept_language(&self) -> Option<AcceptLanguage> {
        self.accept_language
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A fresh copy of the polling schedule.
    pub(super) fn backoff(&self) -> Backoff {
        self.backoff.clone()
    }

    pub(super) fn fleet(&self) -> &Fleet {
        &self.shared.fleet
    }

    pub(super) fn pace(&self) -> &Pace {
        &self.pace
    }

    pub(super) fn poller(&self) -> &Poller {
        &self.shared.poller
    }

    pub(super) fn owner_consistency(&self) -> Duration {
        self.owner_consistency
    }

    /// The endpoint requests go to, once one has gone out.
    pub(super) fn endpoint_url(&self) -> Option<String> {
        self.endpoint.get()
    }

    /// The attempts the retry policy allows per call.
    pub(super) fn max_attempts(&self) -> u32 {
        self.client
            .config()
            .retry_config()
            .map_or(1, |r| r.max_attempts())
    }

    /// `language`, else the provider-wide one, as the API spells it.
    pub(super) fn language(&self, language: Option<AcceptLanguage>) -> Option<String> {
        language
            .or(self.accept_language)
            .map(|l| l.as_str().to_owned())
    }
}
