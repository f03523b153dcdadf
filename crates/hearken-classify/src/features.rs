//! Text to sparse features, hashed into a fixed-size space.
//!
//! Features: word unigrams (`w:`) and bigrams (`b:`), character 3- and 4-grams inside words
//! (`c:`, which let "refund", "refunds" and "refunded" share evidence), hashtags (`#:`),
//! @mentions (`@:`), emoji (`e:`), URL domains (`u:`), and the VADER label (`s:negative`,
//! `s:positive`), which tells a complaint from praise on words the examples never had. Digit runs become `0`, so order
//! numbers look alike. Names are hashed with FNV-1a (stable across platforms and versions, as
//! model files require) and the vector is L2-normalised so short and long posts score alike.
//!
//! Names are never built to be hashed: the hash runs over the name's parts as they lie in the
//! lowercased text, so featurising allocates nothing once the scratch buffers have grown.

use std::ops::Range;

/// Weight of one character n-gram relative to one word: there are many more of them, and
/// without a lower weight they would drown the words in the normalised vector.
const CHAR_NGRAM_WEIGHT: f32 = 0.4;

/// Words longer than this are noise (URLs without a scheme, base64, hashes): no char n-grams.
const MAX_NGRAM_WORD_BYTES: usize = 24;

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

    /// FNV-1a state after the prefix, computed at compile time.
    const fn seed(self) -> u64 {
        let prefix = match self {
            Self::Sentiment => b"s:",
            Self::Word => b"w:",
            Self::Bigram => b"b:",
            Self::CharGram => b"c:",
            Self::Hashtag => b"#:",
            Self::Mention => b"@:",
            Self::Emoji => b"e:",
            Self::Domain => b"u:",
        };
        let mut hash = FNV_OFFSET;
        let mut i = 0;
        while i < prefix.len() {
            hash = (hash ^ prefix[i] as u64).wrapping_mul(FNV_PRIME);
            i += 1;
        }
        hash
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash = (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
    }
    hash
}

/// Receives every feature occurrence of a text; a feature can occur more than once.
pub(crate) trait Sink {
    fn feature(&mut self, kind: Kind, parts: &[&str], value: f32);
}

/// Reusable buffers, so that featurising a text allocates nothing once they have grown.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    lower_text: String,
    lowered: String,
    words: Vec<Range<usize>>,
    padded: String,
    /// Byte offsets of the characters of `padded`, and its length.
    boundaries: Vec<usize>,
    /// Open-addressing table from hashed index to its position in `features`.
    table: Vec<u32>,
    /// The output: (hashed index, value), each index once, L2-normalised, in first-seen order.
    pub(crate) features: Vec<(u32, f32)>,
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

    /// The bucket of the feature `kind` + `parts`.
    pub(crate) fn index(self, kind: Kind, parts: &[&str]) -> u32 {
        let hash = parts
            .iter()
            .fold(kind.seed(), |hash, part| fnv(hash, part.as_bytes()));
        self.fold(hash)
    }

    /// Fills `scratch.features` with the normalised hashed features of `text`.
    pub(crate) fn featurise(self, text: &str, compound: f64, scratch: &mut Scratch) {
        let mut features = std::mem::take(&mut scratch.features);
        let mut table = std::mem::take(&mut scratch.table);
        features.clear();
        // A power of two well above the feature count keeps probes short; filling it is
        // cheaper than tracking what to clear. The sink doubles it if a text needs more.
        let slots = (text.len() * 4).next_power_of_two().max(256);
        table.clear();
        table.resize(slots, EMPTY);
        let mut sink = Dedup {
            hasher: self,
            features: &mut features,
            table: &mut table,
        };
        for_each_feature(text, compound, scratch, &mut sink);
        let norm = features.iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut features {
                *v /= norm;
            }
        }
        scratch.features = features;
        scratch.table = table;
    }
}

const EMPTY: u32 = u32::MAX;

fn slot_of(index: u32, mask: usize) -> usize {
    (index.wrapping_mul(0x9E37_79B9) >> 7) as usize & mask
}

/// Hashes features and merges repeats: one entry per bucket.
struct Dedup<'a> {
    hasher: Hasher,
    features: &'a mut Vec<(u32, f32)>,
    table: &'a mut Vec<u32>,
}

impl Sink for Dedup<'_> {
    fn feature(&mut self, kind: Kind, parts: &[&str], value: f32) {
        let index = self.hasher.index(kind, parts);
        if self.features.len() * 2 >= self.table.len() {
            let bigger = self.table.len() * 2;
            *self.table = vec![EMPTY; bigger];
            for (position, &(known, _)) in self.features.iter().enumerate() {
                insert(self.table, known, position as u32);
            }
        }
        let mask = self.table.len() - 1;
        let mut slot = slot_of(index, mask);
        loop {
            let position = self.table[slot];
            if position == EMPTY {
                self.table[slot] = self.features.len() as u32;
                self.features.push((index, value));
                return;
            }
            let entry = &mut self.features[position as usize];
            if entry.0 == index {
                entry.1 += value;
                return;
            }
            slot = (slot + 1) & mask;
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

/// Calls `sink` for every feature occurrence in `text` (whose VADER compound score is
/// `compound`).
pub(crate) fn for_each_feature(
    text: &str,
    compound: f64,
    scratch: &mut Scratch,
    sink: &mut impl Sink,
) {
    if compound >= SENTIMENT_THRESHOLD {
        sink.feature(Kind::Sentiment, &["positive"], 1.0);
    } else if compound <= -SENTIMENT_THRESHOLD {
        sink.feature(Kind::Sentiment, &["negative"], 1.0);
    }
    let Scratch {
        lower_text,
        lowered,
        words,
        padded,
        boundaries,
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
            sink.feature(Kind::Domain, &[domain], 1.0);
            continue;
        }
        if let Some(handle) = lower_chunk.strip_prefix('@') {
            let handle = handle.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            if !handle.is_empty() {
                sink.feature(Kind::Mention, &[handle], 1.0);
            }
            continue;
        }
        if let Some(tag) = lower_chunk.strip_prefix('#') {
            let tag = tag.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            if !tag.is_empty() {
                sink.feature(Kind::Hashtag, &[tag], 1.0);
            }
        }
        if !lower_chunk.is_ascii() {
            for (at, c) in lower_chunk.char_indices().filter(|&(_, c)| is_emoji(c)) {
                sink.feature(Kind::Emoji, &[&lower_chunk[at..at + c.len_utf8()]], 1.0);
            }
        }
        push_words(lower_chunk, lowered, words);
    }

    for range in words.iter() {
        sink.feature(Kind::Word, &[&lowered[range.clone()]], 1.0);
    }
    for pair in words.windows(2) {
        sink.feature(
            Kind::Bigram,
            &[&lowered[pair[0].clone()], " ", &lowered[pair[1].clone()]],
            1.0,
        );
    }
    for range in words.iter() {
        let word = &lowered[range.clone()];
        if word.len() > MAX_NGRAM_WORD_BYTES {
            continue;
        }
        // Boundaries mark word starts and ends, so "<re" (a prefix) differs from "re" inside.
        padded.clear();
        padded.push('<');
        padded.push_str(word);
        padded.push('>');
        boundaries.clear();
        boundaries.extend(padded.char_indices().map(|(at, _)| at));
        boundaries.push(padded.len());
        let chars = boundaries.len() - 1;
        for n in [3, 4] {
            for start in 0..chars.saturating_sub(n - 1) {
                let gram = &padded[boundaries[start]..boundaries[start + n]];
                sink.feature(Kind::CharGram, &[gram], CHAR_NGRAM_WEIGHT);
            }
        }
    }
}

/// Appends the words of a lowercased chunk to `lowered`, recording their ranges. A word is a
/// run of letters and digits; apostrophes inside are dropped ("don't" → "dont") and digit runs
/// become a single `0`.
fn push_words(chunk: &str, lowered: &mut String, words: &mut Vec<Range<usize>>) {
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
            words.push(begin..lowered.len());
            last_digit = false;
        }
    }
    if let Some(begin) = start {
        words.push(begin..lowered.len());
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

/// Records every feature occurrence with its name and bucket.
#[derive(Debug)]
pub(crate) struct Names {
    hasher: Hasher,
    pub(crate) occurrences: Vec<Occurrence>,
}

impl Names {
    pub(crate) fn new(hasher: Hasher) -> Self {
        Self {
            hasher,
            occurrences: Vec::new(),
        }
    }
}

impl Sink for Names {
    fn feature(&mut self, kind: Kind, parts: &[&str], value: f32) {
        let mut name = kind.prefix().to_owned();
        for part in parts {
            name.push_str(part);
        }
        self.occurrences.push(Occurrence {
            name,
            kind,
            bucket: self.hasher.index(kind, parts),
            value,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let mut scratch = Scratch::default();
        let mut names = Names::new(Hasher::new(18));
        for_each_feature(text, -0.5, &mut scratch, &mut names);
        names.occurrences.into_iter().map(|o| o.name).collect()
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
