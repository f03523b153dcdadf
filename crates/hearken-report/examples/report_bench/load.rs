//! The read load: each dashboard query, as the dashboard asks it, from `clients` concurrent
//! gRPC clients (one connection each) until `requests` were answered; then the same question
//! as a plain `GROUP BY` over the mentions, straight on the store with the same concurrency,
//! where such a baseline exists.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use hearken_proto::v1::report_service_client::ReportServiceClient;
use hearken_store::Store;
use hearken_store::enrich::Dimension;
use hearken_store::report::{AggregateQuery, BucketWidth, ReportFilter};
use tokio::task::JoinSet;
use tonic::transport::Channel;

type Client = ReportServiceClient<Channel>;

const DAY: i64 = 86_400;
/// The dashboard's page and list sizes.
const INBOX_PAGE: i32 = 50;
const VOICES: i32 = 25;
/// Topics on the conversation map, as the dashboard shows it.
const MAP_TOPICS: i32 = 20;
/// How long to wait for the server's first influence generation.
const GENERATION_WAIT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Query {
    VolumeDayDepartment,
    VolumeDaySentiment,
    VolumeHourDepartment,
    VolumeHourSentiment,
    ShareOfVoice,
    Reach,
    TopVoices,
    ConversationMap,
    Inbox,
    Spikes,
}

const QUERIES: [Query; 10] = [
    Query::VolumeDayDepartment,
    Query::VolumeDaySentiment,
    Query::VolumeHourDepartment,
    Query::VolumeHourSentiment,
    Query::ShareOfVoice,
    Query::Reach,
    Query::TopVoices,
    Query::ConversationMap,
    Query::Inbox,
    Query::Spikes,
];

impl Query {
    fn name(self) -> &'static str {
        match self {
            Query::VolumeDayDepartment => "Volume by day × department",
            Query::VolumeDaySentiment => "Volume by day × sentiment",
            Query::VolumeHourDepartment => "Volume by hour × department (3 days)",
            Query::VolumeHourSentiment => "Volume by hour × sentiment (3 days)",
            Query::ShareOfVoice => "ShareOfVoice",
            Query::Reach => "Reach",
            Query::TopVoices => "TopVoices",
            Query::ConversationMap => "ConversationMap",
            Query::Inbox => "Inbox, first page",
            Query::Spikes => "Spikes",
        }
    }
}

/// What the dashboard reports on by default: every day with data (seconds, end exclusive),
/// the last three of them for hourly charts, and the busiest department's inbox.
#[derive(Debug, Clone)]
struct Scope {
    start: i64,
    end: i64,
    department: String,
}

impl Scope {
    fn range(&self, hourly: bool) -> (i64, i64) {
        match hourly {
            true => (self.end - 3 * DAY, self.end),
            false => (self.start, self.end),
        }
    }

    fn time_range(&self, hourly: bool) -> pb::TimeRange {
        let (start, end) = self.range(hourly);
        let at = |seconds| Timestamp { seconds, nanos: 0 };
        pb::TimeRange {
            start_time: Some(at(start)),
            end_time: Some(at(end)),
        }
    }

    fn filter(&self, hourly: bool) -> pb::ReportFilter {
        pb::ReportFilter {
            time_range: Some(self.time_range(hourly)),
            dimensions: Vec::new(),
        }
    }

    fn store_filter(&self, hourly: bool) -> ReportFilter {
        let (start, end) = self.range(hourly);
        ReportFilter {
            from: Some(start * 1_000_000),
            until: Some(end * 1_000_000),
            ..ReportFilter::default()
        }
    }
}

pub(crate) async fn run(
    server: &str,
    database_url: &str,
    clients: usize,
    requests: usize,
) -> anyhow::Result<()> {
    let mut connections = Vec::with_capacity(clients);
    for _ in 0..clients {
        let channel = Channel::from_shared(server.to_owned())?.connect().await?;
        connections.push(ReportServiceClient::new(channel));
    }
    let store = Store::connect(database_url).await?;
    // The plain GROUP BYs take seconds each; leaving them out measures Hearken's side alone.
    let baselines = std::env::var("HEARKEN_BENCH_BASELINE").map_or(true, |v| v != "0");
    let scope = scope(&mut connections[0]).await?;
    wait_for_generation(&store).await?;

    println!(
        "| query | rows | p50 (ms) | p99 (ms) | GROUP BY p50 (ms) | GROUP BY p99 (ms) | p50 speed-up |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for query in QUERIES {
        let rows = over_grpc(&mut connections[0], query, &scope).await?;
        let calls = connections
            .iter()
            .map(|client| {
                let (client, scope) = (client.clone(), scope.clone());
                move || {
                    let (mut client, scope) = (client.clone(), scope.clone());
                    async move { over_grpc(&mut client, query, &scope).await.map(drop) }
                }
            })
            .collect();
        // Each client's first call, untimed, opens the server's pooled connections and
        // warms their caches: a server that has been running has them.
        let served = Latencies::of(measure(calls, requests, true).await?);
        let baseline = match baselines && from_mentions(&store, query, &scope).await? {
            false => None,
            true => {
                // At most one query per pooled connection: more only wait for one, past
                // SQLite's acquire timeout.
                let connections = match &store {
                    Store::Postgres(store) => store.pool().options().get_max_connections(),
                    Store::Sqlite(store) => store.pool().options().get_max_connections(),
                };
                let calls = (0..clients.min(connections as usize))
                    .map(|_| {
                        let (store, scope) = (store.clone(), scope.clone());
                        move || {
                            let (store, scope) = (store.clone(), scope.clone());
                            async move { from_mentions(&store, query, &scope).await.map(drop) }
                        }
                    })
                    .collect();
                // Each takes seconds: one request per client.
                Some(Latencies::of(measure(calls, clients, false).await?))
            }
        };
        let (base_p50, base_p99, speed_up) = match &baseline {
            Some(b) => (
                format!("{:.1}", b.p50),
                format!("{:.1}", b.p99),
                format!("{:.0}×", b.p50 / served.p50),
            ),
            None => ("—".to_owned(), "—".to_owned(), "—".to_owned()),
        };
        println!(
            "| {} | {rows} | {:.1} | {:.1} | {base_p50} | {base_p99} | {speed_up} |",
            query.name(),
            served.p50,
            served.p99
        );
    }
    store.close().await;
    Ok(())
}

/// The data's days and busiest department, as the dashboard finds them.
async fn scope(client: &mut Client) -> anyhow::Result<Scope> {
    let volume = |group_by: pb::Dimension| pb::VolumeRequest {
        filter: None,
        bucket_width: pb::BucketWidth::Day.into(),
        group_by: group_by.into(),
    };
    let total = client
        .volume(volume(pb::Dimension::Unspecified))
        .await?
        .into_inner();
    let days: Vec<i64> = total
        .series
        .iter()
        .flat_map(|s| &s.points)
        .filter_map(|p| p.bucket_start_time.map(|t| t.seconds))
        .collect();
    let (Some(start), Some(last)) = (days.iter().min(), days.iter().max()) else {
        bail!("the server has no enriched mentions");
    };
    let departments = client
        .volume(volume(pb::Dimension::Department))
        .await?
        .into_inner();
    let department = departments
        .series
        .iter()
        .max_by_key(|s| s.points.iter().map(|p| p.count).sum::<i64>())
        .map(|s| s.key.clone())
        .context("no mention concerns a department")?;
    Ok(Scope {
        start: *start,
        end: last + DAY,
        department,
    })
}

/// Waits until the recompute that the server starts with, over the seeded graph, has
/// finished: measured while it runs, the first queries shared the cores with it. A generation
/// saved in the last minute is taken to be that one.
async fn wait_for_generation(store: &Store) -> anyhow::Result<()> {
    let started = Instant::now();
    let recent = chrono::Utc::now().timestamp_micros() - 60_000_000;
    let before = store.current_generation().await?;
    if before.as_ref().is_some_and(|g| g.computed_at >= recent) {
        return Ok(());
    }
    while started.elapsed() < GENERATION_WAIT {
        let now = store.current_generation().await?;
        if now.is_some_and(|now| {
            before
                .as_ref()
                .is_none_or(|b| now.generation > b.generation)
        }) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    bail!("no new influence generation after {GENERATION_WAIT:?}")
}

/// Asks the server one dashboard query; returns how many rows (points, cells, items) came back.
async fn over_grpc(client: &mut Client, query: Query, scope: &Scope) -> anyhow::Result<usize> {
    let volume = |bucket: pb::BucketWidth, group_by: pb::Dimension| pb::VolumeRequest {
        filter: Some(scope.filter(bucket == pb::BucketWidth::Hour)),
        bucket_width: bucket.into(),
        group_by: group_by.into(),
    };
    let points =
        |response: pb::VolumeResponse| response.series.iter().map(|s| s.points.len()).sum();
    Ok(match query {
        Query::VolumeDayDepartment => points(
            client
                .volume(volume(pb::BucketWidth::Day, pb::Dimension::Department))
                .await?
                .into_inner(),
        ),
        Query::VolumeDaySentiment => points(
            client
                .volume(volume(pb::BucketWidth::Day, pb::Dimension::Sentiment))
                .await?
                .into_inner(),
        ),
        Query::VolumeHourDepartment => points(
            client
                .volume(volume(pb::BucketWidth::Hour, pb::Dimension::Department))
                .await?
                .into_inner(),
        ),
        Query::VolumeHourSentiment => points(
            client
                .volume(volume(pb::BucketWidth::Hour, pb::Dimension::Sentiment))
                .await?
                .into_inner(),
        ),
        Query::ShareOfVoice => {
            let request = pb::ShareOfVoiceRequest {
                filter: Some(scope.filter(false)),
            };
            client
                .share_of_voice(request)
                .await?
                .into_inner()
                .brands
                .len()
        }
        Query::Reach => {
            let request = pb::ReachRequest {
                filter: Some(scope.filter(false)),
            };
            let reach = client.reach(request).await?.into_inner();
            usize::from(reach.unique_author_count > 0)
        }
        Query::TopVoices => {
            let request = pb::TopVoicesRequest {
                department: String::new(),
                time_range: Some(scope.time_range(false)),
                limit: VOICES,
            };
            client.top_voices(request).await?.into_inner().voices.len()
        }
        Query::ConversationMap => {
            let request = pb::ConversationMapRequest {
                time_range: Some(scope.time_range(false)),
                department: String::new(),
                topic_limit: MAP_TOPICS,
            };
            client
                .conversation_map(request)
                .await?
                .into_inner()
                .cells
                .len()
        }
        Query::Inbox => {
            let request = pb::InboxRequest {
                department: scope.department.clone(),
                page_size: INBOX_PAGE,
                ..Default::default()
            };
            client.inbox(request).await?.into_inner().items.len()
        }
        // Daily, as the dashboard asks over a range of weeks.
        Query::Spikes => {
            let request = pb::SpikesRequest {
                time_range: Some(scope.time_range(false)),
                bucket_width: pb::BucketWidth::Day.into(),
                ..Default::default()
            };
            client.spikes(request).await?.into_inner().spikes.len()
        }
    })
}

/// The same question by a `GROUP BY` over the mentions; false when the query has no such
/// baseline (it reads the mentions, or the inbox, already).
async fn from_mentions(store: &Store, query: Query, scope: &Scope) -> anyhow::Result<bool> {
    let aggregate = |hourly: bool, group_by: Dimension| AggregateQuery {
        filter: scope.store_filter(hourly),
        bucket: Some(match hourly {
            true => BucketWidth::Hour,
            false => BucketWidth::Day,
        }),
        group_by,
    };
    let queries = match query {
        Query::VolumeDayDepartment => vec![aggregate(false, Dimension::Department)],
        Query::VolumeDaySentiment => vec![aggregate(false, Dimension::Sentiment)],
        Query::VolumeHourDepartment => vec![aggregate(true, Dimension::Department)],
        Query::VolumeHourSentiment => vec![aggregate(true, Dimension::Sentiment)],
        Query::ShareOfVoice => {
            let mut filter = scope.store_filter(false);
            filter.restrict(Dimension::Topic, store.brand_topics().await?);
            vec![AggregateQuery {
                filter,
                bucket: None,
                group_by: Dimension::Topic,
            }]
        }
        // The Spikes RPC's two daily series, with the trailing baseline's 24 days of history.
        Query::Spikes => {
            let mut filter = scope.store_filter(false);
            filter.from = filter.from.map(|from| from - 24 * DAY * 1_000_000);
            [Dimension::Total, Dimension::Department]
                .map(|group_by| AggregateQuery {
                    filter: filter.clone(),
                    bucket: Some(BucketWidth::Day),
                    group_by,
                })
                .to_vec()
        }
        Query::Reach => {
            store
                .reach_from_mentions(&scope.store_filter(false))
                .await?;
            return Ok(true);
        }
        Query::TopVoices | Query::ConversationMap | Query::Inbox => return Ok(false),
    };
    for query in &queries {
        store.aggregate_from_mentions(query).await?;
    }
    Ok(true)
}

/// Runs each call in its own task, one request at a time, until `requests` were made between
/// them (after one untimed call each when `warm_up`); the latency of each request.
async fn measure<F, Fut>(
    calls: Vec<F>,
    requests: usize,
    warm_up: bool,
) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let issued = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for mut call in calls {
        let issued = Arc::clone(&issued);
        tasks.spawn(async move {
            if warm_up {
                call().await?;
            }
            let mut latencies = Vec::new();
            while issued.fetch_add(1, Ordering::Relaxed) < requests {
                let started = Instant::now();
                call().await?;
                latencies.push(started.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Vec::with_capacity(requests);
    while let Some(task) = tasks.join_next().await {
        latencies.extend(task??);
    }
    Ok(latencies)
}

/// Percentiles in milliseconds.
#[derive(Debug)]
struct Latencies {
    p50: f64,
    p99: f64,
}

impl Latencies {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let at = |quantile: f64| {
            let index = ((samples.len() as f64 * quantile).ceil() as usize).saturating_sub(1);
            samples
                .get(index)
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1_000.0)
        };
        Self {
            p50: at(0.50),
            p99: at(0.99),
        }
    }
}
