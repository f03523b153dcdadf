//! The offline file formats of `hearken influence rank`.
//!
//! - Edges: header `source,target,weight`, one interaction per row. Names are any non-empty
//!   strings; weights are finite and not negative. Repeated pairs are parallel edges.
//! - Personalisation: header `node,weight`, one teleport weight per node, each node once.
//! - Scores: header `node,score`, one row per node, sorted by node name.
//!
//! Extra columns are ignored and the required ones may come in any order. Node names are taken
//! verbatim, spaces included; spaces around weights and header names are ignored. Errors name
//! the 1-based line and the field.
//!
//! The dialect is RFC 4180: fields are separated by commas and records end at `\n` or `\r\n`;
//! a field in double quotes may hold commas, line breaks and doubled quotes (`""`). A quote
//! inside an unquoted field is an ordinary character. Empty lines are skipped and a UTF-8 byte
//! order mark at the start is ignored. Files are parsed from one reused buffer, without an
//! allocation per row. An edge file without quotes, the common case, is parsed in place instead,
//! on all cores: a 2-million-edge file is read in about the time PageRank takes.

use std::io::{self, Read, Write};
use std::num::NonZeroUsize;
use std::ops::Range;
use std::thread;

use crate::graph::{GraphError, is_valid_weight};
use crate::node_index::NodeIndex;
use crate::on_threads;

/// Why a CSV file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// Reading or writing failed.
    #[error("{source}")]
    Io {
        /// The underlying error.
        #[from]
        source: io::Error,
    },
    /// The file is not well-formed CSV.
    #[error("line {line}: {problem}")]
    Malformed {
        /// 1-based line where the record starts.
        line: u64,
        /// What is wrong.
        problem: &'static str,
    },
    /// The header lacks a required column.
    #[error("header has no `{column}` column")]
    MissingColumn {
        /// The missing column.
        column: &'static str,
    },
    /// A node name that is not UTF-8.
    #[error("line {line}, field `{field}`: not valid UTF-8")]
    NotUtf8 {
        /// 1-based line.
        line: u64,
        /// Column name.
        field: &'static str,
    },
    /// A field that is empty, not a number, negative or not finite.
    #[error("line {line}, field `{field}`: {problem}")]
    InvalidField {
        /// 1-based line.
        line: u64,
        /// Column name.
        field: &'static str,
        /// What is wrong, quoting the value.
        problem: String,
    },
    /// A node listed twice in a personalisation file.
    #[error("line {line}, field `node`: {node:?} is listed twice")]
    DuplicateNode {
        /// 1-based line of the second occurrence.
        line: u64,
        /// The repeated name.
        node: String,
    },
    /// More distinct nodes than a graph can hold.
    #[error("line {line}: {source}")]
    Graph {
        /// 1-based line of the node that did not fit.
        line: u64,
        /// The underlying error.
        source: GraphError,
    },
    /// [`write_scores`] got a score vector whose length differs from the node count.
    #[error("{nodes} nodes but {scores} scores")]
    ScoreCount {
        /// Node count of the index.
        nodes: usize,
        /// Length of the score vector.
        scores: usize,
    },
}

/// An edge list read from CSV: node names interned into `nodes`, edges by id.
#[derive(Debug, Clone, Default)]
pub struct EdgeList {
    /// Every node named in the file, in order of first appearance.
    pub nodes: NodeIndex,
    /// `(source, target, weight)` by node id, one per row, in file order.
    pub edges: Vec<(u32, u32, f64)>,
}

/// The columns of an edge file, in the order [`read_rows`] reads them.
const EDGE_COLUMNS: [&str; 3] = ["source", "target", "weight"];

/// Below this many bytes an edge file is read on one thread: a thread would cost more than it
/// saves.
const MIN_PART_BYTES: usize = 1 << 20;

/// Rows whose names are interned together; see [`NodeIndex::intern_all`].
const ROWS_PER_BATCH: usize = 256;

/// Reads an edge file with header `source,target,weight`.
///
/// Pass `list.nodes.len()` and `list.edges` to [`crate::Graph::from_edges`]. A large file is
/// read in parts on all available cores; the result is the same as reading it in order.
pub fn read_edges<R: Read>(mut reader: R) -> Result<EdgeList, CsvError> {
    let mut data = Vec::new();
    reader.read_to_end(&mut data)?;
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    read_edges_in_parts(&data, cores.min(data.len() / MIN_PART_BYTES).max(1))
}

/// Reads `data` as [`read_edges`] does, the rows of a plain file (see [`read_plain_rows`]) in up
/// to `parts` parts at once. Any other file, and a plain one with an error, is read in order by
/// the general parser, so errors are those an ordered read gives.
fn read_edges_in_parts(data: &[u8], parts: usize) -> Result<EdgeList, CsvError> {
    let mut header = Table::open(data, EDGE_COLUMNS)?;
    let body = &data[header.position()..];
    match read_plain_rows(body, header.positions, parts) {
        Some(list) => Ok(list),
        None => read_rows(&mut header),
    }
}

/// Reads the rows of `body` if it is plain, valid UTF-8 without a quote, else `None`; `None`
/// too for a row an ordered read would reject.
///
/// In a plain file every line break ends a record and every comma ends a field, so the rows are
/// split into up to `parts` runs of whole lines, and each run is parsed in place, without the
/// general parser's copies and per-name UTF-8 checks, and interned on its own thread into its
/// own [`NodeIndex`] and its own stretch of one edge vector. The runs are then joined in file
/// order (a later run's names are interned in the order they first appear in it), so the ids
/// and edges are exactly those of an ordered read.
fn read_plain_rows(body: &[u8], positions: [usize; 3], parts: usize) -> Option<EdgeList> {
    let runs: Vec<&[u8]> = line_run_ends(body, parts)
        .into_iter()
        .scan(0, |start, end| {
            Some(&body[std::mem::replace(start, end)..end])
        })
        .collect();
    // A run has at most one row per line. The vector is allocated zeroed, which costs nothing
    // until a run writes to it.
    let stretches: Vec<usize> = runs.iter().map(|run| line_count(run)).collect();
    let mut edges = vec![(0u32, 0u32, 0.0f64); stretches.iter().sum()];
    let mut unclaimed = edges.as_mut_slice();
    let jobs = runs.iter().zip(&stretches).map(|(&run, &stretch)| {
        let (claimed, rest) = std::mem::take(&mut unclaimed).split_at_mut(stretch);
        unclaimed = rest;
        (run, claimed)
    });
    let read = on_threads(jobs, |(run, claimed)| {
        read_plain_run(run, positions, claimed)
    });

    let mut nodes = NodeIndex::new();
    let mut rows = 0;
    let mut stretch_start = 0;
    let mut ids = Vec::new();
    for (run, stretch) in read.into_iter().zip(stretches) {
        let (run_nodes, run_rows) = run?;
        let run_edges = stretch_start..stretch_start + run_rows;
        if nodes.is_empty() {
            // Nothing before this run named a node, so its ids are already the file's.
            nodes = run_nodes;
        } else {
            let names: Vec<&str> = run_nodes.names().collect();
            ids.clear();
            nodes.intern_all(&names, &mut ids).ok()?;
            for edge in &mut edges[run_edges.clone()] {
                *edge = (ids[edge.0 as usize], ids[edge.1 as usize], edge.2);
            }
        }
        if run_edges.start != rows {
            edges.copy_within(run_edges, rows);
        }
        rows += run_rows;
        stretch_start += stretch;
    }
    edges.truncate(rows);
    Some(EdgeList { nodes, edges })
}

/// Reads one run of [`read_plain_rows`] into `edges`, by the ids of its own index. Returns the
/// index and the number of rows.
fn read_plain_run(
    run: &[u8],
    positions: [usize; 3],
    edges: &mut [(u32, u32, f64)],
) -> Option<(NodeIndex, usize)> {
    if run.contains(&b'"') {
        return None;
    }
    let run = std::str::from_utf8(run).ok()?;
    let mut nodes = NodeIndex::new();
    let mut names = Vec::with_capacity(2 * ROWS_PER_BATCH);
    let mut ids = Vec::with_capacity(2 * ROWS_PER_BATCH);
    let mut rows = 0;
    let mut interned = 0;
    let mut line_start = 0;
    while line_start < run.len() {
        // Searching with `str::split` matches the UTF-8 encoding of a `char` at every find,
        // which cost more than the rest of the parsing; a byte search suffices here.
        let line_end = run.as_bytes()[line_start..]
            .iter()
            .position(|&byte| byte == b'\n')
            .map_or(run.len(), |at| line_start + at);
        let line = &run[std::mem::replace(&mut line_start, line_end + 1)..line_end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let [source, target, weight] = plain_fields(line, positions)?;
        let weight =
            parse_number(weight.trim_ascii().as_bytes()).filter(|&w| is_valid_weight(w))?;
        if source.is_empty() || target.is_empty() {
            return None;
        }
        *edges.get_mut(rows)? = (0, 0, weight);
        names.extend([source, target]);
        rows += 1;
        if rows - interned == ROWS_PER_BATCH {
            intern_rows(&mut nodes, &names, &mut ids, &mut edges[interned..rows]).ok()?;
            names.clear();
            interned = rows;
        }
    }
    intern_rows(&mut nodes, &names, &mut ids, &mut edges[interned..rows]).ok()?;
    Some((nodes, rows))
}

/// The fields at `positions` of a line of a plain file, or `None` if the line is too short.
fn plain_fields(line: &str, positions: [usize; 3]) -> Option<[&str; 3]> {
    let mut fields = [""; 3];
    let mut found = 0;
    let commas = line.bytes().enumerate().filter(|&(_, byte)| byte == b',');
    let ends = commas.map(|(at, _)| at).chain([line.len()]);
    let mut start = 0;
    for (index, end) in ends.enumerate() {
        let field = &line[std::mem::replace(&mut start, end + 1)..end];
        for (slot, &position) in fields.iter_mut().zip(&positions) {
            if position == index {
                *slot = field;
                found += 1;
            }
        }
        if found == fields.len() {
            return Some(fields);
        }
    }
    None
}

/// Gives `edges` the ids of `names`, their source and target names in row order.
fn intern_rows(
    nodes: &mut NodeIndex,
    names: &[&str],
    ids: &mut Vec<u32>,
    edges: &mut [(u32, u32, f64)],
) -> Result<(), GraphError> {
    ids.clear();
    let interned = nodes.intern_all(names, ids);
    for (edge, pair) in edges.iter_mut().zip(ids.chunks_exact(2)) {
        (edge.0, edge.1) = (pair[0], pair[1]);
    }
    interned
}

/// How many lines `data` has, the last one counted even without a line break.
fn line_count(data: &[u8]) -> usize {
    let breaks = data.iter().filter(|&&byte| byte == b'\n').count();
    breaks + usize::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// The ends of up to `parts` runs of whole lines that cover `body`, of about equal length.
fn line_run_ends(body: &[u8], parts: usize) -> Vec<usize> {
    let mut ends: Vec<usize> = (1..parts)
        .map(|part| {
            let middle = body.len() * part / parts;
            body[middle..]
                .iter()
                .position(|&byte| byte == b'\n')
                .map_or(body.len(), |newline| middle + newline + 1)
        })
        .collect();
    ends.push(body.len());
    ends.dedup();
    ends
}

/// Reads the rest of `file`'s rows in order, with the general parser.
fn read_rows<R: Read>(file: &mut Table<R, 3>) -> Result<EdgeList, CsvError> {
    let mut list = EdgeList::default();
    let mut block = Block::default();
    loop {
        block.clear();
        let first_row = list.edges.len();
        while block.lines.len() < ROWS_PER_BATCH && file.next_row()? {
            let (source, target) = (file.name(0)?, file.name(1)?);
            list.edges.push((0, 0, file.weight(2)?));
            block.push(source, target, file.line());
        }
        if block.lines.is_empty() {
            return Ok(list);
        }
        block.intern_into(&mut list.nodes, &mut list.edges[first_row..])?;
    }
}

/// The names of rows read but not yet interned, copied out of the reader's buffer, which the
/// next rows may overwrite.
#[derive(Default)]
struct Block {
    names: String,
    /// Each name's end in `names`, source then target for each row.
    ends: Vec<usize>,
    lines: Vec<u64>,
    ids: Vec<u32>,
}

impl Block {
    fn clear(&mut self) {
        self.names.clear();
        self.ends.clear();
        self.lines.clear();
    }

    fn push(&mut self, source: &str, target: &str, line: u64) {
        for name in [source, target] {
            self.names.push_str(name);
            self.ends.push(self.names.len());
        }
        self.lines.push(line);
    }

    /// Gives `edges`, the block's rows, their ids.
    fn intern_into(
        &mut self,
        nodes: &mut NodeIndex,
        edges: &mut [(u32, u32, f64)],
    ) -> Result<(), CsvError> {
        let names: Vec<&str> = self
            .ends
            .iter()
            .scan(0, |start, &end| {
                Some(&self.names[std::mem::replace(start, end)..end])
            })
            .collect();
        intern_rows(nodes, &names, &mut self.ids, edges).map_err(|source| CsvError::Graph {
            line: self.lines[self.ids.len() / 2],
            source,
        })
    }
}

/// Reads a personalisation file with header `node,weight` into a vector indexed by node id.
///
/// Nodes not yet in `nodes` are interned, so they join the graph as isolated nodes that still
/// receive teleported rank; build the graph with `nodes.len()` *after* this call. Nodes the file
/// does not list get weight 0.
pub fn read_personalization<R: Read>(
    reader: R,
    nodes: &mut NodeIndex,
) -> Result<Vec<f64>, CsvError> {
    let mut file = Table::open(reader, ["node", "weight"])?;
    let mut weights = vec![0.0; nodes.len()];
    let mut listed = vec![false; nodes.len()];
    while file.next_row()? {
        let name = file.name(0)?;
        let weight = file.weight(1)?;
        let line = file.line();
        let id = nodes
            .intern(name)
            .map_err(|source| CsvError::Graph { line, source })? as usize;
        if id >= weights.len() {
            weights.resize(id + 1, 0.0);
            listed.resize(id + 1, false);
        }
        if listed[id] {
            return Err(CsvError::DuplicateNode {
                line,
                node: name.to_owned(),
            });
        }
        listed[id] = true;
        weights[id] = weight;
    }
    Ok(weights)
}

/// Writes `node,score` rows, one per node of `nodes`, sorted by node name.
///
/// Scores are written in Rust's shortest round-trip form, so reading them back loses nothing.
pub fn write_scores<W: Write>(
    mut writer: W,
    nodes: &NodeIndex,
    scores: &[f64],
) -> Result<(), CsvError> {
    if scores.len() != nodes.len() {
        return Err(CsvError::ScoreCount {
            nodes: nodes.len(),
            scores: scores.len(),
        });
    }
    // Names are compared by their first eight bytes as one integer before any string
    // comparison: that settles almost every comparison of short names without a `memcmp` call.
    let mut by_name: Vec<(u64, &str, f64)> = nodes
        .names()
        .zip(scores)
        .map(|(name, &score)| (name_prefix(name), name, score))
        .collect();
    by_name.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));

    // Formatting the scores takes as long as sorting them, so the rows are formatted in parts
    // on all cores, each part into its own buffer, and the buffers written in order.
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let part_rows = by_name.len().div_ceil(cores).max(MIN_PART_ROWS);
    let parts = on_threads(by_name.chunks(part_rows), format_rows);
    writer.write_all(b"node,score\n")?;
    for part in parts {
        writer.write_all(&part)?;
    }
    writer.flush()?;
    Ok(())
}

/// Below this many rows a part of [`write_scores`] is not worth a thread.
const MIN_PART_ROWS: usize = 20_000;

/// The `node,score` rows of `rows`, sorted, as CSV.
fn format_rows(rows: &[(u64, &str, f64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 32);
    for &(_, name, score) in rows {
        write_field(&mut out, name);
        // Writing to a `Vec` cannot fail.
        let _ = writeln!(out, ",{score}");
    }
    out
}

/// The first eight bytes of `name`, zero-padded, as a big-endian integer: integers in the
/// order of the names, except that names equal in these bytes compare equal.
fn name_prefix(name: &str) -> u64 {
    let mut prefix = [0u8; 8];
    let kept = name.len().min(8);
    prefix[..kept].copy_from_slice(&name.as_bytes()[..kept]);
    u64::from_be_bytes(prefix)
}

/// Writes `value` as one CSV field, quoted when it would otherwise read back differently.
fn write_field(out: &mut Vec<u8>, value: &str) {
    let needs_quotes = value.is_empty()
        || value
            .bytes()
            .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if !needs_quotes {
        out.extend_from_slice(value.as_bytes());
        return;
    }
    out.push(b'"');
    for (position, part) in value.split('"').enumerate() {
        if position > 0 {
            out.extend_from_slice(b"\"\"");
        }
        out.extend_from_slice(part.as_bytes());
    }
    out.push(b'"');
}

/// A CSV file whose header named every required column; [`Table::next_row`] steps through the
/// rows and the accessors read the current one.
struct Table<R, const N: usize> {
    records: Records<R>,
    columns: [&'static str; N],
    positions: [usize; N],
}

impl<R: Read, const N: usize> Table<R, N> {
    fn open(reader: R, columns: [&'static str; N]) -> Result<Self, CsvError> {
        let mut records = Records::new(reader);
        records.skip_byte_order_mark()?;
        if !records.next_record()? {
            return Err(CsvError::MissingColumn { column: columns[0] });
        }
        let mut positions = [0; N];
        for (position, column) in positions.iter_mut().zip(columns) {
            *position = (0..records.field_count())
                .position(|index| {
                    records
                        .field(index)
                        .is_some_and(|name| name.trim_ascii() == column.as_bytes())
                })
                .ok_or(CsvError::MissingColumn { column })?;
        }
        Ok(Table {
            records,
            columns,
            positions,
        })
    }

    /// How many bytes of the input the header and the rows so far took.
    fn position(&self) -> usize {
        self.records.position()
    }

    fn next_row(&mut self) -> Result<bool, CsvError> {
        self.records.next_record()
    }

    fn line(&self) -> u64 {
        self.records.line
    }

    fn invalid(&self, column: usize, problem: String) -> CsvError {
        CsvError::InvalidField {
            line: self.line(),
            field: self.columns[column],
            problem,
        }
    }

    fn field(&self, column: usize) -> Result<&[u8], CsvError> {
        self.records
            .field(self.positions[column])
            .ok_or_else(|| self.invalid(column, "missing".to_owned()))
    }

    fn name(&self, column: usize) -> Result<&str, CsvError> {
        let value = self.field(column)?;
        if value.is_empty() {
            return Err(self.invalid(column, "empty node name".to_owned()));
        }
        std::str::from_utf8(value).map_err(|_| CsvError::NotUtf8 {
            line: self.line(),
            field: self.columns[column],
        })
    }

    fn weight(&self, column: usize) -> Result<f64, CsvError> {
        let value = self.field(column)?;
        let quoted = || String::from_utf8_lossy(value);
        let weight = parse_number(value.trim_ascii())
            .ok_or_else(|| self.invalid(column, format!("{:?} is not a number", quoted())))?;
        if !is_valid_weight(weight) {
            return Err(self.invalid(
                column,
                format!("{:?} must be finite and not negative", quoted()),
            ));
        }
        Ok(weight)
    }
}

/// A decimal number as `str::parse::<f64>` reads it, with a fast path for the plain decimals
/// (`3`, `0.25`) edge files hold.
fn parse_number(text: &[u8]) -> Option<f64> {
    plain_decimal(text).or_else(|| std::str::from_utf8(text).ok()?.parse().ok())
}

/// `digits[.digits]` with at most 15 digits, else `None`. Both the digits as an integer and the
/// power of ten are exact in an `f64`, so their quotient is correctly rounded: the same value
/// `str::parse` gives (Clinger's fast path).
fn plain_decimal(text: &[u8]) -> Option<f64> {
    const POWERS_OF_TEN: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let mut mantissa = 0u64;
    let mut digits = 0usize;
    let mut decimals = 0usize;
    let mut after_point = false;
    for &byte in text {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                digits += 1;
                decimals += usize::from(after_point);
                if digits > 15 {
                    return None;
                }
            }
            b'.' if !after_point => after_point = true,
            _ => return None,
        }
    }
    (digits > 0).then(|| mantissa as f64 / POWERS_OF_TEN[decimals])
}

/// How much input is read at a time; a record longer than this grows the buffer.
const READ_CHUNK: usize = 1 << 20;

/// Records of a CSV stream, parsed in place in one reused buffer.
struct Records<R> {
    reader: R,
    buffer: Vec<u8>,
    /// Input bytes parsed and dropped from the front of `buffer`.
    discarded: usize,
    /// `buffer[start..filled]` is read but not yet parsed.
    start: usize,
    filled: usize,
    at_eof: bool,
    /// The line where the current record starts, and where the next one does.
    line: u64,
    next_line: u64,
    /// The current record's fields: ranges into `buffer` or, after a quoted field was seen,
    /// into `unquoted`, which holds the record's fields with their quotes removed.
    fields: Vec<Range<usize>>,
    unquoted: Vec<u8>,
    in_unquoted: bool,
}

/// What parsing at `start` found.
enum Parsed {
    /// A record ending `consumed` bytes after `start`, spanning `lines` line breaks.
    Record { consumed: usize, lines: u64 },
    /// The record goes on past the data read so far.
    Incomplete,
}

impl<R: Read> Records<R> {
    fn new(reader: R) -> Self {
        Records {
            reader,
            buffer: vec![0; READ_CHUNK],
            discarded: 0,
            start: 0,
            filled: 0,
            at_eof: false,
            line: 0,
            next_line: 1,
            fields: Vec::new(),
            unquoted: Vec::new(),
            in_unquoted: false,
        }
    }

    /// Skips a UTF-8 byte order mark at the start of the input.
    fn skip_byte_order_mark(&mut self) -> Result<(), CsvError> {
        while self.filled < 3 && !self.at_eof {
            self.fill()?;
        }
        if self.buffer[..self.filled].starts_with(b"\xef\xbb\xbf") {
            self.start = 3;
        }
        Ok(())
    }

    /// How many bytes of the input the records so far took.
    fn position(&self) -> usize {
        self.discarded + self.start
    }

    fn field_count(&self) -> usize {
        self.fields.len()
    }

    fn field(&self, index: usize) -> Option<&[u8]> {
        let range = self.fields.get(index)?.clone();
        Some(if self.in_unquoted {
            &self.unquoted[range]
        } else {
            &self.buffer[range]
        })
    }

    /// Moves to the next non-empty record; false at the end of the input.
    fn next_record(&mut self) -> Result<bool, CsvError> {
        loop {
            if self.start == self.filled && self.at_eof {
                return Ok(false);
            }
            match self.parse()? {
                Parsed::Incomplete => self.fill()?,
                Parsed::Record { consumed, lines } => {
                    self.start += consumed;
                    self.line = self.next_line;
                    self.next_line += lines;
                    let empty_line =
                        !self.in_unquoted && self.fields.len() == 1 && self.fields[0].is_empty();
                    if !empty_line {
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// Reads more input after what is buffered, first moving the unparsed rest to the front
    /// and growing the buffer when that rest fills it.
    fn fill(&mut self) -> Result<(), CsvError> {
        if self.start > 0 {
            self.discarded += self.start;
            self.buffer.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
        }
        if self.filled == self.buffer.len() {
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        loop {
            match self.reader.read(&mut self.buffer[self.filled..]) {
                Ok(0) => {
                    self.at_eof = true;
                    return Ok(());
                }
                Ok(read) => {
                    self.filled += read;
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// The common case: a record without quotes, its fields left in place in the buffer.
    fn parse(&mut self) -> Result<Parsed, CsvError> {
        let data = &self.buffer[self.start..self.filled];
        self.fields.clear();
        self.in_unquoted = false;
        let mut field_start = 0;
        let mut quoted = false;
        for (at, &byte) in data.iter().enumerate() {
            match byte {
                b',' => {
                    self.fields.push(self.start + field_start..self.start + at);
                    field_start = at + 1;
                }
                b'\n' => {
                    let end = if at > field_start && data[at - 1] == b'\r' {
                        at - 1
                    } else {
                        at
                    };
                    self.fields.push(self.start + field_start..self.start + end);
                    return Ok(Parsed::Record {
                        consumed: at + 1,
                        lines: 1,
                    });
                }
                b'"' => {
                    quoted = true;
                    break;
                }
                _ => {}
            }
        }
        if quoted {
            return self.parse_quoted();
        }
        if !self.at_eof {
            return Ok(Parsed::Incomplete);
        }
        let end = if data.ends_with(b"\r") && data.len() > field_start {
            data.len() - 1
        } else {
            data.len()
        };
        self.fields.push(self.start + field_start..self.start + end);
        Ok(Parsed::Record {
            consumed: data.len(),
            lines: 0,
        })
    }

    /// A record with a quote somewhere: its fields are copied to `unquoted`, unescaped.
    fn parse_quoted(&mut self) -> Result<Parsed, CsvError> {
        let data = &self.buffer[self.start..self.filled];
        let at_eof = self.at_eof;
        let line = self.next_line;
        let malformed = |problem| CsvError::Malformed { line, problem };
        let fields = &mut self.fields;
        let unquoted = &mut self.unquoted;
        fields.clear();
        unquoted.clear();
        self.in_unquoted = true;
        let mut at = 0;
        let mut lines = 0;
        loop {
            let field_start = unquoted.len();
            if data.get(at) == Some(&b'"') {
                at += 1;
                loop {
                    match data.get(at) {
                        None if at_eof => return Err(malformed("a quoted field is not closed")),
                        None => return Ok(Parsed::Incomplete),
                        Some(b'"') => match data.get(at + 1) {
                            Some(b'"') => {
                                unquoted.push(b'"');
                                at += 2;
                            }
                            None if !at_eof => return Ok(Parsed::Incomplete),
                            _ => {
                                at += 1;
                                break;
                            }
                        },
                        Some(&byte) => {
                            lines += u64::from(byte == b'\n');
                            unquoted.push(byte);
                            at += 1;
                        }
                    }
                }
                fields.push(field_start..unquoted.len());
                match (data.get(at), data.get(at + 1)) {
                    (Some(b','), _) => at += 1,
                    (Some(b'\n'), _) => {
                        return Ok(Parsed::Record {
                            consumed: at + 1,
                            lines: lines + 1,
                        });
                    }
                    (Some(b'\r'), Some(b'\n')) => {
                        return Ok(Parsed::Record {
                            consumed: at + 2,
                            lines: lines + 1,
                        });
                    }
                    (None, _) | (Some(b'\r'), None) if !at_eof => return Ok(Parsed::Incomplete),
                    (None, _) => {
                        return Ok(Parsed::Record {
                            consumed: at,
                            lines,
                        });
                    }
                    _ => return Err(malformed("text after the closing quote of a field")),
                }
            } else {
                loop {
                    match data.get(at) {
                        None if !at_eof => return Ok(Parsed::Incomplete),
                        None => {
                            end_unquoted_field(fields, unquoted, field_start);
                            return Ok(Parsed::Record {
                                consumed: at,
                                lines,
                            });
                        }
                        Some(b',') => {
                            fields.push(field_start..unquoted.len());
                            at += 1;
                            break;
                        }
                        Some(b'\n') => {
                            end_unquoted_field(fields, unquoted, field_start);
                            return Ok(Parsed::Record {
                                consumed: at + 1,
                                lines: lines + 1,
                            });
                        }
                        Some(&byte) => {
                            unquoted.push(byte);
                            at += 1;
                        }
                    }
                }
            }
        }
    }
}

/// Ends a record's last unquoted field, dropping the `\r` of a `\r\n` line end.
fn end_unquoted_field(fields: &mut Vec<Range<usize>>, unquoted: &mut Vec<u8>, field_start: usize) {
    if unquoted.len() > field_start && unquoted.last() == Some(&b'\r') {
        unquoted.pop();
    }
    fields.push(field_start..unquoted.len());
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Node names in id order and edges: what a read gives, in a form two reads can be
    /// compared by.
    type Contents = (Vec<String>, Vec<(u32, u32, f64)>);

    fn contents(list: Result<EdgeList, CsvError>) -> Result<Contents, String> {
        let list = list.map_err(|error| error.to_string())?;
        Ok((list.nodes.names().map(str::to_owned).collect(), list.edges))
    }

    fn read(data: &[u8], parts: usize) -> Result<Contents, String> {
        contents(read_edges_in_parts(data, parts))
    }

    /// What the general parser alone reads, row by row.
    fn read_in_order(data: &[u8]) -> Result<Contents, String> {
        contents(Table::open(data, EDGE_COLUMNS).and_then(|mut file| read_rows(&mut file)))
    }

    #[test]
    fn the_fixture_reads_the_same_in_parts() {
        let data = include_bytes!("../tests/fixtures/pagerank_edges.csv");
        let in_order = read_in_order(data).unwrap();
        for parts in [1, 2, 3, 7] {
            assert_eq!(read(data, parts).unwrap(), in_order, "{parts} parts");
        }
    }

    #[test]
    fn line_runs_end_after_line_breaks_and_cover_the_body() {
        let body = b"a,b,1\nccc,d,2\r\n\ne,f,3";
        for parts in 1..12 {
            let ends = line_run_ends(body, parts);
            assert_eq!(ends.last(), Some(&body.len()));
            assert!(ends.windows(2).all(|pair| pair[0] < pair[1]));
            assert!(
                ends[..ends.len() - 1]
                    .iter()
                    .all(|&end| body[end - 1] == b'\n')
            );
        }
    }

    /// Edge rows with repeated short names, long names, CRLF and empty lines, maybe no line
    /// break at the end, and rarely (so that most files are read in parts) a quoted name or a
    /// bad weight.
    fn edge_file() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            150 => "[a-e]{1,2}",
            20 => "x{11,12}[ab]",
            1 => "\"[a,\n]{1,3}\"",
        ];
        let weight = prop_oneof![80 => "[0-9]{1,2}(\\.[0-9])?", 1 => "-1|x|"];
        let line_end = prop_oneof!["\n", "\r\n", "\n\n"];
        let row = (name.clone(), name, weight, line_end)
            .prop_map(|(source, target, weight, end)| format!("{source},{target},{weight}{end}"));
        (prop::collection::vec(row, 0..40), any::<bool>()).prop_map(|(rows, trailing_break)| {
            let mut file = format!("source,target,weight\n{}", rows.concat());
            if !trailing_break {
                file.truncate(file.trim_end().len());
            }
            file
        })
    }

    proptest! {
        #[test]
        fn reading_in_parts_gives_what_reading_in_order_gives(
            file in edge_file(),
            parts in 1usize..6,
        ) {
            prop_assert_eq!(read(file.as_bytes(), parts), read_in_order(file.as_bytes()));
        }
    }

    proptest! {
        #[test]
        fn name_prefixes_order_names_as_strings_do(a in "[ab\0]{0,10}", b in "[ab\0]{0,10}") {
            let by_prefix = name_prefix(&a).cmp(&name_prefix(&b)).then_with(|| a.cmp(&b));
            prop_assert_eq!(by_prefix, a.cmp(&b));
        }
    }

    #[test]
    fn plain_decimals_parse_as_the_standard_parser_does() {
        for text in [
            "0",
            "3",
            "17",
            "0.5",
            "0.1",
            "2.675",
            "1.",
            ".5",
            "123456789012345",
            "0.33333333333333",
            "9.99999999999999",
        ] {
            let expected: f64 = text.parse().unwrap();
            assert_eq!(plain_decimal(text.as_bytes()), Some(expected), "{text}");
        }
        for text in [
            "",
            ".",
            "1.2.3",
            "-1",
            "1e3",
            "1234567890123456",
            "inf",
            " 1",
        ] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text}");
        }
        assert_eq!(parse_number(b"1e3"), Some(1000.0));
        assert_eq!(
            parse_number(b"1234567890123456789"),
            Some(1234567890123456789.0)
        );
    }
}
