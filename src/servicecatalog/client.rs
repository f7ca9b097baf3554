//! [`ServiceCatalog`]: the SDK client with the settings every call shares (default
//! `AcceptLanguage`, polling schedule, read-after-write bound). The calls live with their
//! concern: `read` (reads and refresh), `change` (property changes), `record` (record waits),
//! `product` (what the data source describes).

use std::fmt;
use std::time::Duration;

use aws_sdk_servicecatalog::Client;

use super::backoff::Backoff;
use super::error::EndpointRecorder;
use super::validate::AcceptLanguage;
use super::OWNER_CONSISTENCY_BOUND;

/// The Service Catalog client the resource and data source use.
#[derive(Clone)]
pub struct ServiceCatalog {
    client: Client,
    accept_language: Option<AcceptLanguage>,
    backoff: Backoff,
    owner_consistency: Duration,
    endpoint: EndpointRecorder,
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
    /// Wraps an SDK client (adding what lets errors name the endpoint).
    pub fn new(client: Client) -> Self {
        let endpoint = EndpointRecorder::default();
        let conf = client.config().to_builder().interceptor(endpoint.clone());
        ServiceCatalog {
            client: Client::from_conf(conf.build()),
            endpoint,
            accept_language: None,
            backoff: Backoff::polling(),
            owner_consistency: OWNER_CONSISTENCY_BOUND,
        }
    }

    /// Builds the SDK client from a Service Catalog config.
    pub fn from_conf(conf: aws_sdk_servicecatalog::Config) -> Self {
        ServiceCatalog::new(Client::from_conf(conf))
    }

    /// Sets the `AcceptLanguage` sent when a call does not give its own (the provider default).
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

    /// The provider-wide `AcceptLanguage`.
    pub fn accept_language(&self) -> Option<AcceptLanguage> {
        self.accept_language
    }

    /// The underlying SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A fresh copy of the polling schedule.
    pub(super) fn backoff(&self) -> Backoff {
        self.backoff.clone()
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
