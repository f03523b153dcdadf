//! Interning node names into the dense ids a [`crate::Graph`] uses.
//!
//! Reading a 2-million-edge file interns 4 million names, and each lookup is a random access
//! into a table too big for the caches, so the layout is about cache misses: an
//! open-addressing table whose slots hold short names inline (handles mostly are), so that a
//! lookup costs one miss rather than three (table, name pointer, name bytes). Every name is
//! also kept in one byte arena, for [`NodeIndex::name`] and names too long to inline. Names are
//! hashed with a small keyed multiply-fold hash: no allocation per name and no SipHash.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;

use crate::graph::{GraphError, MAX_NODES};

/// A string interner: each distinct node name gets the next `u32` id, starting at 0.
///
/// Ids are dense, so `index.len()` is the `n_nodes` to pass to [`crate::Graph::from_edges`] and
/// a score vector from [`crate::pagerank`] is indexed by the same ids.
#[derive(Clone)]
pub struct NodeIndex {
    /// Every name, back to back, in id order.
    arena: String,
    /// Name `id` is `arena[ends[id - 1]..ends[id]]` (from 0 for id 0).
    ends: Vec<usize>,
    /// Open addressing with linear probing; the length is a power of two and at least twice
    /// the number of names.
    slots: Vec<Slot>,
    /// Keys the hash per index, so that nobody can pick names that all land in one probe run.
    seed: u64,
}

/// Bytes of a name kept in its slot: all of a name this long or shorter, else a prefix.
const INLINE: usize = 11;
/// The length byte of a name longer than [`INLINE`].
const LONG: u8 = u8::MAX;

/// One table slot: 16 bytes, four to a cache line. The table stays small (8 MB for 200,000
/// names) because misses in the translation buffer cost as much as the cache misses.
#[derive(Clone, Copy, PartialEq)]
#[repr(C, align(16))]
struct Slot {
    /// `VACANT`, or the id of the name.
    id: u32,
    key: Key,
}

/// A name's length (or [`LONG`]) and its first [`INLINE`] bytes, zero-padded: equal keys mean
/// equal names, unless they are long.
type Key = [u8; INLINE + 1];

fn key(name: &[u8]) -> Key {
    let mut key = [0; INLINE + 1];
    let kept = name.len().min(INLINE);
    // At most INLINE (11), so the length fits in the byte.
    key[0] = if name.len() > INLINE {
        LONG
    } else {
        kept as u8
    };
    let (low, high) = padded_words(&name[..kept]);
    key[1..9].copy_from_slice(&low.to_le_bytes());
    key[9..].copy_from_slice(&high.to_le_bytes()[..INLINE - 8]);
    key
}

const VACANT: Slot = Slot {
    id: u32::MAX,
    key: [0; INLINE + 1],
};
const MIN_SLOTS: usize = 16;

impl NodeIndex {
    /// An empty index.
    pub fn new() -> NodeIndex {
        NodeIndex {
            arena: String::new(),
            ends: Vec::new(),
            slots: vec![VACANT; MIN_SLOTS],
            seed: RandomState::new().hash_one(0x6865_6172_6b65_6e00_u64),
        }
    }

    /// The id of `name`, assigning the next free id if the name is new.
    ///
    /// Fails only when every `u32` id is taken.
    pub fn intern(&mut self, name: &str) -> Result<u32, GraphError> {
        self.intern_hashed(name, self.hash(name))
    }

    /// Interns `names` in order, appending each one's id to `ids`.
    ///
    /// Interning a large file is dominated by cache misses on table slots, which come one
    /// after another when names are interned one at a time. So names are taken a batch at a
    /// time: the batch's names are hashed and their slots prefetched first, and the lookups
    /// find them cached. On error, the ids of the names before the failing one are in `ids`.
    pub(crate) fn intern_all(
        &mut self,
        names: &[&str],
        ids: &mut Vec<u32>,
    ) -> Result<(), GraphError> {
        // Enough misses in flight to overlap well, few enough slots to stay in the L1 cache.
        const BATCH: usize = 512;
        let mut hashes = [0u64; BATCH];
        for batch in names.chunks(BATCH) {
            for (hash, name) in hashes.iter_mut().zip(batch) {
                *hash = self.hash(name);
                self.prefetch(*hash);
            }
            for (&name, &hash) in batch.iter().zip(&hashes) {
                ids.push(self.intern_hashed(name, hash)?);
            }
        }
        Ok(())
    }

    /// [`NodeIndex::intern`] with the name's [`NodeIndex::hash`] already computed.
    fn intern_hashed(&mut self, name: &str, hash: u64) -> Result<u32, GraphError> {
        let slot = match self.find(name, hash) {
            Ok(id) => return Ok(id),
            Err(slot) => slot,
        };
        let next = self.ends.len();
        if next >= MAX_NODES {
            return Err(GraphError::TooManyNodes {
                n_nodes: next + 1,
                max: MAX_NODES,
            });
        }
        // Below MAX_NODES = u32::MAX, so never the VACANT id.
        let id = next as u32;
        self.arena.push_str(name);
        self.ends.push(self.arena.len());
        self.slots[slot] = Slot {
            id,
            key: key(name.as_bytes()),
        };
        if self.ends.len() * 2 > self.slots.len() {
            self.grow();
        }
        Ok(id)
    }

    /// The id of `name`, if it was interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.find(name, self.hash(name)).ok()
    }

    /// The hash that places `name` in this index.
    fn hash(&self, name: &str) -> u64 {
        hash(self.seed, name.as_bytes())
    }

    /// Starts loading the first slot `hash` probes, so that it is cached by the time a lookup
    /// needs it.
    ///
    /// On x86-64 this is a prefetch instruction rather than a load: a load holds its place in
    /// the reorder buffer until its data arrives, which caps how many misses overlap, while a
    /// prefetch retires at once (a quarter less CPU time for a 2-million-edge file).
    fn prefetch(&self, hash: u64) {
        let slot = &self.slots[hash as usize & (self.slots.len() - 1)];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE is part of the x86-64 baseline, and a prefetch only hints: it reads
        // nothing into the program and cannot fault, whatever the address.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(slot).cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        std::hint::black_box(slot.id);
    }

    /// The name behind `id`, if the id was handed out.
    pub fn name(&self, id: u32) -> Option<&str> {
        let id = id as usize;
        let end = *self.ends.get(id)?;
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        Some(&self.arena[start..end])
    }

    /// The number of interned names, which is also the next id.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether nothing was interned yet.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All names in id order: the `i`-th item is the name of id `i`.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        (0..self.ends.len()).map(|id| {
            let start = if id == 0 { 0 } else { self.ends[id - 1] };
            &self.arena[start..self.ends[id]]
        })
    }

    /// `Ok(id)` of `name`, or `Err(slot)`: the vacant slot where it belongs.
    fn find(&self, name: &str, hash: u64) -> Result<u32, usize> {
        let key = key(name.as_bytes());
        let long = name.len() > INLINE;
        let mask = self.slots.len() - 1;
        let mut position = hash as usize & mask;
        loop {
            let slot = &self.slots[position];
            if slot.id == VACANT.id {
                return Err(position);
            }
            if slot.key == key && (!long || self.name(slot.id) == Some(name)) {
                return Ok(slot.id);
            }
            position = (position + 1) & mask;
        }
    }

    /// Doubles the table. Inline names are hashed again from their slots; only longer ones
    /// are read from the arena.
    fn grow(&mut self) {
        let mask = self.slots.len() * 2 - 1;
        let mut table = vec![VACANT; mask + 1];
        for slot in &self.slots {
            if slot.id == VACANT.id {
                continue;
            }
            let name = match slot.key[0] {
                LONG => self.name(slot.id).unwrap_or_default().as_bytes(),
                len => &slot.key[1..=usize::from(len)],
            };
            let mut position = hash(self.seed, name) as usize & mask;
            while table[position].id != VACANT.id {
                position = (position + 1) & mask;
            }
            table[position] = *slot;
        }
        self.slots = table;
    }
}

impl Default for NodeIndex {
    fn default() -> Self {
        NodeIndex::new()
    }
}

impl fmt::Debug for NodeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeIndex")
            .field("len", &self.len())
            .field("arena_bytes", &self.arena.len())
            .finish_non_exhaustive()
    }
}

/// A keyed multiply-fold hash of `bytes`, 16 bytes a step: the structure of foldhash and
/// wyhash, fast on the short strings handles are.
fn hash(seed: u64, bytes: &[u8]) -> u64 {
    const K0: u64 = 0x243f_6a88_85a3_08d3;
    const K1: u64 = 0x1319_8a2e_0370_7344;
    let mut state = seed ^ (bytes.len() as u64).wrapping_mul(K0);
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        let (low, high) = chunk.split_at(8);
        state = fold(word(low) ^ state, word(high) ^ K1);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let (low, high) = padded_words(rest);
        state = fold(low ^ state, high ^ K1);
    }
    fold(state ^ K0, seed ^ K1)
}

/// `bytes`, at most 16 of them, zero-padded to 16 and read as two little-endian words.
///
/// Read by loads that may overlap, not by a copy into a padded buffer: a copy of a length
/// known only at run time is a `memcpy` call, twice per name interned.
fn padded_words(bytes: &[u8]) -> (u64, u64) {
    let len = bytes.len();
    debug_assert!(len <= 16);
    let byte_at = |at: usize| u64::from(bytes[at]) << (8 * at);
    let half_at = |at: usize| {
        let mut half = [0u8; 4];
        half.copy_from_slice(&bytes[at..at + 4]);
        u64::from(u32::from_le_bytes(half))
    };
    match len {
        0 => (0, 0),
        // The loads overlap where they read the same bytes, so or-ing them in place is exact.
        1..=3 => (byte_at(0) | byte_at(len / 2) | byte_at(len - 1), 0),
        4..=7 => (half_at(0) | half_at(len - 4) << (8 * (len - 4)), 0),
        8 => (word(bytes), 0),
        _ => (
            word(&bytes[..8]),
            word(&bytes[len - 8..]) >> (8 * (16 - len)),
        ),
    }
}

fn word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

/// The full 128-bit product folded to 64 bits: every input bit reaches every output bit.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_growth_with_short_and_long_names() {
        let mut index = NodeIndex::new();
        // Long names share their inline prefix and differ only past it.
        let names: Vec<String> = (0..50_000)
            .map(|i| match i % 3 {
                0 => format!("n{i}"),
                1 => format!("{}{i}", "x".repeat(INLINE)),
                _ => format!("{i:0>width$}", width = INLINE),
            })
            .collect();
        for (id, name) in names.iter().enumerate() {
            assert_eq!(index.intern(name).unwrap(), id as u32);
        }
        for (id, name) in names.iter().enumerate() {
            assert_eq!(index.get(name), Some(id as u32));
            assert_eq!(index.intern(name).unwrap(), id as u32);
        }
        assert_eq!(index.names().count(), names.len());
        assert!(index.names().eq(names.iter().map(String::as_str)));
        assert_eq!(index.get(""), None);
        assert_eq!(index.intern("").unwrap(), 50_000);
        assert_eq!(index.name(50_000), Some(""));
    }

    #[test]
    fn padded_words_are_the_bytes_zero_padded() {
        let bytes: Vec<u8> = (1..=16).collect();
        for len in 0..=16 {
            let mut padded = [0u8; 16];
            padded[..len].copy_from_slice(&bytes[..len]);
            let expected = (word(&padded[..8]), word(&padded[8..]));
            assert_eq!(padded_words(&bytes[..len]), expected, "{len} bytes");
        }
    }

    #[test]
    fn hash_depends_on_every_byte_and_the_length() {
        let base = hash(7, b"abcdefghijklmnopqrs");
        for position in 0..19 {
            let mut changed = *b"abcdefghijklmnopqrs";
            changed[position] ^= 1;
            assert_ne!(hash(7, &changed), base, "byte {position}");
        }
        assert_ne!(hash(7, b"ab"), hash(7, b"ab\0"));
        assert_ne!(hash(7, b"ab"), hash(8, b"ab"));
    }
}
