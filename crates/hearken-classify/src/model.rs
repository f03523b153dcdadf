//! The trained model: two linear classifiers over hashed features, and its file format.
//!
//! Departments are one-vs-rest logistic regressions (a mention can concern several
//! departments, or none: every department whose probability reaches the threshold is
//! assigned). Intent is a multinomial logistic regression (softmax: exactly one intent).
//! Weights are stored feature-major, so scoring a text reads one short contiguous row per
//! feature present: a sparse dot product for all classes at once.
//!
//! File format (version 2): the magic `HKNMODEL`, a little-endian `u32` format version, a
//! `u32` header length and a JSON header ([`ModelMeta`]), then for each classifier
//! (departments, then intents) its biases and its non-zero weight rows as `u32` feature index
//! plus one `f32` per class, all little-endian. Version 1 had the same layout, but its
//! feature indices came from another hash and another normalisation, so its weights mean
//! nothing to this build.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::eval::Evaluation;
use crate::features::{self, Grams, Hasher, Kind, MAX_NGRAM_WORD_BYTES, Scratch};
use crate::packed::load_padded;
use crate::sentiment::Vader;
use crate::taxonomy::Taxonomy;

const MAGIC: &[u8; 8] = b"HKNMODEL";
const FORMAT_VERSION: u32 = 2;

/// Probability from which a department is assigned. Below 0.5 because one-vs-rest models
/// trained on few positives per department run low on unseen wording, which made "none of
/// these" the answer for too many real posts. 0.3 was chosen by 5-fold cross-validation of the
/// shipped examples: department macro-F1 0.693 at 0.4, 0.708 at 0.3, 0.708 at 0.25 (the
/// higher of the tied thresholds keeps precision); customer-service recall on the airline
/// tweets, never used to choose it, rose from 0.57 to 0.69.
pub const DEPARTMENT_THRESHOLD: f32 = 0.3;

/// What a model file says about the model, besides its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Content hash of the taxonomy and weights: two identical trainings give one version.
    pub version: String,
    /// Seconds since the Unix epoch when the model was trained.
    pub created_unix_seconds: i64,
    /// The taxonomy whose departments and intents are the model's classes.
    pub taxonomy: Taxonomy,
    /// Features are hashed into `2^feature_bits` buckets.
    pub feature_bits: u32,
    /// Department evaluation on the held-out examples, when some were held out.
    pub department_evaluation: Option<Evaluation>,
    /// Intent evaluation on the held-out examples, when some were held out.
    pub intent_evaluation: Option<Evaluation>,
}

/// Why a model file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Reading or writing failed.
    #[error("model i/o failed: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not a Hearken model.
    #[error("not a hearken model file (bad magic)")]
    BadMagic,
    /// The file was written in another version of the format: older models hash their
    /// features differently, so their weights mean nothing to this build.
    #[error(
        "model format version {0} is not supported (this build reads version {FORMAT_VERSION}); \
         train the model again with `hearken train` from its taxonomy and examples"
    )]
    UnsupportedVersion(u32),
    /// The header or weights are inconsistent.
    #[error("model file is corrupt: {0}")]
    Corrupt(String),
}

/// One linear classifier: `score[c] = bias[c] + Σ x[i]·w[i][c]`.
#[derive(Clone, PartialEq)]
pub(crate) struct Linear {
    pub(crate) classes: usize,
    /// Feature-major: row `i` holds the weights of feature `i` for every class.
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
}

impl std::fmt::Debug for Linear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hundreds of thousands of weights help nobody reading a debug print.
        f.debug_struct("Linear")
            .field("classes", &self.classes)
            .field("rows", &(self.weights.len() / self.classes.max(1)))
            .field("bias", &self.bias)
            .finish_non_exhaustive()
    }
}

impl Linear {
    pub(crate) fn zeros(bits: u32, classes: usize) -> Self {
        Self {
            classes,
            weights: vec![0.0; (1usize << bits) * classes],
            bias: vec![0.0; classes],
        }
    }

    pub(crate) fn scores(&self, x: &[(u32, f32)], out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(&self.bias);
        for &(i, v) in x {
            let row = &self.weights[i as usize * self.classes..][..self.classes];
            for (o, w) in out.iter_mut().zip(row) {
                *o += v * w;
            }
        }
    }

    pub(crate) fn row(&self, i: usize) -> &[f32] {
        &self.weights[i * self.classes..][..self.classes]
    }

    fn rows(&self) -> usize {
        self.weights.len() / self.classes.max(1)
    }
}

/// Sixteen weights, or sixteen sums, on one cache line.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
struct Line([f32; LINE]);

impl Line {
    const ZERO: Self = Self([0.0; LINE]);

    /// Adds `value` times the fixed-point `weights`, as one straight run of sixteen
    /// lanes: written as a loop inside a loop over lines, it compiled to scalar code (the
    /// compiler vectorised across lines, and there is usually one).
    fn add_scaled(&mut self, weights: &QuantLine, value: f32) {
        let products: [f32; LINE] = weights.0.map(|q| value * f32::from(q));
        for (sum, product) in self.0.iter_mut().zip(products) {
            *sum += product;
        }
    }
}

const LINE: usize = 16;

/// Sixteen weights in 16-bit fixed point (a per-class scale), half a cache line: scoring
/// reads these, so that the rows of the default model (20,000) fit in a core's L2 cache.
/// Rounding moves a score by about 1e-5 of the largest weight.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(32))]
struct QuantLine([i16; LINE]);

/// Both classifiers for prediction, fused and compact: one row per hashed feature that has a
/// weight, holding its department weights then its intent weights, padded to whole cache
/// lines, rows in bucket order. Which buckets have a row is a bitmap with a running count per
/// 64 buckets (`2^bits / 4` bytes: it stays in cache), so a feature without weights costs no
/// memory read beyond it and a feature with weights costs one row. A dense table would be 16
/// times larger and mostly zeros, and each feature a likely cache miss.
#[derive(Clone, PartialEq)]
pub(crate) struct Weights {
    departments: usize,
    intents: usize,
    /// Lines per row.
    lines: usize,
    /// Per 64 buckets: which have a row, and how many rows come before them.
    index: Vec<Rank>,
    /// Row 0 is all zeros and stands for every bucket without weights; bucket rows follow.
    rows: Vec<Line>,
    /// `rows` in fixed point, for scoring.
    quantised: Vec<QuantLine>,
    /// Per class, the weight of one fixed-point unit.
    scale: Vec<f32>,
    /// Department biases then intent biases, padded like a row.
    bias: Vec<f32>,
}

/// One classifier's rows as read: (bucket, offset of its first weight), and the weights.
type ClassifierRows = (Vec<(u32, usize)>, Vec<f32>);

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Rank {
    present: u64,
    before: u32,
}

impl std::fmt::Debug for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hundreds of thousands of weights help nobody reading a debug print.
        f.debug_struct("Weights")
            .field("departments", &self.departments)
            .field("intents", &self.intents)
            .field("buckets", &(self.index.len() * 64))
            .field("rows", &(self.rows.len() / self.lines - 1))
            .finish_non_exhaustive()
    }
}

impl Weights {
    fn empty(bits: u32, departments: usize, intents: usize) -> Self {
        let lines = (departments + intents).div_ceil(LINE).max(1);
        Self {
            departments,
            intents,
            lines,
            index: vec![Rank::default(); (1usize << bits).div_ceil(64)],
            rows: vec![Line([0.0; LINE]); lines],
            quantised: Vec::new(),
            scale: Vec::new(),
            bias: vec![0.0; lines * LINE],
        }
    }

    pub(crate) fn from_linear(bits: u32, departments: &Linear, intents: &Linear) -> Self {
        let mut weights = Self::empty(bits, departments.classes, intents.classes);
        for (c, &b) in departments.bias.iter().chain(&intents.bias).enumerate() {
            weights.bias[c] = b;
        }
        let mut row = Vec::with_capacity(departments.classes + intents.classes);
        for bucket in 0..departments.rows().min(intents.rows()) {
            row.clear();
            row.extend_from_slice(departments.row(bucket));
            row.extend_from_slice(intents.row(bucket));
            if row.iter().any(|&w| w != 0.0) {
                weights.push_row(bucket as u32, &row);
            }
        }
        weights.finish();
        weights
    }

    /// Appends the row of `bucket`, which must come after every bucket that has one;
    /// [`Self::finish`] must follow the last push.
    fn push_row(&mut self, bucket: u32, row: &[f32]) {
        let rank = &mut self.index[bucket as usize / 64];
        debug_assert!(rank.present >> (bucket % 64) == 0, "rows in bucket order");
        rank.present |= 1 << (bucket % 64);
        let start = self.rows.len();
        self.rows
            .extend(std::iter::repeat_n(Line([0.0; LINE]), self.lines));
        for (class, &w) in row.iter().enumerate() {
            self.rows[start + class / LINE].0[class % LINE] = w;
        }
    }

    /// Counts the rows before each group of buckets and quantises the rows, after the
    /// pushes.
    fn finish(&mut self) {
        let mut before = 0;
        for rank in &mut self.index {
            rank.before = before;
            before += rank.present.count_ones();
        }
        let mut largest = vec![0f32; self.lines * LINE];
        for (group, line) in self.rows.iter().enumerate() {
            let classes = &mut largest[(group % self.lines) * LINE..][..LINE];
            for (max, w) in classes.iter_mut().zip(&line.0) {
                *max = max.max(w.abs());
            }
        }
        self.scale = largest
            .iter()
            .map(|&max| {
                if max > 0.0 {
                    max / f32::from(i16::MAX)
                } else {
                    1.0
                }
            })
            .collect();
        self.quantised = self
            .rows
            .iter()
            .enumerate()
            .map(|(group, line)| {
                let scale = &self.scale[(group % self.lines) * LINE..][..LINE];
                let mut q = [0i16; LINE];
                for ((q, w), s) in q.iter_mut().zip(&line.0).zip(scale) {
                    // In range by construction of the scale.
                    *q = (w / s).round() as i16;
                }
                QuantLine(q)
            })
            .collect();
    }

    /// The first line of the row of `bucket` (row 0, all zeros, when it has none).
    fn row_start(&self, bucket: u32) -> usize {
        let rank = self.index[bucket as usize / 64];
        let bit = 1u64 << (bucket % 64);
        if rank.present & bit == 0 {
            return 0;
        }
        let row = 1 + rank.before + (rank.present & (bit - 1)).count_ones();
        row as usize * self.lines
    }

    /// The weight of `bucket` for `class` (departments first, then intents); zero when the
    /// bucket has none.
    pub(crate) fn weight(&self, bucket: u32, class: usize) -> f32 {
        self.rows[self.row_start(bucket) + class / LINE].0[class % LINE]
    }

    /// Department scores then intent scores of the features `x` into `out`.
    pub(crate) fn scores(&self, x: &[(u32, f32)], out: &mut Vec<f32>) {
        let mut sums = vec![Line::ZERO; self.lines];
        for &(bucket, value) in x {
            self.add_row(self.row_start(bucket), value, &mut sums);
        }
        self.finish_scores(1.0, &sums, out);
    }

    /// Adds `value` times the fixed-point row whose first line is `start` (a
    /// [`Self::row_start`]) to `sums` (of [`Self::lines`]).
    fn add_row(&self, start: usize, value: f32, sums: &mut [Line]) {
        if start == 0 {
            return;
        }
        for (sum, line) in sums
            .iter_mut()
            .zip(&self.quantised[start..start + self.lines])
        {
            sum.add_scaled(line, value);
        }
    }

    /// Starts loading the row of `bucket`, so that [`Self::add_row`] finds it cached, and
    /// returns its [`Self::row_start`], which takes a bit count that is worth doing once.
    fn prefetch_row(&self, bucket: u32) -> usize {
        let start = self.row_start(bucket);
        crate::prefetch(&self.quantised[start]);
        start
    }

    /// Scores from fixed-point sums to be divided by `norm`, into `out`: departments then
    /// intents.
    fn finish_scores(&self, norm: f32, sums: &[Line], out: &mut Vec<f32>) {
        let inverse = if norm > 0.0 { norm.recip() } else { 1.0 };
        out.clear();
        out.extend(
            sums.iter()
                .flat_map(|line| line.0)
                .zip(&self.scale)
                .zip(&self.bias)
                .map(|((sum, scale), bias)| bias + scale * inverse * sum),
        );
        out.truncate(self.departments + self.intents);
    }

    pub(crate) fn departments(&self) -> usize {
        self.departments
    }

    pub(crate) fn bias(&self, class: usize) -> f32 {
        self.bias[class]
    }

    fn buckets(&self) -> impl Iterator<Item = u32> + '_ {
        self.index.iter().enumerate().flat_map(|(word, rank)| {
            (0..64u32)
                .filter(move |bit| rank.present >> bit & 1 == 1)
                .map(move |bit| word as u32 * 64 + bit)
        })
    }

    /// Version 1 of the file format: per classifier, its biases and its non-zero rows.
    fn write(&self, out: &mut Vec<u8>) {
        let width = self.departments + self.intents;
        for classes in [0..self.departments, self.departments..width] {
            for b in &self.bias[classes.clone()] {
                out.extend_from_slice(&b.to_le_bytes());
            }
            let buckets: Vec<u32> = self
                .buckets()
                .filter(|&bucket| classes.clone().any(|c| self.weight(bucket, c) != 0.0))
                .collect();
            out.extend_from_slice(&(buckets.len() as u32).to_le_bytes());
            for bucket in buckets {
                out.extend_from_slice(&bucket.to_le_bytes());
                for c in classes.clone() {
                    out.extend_from_slice(&self.weight(bucket, c).to_le_bytes());
                }
            }
        }
    }

    fn read(
        bytes: &mut &[u8],
        bits: u32,
        departments: usize,
        intents: usize,
    ) -> Result<Self, ModelError> {
        let mut weights = Self::empty(bits, departments, intents);
        // Each classifier's rows, in bucket order as the writer writes them: (bucket, first
        // weight in `values`).
        let mut tables: [ClassifierRows; 2] = Default::default();
        for ((classes, first), (rows, values)) in [(departments, 0), (intents, departments)]
            .into_iter()
            .zip(&mut tables)
        {
            for class in first..first + classes {
                weights.bias[class] = take_f32(bytes)?;
            }
            let count = take_u32(bytes)? as usize;
            rows.reserve(count.min(1 << bits));
            values.reserve(count.min(1 << bits) * classes);
            for _ in 0..count {
                let bucket = take_u32(bytes)?;
                if bucket as usize >= 1usize << bits {
                    return Err(ModelError::Corrupt(format!(
                        "feature index {bucket} out of range"
                    )));
                }
                if rows.last().is_some_and(|&(last, _)| last >= bucket) {
                    return Err(ModelError::Corrupt(format!(
                        "feature index {bucket} is out of order"
                    )));
                }
                rows.push((bucket, values.len()));
                for _ in 0..classes {
                    values.push(take_f32(bytes)?);
                }
            }
        }
        // Merge the two bucket-ordered lists into fused rows.
        let [
            (department_rows, department_values),
            (intent_rows, intent_values),
        ] = &tables;
        let (mut d, mut i) = (0, 0);
        let mut row = vec![0f32; departments + intents];
        while d < department_rows.len() || i < intent_rows.len() {
            let next_d = department_rows.get(d).map_or(u32::MAX, |r| r.0);
            let next_i = intent_rows.get(i).map_or(u32::MAX, |r| r.0);
            let bucket = next_d.min(next_i);
            row.fill(0.0);
            if next_d == bucket {
                let at = department_rows[d].1;
                row[..departments].copy_from_slice(&department_values[at..at + departments]);
                d += 1;
            }
            if next_i == bucket {
                let at = intent_rows[i].1;
                row[departments..].copy_from_slice(&intent_values[at..at + intents]);
                i += 1;
            }
            weights.push_row(bucket, &row);
        }
        weights.finish();
        Ok(weights)
    }
}

/// A label with its confidence in `0..=1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelScore {
    /// Department or intent id.
    pub id: String,
    /// Probability: a sigmoid for departments, a softmax for intents.
    pub confidence: f64,
}

/// The model's decision for one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Assigned departments, most confident first; empty when none applies.
    pub departments: Vec<LabelScore>,
    /// The most likely intent.
    pub intent: LabelScore,
}

/// A feature present in a text and how much it pushed a label's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureWeight {
    /// Feature name, e.g. `w:refund`, `b:my order`, `#:fail`, `c:<ref`.
    pub feature: String,
    /// Feature value times its weight for the label: its share of the score.
    pub weight: f64,
}

/// Why a label got its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelExplanation {
    /// `department` or `intent`.
    pub kind: String,
    /// The label's id.
    pub id: String,
    /// The label's probability.
    pub score: f64,
    /// The label's bias: its score before any feature.
    pub bias: f64,
    /// Features by decreasing absolute contribution.
    pub features: Vec<FeatureWeight>,
}

/// A trained model: taxonomy, weights and evaluation.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) meta: ModelMeta,
    pub(crate) weights: Weights,
    /// Which model the per-thread word caches hold blocks of: new for every model built or
    /// read, shared by clones (whose weights are the same).
    instance: u64,
}

/// Models are equal when their headers and weights are, whichever instances they are.
impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        self.meta == other.meta && self.weights == other.weights
    }
}

fn next_instance() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Per thread: featurising buffers, score sums and the word cache.
#[derive(Debug, Default)]
struct Workspace {
    scratch: Scratch,
    sums: Vec<Line>,
    scores: Vec<f32>,
    /// Per word-level feature, its value less the cached words in it.
    residual: Vec<f32>,
    /// The rows to add beyond the cached words': (row start, value).
    rows: Vec<(usize, f32)>,
    cache: WordCache,
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// Sets of a thread's word cache, two words a set: 16,384 words, which hold most of what
/// any text is made of (the commonest 8,000 words are 92 % of the words of the VADER
/// reference corpora), in 1.5 MB for the default model.
const CACHE_SETS: usize = 8192;

/// The blocks of recently seen words, for one model: per word, its `w:` weight row plus its
/// character n-grams' rows times their values, fixed point, and its n-grams' sum of squares
/// (see `features`). Most words of a text are common words, so a word and all its n-grams
/// cost one lookup instead of a hash and a row read per n-gram. Two-way set associative, the
/// newer word first: a new word replaces the older of its set, so the cache stays small and
/// never needs clearing.
///
/// At most one cache a core exists at a time, so that a server's many blocking threads do
/// not each hold one; a thread without a cache computes every word's block as it goes.
#[derive(Debug, Default)]
struct WordCache {
    /// The model whose weights the blocks come from; 0 for none.
    instance: u64,
    /// Lines per block.
    lines: usize,
    /// Whether this thread holds one of the caches; without one, `sets` is empty and
    /// `blocks` holds the one block being computed.
    granted: bool,
    sets: Vec<CacheSet>,
    /// Per set, the newer word's block then the older word's.
    blocks: Vec<Line>,
    /// The rows of the block being computed: (row start, value).
    rows: Vec<(usize, f32)>,
}

/// Word caches that exist, at most one a core.
static WORD_CACHES: AtomicUsize = AtomicUsize::new(0);

fn word_cache_limit() -> usize {
    static LIMIT: OnceLock<usize> = OnceLock::new();
    *LIMIT.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

impl Drop for WordCache {
    fn drop(&mut self) {
        if self.granted {
            WORD_CACHES.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The two words of a set, newer first, on one cache line: a lookup reads one line of keys.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C, align(64))]
struct CacheSet([CacheKey; 2]);

/// A cached word, zero-padded (it has at most [`MAX_NGRAM_WORD_BYTES`]), and its n-grams'
/// sum of squares.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct CacheKey {
    bytes: [u64; 3],
    /// 0 for an empty slot: no word is empty.
    len: u32,
    squares: f32,
}

const _: () = assert!(MAX_NGRAM_WORD_BYTES <= 24, "a cached word fits in a key");

/// Whether the cache can hold `word`'s block: words longer than this have no n-grams.
fn cacheable(word: &str) -> bool {
    (1..=MAX_NGRAM_WORD_BYTES).contains(&word.len())
}

impl WordCache {
    /// Empties the cache unless it holds blocks of `model`.
    fn use_for(&mut self, model: &Model) {
        if self.instance == model.instance {
            return;
        }
        self.instance = model.instance;
        self.lines = model.weights.lines;
        if !self.granted {
            self.granted = WORD_CACHES
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |caches| {
                    (caches < word_cache_limit()).then_some(caches + 1)
                })
                .is_ok();
        }
        let sets = if self.granted { CACHE_SETS } else { 0 };
        self.sets.clear();
        self.sets.resize(sets, CacheSet::default());
        self.blocks.clear();
        self.blocks.resize(sets.max(1) * 2 * self.lines, Line::ZERO);
    }

    /// The set a word hashed `hash` belongs to.
    fn set_of(hash: u64) -> usize {
        (hash >> 40) as usize % CACHE_SETS
    }

    /// Starts loading the keys and the newer block of the set of a word hashed `hash`, so
    /// that the lookups of a text's words wait for memory together rather than one by one.
    fn prefetch(&self, hash: u64) {
        if self.sets.is_empty() {
            return;
        }
        let set = Self::set_of(hash);
        crate::prefetch(&self.sets[set]);
        crate::prefetch(&self.blocks[set * 2 * self.lines]);
    }

    /// Adds the block of `word` (hashed `hash`, [`cacheable`]) to `sums` and returns its
    /// n-grams' sum of squares, computing and caching the block on a miss.
    fn add(
        &mut self,
        weights: &Weights,
        hasher: Hasher,
        word: &str,
        hash: u64,
        grams: &mut Grams,
        sums: &mut [Line],
    ) -> f32 {
        let lines = self.lines;
        if self.sets.is_empty() {
            let block = &mut self.blocks[..lines];
            let squares = word_block(weights, hasher, word, hash, grams, &mut self.rows, block);
            add_lines(sums, block);
            return squares;
        }
        let bytes = word.as_bytes();
        debug_assert!(cacheable(word));
        let key = [0, 8, 16]
            .map(|at| load_padded(&bytes[at.min(bytes.len())..(at + 8).min(bytes.len())]));
        let len = bytes.len() as u32;
        let set = Self::set_of(hash);
        let keys = &mut self.sets[set].0;
        let (newer, older) = self.blocks[set * 2 * lines..][..2 * lines].split_at_mut(lines);
        let matches = |k: &CacheKey| k.len == len && k.bytes == key;
        if matches(&keys[0]) {
            add_lines(sums, newer);
            keys[0].squares
        } else if matches(&keys[1]) {
            add_lines(sums, older);
            keys[1].squares
        } else {
            // The newer word gives way to the new one and becomes the older.
            keys[1] = keys[0];
            older.copy_from_slice(newer);
            let squares = word_block(weights, hasher, word, hash, grams, &mut self.rows, newer);
            keys[0] = CacheKey {
                bytes: key,
                len,
                squares,
            };
            add_lines(sums, newer);
            squares
        }
    }
}

fn add_lines(sums: &mut [Line], block: &[Line]) {
    for (sum, add) in sums.iter_mut().zip(block) {
        for (s, &a) in sum.0.iter_mut().zip(&add.0) {
            *s += a;
        }
    }
}

/// Computes the block of `word` (hashed `hash`) into `block`; returns its n-grams' sum of
/// squares.
fn word_block(
    weights: &Weights,
    hasher: Hasher,
    word: &str,
    hash: u64,
    grams: &mut Grams,
    rows: &mut Vec<(usize, f32)>,
    block: &mut [Line],
) -> f32 {
    block.fill(Line::ZERO);
    let word_bucket = hasher.bucket(Kind::Word, hash);
    let (merged, squares) = grams.merged(hasher, word);
    // The rows are scattered over the table: ask for all of them before adding any.
    rows.clear();
    rows.push((weights.prefetch_row(word_bucket), 1.0));
    rows.extend(
        merged
            .iter()
            .map(|&(bucket, value)| (weights.prefetch_row(bucket), value)),
    );
    for &(start, value) in rows.iter() {
        weights.add_row(start, value, block);
    }
    squares
}

impl Model {
    pub(crate) fn from_linear(meta: ModelMeta, departments: &Linear, intents: &Linear) -> Self {
        let weights = Weights::from_linear(meta.feature_bits, departments, intents);
        Self {
            meta,
            weights,
            instance: next_instance(),
        }
    }

    /// Header information: version, taxonomy, evaluations.
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// The model's version (a content hash).
    pub fn version(&self) -> &str {
        &self.meta.version
    }

    /// The taxonomy the model was trained for.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.meta.taxonomy
    }

    pub(crate) fn hasher(&self) -> Hasher {
        Hasher::new(self.meta.feature_bits)
    }

    /// Departments and intent of `text`.
    pub fn predict(&self, text: &str) -> Prediction {
        self.predict_with_compound(text, Vader::new().polarity_scores(text).compound)
    }

    /// Departments and intent of `text` whose VADER compound score is already known.
    pub fn predict_with_compound(&self, text: &str, compound: f64) -> Prediction {
        WORKSPACE.with_borrow_mut(|workspace| {
            self.cached_scores(text, compound, workspace);
            self.decide(&mut workspace.scores)
        })
    }

    /// The scores of [`Weights::scores`] over [`Hasher::featurise`], computed word by word,
    /// each word's own weights and its n-grams' from the cache, then over the other
    /// word-level features.
    fn cached_scores(&self, text: &str, compound: f64, workspace: &mut Workspace) {
        let Workspace {
            scratch,
            sums,
            scores,
            residual,
            rows,
            cache,
        } = workspace;
        let hasher = self.hasher();
        hasher.collect(text, compound, scratch);
        cache.use_for(self);
        sums.clear();
        sums.resize(self.weights.lines, Line::ZERO);
        // What each word-level entry weighs beyond the cached words counted in it (every
        // word-level occurrence has the value 1, so this is exact).
        residual.clear();
        residual.extend(scratch.features.iter().map(|&(_, value)| value));
        // Each cached word and each other feature's row is likely a cache miss: ask for all
        // of them first, so that they load together.
        for (word, hash, entry) in scratch.words() {
            if cacheable(word) {
                cache.prefetch(hash);
                residual[entry] -= 1.0;
            }
        }
        rows.clear();
        for (&(bucket, _), &rest) in scratch.features.iter().zip(residual.iter()) {
            if rest != 0.0 {
                rows.push((self.weights.prefetch_row(bucket), rest));
            }
        }
        let mut squares = 0.0;
        scratch.for_each_word(|word, hash, count, grams| {
            if cacheable(word) {
                squares += count * cache.add(&self.weights, hasher, word, hash, grams, sums);
            }
        });
        for &(_, value) in &scratch.features {
            squares += value * value;
        }
        for &(start, rest) in rows.iter() {
            self.weights.add_row(start, rest, sums);
        }
        self.weights.finish_scores(squares.sqrt(), sums, scores);
    }

    /// Departments and intent from the raw scores (departments first, then intents).
    pub(crate) fn decide(&self, scores: &mut [f32]) -> Prediction {
        let (departments, intents) = scores.split_at_mut(self.weights.departments());
        let ids = &self.meta.taxonomy.departments;
        let mut assigned: Vec<LabelScore> = departments
            .iter()
            .zip(ids)
            .map(|(&s, d)| (sigmoid(s), d))
            .filter(|&(p, _)| p >= DEPARTMENT_THRESHOLD)
            .map(|(p, d)| LabelScore {
                id: d.id.clone(),
                confidence: f64::from(p),
            })
            .collect();
        assigned.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        softmax(intents);
        let (best, p) =
            intents.iter().enumerate().fold(
                (0, f32::MIN),
                |acc, (i, &p)| {
                    if p > acc.1 { (i, p) } else { acc }
                },
            );
        Prediction {
            departments: assigned,
            intent: LabelScore {
                id: self.meta.taxonomy.intents[best].id.clone(),
                confidence: f64::from(p),
            },
        }
    }

    /// Every distinct feature of `text` with its name, kind, bucket and normalised value.
    fn named_features(&self, text: &str, compound: f64) -> Vec<NamedFeature> {
        let occurrences = features::occurrences(self.hasher(), text, compound);
        let mut named: Vec<NamedFeature> = Vec::with_capacity(occurrences.len());
        for occurrence in occurrences {
            match named.iter_mut().find(|f| f.name == occurrence.name) {
                Some(known) => known.value += occurrence.value,
                None => named.push(NamedFeature {
                    bucket: occurrence.bucket,
                    name: occurrence.name,
                    kind: occurrence.kind,
                    value: occurrence.value,
                }),
            }
        }
        // The length the model's vector was divided by (see `features`).
        let mut scratch = Scratch::default();
        self.hasher().featurise(text, compound, &mut scratch);
        let norm = scratch.norm.max(f32::MIN_POSITIVE);
        for feature in &mut named {
            feature.value /= norm;
        }
        named
    }

    /// The features that decided each assigned department (or the most likely one, when
    /// none is assigned) and the intent, at most `top` features per label.
    pub fn explain(&self, text: &str, top: usize) -> (Prediction, Vec<LabelExplanation>) {
        let compound = Vader::new().polarity_scores(text).compound;
        let prediction = self.predict_with_compound(text, compound);
        let named = self.named_features(text, compound);

        let taxonomy = &self.meta.taxonomy;
        let departments = taxonomy.departments.len();
        let mut labels: Vec<(&str, usize, f64)> = prediction
            .departments
            .iter()
            .filter_map(|d| {
                let c = taxonomy.departments.iter().position(|x| x.id == d.id)?;
                Some(("department", c, d.confidence))
            })
            .collect();
        if labels.is_empty() {
            let mut scratch = Scratch::default();
            let mut scores = Vec::new();
            self.hasher().featurise(text, compound, &mut scratch);
            self.weights.scores(&scratch.features, &mut scores);
            if let Some((c, &s)) = scores[..departments]
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
            {
                labels.push(("department", c, f64::from(sigmoid(s))));
            }
        }
        if let Some(c) = taxonomy
            .intents
            .iter()
            .position(|i| i.id == prediction.intent.id)
        {
            labels.push(("intent", departments + c, prediction.intent.confidence));
        }

        let explanations = labels
            .into_iter()
            .map(|(kind, class, score)| {
                let id = if kind == "intent" {
                    &taxonomy.intents[class - departments].id
                } else {
                    &taxonomy.departments[class].id
                };
                let mut features: Vec<FeatureWeight> = named
                    .iter()
                    .map(|f| FeatureWeight {
                        feature: f.name.clone(),
                        weight: f64::from(f.value * self.weights.weight(f.bucket, class)),
                    })
                    .filter(|f| f.weight != 0.0)
                    .collect();
                features.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
                features.truncate(top);
                LabelExplanation {
                    kind: kind.to_owned(),
                    id: id.clone(),
                    score,
                    bias: f64::from(self.weights.bias(class)),
                    features,
                }
            })
            .collect();
        (prediction, explanations)
    }

    /// Why `text` went to `department` (an index in the taxonomy): the features that pushed
    /// it there most, human-readable (`word "refund"`, `#delayed`, `@united`), strongest
    /// first, at most `count`.
    pub(crate) fn routing_reasons(
        &self,
        text: &str,
        compound: f64,
        department: usize,
        count: usize,
    ) -> Vec<String> {
        let mut pushes: Vec<(f32, NamedFeature)> = self
            .named_features(text, compound)
            .into_iter()
            .map(|f| (f.value * self.weights.weight(f.bucket, department), f))
            .filter(|&(push, _)| push > 0.0)
            .collect();
        pushes.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut reasons: Vec<String> = Vec::with_capacity(count);
        for (_, feature) in pushes {
            if reasons.len() == count {
                break;
            }
            let reason = feature.readable();
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        reasons
    }

    /// The model in its file format.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let header = serde_json::to_vec(&self.meta)
            .map_err(|e| ModelError::Corrupt(format!("cannot encode header: {e}")))?;
        let mut out = Vec::with_capacity(header.len() + (1 << 16));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        self.weights.write(&mut out);
        Ok(out)
    }

    /// Writes the model file.
    pub fn write_to(&self, mut w: impl Write) -> Result<(), ModelError> {
        w.write_all(&self.to_bytes()?)?;
        Ok(())
    }

    /// Reads a model file.
    pub fn read_from(mut r: impl Read) -> Result<Self, ModelError> {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes)?;
        Self::from_bytes(&bytes)
    }

    /// Parses a model file's bytes.
    pub fn from_bytes(mut bytes: &[u8]) -> Result<Self, ModelError> {
        let magic = take(&mut bytes, MAGIC.len())?;
        if magic != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let version = take_u32(&mut bytes)?;
        if version != FORMAT_VERSION {
            return Err(ModelError::UnsupportedVersion(version));
        }
        let header_len = take_u32(&mut bytes)? as usize;
        let header = take(&mut bytes, header_len)?;
        let meta: ModelMeta = serde_json::from_slice(header)
            .map_err(|e| ModelError::Corrupt(format!("bad header: {e}")))?;
        meta.taxonomy
            .validate()
            .map_err(|e| ModelError::Corrupt(e.to_string()))?;
        if !(8..=24).contains(&meta.feature_bits) {
            return Err(ModelError::Corrupt(format!(
                "feature_bits {} is outside 8..=24",
                meta.feature_bits
            )));
        }
        let weights = Weights::read(
            &mut bytes,
            meta.feature_bits,
            meta.taxonomy.departments.len(),
            meta.taxonomy.intents.len(),
        )?;
        if !bytes.is_empty() {
            return Err(ModelError::Corrupt(format!(
                "{} trailing bytes",
                bytes.len()
            )));
        }
        Ok(Self {
            meta,
            weights,
            instance: next_instance(),
        })
    }
}

/// A feature of one text, for explanations.
#[derive(Debug)]
struct NamedFeature {
    name: String,
    kind: Kind,
    bucket: u32,
    /// Normalised value, as the model sees it.
    value: f32,
}

impl NamedFeature {
    /// The feature as a person reads it: `word "refund"`, `#delayed`, `@united`.
    fn readable(&self) -> String {
        let body = &self.name[self.kind.prefix().len()..];
        match self.kind {
            Kind::Sentiment => format!("{body} sentiment"),
            Kind::Word => format!("word {body:?}"),
            Kind::Bigram => format!("words {body:?}"),
            Kind::CharGram => format!("word part {:?}", body.trim_matches(['<', '>'])),
            Kind::Hashtag => format!("#{body}"),
            Kind::Mention => format!("@{body}"),
            Kind::Emoji => format!("emoji {body}"),
            Kind::Domain => format!("link to {body}"),
        }
    }
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

pub(crate) fn softmax(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    for s in scores.iter_mut() {
        *s /= sum;
    }
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], ModelError> {
    if bytes.len() < n {
        return Err(ModelError::Corrupt("file is truncated".to_owned()));
    }
    let (head, tail) = bytes.split_at(n);
    *bytes = tail;
    Ok(head)
}

fn take_u32(bytes: &mut &[u8]) -> Result<u32, ModelError> {
    let b = take(bytes, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn take_f32(bytes: &mut &[u8]) -> Result<f32, ModelError> {
    take_u32(bytes).map(f32::from_bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::default_model;

    /// A model of the first format (hashed byte by byte, before the word cache) is refused
    /// with what to do about it, not read as if its weights meant the same.
    #[test]
    fn models_of_another_format_version_are_refused() {
        let mut bytes = default_model()
            .expect("the shipped model loads")
            .to_bytes()
            .expect("encodes");
        bytes[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&1u32.to_le_bytes());
        let error = Model::from_bytes(&bytes).expect_err("version 1 is refused");
        assert!(
            matches!(error, ModelError::UnsupportedVersion(1)),
            "{error}"
        );
        assert!(error.to_string().contains("hearken train"), "{error}");
    }

    /// The cached scores are the scores of the normalised vector that training sees, for
    /// repeated words, long words, non-ASCII, digits and text without words; from a cold
    /// cache, a warm one, one that held another model's blocks, and in a thread that got no
    /// cache because every core's was taken.
    #[test]
    fn cached_scores_are_the_scores_of_the_training_vector() {
        let shipped = default_model().expect("the shipped model loads");
        let other = Model::from_bytes(&shipped.to_bytes().expect("encodes")).expect("decodes");
        let texts = [
            "@acme my refund never arrived, refund refund REFUND!!",
            "order #A123 still not delivered https://www.example.com/track?id=9 😡",
            "Ich habe die Rechnung nicht bekommen und das ist ärgerlich",
            "supercalifragilisticexpialidocious-ly antidisestablishmentarianism",
            "🔥🔥🔥 #wow",
            "",
            "are you hiring? I'd love to apply for the job",
        ];
        let check = |workspace: &mut Workspace| {
            let mut scratch = Scratch::default();
            let mut expected = Vec::new();
            for model in [&*shipped, &other, &*shipped] {
                for round in 0..2 {
                    for text in texts {
                        let compound = Vader::new().polarity_scores(text).compound;
                        model.hasher().featurise(text, compound, &mut scratch);
                        model.weights.scores(&scratch.features, &mut expected);
                        model.cached_scores(text, compound, workspace);
                        assert_eq!(workspace.scores.len(), expected.len());
                        for (cached, exact) in workspace.scores.iter().zip(&expected) {
                            assert!(
                                (cached - exact).abs() < 1e-4,
                                "{text:?}, round {round}: {:?} vs {expected:?}",
                                workspace.scores
                            );
                        }
                    }
                }
            }
        };
        let threads = word_cache_limit() + 1;
        let all_started = std::sync::Barrier::new(threads);
        let granted: Vec<bool> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut workspace = Workspace::default();
                        workspace.cache.use_for(&shipped);
                        all_started.wait();
                        // Read before checking: a thread without a cache takes one that
                        // another thread gives back on finishing, when it next changes model.
                        let granted = workspace.cache.granted;
                        check(&mut workspace);
                        granted
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("no panic"))
                .collect()
        });
        assert!(granted.contains(&false), "one thread more than caches");
    }
}
