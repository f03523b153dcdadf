//! Text to sparse features, hashed into a fixed-size space.
//!
//! Features: word unigrams (`w:`) and bigrams (`b:`), character 3- and 4-grams inside words
//! (`c:`, which let "refund", "refunds" and "refunded" share evidence), hashtags (`#:`),
//! @mentions (`@:`), emoji (`e:`), URL domains (`u:`), and the VADER label (`s:negative`,
//! `s:positive`), which tells a complaint from praise on words the examples never had. Digit
//! runs become `0`, so order numbers look alike.
//!
//! Names are hashed eight bytes at a time with a fixed folded multiply (stable across platforms
//! and versions, as model files require); a bigram combines its words' hashes, so each word is
//! hashed once. Names are never built to be hashed.
//!
//! The vector is divided by its length, where a word's character n-grams count as the word's
//! own: n-grams that two different words share add up in the vector but not in its length.
//! So a word's whole n-gram block, its weights and its share of the length, depends on the
//! word alone, and prediction can look it up per word instead of per n-gram (see
//! `model::WordCache`); training sees the same vector, built n-gram by n-gram.

use std::ops::Range;

use crate::packed::load_padded;

/// Weight of one character n-gram relative to one word: there are many more of them, and
/// without a lower weight they would drown the words in the normalised vector.
const CHAR_NGRAM_WEIGHT: f32 = 0.4;

/// Words longer than this are noise (URLs without a scheme, base64, hashes): no char n-grams.
pub(crate) const MAX_NGRAM_WORD_BYTES: usize = 24;

/// VADER's own label threshold on the compound score.
const SENTIMENT_THRESHOLD: f64 = 0.05;

/// What a feature is; its name is the kind's prefix followed by its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// VADER's label of the whole text.
    Sentiment,
    /// A word.
    Word,
    /// Two adjacent words (parts: first, " ", second).
    Bigram,
    /// A character n-gram of a word padded with `<` and `>`.
    CharGram,
    /// A hashtag, without `#`.
    Hashtag,
    /// An @mention, without `@`.
    Mention,
    /// One emoji.
    Emoji,
    /// A link's host.
    Domain,
}

impl Kind {
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Self::Sentiment => "s:",
            Self::Word => "w:",
            Self::Bigram => "b:",
            Self::CharGram => "c:",
            Self::Hashtag => "#:",
            Self::Mention => "@:",
            Self::Emoji => "e:",
            Self::Domain => "u:",
        }
    }

    /// The hash state a name of this kind starts from, so that kinds do not share buckets.
    const fn seed(self) -> u64 {
        mix(HASH_START, self as u64 + 1)
    }
}

const HASH_START: u64 = 0x243f_6a88_85a3_08d3;
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// One step of the hash: state and eight bytes of input multiplied into 128 bits, whose
/// halves are xored (the folded multiply of wyhash and foldhash).
const fn mix(state: u64, input: u64) -> u64 {
    let product = (state ^ input) as u128 * MULTIPLIER as u128;
    (product as u64) ^ ((product >> 64) as u64)
}

/// Hash of `bytes`: eight at a time, little-endian, the last chunk zero-padded, then the
/// length (which tells "a" from "a\0").
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut state = HASH_START;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        state = mix(state, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        state = mix(state, load_padded(rest));
    }
    mix(state, bytes.len() as u64)
}

/// Receives every word-level feature occurrence of a text (all but character n-grams, which
/// come per word: [`Hasher::word_grams`]); a feature can occur more than once.
pub(crate) trait Sink {
    fn feature(&mut self, kind: Kind, parts: &[&str], bucket: u32, value: f32);
}

/// A word of the text being featurised.
#[derive(Debug, Clone)]
struct Word {
    /// Where it is in `Scratch::lowered`.
    range: Range<usize>,
    hash: u64,
}

/// Reusable buffers, so that featurising a text allocates nothing once they have grown.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    lower_text: String,
    /// The text's words, one after another.
    lowered: String,
    words: Vec<Word>,
    /// Per word, the position of its `w:` entry in `features`.
    word_entries: Vec<u32>,
    /// Per word, the value of its `w:` entry after [`Hasher::collect`]: its count in the text.
    word_counts: Vec<f32>,
    grams: Grams,
    /// Open-addressing table from hashed index to its position in `features`.
    table: Vec<u32>,
    /// The output: (hashed index, value), each index once, in first-seen order: the
    /// word-level features after [`Hasher::collect`]; all of them, normalised, after
    /// [`Hasher::featurise`].
    pub(crate) features: Vec<(u32, f32)>,
    /// What [`Hasher::featurise`] divided the values by.
    pub(crate) norm: f32,
}

impl Scratch {
    /// The words of the text last collected, in order: each with its hash and the position
    /// of its `w:` entry in `features`.
    pub(crate) fn words(&self) -> impl Iterator<Item = (&str, u64, usize)> {
        self.words
            .iter()
            .zip(&self.word_entries)
            .map(|(word, &entry)| (&self.lowered[word.range.clone()], word.hash, entry as usize))
    }

    /// Calls `f` with every word of the text last collected, in order: the word, its hash,
    /// its count in the text (the value of its `w:` entry), and buffers for its n-grams.
    pub(crate) fn for_each_word(&mut self, mut f: impl FnMut(&str, u64, f32, &mut Grams)) {
        for (word, &count) in self.words.iter().zip(&self.word_counts) {
            let text = &self.lowered[word.range.clone()];
            f(text, word.hash, count, &mut self.grams);
        }
    }
}

/// Buffers for the character n-grams of one word.
#[derive(Debug, Default)]
pub(crate) struct Grams {
    /// Merged: (bucket, value).
    merged: Vec<(u32, f32)>,
    padded: String,
    /// Byte offsets of the characters of `padded`, and its length.
    boundaries: Vec<usize>,
}

impl Grams {
    /// Calls `f` with every character 3- and 4-gram of `word` padded with `<` and `>` (none
    /// when the word is longer than [`MAX_NGRAM_WORD_BYTES`]), its bucket and its value.
    pub(crate) fn for_each(
        &mut self,
        hasher: Hasher,
        word: &str,
        mut f: impl FnMut(&str, u32, f32),
    ) {
        if word.len() > MAX_NGRAM_WORD_BYTES {
            return;
        }
        let Self {
            padded, boundaries, ..
        } = self;
        // Boundaries mark word starts and ends, so "<re" (a prefix) differs from "re" inside.
        padded.clear();
        padded.push('<');
        padded.push_str(word);
        padded.push('>');
        boundaries.clear();
        if padded.is_ascii() {
            // One byte a character: no need to decode.
            boundaries.extend(0..=padded.len());
        } else {
            boundaries.extend(padded.char_indices().map(|(at, _)| at));
            boundaries.push(padded.len());
        }
        let chars = boundaries.len() - 1;
        for n in [3, 4] {
            for start in 0..chars.saturating_sub(n - 1) {
                let gram = &padded[boundaries[start]..boundaries[start + n]];
                let bucket = hasher.bucket(Kind::CharGram, hash_bytes(gram.as_bytes()));
                f(gram, bucket, CHAR_NGRAM_WEIGHT);
            }
        }
    }

    /// The character n-grams of `word`, merged by bucket, and the sum of their squares: the
    /// word's share of the vector's squared length (per occurrence, times its count).
    pub(crate) fn merged(&mut self, hasher: Hasher, word: &str) -> (&[(u32, f32)], f32) {
        let mut merged = std::mem::take(&mut self.merged);
        merged.clear();
        // One bit per bucket's low six bits: a bucket whose bit is clear is new, which
        // spares most n-grams the search through the word's others.
        let mut seen = 0u64;
        self.for_each(hasher, word, |_, bucket, value| {
            let bit = 1u64 << (bucket % 64);
            let known = if seen & bit == 0 {
                None
            } else {
                merged.iter_mut().find(|(known, _)| *known == bucket)
            };
            seen |= bit;
            match known {
                Some((_, sum)) => *sum += value,
                None => merged.push((bucket, value)),
            }
        });
        self.merged = merged;
        let squares = self.merged.iter().map(|&(_, v)| v * v).sum();
        (&self.merged, squares)
    }
}

/// Hashes feature names into `2^bits` buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hasher {
    mask: u32,
}

impl Hasher {
    pub(crate) fn new(bits: u32) -> Self {
        Self {
            mask: (1u32 << bits) - 1,
        }
    }

    fn fold(self, hash: u64) -> u32 {
        ((hash ^ (hash >> 32)) as u32) & self.mask
    }

    /// The bucket of a feature of `kind` whose (only) part hashes to `hash`.
    pub(crate) fn bucket(self, kind: Kind, hash: u64) -> u32 {
        self.fold(mix(kind.seed(), hash))
    }

    /// The bucket of the bigram of two words with these hashes.
    fn bigram(self, first: u64, second: u64) -> u32 {
        self.fold(mix(mix(Kind::Bigram.seed(), first), second))
    }

    /// Fills `scratch.features` with the merged word-level features of `text`, not
    /// normalised, and records the words (see [`Scratch::for_each_word`]).
    pub(crate) fn collect(self, text: &str, compound: f64, scratch: &mut Scratch) {
        let mut features = std::mem::take(&mut scratch.features);
        let mut table = std::mem::take(&mut scratch.table);
        let mut word_entries = std::mem::take(&mut scratch.word_entries);
        features.clear();
        word_entries.clear();
        // A power of two well above the feature count keeps probes short; filling it is
        // cheaper than tracking what to clear. The sink doubles it if a text needs more.
        let slots = (text.len() * 2).next_power_of_two().max(128);
        table.clear();
        table.resize(slots, EMPTY);
        let mut sink = Dedup {
            features: &mut features,
            table: &mut table,
            word_entries: &mut word_entries,
        };
        for_each_feature(self, text, compound, scratch, &mut sink);
        scratch.word_counts.clear();
        scratch
            .word_counts
            .extend(word_entries.iter().map(|&entry| features[entry as usize].1));
        scratch.features = features;
        scratch.table = table;
        scratch.word_entries = word_entries;
    }

    /// Fills `scratch.features` with the normalised hashed features of `text`.
    pub(crate) fn featurise(self, text: &str, compound: f64, scratch: &mut Scratch) {
        self.collect(text, compound, scratch);
        let mut features = std::mem::take(&mut scratch.features);
        let mut table = std::mem::take(&mut scratch.table);
        let mut squares: f32 = features.iter().map(|&(_, v)| v * v).sum();
        let Scratch {
            lowered,
            words,
            word_counts,
            grams,
            ..
        } = scratch;
        for (word, &count) in words.iter().zip(word_counts.iter()) {
            let (merged, gram_squares) = grams.merged(self, &lowered[word.range.clone()]);
            squares += count * gram_squares;
            for &(bucket, value) in merged {
                merge(&mut features, &mut table, bucket, value);
            }
        }
        let norm = squares.sqrt();
        if norm > 0.0 {
            for (_, v) in &mut features {
                *v /= norm;
            }
        }
        scratch.features = features;
        scratch.table = table;
        scratch.norm = norm;
    }
}

const EMPTY: u32 = u32::MAX;

fn slot_of(index: u32, mask: usize) -> usize {
    (index.wrapping_mul(0x9E37_79B9) >> 7) as usize & mask
}

/// Adds `value` to the entry of `index` in `features`, or appends one; returns its position.
fn merge(features: &mut Vec<(u32, f32)>, table: &mut Vec<u32>, index: u32, value: f32) -> u32 {
    if features.len() * 2 >= table.len() {
        let bigger = table.len() * 2;
        *table = vec![EMPTY; bigger];
        for (position, &(known, _)) in features.iter().enumerate() {
            insert(table, known, position as u32);
        }
    }
    let mask = table.len() - 1;
    let mut slot = slot_of(index, mask);
    loop {
        let position = table[slot];
        if position == EMPTY {
            table[slot] = features.len() as u32;
            features.push((index, value));
            return table[slot];
        }
        let entry = &mut features[position as usize];
        if entry.0 == index {
            entry.1 += value;
            return position;
        }
        slot = (slot + 1) & mask;
    }
}

/// Merges word-level features: one entry per bucket.
struct Dedup<'a> {
    features: &'a mut Vec<(u32, f32)>,
    table: &'a mut Vec<u32>,
    word_entries: &'a mut Vec<u32>,
}

impl Sink for Dedup<'_> {
    fn feature(&mut self, kind: Kind, _: &[&str], bucket: u32, value: f32) {
        let position = merge(self.features, self.table, bucket, value);
        if kind == Kind::Word {
            self.word_entries.push(position);
        }
    }
}

fn insert(table: &mut [u32], index: u32, position: u32) {
    let mask = table.len() - 1;
    let mut slot = slot_of(index, mask);
    while table[slot] != EMPTY {
        slot = (slot + 1) & mask;
    }
    table[slot] = position;
}

/// Calls `sink` for every word-level feature occurrence in `text` (whose VADER compound
/// score is `compound`), words in text order, and records the words in `scratch`.
pub(crate) fn for_each_feature(
    hasher: Hasher,
    text: &str,
    compound: f64,
    scratch: &mut Scratch,
    sink: &mut impl Sink,
) {
    let one = |kind: Kind, part: &str| hasher.bucket(kind, hash_bytes(part.as_bytes()));
    if compound >= SENTIMENT_THRESHOLD {
        sink.feature(
            Kind::Sentiment,
            &["positive"],
            one(Kind::Sentiment, "positive"),
            1.0,
        );
    } else if compound <= -SENTIMENT_THRESHOLD {
        sink.feature(
            Kind::Sentiment,
            &["negative"],
            one(Kind::Sentiment, "negative"),
            1.0,
        );
    }
    let Scratch {
        lower_text,
        lowered,
        words,
        ..
    } = scratch;
    lower_text.clear();
    if text.is_ascii() {
        lower_text.push_str(text);
        lower_text.make_ascii_lowercase();
    } else {
        lower_text.extend(text.chars().flat_map(char::to_lowercase));
    }
    lowered.clear();
    words.clear();

    for lower_chunk in lower_text.split_whitespace() {
        if let Some(domain) = url_domain(lower_chunk) {
            sink.feature(Kind::Domain, &[domain], one(Kind::Domain, domain), 1.0);
            continue;
        }
        if let Some(handle) = lower_chunk.strip_prefix('@') {
            let handle = handle.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            if !handle.is_empty() {
                sink.feature(Kind::Mention, &[handle], one(Kind::Mention, handle), 1.0);
            }
            continue;
        }
        if let Some(tag) = lower_chunk.strip_prefix('#') {
            let tag = tag.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            if !tag.is_empty() {
                sink.feature(Kind::Hashtag, &[tag], one(Kind::Hashtag, tag), 1.0);
            }
        }
        if !lower_chunk.is_ascii() {
            for (at, c) in lower_chunk.char_indices().filter(|&(_, c)| is_emoji(c)) {
                let emoji = &lower_chunk[at..at + c.len_utf8()];
                sink.feature(Kind::Emoji, &[emoji], one(Kind::Emoji, emoji), 1.0);
            }
        }
        push_words(lower_chunk, lowered, words);
    }

    for word in words.iter() {
        let text = &lowered[word.range.clone()];
        sink.feature(
            Kind::Word,
            &[text],
            hasher.bucket(Kind::Word, word.hash),
            1.0,
        );
    }
    for pair in words.windows(2) {
        sink.feature(
            Kind::Bigram,
            &[
                &lowered[pair[0].range.clone()],
                " ",
                &lowered[pair[1].range.clone()],
            ],
            hasher.bigram(pair[0].hash, pair[1].hash),
            1.0,
        );
    }
}

/// Appends the words of a lowercased chunk to `lowered`, recording their ranges. A word is a
/// run of letters and digits; apostrophes inside are dropped ("don't" → "dont") and digit runs
/// become a single `0`.
fn push_words(chunk: &str, lowered: &mut String, words: &mut Vec<Word>) {
    let mut push = |range: Range<usize>, lowered: &str| {
        let hash = hash_bytes(lowered[range.clone()].as_bytes());
        words.push(Word { range, hash });
    };
    let mut start = None;
    let mut last_digit = false;
    for c in chunk.chars() {
        if c.is_alphanumeric() {
            start.get_or_insert(lowered.len());
            if c.is_ascii_digit() {
                if !last_digit {
                    lowered.push('0');
                }
                last_digit = true;
            } else {
                lowered.push(c);
                last_digit = false;
            }
        } else if (c == '\'' || c == '’') && start.is_some() {
            continue;
        } else if let Some(begin) = start.take() {
            push(begin..lowered.len(), lowered);
            last_digit = false;
        }
    }
    if let Some(begin) = start {
        push(begin..lowered.len(), lowered);
    }
}

/// The host of an `http(s)://` or `www.` link, without `www.`.
pub(crate) fn url_domain(chunk: &str) -> Option<&str> {
    let rest = chunk
        .strip_prefix("https://")
        .or_else(|| chunk.strip_prefix("http://"))
        .or_else(|| chunk.starts_with("www.").then_some(chunk))?;
    let host = rest.split(['/', '?', '#', ':']).next().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// Pictographic emoji and symbols; skin-tone modifiers and joiners are not features.
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1F5FF | 0x1F600..=0x1F64F | 0x1F680..=0x1F6FF | 0x1F900..=0x1FAFF | 0x2600..=0x27BF)
}

/// One feature occurrence, named, for explanations.
#[derive(Debug)]
pub(crate) struct Occurrence {
    /// `w:refund`, `b:my order`, ...
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) bucket: u32,
    pub(crate) value: f32,
}

/// Every feature occurrence of `text` (whose VADER compound score is `compound`), named,
/// with its bucket and its value before normalisation.
pub(crate) fn occurrences(hasher: Hasher, text: &str, compound: f64) -> Vec<Occurrence> {
    let mut scratch = Scratch::default();
    let mut names = Names(Vec::new());
    for_each_feature(hasher, text, compound, &mut scratch, &mut names);
    let Scratch {
        lowered,
        words,
        grams,
        ..
    } = &mut scratch;
    for word in words.iter() {
        grams.for_each(
            hasher,
            &lowered[word.range.clone()],
            |gram, bucket, value| {
                names.0.push(Occurrence {
                    name: format!("{}{gram}", Kind::CharGram.prefix()),
                    kind: Kind::CharGram,
                    bucket,
                    value,
                });
            },
        );
    }
    names.0
}

/// Records every word-level feature occurrence with its name and bucket.
struct Names(Vec<Occurrence>);

impl Sink for Names {
    fn feature(&mut self, kind: Kind, parts: &[&str], bucket: u32, value: f32) {
        let mut name = kind.prefix().to_owned();
        for part in parts {
            name.push_str(part);
        }
        self.0.push(Occurrence {
            name,
            kind,
            bucket,
            value,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        occurrences(Hasher::new(18), text, -0.5)
            .into_iter()
            .map(|o| o.name)
            .collect()
    }

    #[test]
    fn extracts_every_kind_of_feature() {
        let n = names("@Acme order #A123 never came 😡 #fail https://www.example.com/x don't");
        for expected in [
            "@:acme",
            "#:fail",
            "e:😡",
            "u:example.com",
            "w:order",
            "w:a0",
            "w:dont",
            "b:order a0",
            "b:never came",
            "c:<or",
            "c:der>",
            "c:orde",
            "s:negative",
        ] {
            assert!(
                n.iter().any(|x| x == expected),
                "{expected} missing from {n:?}"
            );
        }
        assert!(
            !n.iter().any(|x| x == "w:acme"),
            "a mention is not a word: {n:?}"
        );
    }

    #[test]
    fn features_are_normalised_and_merged() {
        let mut scratch = Scratch::default();
        Hasher::new(18).featurise("refund refund refund", 0.0, &mut scratch);
        let norm: f32 = scratch.features.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let mut indices: Vec<u32> = scratch.features.iter().map(|&(i, _)| i).collect();
        indices.sort_unstable();
        indices.dedup();
        assert_eq!(indices.len(), scratch.features.len(), "each index once");
        Hasher::new(18).featurise("   ", 0.0, &mut scratch);
        assert!(scratch.features.is_empty());
    }
}
