//! The enrich worker: claims pending mentions in batches, has them classified, records their
//! interactions and authors with the influence service, resolves where they come from, and
//! writes it all back with the mentions marked enriched.
//!
//! Delivery is at least once: a batch whose calls fail is released for a retry with backoff
//! (or dead-lettered after `max_attempts`), and a batch whose worker dies comes back when its
//! lease expires. Every write is idempotent (interactions are keyed, completion only touches
//! mentions still pending), so the effect is exactly once.

mod backoff;
mod batch;

use std::time::Duration;

use hearken_geo::Gazetteer;
use hearken_proto::v1 as pb;
use hearken_store::{Store, StoreError, StoredMention};
use hearken_telemetry::metrics;
use pb::classify_service_client::ClassifyServiceClient;
use pb::influence_service_client::InfluenceServiceClient;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tonic::metadata::AsciiMetadataValue;
use tonic::transport::Channel;

pub use backoff::Backoff;

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct EnrichConfig {
    /// Mentions claimed and classified together.
    pub batch_size: u32,
    /// Batches in flight at once. Each is claimed on its own, so they never overlap; with
    /// several, a scaled classifier's replicas work in parallel instead of taking turns.
    pub concurrency: usize,
    /// How long a claim holds before another worker may take the batch over.
    pub lease: Duration,
    /// Claims of one mention before it is dead-lettered.
    pub max_attempts: i32,
    /// Deadline of each call to another role.
    pub call_timeout: Duration,
    /// Wait before looking again when nothing was pending.
    pub idle_wait: Duration,
    /// Routing reasons asked of the classifier for each mention, for the inbox.
    pub reason_count: i32,
    pub backoff: Backoff,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            concurrency: 4,
            lease: Duration::from_secs(60),
            max_attempts: 8,
            call_timeout: Duration::from_secs(15),
            idle_wait: Duration::from_millis(250),
            reason_count: 3,
            backoff: Backoff::default(),
        }
    }
}

/// The clients of the other roles the worker calls.
#[derive(Debug, Clone)]
pub struct Peers {
    pub classify: ClassifyServiceClient<Channel>,
    pub influence: InfluenceServiceClient<Channel>,
    /// `Bearer TOKEN`, sent with every call when the other roles require authentication.
    pub authorization: Option<AsciiMetadataValue>,
}

/// One enrich worker. Several may run against one Postgres store.
#[derive(Debug, Clone)]
pub struct Enricher {
    store: Store,
    peers: Peers,
    gazetteer: &'static Gazetteer,
    config: EnrichConfig,
}

/// Why a batch could not be enriched; the batch is retried.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    #[error("classify service: {0}")]
    Classify(tonic::Status),
    #[error("influence service: {0}")]
    Influence(tonic::Status),
    #[error("the classifier answered {got} classifications for {sent} documents")]
    Mismatch { sent: usize, got: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Enricher {
    pub fn new(store: Store, peers: Peers, config: EnrichConfig) -> Self {
        Self {
            store,
            peers,
            gazetteer: Gazetteer::load(),
            config,
        }
    }

    /// Enriches batches until `stop` is cancelled, `concurrency` at a time; batches in
    /// progress are finished first.
    pub async fn run(self, stop: CancellationToken) {
        let lanes = self.config.concurrency.max(1);
        tracing::info!(
            batch_size = self.config.batch_size,
            lanes,
            "enrich worker started"
        );
        let mut running = JoinSet::new();
        for _ in 0..lanes {
            running.spawn(self.clone().lane(stop.clone()));
        }
        while running.join_next().await.is_some() {}
        tracing::info!("enrich worker stopped");
    }

    /// One batch after another until `stop` is cancelled.
    async fn lane(self, stop: CancellationToken) {
        let mut store_backoff = 0u32;
        while !stop.is_cancelled() {
            match self.enrich_batch().await {
                Ok(0) => {
                    store_backoff = 0;
                    pause(&stop, self.config.idle_wait).await;
                }
                Ok(_) => store_backoff = 0,
                Err(error) => {
                    // The store itself failed (a claim, a release): wait and try again, the
                    // claimed batch comes back when its lease expires.
                    store_backoff += 1;
                    let wait = self.config.backoff.delay(store_backoff);
                    tracing::warn!(%error, ?wait, "enrichment cannot reach the store");
                    pause(&stop, wait).await;
                }
            }
        }
    }

    /// Claims and enriches one batch; returns how many mentions it claimed.
    pub async fn enrich_batch(&self) -> Result<usize, StoreError> {
        let lease = i64::try_from(self.config.lease.as_micros()).unwrap_or(i64::MAX);
        let claimed = self
            .store
            .claim_pending(self.config.batch_size, lease)
            .await?;
        let count = claimed.len();
        if count == 0 {
            return Ok(0);
        }
        let ids: Vec<i64> = claimed.iter().map(|m| m.id).collect();
        let attempts = claimed.iter().map(|m| m.attempts).max().unwrap_or(1);
        match self.enrich(claimed).await {
            Ok(enriched) => {
                metrics::count(
                    "hearken_mentions_enriched_total",
                    "Mentions this worker enriched.",
                    &[],
                    enriched,
                );
                tracing::debug!(claimed = count, enriched, "batch enriched");
            }
            Err(EnrichError::Store(error)) => return Err(error),
            Err(error) => {
                metrics::count(
                    "hearken_enrich_batches_failed_total",
                    "Batches whose enrichment failed and were released for a retry.",
                    &[],
                    1,
                );
                let retry_at = now_micros() + micros(self.config.backoff.delay(attempts as u32));
                let message = error.to_string();
                let outcome = self
                    .store
                    .fail_enrichment(&ids, &message, retry_at, self.config.max_attempts)
                    .await?;
                metrics::count(
                    "hearken_mentions_dead_lettered_total",
                    "Mentions moved to the dead letter status after their last attempt.",
                    &[],
                    outcome.dead_lettered,
                );
                tracing::warn!(
                    error = %message,
                    attempts,
                    retrying = outcome.retrying,
                    dead_lettered = outcome.dead_lettered,
                    "batch failed"
                );
            }
        }
        Ok(count)
    }

    /// Enriches one batch; its calls to other roles share one request id, which their access
    /// logs show.
    #[tracing::instrument(skip_all, fields(batch = claimed.len(), request_id))]
    async fn enrich(&self, claimed: Vec<StoredMention>) -> Result<u64, EnrichError> {
        let request_id = uuid::Uuid::new_v4().simple().to_string();
        tracing::Span::current().record("request_id", request_id.as_str());
        let request_id: AsciiMetadataValue =
            request_id.parse().expect("a UUID is a metadata value");
        let classifications = self.classify(&claimed, &request_id).await?;
        let mentions: Vec<pb::Mention> = claimed.iter().map(batch::contract_mention).collect();
        let known_authors = batch::referenced_authors(&self.store, &mentions).await?;
        self.record_influence(&mentions, &known_authors, &request_id)
            .await?;
        let scores = batch::influence_scores(&self.store, &claimed).await?;
        let items = claimed
            .into_iter()
            .zip(classifications)
            .map(|(mention, classification)| {
                batch::enriched(mention, classification, self.gazetteer, &scores)
            })
            .collect::<Vec<_>>();
        Ok(self.store.complete_enrichment(&items).await?)
    }

    async fn classify(
        &self,
        mentions: &[StoredMention],
        request_id: &AsciiMetadataValue,
    ) -> Result<Vec<pb::Classification>, EnrichError> {
        let request = pb::ClassifyRequest {
            documents: mentions.iter().map(batch::document).collect(),
            reason_count: self.config.reason_count,
            ..Default::default()
        };
        let mut client = self.peers.classify.clone();
        metrics::count(
            "hearken_classify_documents_total",
            "Documents sent to the classify service.",
            &[],
            mentions.len() as u64,
        );
        // Classifying is idempotent: one immediate retry rides over a replica that just died.
        let mut response = client
            .classify(self.call(request.clone(), request_id))
            .await;
        if matches!(&response, Err(status) if status.code() == tonic::Code::Unavailable) {
            response = client.classify(self.call(request, request_id)).await;
        }
        let classifications = response
            .map_err(EnrichError::Classify)?
            .into_inner()
            .classifications;
        if classifications.len() != mentions.len() {
            return Err(EnrichError::Mismatch {
                sent: mentions.len(),
                got: classifications.len(),
            });
        }
        Ok(classifications)
    }

    async fn record_influence(
        &self,
        mentions: &[pb::Mention],
        known_authors: &batch::KnownAuthors,
        request_id: &AsciiMetadataValue,
    ) -> Result<(), EnrichError> {
        let mut client = self.peers.influence.clone();
        let authors = batch::authors(mentions);
        client
            .upsert_authors(self.call(pb::UpsertAuthorsRequest { authors }, request_id))
            .await
            .map_err(EnrichError::Influence)?;
        let interactions = batch::interactions(mentions, known_authors);
        if interactions.is_empty() {
            return Ok(());
        }
        let stream = tokio_stream::once(pb::RecordInteractionsRequest { interactions });
        client
            .record_interactions(self.call(stream, request_id))
            .await
            .map_err(EnrichError::Influence)?;
        Ok(())
    }

    fn call<T>(&self, message: T, request_id: &AsciiMetadataValue) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.set_timeout(self.config.call_timeout);
        request
            .metadata_mut()
            .insert("x-request-id", request_id.clone());
        if let Some(authorization) = &self.peers.authorization {
            request
                .metadata_mut()
                .insert("authorization", authorization.clone());
        }
        request
    }
}

async fn pause(stop: &CancellationToken, wait: Duration) {
    tokio::select! {
        () = stop.cancelled() => {}
        () = tokio::time::sleep(wait) => {}
    }
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}
