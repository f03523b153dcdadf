//! `hearken import`: parse a file and stream it to the ingest service.

use std::path::Path;

use anyhow::Context;
use hearken_formats::{Format, Parsed};
use hearken_proto::prost::Message;
use hearken_proto::v1 as pb;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use indicatif::{ProgressBar, ProgressStyle};
use tokio_stream::StreamExt;

/// Records per stream message, and a byte budget that keeps messages well under the server's
/// limit even when texts are long.
const CHUNK_RECORDS: usize = 2_000;
const CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// Where a record sits in the imported file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPlace {
    /// Zero-based position among the file's records.
    pub index: usize,
    /// One-based line, for line-oriented formats.
    pub line: Option<usize>,
}

impl std::fmt::Display for RecordPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "record {} (line {line})", self.index),
            None => write!(f, "record {}", self.index),
        }
    }
}

/// One record that did not get in, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub place: RecordPlace,
    pub field: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub format: Format,
    pub records: usize,
    pub accepted: i64,
    pub duplicates: i64,
    /// Records the file could not yield (parse errors) or the server refused (validation).
    pub rejected: Vec<Rejection>,
    /// Rejections the server counted beyond the ones it listed.
    pub unlisted_rejections: i64,
}

/// Parses `bytes` and streams the records to `client`, showing progress when `progress` is set.
pub async fn import(
    client: &mut IngestServiceClient<crate::client::Connection>,
    bytes: &[u8],
    format: Format,
    file_name: Option<&Path>,
    progress: bool,
) -> anyhow::Result<ImportReport> {
    let name = file_name
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    let Parsed { format, records } = hearken_formats::parse(bytes, format, name)?;
    let total = records.len();
    let mut rejected = Vec::new();
    let mut places = Vec::with_capacity(total);
    let mut mentions = Vec::with_capacity(total);
    for (index, record) in records.into_iter().enumerate() {
        match record {
            Ok(mention) => {
                places.push(RecordPlace { index, line: None });
                mentions.push(mention);
            }
            Err(error) => rejected.push(Rejection {
                place: RecordPlace {
                    index: error.index,
                    line: error.line,
                },
                field: error.field,
                reason: error.reason,
            }),
        }
    }

    let bar = match progress {
        true => ProgressBar::new(mentions.len() as u64),
        false => ProgressBar::hidden(),
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} sending {bar:40} {pos}/{len} mentions ({per_sec}, {eta} left)",
        )
        .context("progress template")?,
    );
    let chunks = chunk(mentions);
    let stream = tokio_stream::iter(chunks).map({
        let bar = bar.clone();
        move |mentions| {
            bar.inc(mentions.len() as u64);
            pb::IngestRequest { mentions }
        }
    });
    let summary = client
        .ingest(stream)
        .await
        .context("the ingest service refused the stream")?
        .into_inner()
        .summary
        .unwrap_or_default();
    bar.finish_and_clear();

    let listed = summary.errors.len() as i64;
    for error in summary.errors {
        let place = usize::try_from(error.index)
            .ok()
            .and_then(|i| places.get(i).copied())
            .unwrap_or(RecordPlace {
                index: usize::MAX,
                line: None,
            });
        rejected.push(Rejection {
            place,
            field: error.field,
            reason: error.reason,
        });
    }
    rejected.sort_by_key(|r| r.place.index);
    Ok(ImportReport {
        format,
        records: total,
        accepted: summary.accepted_count,
        duplicates: summary.duplicate_count,
        rejected,
        unlisted_rejections: summary.rejected_count - listed,
    })
}

/// Splits mentions into stream messages bounded in count and encoded size.
fn chunk(mentions: Vec<pb::Mention>) -> Vec<Vec<pb::Mention>> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for mention in mentions {
        let size = mention.encoded_len();
        if !current.is_empty() && (current.len() == CHUNK_RECORDS || bytes + size > CHUNK_BYTES) {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(mention);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

impl ImportReport {
    /// The summary and every rejection, for people.
    pub fn render(&self) -> String {
        let mut out = format!(
            "read {} records as {}: {} accepted, {} duplicates, {} rejected\n",
            self.records,
            self.format,
            self.accepted,
            self.duplicates,
            self.rejected.len() as i64 + self.unlisted_rejections
        );
        for rejection in &self.rejected {
            out.push_str(&format!(
                "  {}: {}: {}\n",
                rejection.place, rejection.field, rejection.reason
            ));
        }
        if self.unlisted_rejections > 0 {
            out.push_str(&format!(
                "  … and {} more rejected records not listed\n",
                self.unlisted_rejections
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_bound_count_and_bytes() {
        let small = |i: usize| pb::Mention {
            external_id: i.to_string(),
            ..Default::default()
        };
        let chunks = chunk((0..4201).map(small).collect());
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            [2_000, 2_000, 201]
        );
        let big = |i: usize| pb::Mention {
            external_id: i.to_string(),
            text: "x".repeat(1_500_000),
            ..Default::default()
        };
        let chunks = chunk((0..5).map(big).collect());
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
        assert!(chunk(Vec::new()).is_empty());
    }
}
