//! Files in and out, for the CLI: documents to classify, labelled examples, JSON Lines output.

use std::io::{BufRead, BufReader, Read, Write};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError, mpsc};

use serde::Deserialize;
use serde_json::ser::{CompactFormatter, Formatter};

use crate::classifier::{Classification, Classifier, Document, Label};
use crate::model::LabelScore;
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

/// Writes one classification as a JSON line: what `serde_json::to_writer` writes for it,
/// byte for byte (a test checks), written field by field because serde's generic path was a
/// tenth of a `hearken classify` run.
pub fn write_classification(
    mut out: impl Write,
    classification: &Classification,
) -> std::io::Result<()> {
    let out = &mut out;
    let sentiment = &classification.sentiment;
    out.write_all(b"{")?;
    if let Some(id) = &classification.id {
        out.write_all(b"\"id\":")?;
        json_string(out, id)?;
        out.write_all(b",")?;
    }
    out.write_all(b"\"sentiment\":{\"neg\":")?;
    json_number(out, sentiment.neg)?;
    out.write_all(b",\"neu\":")?;
    json_number(out, sentiment.neu)?;
    out.write_all(b",\"pos\":")?;
    json_number(out, sentiment.pos)?;
    out.write_all(b",\"compound\":")?;
    json_number(out, sentiment.compound)?;
    out.write_all(match sentiment.label {
        Label::Negative => b",\"label\":\"negative\"}",
        Label::Neutral => b",\"label\":\"neutral\"}",
        Label::Positive => b",\"label\":\"positive\"}",
    })?;
    out.write_all(b",\"departments\":")?;
    json_array(out, &classification.departments, json_label_score)?;
    out.write_all(b",\"intent\":")?;
    json_label_score(out, &classification.intent)?;
    out.write_all(b",\"topics\":")?;
    json_strings(out, &classification.topics)?;
    out.write_all(b",\"language\":")?;
    json_string(out, &classification.language)?;
    out.write_all(b",\"urgency\":")?;
    json_number(out, classification.urgency)?;
    out.write_all(b",\"model_version\":")?;
    json_string(out, &classification.model_version)?;
    if !classification.routing_reasons.is_empty() {
        out.write_all(b",\"routing_reasons\":")?;
        json_strings(out, &classification.routing_reasons)?;
    }
    out.write_all(b"}\n")
}

fn json_label_score(out: &mut impl Write, score: &LabelScore) -> std::io::Result<()> {
    out.write_all(b"{\"id\":")?;
    json_string(out, &score.id)?;
    out.write_all(b",\"confidence\":")?;
    json_number(out, score.confidence)?;
    out.write_all(b"}")
}

fn json_strings<W: Write>(out: &mut W, strings: &[String]) -> std::io::Result<()> {
    json_array(out, strings, |out, s| json_string(out, s))
}

/// `[item,item,…]`, each written by `item`.
fn json_array<W: Write, T>(
    out: &mut W,
    items: &[T],
    item: impl Fn(&mut W, &T) -> std::io::Result<()>,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    for (i, value) in items.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        item(out, value)?;
    }
    out.write_all(b"]")
}

/// As serde_json writes a string: the few that need escaping go through it.
fn json_string(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    let plain = !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\');
    if !plain {
        return Ok(serde_json::to_writer(out, s)?);
    }
    out.write_all(b"\"")?;
    out.write_all(s.as_bytes())?;
    out.write_all(b"\"")
}

/// As serde_json writes an `f64`: shortest round-trip digits, `null` when not finite.
fn json_number(out: &mut impl Write, x: f64) -> std::io::Result<()> {
    if x.is_finite() {
        CompactFormatter.write_f64(out, x)
    } else {
        out.write_all(b"null")
    }
}

/// Documents per piece of work: small enough to share the work evenly between threads,
/// large enough that taking one costs nothing.
const PIECE: usize = 256;

/// Pieces per thread that may be done ahead of the writer; they are held in memory until
/// written.
const PIECES_AHEAD_PER_THREAD: usize = 32;

/// Classifies `docs` on all available cores and writes one JSON line per document, in input
/// order, each with up to `reasons` routing reasons. Returns how many were written.
///
/// Worker threads take pieces in order as they go (so a thread that drew long texts does not
/// hold the others up) and serialise their results themselves; the calling thread writes
/// finished pieces in order while the workers go on, and workers wait rather than run more
/// than a bounded number of pieces ahead of it.
pub fn classify_all(
    classifier: &Classifier,
    docs: &[Document],
    reasons: usize,
    mut out: impl Write,
) -> std::io::Result<usize> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let pieces: Vec<&[Document]> = docs.chunks(PIECE).collect();
    let next = AtomicUsize::new(0);
    let progress = Progress {
        state: Mutex::new(Written::default()),
        changed: Condvar::new(),
        ahead: PIECES_AHEAD_PER_THREAD * threads,
    };
    std::thread::scope(|scope| {
        let (done, finished) = mpsc::channel::<(usize, std::io::Result<Vec<u8>>)>();
        for _ in 0..threads.min(pieces.len()) {
            let done = done.clone();
            let (next, pieces, progress) = (&next, &pieces, &progress);
            scope.spawn(move || {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(piece) = pieces.get(n) else {
                        return;
                    };
                    if !progress.wait_for_turn(n) {
                        return;
                    }
                    let mut bytes = Vec::with_capacity(piece.len() * 400);
                    let serialised = piece.iter().try_for_each(|doc| {
                        write_classification(
                            &mut bytes,
                            &classifier.classify_with_reasons(doc, reasons),
                        )
                    });
                    if done.send((n, serialised.map(|()| bytes))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done);
        let written = write_in_order(finished, &mut out, &progress);
        if written.is_err() {
            progress.abandon();
        }
        written
    })?;
    Ok(docs.len())
}

/// Writes pieces as they come, each once all pieces before it are written.
fn write_in_order(
    finished: mpsc::Receiver<(usize, std::io::Result<Vec<u8>>)>,
    out: &mut impl Write,
    progress: &Progress,
) -> std::io::Result<()> {
    let mut waiting = std::collections::BTreeMap::new();
    let mut written = 0;
    for (n, bytes) in finished {
        waiting.insert(n, bytes?);
        while let Some(bytes) = waiting.remove(&written) {
            out.write_all(&bytes)?;
            written += 1;
            progress.wrote(written);
        }
    }
    Ok(())
}

/// How far the writer is, for the workers to stay close behind.
#[derive(Debug)]
struct Progress {
    state: Mutex<Written>,
    changed: Condvar,
    /// Pieces a worker may be ahead of the writer.
    ahead: usize,
}

#[derive(Debug, Default)]
struct Written {
    pieces: usize,
    /// The writer failed: nothing more will be written.
    abandoned: bool,
}

impl Progress {
    /// Waits until piece `n` may be done; false when the writer has given up.
    fn wait_for_turn(&self, n: usize) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while n >= state.pieces + self.ahead && !state.abandoned {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        !state.abandoned
    }

    fn wrote(&self, pieces: usize) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pieces = pieces;
        self.changed.notify_all();
    }

    fn abandon(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .abandoned = true;
        self.changed.notify_all();
    }
}
