//! The tonic adapter: converts, calls [`Ingest`], and maps errors to statuses.

use hearken_core::Caller;
use hearken_proto::v1 as pb;
use hearken_proto::v1::ingest_service_server::{IngestService, IngestServiceServer};
use hearken_store::{MentionFilter, PageCursor};
use tokio::task::JoinSet;
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status, Streaming};

use crate::convert::{mention, micros, topic};
use crate::{Ingest, IngestError, Summary};

const DEFAULT_PAGE_SIZE: u32 = 100;
/// Stream messages written concurrently, so that the database works on several while the next
/// is received and checked.
const MAX_MESSAGES_IN_FLIGHT: usize = 4;
const MAX_PAGE_SIZE: u32 = 1_000;

/// The `hearken.v1.IngestService` server for `ingest`.
pub fn grpc_service(ingest: Ingest) -> IngestServiceServer<Ingest> {
    IngestServiceServer::new(ingest)
}

fn summary(summary: Summary) -> pb::IngestSummary {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    pb::IngestSummary {
        accepted_count: count(summary.accepted),
        duplicate_count: count(summary.duplicates),
        rejected_count: count(summary.rejected),
        errors: summary.errors,
    }
}

/// Waits for the next written message and adds its summary to `total`.
async fn absorb_next(
    in_flight: &mut JoinSet<Result<Summary, IngestError>>,
    total: &mut Summary,
) -> Result<(), Status> {
    match in_flight.join_next().await {
        Some(Ok(result)) => {
            total.absorb(result?);
            Ok(())
        }
        Some(Err(join_error)) => {
            tracing::error!(error = %join_error, "ingest task failed");
            Err(Status::internal("internal error"))
        }
        None => Ok(()),
    }
}

fn page_size(requested: i32) -> Result<u32, IngestError> {
    match u32::try_from(requested) {
        Ok(0) => Ok(DEFAULT_PAGE_SIZE),
        // As the API design guide asks, a size over the maximum is coerced, not refused.
        Ok(size) => Ok(size.min(MAX_PAGE_SIZE)),
        Err(_) => Err(IngestError::invalid(
            "page_size",
            format!("must not be negative (got {requested})"),
        )),
    }
}

fn mention_filter(request: &pb::ListMentionsRequest) -> Result<MentionFilter, IngestError> {
    let status = match pb::MentionStatus::try_from(request.status) {
        Ok(pb::MentionStatus::Unspecified) => None,
        Ok(status) => Some(status as i32),
        Err(_) => {
            return Err(IngestError::invalid(
                "status",
                format!("{} is not a MentionStatus", request.status),
            ));
        }
    };
    let range = request.create_time_range.unwrap_or_default();
    let non_empty = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
    Ok(MentionFilter {
        source: non_empty(&request.source).map(|s| s.to_ascii_lowercase()),
        created_from: range.start_time.as_ref().map(micros),
        created_until: range.end_time.as_ref().map(micros),
        topic: non_empty(&request.topic),
        status,
    })
}

#[tonic::async_trait]
impl IngestService for Ingest {
    #[tracing::instrument(skip_all)]
    async fn ingest(
        &self,
        request: Request<Streaming<pb::IngestRequest>>,
    ) -> Result<Response<pb::IngestResponse>, Status> {
        let caller = request.extensions().get::<Caller>().cloned();
        let mut stream = request.into_inner();
        let mut total = Summary::default();
        let mut seen = 0u64;
        // Each message is committed on its own: a client that drops mid-stream keeps every
        // message it sent in full, and no message is half-written. While one message is being
        // written the next is received and validated, so the network, the CPU and the database
        // work at once.
        let mut in_flight = JoinSet::new();
        let mut failure = None;
        while let Some(message) = stream.next().await {
            let message = match message {
                Ok(message) => message,
                Err(status) => {
                    failure = Some(status);
                    break;
                }
            };
            if let Err(error) = self.admit_rate(caller.as_ref(), message.mentions.len()) {
                failure = Some(error.into());
                break;
            }
            if in_flight.len() >= MAX_MESSAGES_IN_FLIGHT
                && let Err(status) = absorb_next(&mut in_flight, &mut total).await
            {
                failure = Some(status);
                break;
            }
            let ingest = self.clone();
            let first = seen;
            seen += message.mentions.len() as u64;
            in_flight.spawn(async move { ingest.ingest(&message.mentions, first).await });
        }
        // Messages already received are written even when the stream failed after them.
        while !in_flight.is_empty() {
            if let Err(status) = absorb_next(&mut in_flight, &mut total).await {
                failure.get_or_insert(status);
            }
        }
        if let Some(status) = failure {
            return Err(status);
        }
        total.errors.sort_by_key(|error| error.index);
        tracing::info!(
            records = seen,
            accepted = total.accepted,
            duplicates = total.duplicates,
            rejected = total.rejected,
            "stream ingested"
        );
        Ok(Response::new(pb::IngestResponse {
            summary: Some(summary(total)),
        }))
    }

    #[tracing::instrument(skip_all, fields(batch = request.get_ref().mentions.len()))]
    async fn ingest_batch(
        &self,
        request: Request<pb::IngestBatchRequest>,
    ) -> Result<Response<pb::IngestBatchResponse>, Status> {
        let mentions = &request.get_ref().mentions;
        self.admit_rate(request.extensions().get::<Caller>(), mentions.len())?;
        let result = Ingest::ingest(self, mentions, 0).await?;
        Ok(Response::new(pb::IngestBatchResponse {
            summary: Some(summary(result)),
        }))
    }

    async fn get_mention(
        &self,
        request: Request<pb::GetMentionRequest>,
    ) -> Result<Response<pb::GetMentionResponse>, Status> {
        let id = request.get_ref().id;
        let stored = self
            .store
            .get_mention(id)
            .await
            .map_err(IngestError::from)?
            .ok_or_else(|| IngestError::NotFound {
                what: format!("mention {id}"),
            })?;
        Ok(Response::new(pb::GetMentionResponse {
            mention: Some(mention(stored)),
        }))
    }

    async fn list_mentions(
        &self,
        request: Request<pb::ListMentionsRequest>,
    ) -> Result<Response<pb::ListMentionsResponse>, Status> {
        let request = request.into_inner();
        let filter = mention_filter(&request)?;
        let size = page_size(request.page_size)?;
        let cursor = match request.page_token.as_str() {
            "" => None,
            token => Some(PageCursor::decode(token).ok_or_else(|| {
                IngestError::invalid(
                    "page_token",
                    "is not a token from a previous ListMentions response",
                )
            })?),
        };
        let mentions = self
            .store
            .list_mentions(&filter, cursor, size)
            .await
            .map_err(IngestError::from)?;
        let next_page_token = match mentions.last() {
            Some(last) if mentions.len() == size as usize => PageCursor::after(last).encode(),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListMentionsResponse {
            mentions: mentions.into_iter().map(mention).collect(),
            next_page_token,
        }))
    }

    async fn put_topic(
        &self,
        request: Request<pb::PutTopicRequest>,
    ) -> Result<Response<pb::PutTopicResponse>, Status> {
        let wanted = request
            .into_inner()
            .topic
            .ok_or_else(|| IngestError::invalid("topic", "is required"))?;
        let record = self
            .topics
            .put(&self.store, &wanted.name, &wanted.query, wanted.brand)
            .await?;
        Ok(Response::new(pb::PutTopicResponse {
            topic: Some(topic(record)),
        }))
    }

    async fn list_topics(
        &self,
        _request: Request<pb::ListTopicsRequest>,
    ) -> Result<Response<pb::ListTopicsResponse>, Status> {
        let records = self.store.list_topics().await.map_err(IngestError::from)?;
        Ok(Response::new(pb::ListTopicsResponse {
            topics: records.into_iter().map(topic).collect(),
        }))
    }

    async fn delete_topic(
        &self,
        request: Request<pb::DeleteTopicRequest>,
    ) -> Result<Response<pb::DeleteTopicResponse>, Status> {
        self.topics
            .delete(&self.store, &request.get_ref().name)
            .await?;
        Ok(Response::new(pb::DeleteTopicResponse {}))
    }

    async fn get_queue_stats(
        &self,
        _request: Request<pb::GetQueueStatsRequest>,
    ) -> Result<Response<pb::GetQueueStatsResponse>, Status> {
        let stats = self.store.queue_stats().await.map_err(IngestError::from)?;
        let lag = stats.oldest_pending_ingested_at.map_or(0, |ingested| {
            (chrono::Utc::now().timestamp_micros() - ingested).max(0)
        });
        Ok(Response::new(pb::GetQueueStatsResponse {
            pending_count: stats.pending,
            enriched_count: stats.enriched,
            dead_letter_count: stats.dead_lettered,
            oldest_pending_age: Some(hearken_proto::prost_types::Duration {
                seconds: lag / 1_000_000,
                nanos: i32::try_from(lag % 1_000_000 * 1_000).unwrap_or(0),
            }),
            max_queue_depth: self.queue.limit(),
        }))
    }
}
