//! `hearken demo`: a whole round trip on the embedded default, to see Hearken work at once.
//!
//! It serves every role on SQLite on a free port, saves three listening topics, imports a real
//! Mastodon thread shipped with the binary over gRPC, waits for the enrich worker to complete
//! it, prints what came in, and keeps serving the dashboard until Ctrl-C (or exits at once
//! with `--exit`, for scripts).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Context;
use hearken_formats::Format;
use hearken_proto::v1 as pb;
use hearken_proto::v1::classify_service_client::ClassifyServiceClient;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use tokio_util::sync::CancellationToken;

use crate::config::{LimitsConfig, ServeConfig};
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

/// How long the demo waits for the enrich worker before showing the dashboard anyway.
const ENRICH_WAIT: Duration = Duration::from_secs(120);

/// Runs the demo against `database_url` and prints its report; then serves the dashboard until
/// Ctrl-C, unless `exit`.
pub async fn run(database_url: String, serve: &LimitsConfig, exit: bool) -> anyhow::Result<()> {
    let config = ServeConfig::local(&database_url, serve.clone());
    let app = App::bind(config).await?;
    let addr = app.local_addr()?;
    let dashboard = format!("http://{}/", app.http_addr()?);
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone()));
    let server_url = format!("http://{addr}");
    let report = match exercise(&server_url, &database_url).await {
        Ok(report) => enriched(&server_url).await.map(|()| report),
        Err(error) => Err(error),
    };
    match report {
        Ok(report) => {
            print!("{report}");
            println!("\nDashboard: {dashboard}");
            if !exit {
                println!("Serving until Ctrl-C.");
                tokio::signal::ctrl_c()
                    .await
                    .context("cannot listen for Ctrl-C")?;
            }
        }
        Err(error) => {
            shutdown.cancel();
            let _ = server.await;
            return Err(error);
        }
    }
    shutdown.cancel();
    server.await.context("server task failed")?
}

/// Waits until the enrich worker has completed every mention, so the dashboard shows them all.
async fn enriched(server: &str) -> anyhow::Result<()> {
    let mut client = IngestServiceClient::connect(server.to_owned()).await?;
    let deadline = tokio::time::Instant::now() + ENRICH_WAIT;
    loop {
        let pending = client
            .list_mentions(pb::ListMentionsRequest {
                status: pb::MentionStatus::Pending.into(),
                page_size: 1,
                ..Default::default()
            })
            .await?
            .into_inner()
            .mentions;
        if pending.is_empty() {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!(
                "mentions still pending enrichment after {ENRICH_WAIT:?}; see the server log"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn exercise(server: &str, database_url: &str) -> anyhow::Result<String> {
    let mut client = IngestServiceClient::new(crate::client::connect(server, None, None).await?);
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
    out.push_str(&routing(server, &mentions).await?);
    out.push_str(
        "\nRun it again: every mention comes back as a duplicate, and nothing is stored twice.\n",
    );
    Ok(out)
}

/// Asks the classifier where each mention should go, and tallies the answers.
async fn routing(server: &str, mentions: &[pb::Mention]) -> anyhow::Result<String> {
    let mut client = ClassifyServiceClient::connect(server.to_owned()).await?;
    let documents = mentions
        .iter()
        .map(|m| pb::Document {
            id: m.id.to_string(),
            text: m.text.clone(),
            language: m.language.clone(),
            author_followers_count: m.author.as_ref().map_or(0, |a| a.followers_count),
        })
        .collect();
    let classifications = client
        .classify(pb::ClassifyRequest {
            documents,
            ..Default::default()
        })
        .await?
        .into_inner()
        .classifications;

    let mut departments: BTreeMap<&str, usize> = BTreeMap::new();
    let mut intents: BTreeMap<&str, usize> = BTreeMap::new();
    let mut feelings: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &classifications {
        *departments.entry(primary_department(c)).or_default() += 1;
        *intents
            .entry(c.intent.as_ref().map_or("other", |i| i.id.as_str()))
            .or_default() += 1;
        let label = c
            .sentiment
            .map_or(pb::SentimentLabel::Unspecified, |s| s.label());
        let label = match label {
            pb::SentimentLabel::Positive => "positive",
            pb::SentimentLabel::Negative => "negative",
            pb::SentimentLabel::Neutral => "neutral",
            pb::SentimentLabel::Unspecified => "unknown",
        };
        *feelings.entry(label).or_default() += 1;
    }
    let mut out = format!(
        "\nWhere the conversation goes (the default model on {} mentions):\n",
        classifications.len()
    );
    writeln!(out, "  departments: {}", tally(&departments))?;
    writeln!(out, "  intents:     {}", tally(&intents))?;
    writeln!(out, "  sentiment:   {}", tally(&feelings))?;

    let mut ranked: Vec<_> = mentions.iter().zip(&classifications).collect();
    ranked.sort_by(|a, b| b.1.urgency.total_cmp(&a.1.urgency));
    writeln!(out, "\nMost urgent:")?;
    for (mention, c) in ranked.iter().take(3) {
        let intent = c.intent.as_ref().map_or("other", |i| i.id.as_str());
        let text: String = mention
            .text
            .chars()
            .take(70)
            .collect::<String>()
            .replace('\n', " ");
        writeln!(
            out,
            "  {:.2} {}/{intent}: {text}",
            c.urgency,
            primary_department(c)
        )?;
    }
    Ok(out)
}

fn primary_department(c: &pb::Classification) -> &str {
    c.departments
        .first()
        .map_or("none of these", |d| d.id.as_str())
}

/// Counts, most frequent first.
fn tally(counts: &BTreeMap<&str, usize>) -> String {
    let mut ranked: Vec<_> = counts.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    ranked
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn all_mentions(
    client: &mut IngestServiceClient<crate::client::Connection>,
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
