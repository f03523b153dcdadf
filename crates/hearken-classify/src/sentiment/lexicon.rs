//! The embedded VADER lexicons, parsed once on first use.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use super::rules;

const VADER_LEXICON: &str = include_str!("../../data/vader/vader_lexicon.txt");
const EMOJI_LEXICON: &str = include_str!("../../data/vader/emoji_utf8_lexicon.txt");

/// Both lexicons, borrowing their keys from the embedded text.
#[derive(Debug)]
pub(crate) struct Lexicons {
    /// Lower-cased token → mean valence and its part in the rules. Lexicon keys that contain
    /// upper-case letters or spaces are kept as the reference keeps them, although lookups
    /// (lower-cased single tokens) never hit them.
    pub(crate) vocabulary: Vocabulary,
    /// Emoji → description. Only single code points are kept: the reference substitutes
    /// character by character, so multi-code-point keys (flags, skin tones, ZWJ sequences)
    /// can never match.
    pub(crate) emoji: HashMap<char, &'static str, FastHash>,
}

pub(crate) static LEXICONS: LazyLock<Lexicons> = LazyLock::new(|| Lexicons {
    vocabulary: Vocabulary::new(valence_entries(VADER_LEXICON)),
    emoji: emoji_entries(EMOJI_LEXICON)
        .filter_map(|(emoji, description)| single_char(emoji).map(|c| (c, description)))
        .collect(),
});

/// The lexicons are fixed and embedded, so hash flooding is no concern; SipHash was a
/// tenth of the scoring time. This is the multiply-rotate hash rustc uses (FxHash).
pub(crate) type FastHash = BuildHasherDefault<FxHasher>;

#[derive(Debug, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &byte in chunks.remainder() {
            self.add(u64::from(byte));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// What VADER knows about a token: its lexicon valence and whether its rules treat it as a
/// booster, a dampener or a negation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Entry {
    pub(crate) valence: Option<f64>,
    /// [`rules::BOOST`] for a booster, its negative for a dampener.
    pub(crate) booster: Option<f64>,
    /// A word of [`rules::NEGATIONS`].
    pub(crate) negation: bool,
}

/// Token → [`Entry`], by open addressing on the token's hash: one lookup per token for the
/// lexicon and the word lists, which as `match`es compared a token with each listed word in
/// turn. Most tokens of a text are in neither, and a lookup that misses reads one 8-byte slot
/// of a 128 KB table (the entries only on a likely hit), which the caller can ask for early
/// with [`Vocabulary::prefetch`], so that a text's lookups wait for memory together.
#[derive(Debug)]
pub(crate) struct Vocabulary {
    slots: Vec<Slot>,
    entries: Vec<(&'static str, Entry)>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The lower half of the key's hash, to skip most keys that differ without reading them.
    tag: u32,
    /// Index in `entries`; `EMPTY_SLOT` for none.
    entry: u32,
}

const EMPTY_SLOT: u32 = u32::MAX;

impl Vocabulary {
    /// The lexicon's `(token, valence)` pairs, where a later duplicate wins as in the
    /// reference's dict, and the rules' word lists.
    fn new(lexicon: impl Iterator<Item = (&'static str, f64)>) -> Self {
        let lexicon: Vec<_> = lexicon.collect();
        let listed = rules::BOOSTERS.len() + rules::DAMPENERS.len() + rules::NEGATIONS.len();
        // At most half full, so that a miss rarely probes past its first slot's line.
        let slots = ((lexicon.len() + listed) * 2).next_power_of_two();
        let mut table = Self {
            slots: vec![
                Slot {
                    tag: 0,
                    entry: EMPTY_SLOT
                };
                slots
            ],
            entries: Vec::new(),
        };
        for (token, valence) in lexicon {
            table.entry(token).valence = Some(valence);
        }
        for (words, scalar) in [
            (rules::BOOSTERS, rules::BOOST),
            (rules::DAMPENERS, -rules::BOOST),
        ] {
            for word in words {
                table.entry(word).booster = Some(scalar);
            }
        }
        for word in rules::NEGATIONS {
            table.entry(word).negation = true;
        }
        table
    }

    /// The entry of `token`, added empty if there is none.
    fn entry(&mut self, token: &'static str) -> &mut Entry {
        let hash = Self::hash(token);
        let entry = match self.find(token, hash) {
            Ok(entry) => entry,
            Err(slot) => {
                self.slots[slot] = Slot {
                    tag: hash as u32,
                    entry: self.entries.len() as u32,
                };
                self.entries.push((token, Entry::default()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[entry].1
    }

    /// The hash [`Self::get`] and [`Self::prefetch`] take: the feature hash, which takes
    /// a token's last bytes in one load where [`FxHasher`] takes them one by one.
    pub(crate) fn hash(token: &str) -> u64 {
        crate::features::hash_bytes(token.as_bytes())
    }

    /// From the hash's upper half, so that it is independent of the tag (the lower half).
    fn first_slot(&self, hash: u64) -> usize {
        (hash >> 32) as usize & (self.slots.len() - 1)
    }

    /// The index of `token`'s entry, or the empty slot where it belongs.
    fn find(&self, token: &str, hash: u64) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let tag = hash as u32;
        let mut slot = self.first_slot(hash);
        loop {
            let Slot { tag: known, entry } = self.slots[slot];
            if entry == EMPTY_SLOT {
                return Err(slot);
            }
            if known == tag && self.entries[entry as usize].0 == token {
                return Ok(entry as usize);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// What is known of `token`, whose [`Self::hash`] is `hash`; nothing when it is in no
    /// list.
    pub(crate) fn get(&self, token: &str, hash: u64) -> Entry {
        self.find(token, hash)
            .map_or_else(|_| Entry::default(), |entry| self.entries[entry].1)
    }

    /// Asks the processor to start loading the first slot of `hash`.
    pub(crate) fn prefetch(&self, hash: u64) {
        crate::prefetch(&self.slots[self.first_slot(hash)]);
    }

    /// Tokens with an entry.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// `token \t mean \t std \t ratings` lines; later duplicates win when collected, as in the
/// reference's dict. A line whose mean does not parse is skipped (the tests check none is).
fn valence_entries(source: &'static str) -> impl Iterator<Item = (&'static str, f64)> {
    lines(source).filter_map(|line| {
        let mut fields = line.split('\t');
        let token = fields.next()?;
        let mean = fields.next()?.parse().ok()?;
        Some((token, mean))
    })
}

/// `emoji \t description` lines.
fn emoji_entries(source: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    lines(source).filter_map(|line| {
        let mut fields = line.split('\t');
        Some((fields.next()?, fields.next()?))
    })
}

/// Non-empty lines, trimmed the way Python's `str.strip()` trims (this also drops a `\r`).
fn lines(source: &'static str) -> impl Iterator<Item = &'static str> {
    source
        .split('\n')
        .map(|line| line.trim_matches(super::pystr::is_whitespace))
        .filter(|line| !line.is_empty())
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn non_empty_lines(source: &str) -> usize {
        source
            .lines()
            .filter(|line| !line.trim().is_empty())
            .count()
    }

    #[test]
    fn every_lexicon_line_parses() {
        assert_eq!(
            valence_entries(VADER_LEXICON).count(),
            non_empty_lines(VADER_LEXICON)
        );
        assert_eq!(
            emoji_entries(EMOJI_LEXICON).count(),
            non_empty_lines(EMOJI_LEXICON)
        );
    }

    #[test]
    fn lexicon_values_are_the_file_means() {
        let lexicons = &*LEXICONS;
        let entry = |token| lexicons.vocabulary.get(token, Vocabulary::hash(token));
        assert_eq!(entry("good").valence, Some(1.9));
        assert_eq!(entry(":)").valence, Some(2.0));
        assert_eq!(entry("goodx"), Entry::default());
        assert_eq!(entry("very").booster, Some(rules::BOOST));
        assert_eq!(entry("barely").booster, Some(-rules::BOOST));
        assert!(entry("never").negation);
        // A lexicon word can be on a list too.
        assert_eq!(
            (entry("no").valence, entry("no").negation),
            (Some(-1.2), false)
        );
        assert_eq!(lexicons.emoji.get(&'💘'), Some(&"heart with arrow"));
    }
}
