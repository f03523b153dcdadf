//! Exports: every field of each enriched mention and its classification, as CSV (header
//! first) or JSON lines, read from the store in batches and streamed as they are read.

use chrono::{DateTime, SecondsFormat};
use hearken_proto::v1 as pb;
use hearken_store::report::ReportFilter;
use hearken_store::{Store, StoredMention};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc::Sender;
use tonic::Status;

use crate::ReportError;

/// Mentions read from the store at a time; one batch makes one streamed piece.
const BATCH: u32 = 1_000;

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

/// The columns, in order: the CSV header and the keys of each JSON line.
pub const COLUMNS: [&str; 49] = [
    "id",
    "source",
    "external_id",
    "url",
    "author_handle",
    "author_display_name",
    "author_followers",
    "author_following",
    "author_posts",
    "author_verified",
    "author_location",
    "author_time_zone",
    "text",
    "language",
    "create_time",
    "ingest_time",
    "place_name",
    "latitude",
    "longitude",
    "like_count",
    "repost_count",
    "reply_count",
    "quote_count",
    "view_count",
    "reply_to_external_id",
    "reply_to_handle",
    "quoted_external_id",
    "reposted_external_id",
    "mentioned_handles",
    "hashtags",
    "matched_topics",
    "enrich_time",
    "sentiment_label",
    "sentiment_compound",
    "sentiment_negative",
    "sentiment_neutral",
    "sentiment_positive",
    "departments",
    "intent",
    "intent_confidence",
    "key_topics",
    "detected_language",
    "urgency",
    "model_version",
    "routing_reasons",
    "country_code",
    "region_code",
    "city",
    "resolved_coordinates",
];

fn time(micros: i64) -> Value {
    DateTime::from_timestamp_micros(micros).map_or(Value::Null, |t| {
        json!(t.to_rfc3339_opts(SecondsFormat::Micros, true))
    })
}

fn words(list: &str) -> Value {
    json!(list.split_whitespace().collect::<Vec<_>>())
}

/// One mention's values, in [`COLUMNS`] order.
pub fn values(m: &StoredMention) -> [Value; 49] {
    let e = &m.enrichment;
    let departments: Vec<Value> = m
        .departments
        .iter()
        .map(|(id, confidence)| json!({ "id": id, "confidence": confidence }))
        .collect();
    let coordinates = match (e.resolved_latitude, e.resolved_longitude) {
        (Some(lat), Some(lon)) => json!([lat, lon]),
        _ => Value::Null,
    };
    [
        json!(m.id),
        json!(m.source),
        json!(m.external_id),
        json!(m.url),
        json!(m.author_handle),
        json!(m.author_display_name),
        json!(m.author_followers),
        json!(m.author_following),
        json!(m.author_posts),
        json!(m.author_verified),
        json!(m.author_location),
        json!(m.author_time_zone),
        json!(m.text),
        json!(m.language),
        time(m.created_at),
        time(m.ingested_at),
        json!(m.place_name),
        json!(m.latitude),
        json!(m.longitude),
        json!(m.like_count),
        json!(m.repost_count),
        json!(m.reply_count),
        json!(m.quote_count),
        json!(m.view_count),
        json!(m.reply_to_external_id),
        json!(m.reply_to_handle),
        json!(m.quoted_external_id),
        json!(m.reposted_external_id),
        words(&m.mentioned_handles),
        words(&m.hashtags),
        json!(m.topics),
        e.enriched_at.map_or(Value::Null, time),
        e.sentiment_label.map_or(Value::Null, |l| {
            json!(hearken_store::enrich::sentiment_name(l))
        }),
        json!(e.sentiment_compound),
        json!(e.sentiment_neg),
        json!(e.sentiment_neu),
        json!(e.sentiment_pos),
        Value::Array(departments),
        json!(e.intent),
        json!(e.intent_confidence),
        json!(m.key_topics),
        json!(e.detected_language),
        json!(e.urgency),
        json!(e.model_version),
        json!(e.routing_reasons.lines().collect::<Vec<_>>()),
        json!(e.country_code),
        json!(e.region_code),
        json!(e.city),
        coordinates,
    ]
}

/// A value as one CSV cell: lists joined by `; `, departments as `id=confidence`.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("; "),
        Value::Object(fields) => match (fields.get("id"), fields.get("confidence")) {
            (Some(id), Some(confidence)) => format!("{}={}", cell(id), cell(confidence)),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

/// The bytes of `mentions` in `format`, preceded by the CSV header when `header`.
pub fn render(mentions: &[StoredMention], format: Format, header: bool) -> Vec<u8> {
    match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            // Writing to memory cannot fail; a failure would be a bug in csv.
            let write = |writer: &mut csv::Writer<Vec<u8>>, record: Vec<String>| {
                if let Err(error) = writer.write_record(record) {
                    tracing::error!(%error, "cannot write a CSV record to memory");
                }
            };
            if header {
                write(
                    &mut writer,
                    COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
                );
            }
            for mention in mentions {
                write(&mut writer, values(mention).iter().map(cell).collect());
            }
            // Flushing into memory cannot fail.
            writer.into_inner().unwrap_or_default()
        }
        Format::JsonLines => {
            let mut out = Vec::new();
            for mention in mentions {
                let object: Map<String, Value> = COLUMNS
                    .iter()
                    .map(|c| (*c).to_owned())
                    .zip(values(mention))
                    .collect();
                out.extend_from_slice(Value::Object(object).to_string().as_bytes());
                out.push(b'\n');
            }
            out
        }
    }
}

/// Reads every mention passing `filter` in batches and sends each batch rendered; stops at the
/// first store error (sent to the client) or when the client goes away.
pub(crate) async fn stream(
    store: Store,
    filter: ReportFilter,
    format: Format,
    sender: Sender<Result<pb::ExportResponse, Status>>,
) {
    let mut after = None;
    let mut first = true;
    loop {
        let batch = match store.export_batch(&filter, after, BATCH).await {
            Ok(batch) => batch,
            Err(error) => {
                let _ = sender.send(Err(ReportError::Store(error).into())).await;
                return;
            }
        };
        let done = batch.len() < BATCH as usize;
        after = batch.last().map(|m| m.id);
        let data = render(&batch, format, first && format == Format::Csv);
        first = false;
        if !data.is_empty() && sender.send(Ok(pb::ExportResponse { data })).await.is_err() {
            tracing::info!("export client went away");
            return;
        }
        if done {
            return;
        }
    }
}
