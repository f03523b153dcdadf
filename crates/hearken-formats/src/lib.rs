//! Parses social platforms' export and API formats into canonical Hearken mentions
//! ([`hearken_proto::v1::Mention`]).
//!
//! One call, [`parse`], reads a whole file. A file that cannot be read at all (its format cannot
//! be told, it is not JSON or XML, its root is not a feed) is a [`FormatError`]; a record that
//! cannot be read is a [`RecordError`] beside the good records, which are kept. Business rules
//! such as text length are not checked here: the server checks them. Server-side fields (`id`,
//! `ingest_time`, `matched_topics`, `status`, `classification`) are never filled.

mod bluesky;
mod csv_format;
mod html;
mod json;
mod jsonl;
mod mastodon;
mod reddit;
mod rss;
mod sniff;
mod time;
mod twitter;

use std::{fmt, str::FromStr};

use hearken_proto::v1::Mention;

pub use jsonl::to_jsonl_line;

/// A source format. [`Format::Auto`] asks [`parse`] to tell the format from the bytes and the
/// file name; every other variant names the format to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Tell the format from the file name and the content.
    Auto,
    /// Hearken's canonical JSON lines: one mention per line, proto field names in snake_case.
    Jsonl,
    /// CSV with a header row; columns are mapped through an alias table.
    Csv,
    /// Twitter/X API v1.1 (tweet arrays, search responses) or v2 (`data` + `includes`).
    Twitter,
    /// Mastodon statuses: an array, one status, or a `/context` response.
    Mastodon,
    /// Bluesky post views (`posts`, `feed`, `thread`) or Jetstream commit events, one per line.
    Bluesky,
    /// Reddit listings of posts (`t3`) and comments (`t1`).
    Reddit,
    /// RSS 0.9x, 1.0 and 2.0, Atom 1.0 and JSON Feed.
    Rss,
}

impl Format {
    /// Every format, `Auto` first, in the order of their names in help texts.
    pub const ALL: [Format; 8] = [
        Format::Auto,
        Format::Jsonl,
        Format::Csv,
        Format::Twitter,
        Format::Mastodon,
        Format::Bluesky,
        Format::Reddit,
        Format::Rss,
    ];

    /// The lowercase name that [`FromStr`] accepts and [`fmt::Display`] prints.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Twitter => "twitter",
            Format::Mastodon => "mastodon",
            Format::Bluesky => "bluesky",
            Format::Reddit => "reddit",
            Format::Rss => "rss",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that [`Format::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown format {0:?}, expected one of auto, jsonl, csv, twitter, mastodon, bluesky, reddit, rss"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lowered = name.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|format| format.name() == lowered)
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

/// The result of reading one file: the resolved format and one entry per record, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The format that was read; never [`Format::Auto`].
    pub format: Format,
    /// Each record as a mention, or why it could not be read.
    pub records: Vec<Result<Mention, RecordError>>,
}

impl Parsed {
    /// The mentions that were read, dropping the failed records.
    pub fn mentions(&self) -> impl Iterator<Item = &Mention> {
        self.records
            .iter()
            .filter_map(|record| record.as_ref().ok())
    }

    /// The records that could not be read.
    pub fn errors(&self) -> impl Iterator<Item = &RecordError> {
        self.records
            .iter()
            .filter_map(|record| record.as_ref().err())
    }
}

/// One record that could not be read; the records around it are unaffected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RecordError {
    /// Position of the record in the file, from 0 (lines, rows, array elements or feed items).
    pub index: usize,
    /// 1-based line where the record starts, for line-based formats (JSON lines, CSV).
    pub line: Option<usize>,
    /// The field at fault, as a dotted path in the source format (`user.followers_count`);
    /// empty when the whole record is unreadable.
    pub field: String,
    /// What is wrong, in lowercase words.
    pub reason: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {}", self.index)?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        if !self.field.is_empty() {
            write!(f, ", field {}", self.field)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A whole file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// `Format::Auto` could not tell what the bytes are.
    #[error("cannot tell the format: {0}")]
    Unrecognised(String),
    /// The document is not JSON.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// The document is not well-formed XML, or its root is not a feed.
    #[error("not a readable feed: {0}")]
    Xml(String),
    /// The CSV header row is missing or unreadable.
    #[error("unreadable CSV header: {0}")]
    CsvHeader(String),
    /// The document is valid JSON but not shaped like the format.
    #[error("not a {format} document: {reason}")]
    Shape {
        /// The format that was asked for or sniffed.
        format: Format,
        /// What was found instead.
        reason: String,
    },
}

/// Reads `bytes` as `format`, or sniffs the format from the bytes and `file_name` when `format`
/// is [`Format::Auto`].
///
/// Never panics. A record that cannot be read becomes a [`RecordError`] in
/// [`Parsed::records`]; only a file that cannot be read at all is an error.
pub fn parse(bytes: &[u8], format: Format, file_name: Option<&str>) -> Result<Parsed, FormatError> {
    let (format, document) = match format {
        Format::Auto => sniff::sniff(bytes, file_name)?,
        chosen => (chosen, None),
    };
    let records = match format {
        Format::Auto => {
            return Err(FormatError::Unrecognised(
                "no format was resolved".to_owned(),
            ));
        }
        Format::Jsonl => jsonl::parse(bytes),
        Format::Csv => csv_format::parse(bytes)?,
        Format::Twitter => twitter::parse(json::document(bytes, document)?)?,
        Format::Mastodon => mastodon::parse(json::document(bytes, document)?)?,
        Format::Bluesky => bluesky::parse(bytes, document)?,
        Format::Reddit => reddit::parse(json::document(bytes, document)?)?,
        Format::Rss => rss::parse(bytes, document)?,
    };
    Ok(Parsed { format, records })
}
