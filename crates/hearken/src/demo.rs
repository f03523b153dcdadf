//! `hearken demo`: a whole round trip on the embedded default, to see Hearken work at once.
//!
//! It serves every role on SQLite on a free port, saves three listening topics, imports a real
//! Mastodon thread shipped with the binary over gRPC, and prints what came in.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Context;
use hearken_formats::Format;
use hearken_proto::v1 as pb;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use tokio_util::sync::CancellationToken;

use crate::config::{ClassifyConfig, GrpcConfig, LimitsConfig, Role, ServeConfig, StoreConfig};
use crate::{App, import};

/// 59 public replies to a Mastodon release announcement (MIT; see `demo/README.md`).
const SAMPLE: &[u8] = include_bytes!("../demo/mastodon-thread.json");

const TOPICS: [(&str, &str, bool); 3] = [
    ("mastodon", "mastodon OR @mastodon OR #mastodon", true),
    (
        "feature requests",
        "feature* OR request* OR translat* OR (hashtag* NEAR/3 follow*)",
        false,
    ),
    (
        "gratitude",
        "thank* OR thanks OR grateful OR amazing",
        false,
    ),
];

/// Runs the demo against `database_url` and returns the report to print.
pub async fn run(database_url: String, serve: &LimitsConfig) -> anyhow::Result<String> {
    let config = ServeConfig {
        role: Role::All,
        grpc: GrpcConfig {
            addr: ([127, 0, 0, 1], 0).into(),
            http_addr: ([127, 0, 0, 1], 0).into(),
            max_message_bytes: 16 * 1024 * 1024,
            request_timeout_secs: 60,
            max_concurrent_requests: 64,
            shutdown_grace_secs: 5,
        },
        store: StoreConfig {
            database_url: database_url.clone(),
        },
        limits: serve.clone(),
        classify: ClassifyConfig { model: None },
    };
    let app = App::bind(config).await?;
    let addr = app.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone()));
    let report = exercise(&format!("http://{addr}"), &database_url).await;
    shutdown.cancel();
    server.await.context("server task failed")??;
    report
}

async fn exercise(server: &str, database_url: &str) -> anyhow::Result<String> {
    let mut client = IngestServiceClient::connect(server.to_owned()).await?;
    let mut out = format!("Hearken demo: serving every role on {server}, store {database_url}\n\n");

    out.push_str("Listening topics:\n");
    for (name, query, brand) in TOPICS {
        let topic = pb::Topic {
            name: name.into(),
            query: query.into(),
            brand,
            ..Default::default()
        };
        let saved = client
            .put_topic(pb::PutTopicRequest { topic: Some(topic) })
            .await?
            .into_inner();
        let saved = saved.topic.unwrap_or_default();
        writeln!(
            out,
            "  {:<17} {}{}",
            saved.name,
            saved.query,
            if brand { "  [brand]" } else { "" }
        )?;
    }

    let report = import::import(&mut client, SAMPLE, Format::Mastodon, None, false).await?;
    writeln!(
        out,
        "\nImported a real Mastodon thread: {}",
        report.render().trim_end()
    )?;

    let mentions = all_mentions(&mut client).await?;
    let mut per_topic: BTreeMap<&str, usize> = BTreeMap::new();
    for mention in &mentions {
        for topic in &mention.matched_topics {
            *per_topic.entry(topic.as_str()).or_default() += 1;
        }
    }
    writeln!(
        out,
        "\n{} mentions stored; matched per topic:",
        mentions.len()
    )?;
    for (name, _, _) in TOPICS {
        writeln!(
            out,
            "  {:<17} {:>3}",
            name,
            per_topic.get(name).copied().unwrap_or(0)
        )?;
    }

    let mut voices: BTreeMap<&str, (i64, usize)> = BTreeMap::new();
    for mention in &mentions {
        let author = mention
            .author
            .as_ref()
            .map(|a| (a.handle.as_str(), a.followers_count));
        if let Some((handle, followers)) = author {
            let entry = voices.entry(handle).or_insert((followers, 0));
            entry.0 = entry.0.max(followers);
            entry.1 += 1;
        }
    }
    let mut ranked: Vec<_> = voices.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    writeln!(
        out,
        "\nLoudest voices by followers (from {} authors):",
        ranked.len()
    )?;
    for (handle, (followers, posts)) in ranked.iter().take(5) {
        writeln!(
            out,
            "  @{handle:<34} {followers:>7} followers, {posts} posts"
        )?;
    }

    writeln!(out, "\nNewest mentions:")?;
    for mention in mentions.iter().take(5) {
        let author = mention
            .author
            .as_ref()
            .map(|a| a.handle.as_str())
            .unwrap_or_default();
        let text: String = mention
            .text
            .chars()
            .take(90)
            .collect::<String>()
            .replace('\n', " ");
        let topics = match mention.matched_topics.is_empty() {
            true => String::new(),
            false => format!("  [{}]", mention.matched_topics.join(", ")),
        };
        writeln!(out, "  #{:<4} @{author}: {text}{topics}", mention.id)?;
    }
    out.push_str(
        "\nRun it again: every mention comes back as a duplicate, and nothing is stored twice.\n",
    );
    Ok(out)
}

async fn all_mentions(
    client: &mut IngestServiceClient<tonic::transport::Channel>,
) -> anyhow::Result<Vec<pb::Mention>> {
    let mut mentions = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_mentions(pb::ListMentionsRequest {
                page_size: 1000,
                page_token,
                ..Default::default()
            })
            .await?
            .into_inner();
        mentions.extend(page.mentions);
        if page.next_page_token.is_empty() {
            return Ok(mentions);
        }
        page_token = page.next_page_token;
    }
}
