//! Integration tests for hearken-formats: real public samples, hand-written fixtures in the
//! platforms' documented shapes, error reporting, sniffing and properties.

mod errors;
mod fixtures;
mod properties;
mod samples;
mod sniffing;

use std::path::{Path, PathBuf};

use hearken_formats::{Format, Parsed, parse};
use hearken_proto::{prost_types::Timestamp, v1::Mention};

/// `shared/data`, beside the clone, or `HEARKEN_SHARED_DATA`.
pub(crate) fn shared_data() -> PathBuf {
    match std::env::var_os("HEARKEN_SHARED_DATA") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

pub(crate) fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// Parses a file with the format sniffed from its content and name.
pub(crate) fn parse_file(path: &Path, format: Format) -> Parsed {
    let name = path.file_name().and_then(|name| name.to_str());
    parse(&read(path), format, name).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub(crate) fn mentions(parsed: &Parsed) -> Vec<&Mention> {
    parsed.mentions().collect()
}

pub(crate) fn find<'a>(parsed: &'a Parsed, external_id: &str) -> &'a Mention {
    parsed
        .mentions()
        .find(|mention| mention.external_id == external_id)
        .unwrap_or_else(|| panic!("no mention {external_id}"))
}

/// An RFC 3339 instant as a protobuf timestamp, computed independently of the crate.
pub(crate) fn ts(rfc3339: &str) -> Timestamp {
    let time = chrono::DateTime::parse_from_rfc3339(rfc3339).expect("valid test timestamp");
    Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    }
}

pub(crate) fn handle(mention: &Mention) -> &str {
    mention
        .author
        .as_ref()
        .map_or("", |author| author.handle.as_str())
}
