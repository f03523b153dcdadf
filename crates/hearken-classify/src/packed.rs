//! Short words as numbers: a word of up to eight bytes packed into a `u64` (its bytes,
//! little-endian, zero-padded), and a small table keyed by packed words, so that looking a
//! word up in a fixed list is one multiply and a compare or two.

/// The longest word that packs, in bytes.
pub(crate) const MAX_PACKED_BYTES: usize = 8;

/// `word` as a number; `None` when it is empty or longer than [`MAX_PACKED_BYTES`].
pub(crate) fn pack(word: &str) -> Option<u64> {
    let bytes = word.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_PACKED_BYTES {
        return None;
    }
    Some(load_padded(bytes))
}

/// Up to eight `bytes` as a little-endian number, zero-padded: what copying them into eight
/// zero bytes gives, without the call to `memcpy` that a copy of unknown length compiles to
/// (those calls were a few per cent of a `hearken classify` run). Loads that overlap put
/// the same bytes in the same places.
pub(crate) fn load_padded(bytes: &[u8]) -> u64 {
    debug_assert!(bytes.len() <= MAX_PACKED_BYTES);
    let len = bytes.len();
    let byte = |at: usize| u64::from(bytes[at]) << (8 * at);
    let four = |at: usize| {
        let quad = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        u64::from(u32::from_le_bytes(quad)) << (8 * at)
    };
    match len {
        0 => 0,
        1..=3 => byte(0) | byte(len / 2) | byte(len - 1),
        4..=7 => four(0) | four(len - 4),
        _ => four(0) | four(4),
    }
}

/// Packed words and a value for each, by open addressing; a zero key is an empty slot.
#[derive(Debug)]
pub(crate) struct PackedTable<V> {
    slots: Vec<(u64, V)>,
}

impl<V: Copy + Default> PackedTable<V> {
    /// A table of `words` and their values; `merge` combines a word's value with what the
    /// table already holds for it (the default, unless the word came before).
    ///
    /// Panics when a word does not pack: the lists are fixed in the source.
    pub(crate) fn new<'a>(
        words: impl IntoIterator<Item = (&'a str, V)>,
        merge: impl Fn(V, V) -> V,
    ) -> Self {
        let words: Vec<(&str, V)> = words.into_iter().collect();
        // At most a quarter full, so that most lookups read one slot.
        let mut table = Self {
            slots: vec![(0, V::default()); (words.len() * 4).next_power_of_two()],
        };
        for (word, value) in words {
            let key = pack(word).unwrap_or_else(|| panic!("{word:?} is too long to pack"));
            let slot = table.find(key);
            table.slots[slot] = (key, merge(table.slots[slot].1, value));
        }
        table
    }

    /// The slot holding `key`, or the empty slot where it belongs.
    fn find(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & mask;
        while self.slots[slot].0 != 0 && self.slots[slot].0 != key {
            slot = (slot + 1) & mask;
        }
        slot
    }

    /// The value of the word packed as `key`; the default when it is not in the table.
    pub(crate) fn get(&self, key: u64) -> V {
        self.slots[self.find(key)].1
    }

    /// The value of `word`; the default when it is not in the table.
    pub(crate) fn get_word(&self, word: &str) -> V {
        pack(word).map_or_else(V::default, |key| self.get(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_words_are_found_and_others_are_not() {
        let table = PackedTable::new([("the", 1u8), ("and", 2), ("the", 4)], |a, b| a | b);
        assert_eq!(table.get_word("the"), 5, "duplicates merge");
        assert_eq!(table.get_word("and"), 2);
        assert_eq!(table.get_word("an"), 0);
        assert_eq!(table.get_word(""), 0);
        assert_eq!(table.get_word("understanding"), 0, "too long to pack");
        assert_eq!(pack("ab"), Some(u64::from_le_bytes(*b"ab\0\0\0\0\0\0")));
    }

    #[test]
    fn loads_are_the_zero_padded_bytes() {
        let source = *b"\x01\x82\x03\xf4\x05\x06\x87\xff";
        for len in 0..=MAX_PACKED_BYTES {
            let mut padded = [0u8; MAX_PACKED_BYTES];
            padded[..len].copy_from_slice(&source[..len]);
            assert_eq!(
                load_padded(&source[..len]),
                u64::from_le_bytes(padded),
                "{len} bytes"
            );
        }
    }
}
