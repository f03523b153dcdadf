//! The offline file formats of `hearken influence rank`.
//!
//! - Edges: header `source,target,weight`, one interaction per row. Names are any non-empty
//!   strings; weights are finite and not negative. Repeated pairs are parallel edges.
//! - Personalisation: header `node,weight`, one teleport weight per node, each node once.
//! - Scores: header `node,score`, one row per node, sorted by node name.
//!
//! Extra columns are ignored and the required ones may come in any order. Node names are taken
//! verbatim, spaces included; spaces around weights are ignored. Errors name the 1-based line
//! and the field.

use std::io::{Read, Write};

use crate::graph::{GraphError, is_valid_weight};
use crate::node_index::NodeIndex;

/// Why a CSV file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file is not well-formed CSV, or reading or writing it failed.
    #[error("line {line}: {source}")]
    Csv {
        /// 1-based line of the failure, 0 when unknown.
        line: u64,
        /// The underlying error.
        source: ::csv::Error,
    },
    /// The header lacks a required column.
    #[error("header has no `{column}` column")]
    MissingColumn {
        /// The missing column.
        column: &'static str,
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

/// Reads an edge file with header `source,target,weight`.
///
/// Pass `list.nodes.len()` and `list.edges` to [`crate::Graph::from_edges`].
pub fn read_edges<R: Read>(reader: R) -> Result<EdgeList, CsvError> {
    let mut file = Table::open(reader, ["source", "target", "weight"])?;
    let mut list = EdgeList::default();
    while let Some(row) = file.next_row()? {
        let source = row.name(0)?;
        let target = row.name(1)?;
        let weight = row.weight(2)?;
        let source = row.intern(&mut list.nodes, source)?;
        let target = row.intern(&mut list.nodes, target)?;
        list.edges.push((source, target, weight));
    }
    Ok(list)
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
    while let Some(row) = file.next_row()? {
        let name = row.name(0)?;
        let weight = row.weight(1)?;
        let id = row.intern(nodes, name)? as usize;
        if id >= weights.len() {
            weights.resize(id + 1, 0.0);
            listed.resize(id + 1, false);
        }
        if listed[id] {
            return Err(CsvError::DuplicateNode {
                line: row.line,
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
    writer: W,
    nodes: &NodeIndex,
    scores: &[f64],
) -> Result<(), CsvError> {
    if scores.len() != nodes.len() {
        return Err(CsvError::ScoreCount {
            nodes: nodes.len(),
            scores: scores.len(),
        });
    }
    let mut by_name: Vec<(&str, f64)> = nodes.names().zip(scores.iter().copied()).collect();
    by_name.sort_unstable_by(|a, b| a.0.cmp(b.0));

    let write_error = |source| CsvError::Csv { line: 0, source };
    let mut out = ::csv::Writer::from_writer(writer);
    out.write_record(["node", "score"]).map_err(write_error)?;
    for (name, score) in by_name {
        out.write_record([name, &score.to_string()])
            .map_err(write_error)?;
    }
    out.flush()
        .map_err(|error| write_error(::csv::Error::from(error)))
}

/// A CSV reader that found its required columns in the header.
struct Table<R, const N: usize> {
    reader: ::csv::Reader<R>,
    columns: [&'static str; N],
    positions: [usize; N],
    record: ::csv::StringRecord,
}

impl<R: Read, const N: usize> Table<R, N> {
    fn open(reader: R, columns: [&'static str; N]) -> Result<Self, CsvError> {
        let mut reader = ::csv::ReaderBuilder::new()
            // Names are kept verbatim so that whatever we write reads back as the same node.
            .trim(::csv::Trim::Headers)
            // Rows may carry extra columns; the header decides which ones we read.
            .flexible(true)
            .from_reader(reader);
        let header = reader.headers().map_err(|source| CsvError::Csv {
            line: source.position().map_or(1, ::csv::Position::line),
            source,
        })?;
        let mut positions = [0; N];
        for (position, column) in positions.iter_mut().zip(columns) {
            *position = header
                .iter()
                .position(|name| name == column)
                .ok_or(CsvError::MissingColumn { column })?;
        }
        Ok(Table {
            reader,
            columns,
            positions,
            record: ::csv::StringRecord::new(),
        })
    }

    fn next_row(&mut self) -> Result<Option<Row<'_>>, CsvError> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => Ok(Some(Row {
                line: self.record.position().map_or(0, ::csv::Position::line),
                record: &self.record,
                columns: &self.columns,
                positions: &self.positions,
            })),
            Err(source) => Err(CsvError::Csv {
                line: source.position().map_or(0, ::csv::Position::line),
                source,
            }),
        }
    }
}

struct Row<'a> {
    line: u64,
    record: &'a ::csv::StringRecord,
    columns: &'a [&'static str],
    positions: &'a [usize],
}

impl<'a> Row<'a> {
    fn invalid(&self, column: usize, problem: String) -> CsvError {
        CsvError::InvalidField {
            line: self.line,
            field: self.columns[column],
            problem,
        }
    }

    fn field(&self, column: usize) -> Result<&'a str, CsvError> {
        self.record
            .get(self.positions[column])
            .ok_or_else(|| self.invalid(column, "missing".to_owned()))
    }

    fn name(&self, column: usize) -> Result<&'a str, CsvError> {
        let value = self.field(column)?;
        if value.is_empty() {
            return Err(self.invalid(column, "empty node name".to_owned()));
        }
        Ok(value)
    }

    fn weight(&self, column: usize) -> Result<f64, CsvError> {
        let value = self.field(column)?;
        let weight: f64 = value
            .trim()
            .parse()
            .map_err(|_| self.invalid(column, format!("{value:?} is not a number")))?;
        if !is_valid_weight(weight) {
            return Err(self.invalid(column, format!("{value:?} must be finite and not negative")));
        }
        Ok(weight)
    }

    fn intern(&self, nodes: &mut NodeIndex, name: &str) -> Result<u32, CsvError> {
        nodes.intern(name).map_err(|source| CsvError::Graph {
            line: self.line,
            source,
        })
    }
}
