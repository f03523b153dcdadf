//! Files in and out, for the CLI: documents to classify, labelled examples, JSON Lines output.

use std::io::{BufRead, BufReader, Read, Write};
use std::str::FromStr;

use serde::Deserialize;

use crate::classifier::{Classification, Classifier, Document};
use crate::train::Example;

/// How an input file holds its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// One text per line; blank lines are skipped; no ids.
    Lines,
    /// One JSON object per line: `text` required; `id`, `language`, `author_followers_count`
    /// optional (`id` may be a string or a number).
    Jsonl,
    /// CSV with a header: a `text` column required; `id`, `language` and
    /// `author_followers_count` columns used when present.
    Csv,
}

impl FromStr for InputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lines" => Ok(Self::Lines),
            "jsonl" => Ok(Self::Jsonl),
            "csv" => Ok(Self::Csv),
            other => Err(format!(
                "unknown input format {other:?}: expected lines, jsonl or csv"
            )),
        }
    }
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Reading failed.
    #[error("cannot read input: {0}")]
    Io(#[from] std::io::Error),
    /// A line or record is malformed.
    #[error("line {line}: {reason}")]
    Malformed {
        /// 1-based line (or CSV record) number.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
}

#[derive(Deserialize)]
struct JsonDocument {
    #[serde(default)]
    id: Option<serde_json::Value>,
    text: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    author_followers_count: Option<u64>,
}

/// Reads all documents of `input`, in order.
pub fn read_documents(input: impl Read, format: InputFormat) -> Result<Vec<Document>, ReadError> {
    let mut docs = Vec::new();
    match format {
        InputFormat::Lines => {
            for line in BufReader::new(input).lines() {
                let line = line?;
                if !line.trim().is_empty() {
                    docs.push(Document {
                        text: line,
                        ..Document::default()
                    });
                }
            }
        }
        InputFormat::Jsonl => {
            for (n, line) in BufReader::new(input).lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let doc: JsonDocument =
                    serde_json::from_str(&line).map_err(|e| ReadError::Malformed {
                        line: n as u64 + 1,
                        reason: e.to_string(),
                    })?;
                docs.push(Document {
                    id: doc.id.map(|v| match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    }),
                    text: doc.text,
                    language: doc.language,
                    author_followers_count: doc.author_followers_count.unwrap_or(0),
                });
            }
        }
        InputFormat::Csv => {
            let mut reader = csv::Reader::from_reader(input);
            let headers = reader.headers().map_err(csv_error)?.clone();
            let column = |name: &str| headers.iter().position(|h| h.trim() == name);
            let text = column("text").ok_or_else(|| ReadError::Malformed {
                line: 1,
                reason: "the header has no `text` column".to_owned(),
            })?;
            let (id, language, followers) = (
                column("id"),
                column("language"),
                column("author_followers_count"),
            );
            for record in reader.records() {
                let record = record.map_err(csv_error)?;
                let line = record.position().map_or(0, |p| p.line());
                let field =
                    |i: Option<usize>| i.and_then(|i| record.get(i)).filter(|s| !s.is_empty());
                let followers = match field(followers) {
                    None => 0,
                    Some(v) => v.trim().parse().map_err(|e| ReadError::Malformed {
                        line,
                        reason: format!("author_followers_count {v:?}: {e}"),
                    })?,
                };
                docs.push(Document {
                    id: field(id).map(str::to_owned),
                    text: record.get(text).unwrap_or_default().to_owned(),
                    language: field(language).map(str::to_owned),
                    author_followers_count: followers,
                });
            }
        }
    }
    Ok(docs)
}

fn csv_error(e: csv::Error) -> ReadError {
    ReadError::Malformed {
        line: e.position().map_or(0, |p| p.line()),
        reason: e.to_string(),
    }
}

/// Reads labelled examples: JSON Lines of `{"text", "departments": [ids], "intent": id}`
/// (`departments` empty or absent for "none of these"; `intent` optional).
pub fn read_examples(input: impl Read) -> Result<Vec<Example>, ReadError> {
    let mut examples = Vec::new();
    for (n, line) in BufReader::new(input).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let example: Example = serde_json::from_str(&line).map_err(|e| ReadError::Malformed {
            line: n as u64 + 1,
            reason: e.to_string(),
        })?;
        examples.push(example);
    }
    Ok(examples)
}

/// Writes one classification as a JSON line.
pub fn write_classification(
    mut out: impl Write,
    classification: &Classification,
) -> std::io::Result<()> {
    serde_json::to_writer(&mut out, classification)?;
    out.write_all(b"\n")
}

/// Documents per piece of work: small enough to share a round evenly between threads,
/// large enough that taking one costs nothing.
const PIECE: usize = 256;

/// Pieces per thread in one round; a round's output is held in memory until it is written.
const PIECES_PER_THREAD: usize = 32;

/// Classifies `docs` on all available cores and writes one JSON line per document, in input
/// order, each with up to `reasons` routing reasons. Returns how many were written.
///
/// Threads take pieces of a round as they go (so a thread that drew long texts does not hold
/// the others up) and serialise their results themselves; the calling thread works too and
/// then writes the round's pieces in order.
pub fn classify_all(
    classifier: &Classifier,
    docs: &[Document],
    reasons: usize,
    mut out: impl Write,
) -> std::io::Result<usize> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    for round in docs.chunks(PIECE * PIECES_PER_THREAD * threads) {
        let pieces: Vec<&[Document]> = round.chunks(PIECE).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || -> std::io::Result<Vec<(usize, Vec<u8>)>> {
            let mut done = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(piece) = pieces.get(n) else {
                    return Ok(done);
                };
                let mut bytes = Vec::with_capacity(piece.len() * 400);
                for doc in *piece {
                    write_classification(
                        &mut bytes,
                        &classifier.classify_with_reasons(doc, reasons),
                    )?;
                }
                done.push((n, bytes));
            }
        };
        let mut written: Vec<(usize, Vec<u8>)> = std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads.min(pieces.len()))
                .map(|_| scope.spawn(work))
                .collect();
            let mut all = work()?;
            for helper in helpers {
                let done = helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                all.extend(done);
            }
            Ok::<_, std::io::Error>(all)
        })?;
        written.sort_unstable_by_key(|&(n, _)| n);
        for (_, bytes) in written {
            out.write_all(&bytes)?;
        }
    }
    Ok(docs.len())
}
