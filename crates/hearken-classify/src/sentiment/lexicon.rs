//! The embedded VADER lexicons, parsed once on first use.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

const VADER_LEXICON: &str = include_str!("../../data/vader/vader_lexicon.txt");
const EMOJI_LEXICON: &str = include_str!("../../data/vader/emoji_utf8_lexicon.txt");

/// Both lexicons, borrowing their keys from the embedded text.
#[derive(Debug)]
pub(crate) struct Lexicons {
    /// Lower-cased token → mean valence. Keys that contain upper-case letters or spaces are
    /// kept as the reference keeps them, although lookups (lower-cased single tokens) never hit them.
    pub(crate) valence: HashMap<&'static str, f64, FastHash>,
    /// Emoji → description. Only single code points are kept: the reference substitutes
    /// character by character, so multi-code-point keys (flags, skin tones, ZWJ sequences)
    /// can never match.
    pub(crate) emoji: HashMap<char, &'static str, FastHash>,
}

pub(crate) static LEXICONS: LazyLock<Lexicons> = LazyLock::new(|| Lexicons {
    valence: valence_entries(VADER_LEXICON).collect(),
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

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn finish(&self) -> u64 {
        self.hash
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
        assert_eq!(lexicons.valence.get("good"), Some(&1.9));
        assert_eq!(lexicons.valence.get(":)"), Some(&2.0));
        assert_eq!(lexicons.emoji.get(&'💘'), Some(&"heart with arrow"));
    }
}
