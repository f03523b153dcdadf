//! Text to sparse features, hashed into a fixed-size space.
//!
//! Features: word unigrams (`w:`) and bigrams (`b:`), character 3- and 4-grams inside words
//! (`c:`, which let "refund", "refunds" and "refunded" share evidence), hashtags (`#:`),
//! @mentions (`@:`), emoji (`e:`), URL domains (`u:`), and the VADER label (`s:negative`,
//! `s:positive`), which tells a complaint from praise on words the examples never had. Digit runs become `0`, so order
//! numbers look alike. Names are hashed with FNV-1a (stable across platforms and versions, as
//! model files require) and the vector is L2-normalised so short and long posts score alike.

/// Weight of one character n-gram relative to one word: there are many more of them, and
/// without a lower weight they would drown the words in the normalised vector.
const CHAR_NGRAM_WEIGHT: f32 = 0.4;

/// Words longer than this are noise (URLs without a scheme, base64, hashes): no char n-grams.
const MAX_NGRAM_WORD_BYTES: usize = 24;

/// VADER's own label threshold on the compound score.
const SENTIMENT_THRESHOLD: f64 = 0.05;

/// Reusable buffers, so that featurising a text allocates nothing once they have grown.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    lower_text: String,
    lowered: String,
    words: Vec<std::ops::Range<usize>>,
    name: String,
    /// The output: (hashed index, value), sorted by index, duplicates merged, L2-normalised.
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

    pub(crate) fn index(self, name: &str) -> u32 {
        // FNV-1a, 64 bit, folded: stable, and good enough for short strings.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        ((hash ^ (hash >> 32)) as u32) & self.mask
    }

    /// Fills `scratch.features` with the normalised hashed features of `text`.
    pub(crate) fn featurise(self, text: &str, compound: f64, scratch: &mut Scratch) {
        let mut out = std::mem::take(&mut scratch.features);
        out.clear();
        for_each_feature(text, compound, scratch, |name, value| {
            out.push((self.index(name), value))
        });
        out.sort_unstable_by_key(|&(index, _)| index);
        out.dedup_by(|next, kept| {
            if next.0 == kept.0 {
                kept.1 += next.1;
                true
            } else {
                false
            }
        });
        let norm = out.iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut out {
                *v /= norm;
            }
        }
        scratch.features = out;
    }
}

/// Calls `emit(name, value)` for every feature occurrence in `text` (whose VADER compound
/// score is `compound`); a name can repeat.
pub(crate) fn for_each_feature(
    text: &str,
    compound: f64,
    scratch: &mut Scratch,
    mut emit: impl FnMut(&str, f32),
) {
    if compound >= SENTIMENT_THRESHOLD {
        emit("s:positive", 1.0);
    } else if compound <= -SENTIMENT_THRESHOLD {
        emit("s:negative", 1.0);
    }
    let Scratch {
        lower_text,
        lowered,
        words,
        name,
        ..
    } = scratch;
    lower_text.clear();
    lower_text.extend(text.chars().flat_map(char::to_lowercase));
    lowered.clear();
    words.clear();
    let mut named = |prefix: &str, body: &str, value: f32| {
        name.clear();
        name.push_str(prefix);
        name.push_str(body);
        emit(name, value);
    };

    for lower_chunk in lower_text.split_whitespace() {
        if let Some(domain) = url_domain(lower_chunk) {
            named("u:", domain, 1.0);
            continue;
        }
        if let Some(handle) = lower_chunk.strip_prefix('@') {
            let handle = handle.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            if !handle.is_empty() {
                named("@:", handle, 1.0);
            }
            continue;
        }
        if let Some(tag) = lower_chunk.strip_prefix('#') {
            let tag = tag.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            if !tag.is_empty() {
                named("#:", tag, 1.0);
            }
        }
        let mut buf = [0u8; 4];
        for c in lower_chunk.chars().filter(|&c| is_emoji(c)) {
            named("e:", c.encode_utf8(&mut buf), 1.0);
        }
        push_words(lower_chunk, lowered, words);
    }

    for range in words.iter() {
        named("w:", &lowered[range.clone()], 1.0);
    }
    for pair in words.windows(2) {
        name.clear();
        name.push_str("b:");
        name.push_str(&lowered[pair[0].clone()]);
        name.push(' ');
        name.push_str(&lowered[pair[1].clone()]);
        emit(name, 1.0);
    }
    for range in words.iter() {
        let word = &lowered[range.clone()];
        if word.len() > MAX_NGRAM_WORD_BYTES {
            continue;
        }
        // Boundaries mark word starts and ends, so "<re" (a prefix) differs from "re" inside.
        let padded: Vec<char> = std::iter::once('<')
            .chain(word.chars())
            .chain(std::iter::once('>'))
            .collect();
        for n in [3, 4] {
            for gram in padded.windows(n) {
                name.clear();
                name.push_str("c:");
                name.extend(gram);
                emit(name, CHAR_NGRAM_WEIGHT);
            }
        }
    }
}

/// Appends the words of a lowercased chunk to `lowered`, recording their ranges. A word is a
/// run of letters and digits; apostrophes inside are dropped ("don't" → "dont") and digit runs
/// become a single `0`.
fn push_words(chunk: &str, lowered: &mut String, words: &mut Vec<std::ops::Range<usize>>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        for_each_feature(text, -0.5, &mut scratch, |name, _| {
            out.push(name.to_owned())
        });
        out
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
        assert!(scratch.features.windows(2).all(|w| w[0].0 < w[1].0));
        Hasher::new(18).featurise("   ", 0.0, &mut scratch);
        assert!(scratch.features.is_empty());
    }
}
