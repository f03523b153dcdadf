//! Language detection: small and honest.
//!
//! Texts in a script that only one or a few languages use (Japanese kana, Hangul, Han,
//! Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari) are decided by script. Latin-script
//! texts are scored against the most frequent function words of twelve languages; the winner
//! must have at least two hits and beat the runner-up clearly, otherwise the answer is the
//! empty string ("unknown"), which is better than a guess for short posts.

use std::sync::LazyLock;

use crate::packed::{MAX_PACKED_BYTES, PackedTable};

/// Latin-script languages and their most frequent function words, lowercase. Words shared
/// by several languages count for each of them.
const PROFILES: &[(&str, &[&str])] = &[
    (
        "da",
        &[
            "af", "at", "de", "den", "det", "en", "er", "et", "for", "har", "ikke", "jeg", "med",
            "men", "og", "på", "som", "til", "var", "vi",
        ],
    ),
    (
        "de",
        &[
            "auf", "das", "dem", "den", "der", "die", "ein", "eine", "es", "ich", "ist", "mit",
            "nicht", "noch", "sich", "sie", "und", "von", "wir", "zu",
        ],
    ),
    (
        "en",
        &[
            "a", "and", "are", "for", "have", "i", "in", "is", "it", "my", "not", "of", "on",
            "that", "the", "this", "to", "was", "with", "you",
        ],
    ),
    (
        "es",
        &[
            "con", "de", "del", "el", "en", "es", "la", "las", "lo", "los", "me", "mi", "no",
            "para", "por", "que", "se", "su", "un", "una", "y",
        ],
    ),
    (
        "fr",
        &[
            "au", "avec", "ce", "de", "des", "du", "est", "et", "je", "la", "le", "les", "mon",
            "ne", "pas", "pour", "que", "qui", "sur", "un", "une", "vous",
        ],
    ),
    (
        "id",
        &[
            "ada", "akan", "aku", "dan", "dari", "di", "dengan", "ini", "itu", "ke", "saya",
            "sudah", "tidak", "untuk", "yang",
        ],
    ),
    (
        "it",
        &[
            "che", "con", "del", "della", "di", "e", "gli", "il", "in", "la", "le", "mi", "non",
            "per", "più", "sono", "un", "una",
        ],
    ),
    (
        "nl",
        &[
            "de", "dat", "een", "en", "het", "ik", "in", "is", "met", "niet", "op", "te", "van",
            "voor", "wat", "we", "zijn",
        ],
    ),
    (
        "pl",
        &[
            "do", "i", "jak", "jest", "na", "nie", "o", "od", "po", "się", "tak", "to", "w", "z",
            "za", "że",
        ],
    ),
    (
        "pt",
        &[
            "com", "da", "de", "do", "e", "em", "está", "eu", "mas", "meu", "não", "o", "os",
            "para", "por", "que", "se", "um", "uma", "você",
        ],
    ),
    (
        "sv",
        &[
            "att", "av", "det", "en", "ett", "för", "har", "inte", "jag", "med", "men", "och",
            "om", "på", "som", "till", "var", "är",
        ],
    ),
    (
        "tr",
        &[
            "bir", "bu", "çok", "da", "de", "gibi", "için", "ile", "mi", "ne", "olarak", "ve",
            "ama", "daha", "ben",
        ],
    ),
];

/// ISO 639-1 code of `text`'s language, or `""` when unsure.
pub fn detect(text: &str) -> &'static str {
    // ASCII is all Latin script, and by far the commonest case.
    let ascii = text.is_ascii();
    if !ascii && let Some(code) = by_script(text) {
        return code;
    }
    let mut hits = [0u32; PROFILES.len()];
    let mut count = |mut languages: u16| {
        while languages != 0 {
            hits[languages.trailing_zeros() as usize] += 1;
            languages &= languages - 1;
        }
    };
    if ascii {
        // Runs of letters and apostrophes; a run with an apostrophe is no function word.
        // Each run is packed as it is read, lowercase, as `pack` packs a word.
        let (mut packed, mut len, mut apostrophe) = (0u64, 0usize, false);
        for &byte in text.as_bytes().iter().chain([&b' ']) {
            if byte.is_ascii_alphabetic() {
                if len < MAX_PACKED_BYTES {
                    packed |= u64::from(byte.to_ascii_lowercase()) << (8 * len);
                }
                len += 1;
            } else if byte == b'\'' {
                apostrophe = true;
                len += 1;
            } else {
                if len > 0 && len <= MAX_PACKED_BYTES && !apostrophe {
                    count(FUNCTION_WORDS.get(packed));
                }
                (packed, len, apostrophe) = (0, 0, false);
            }
        }
    } else {
        let mut word = String::new();
        for raw in text.split(|c: char| !(c.is_alphabetic() || c == '\'')) {
            if raw.is_empty() || raw.contains('\'') || raw.len() > 4 * MAX_PACKED_BYTES {
                continue;
            }
            word.clear();
            word.extend(raw.chars().flat_map(char::to_lowercase));
            count(FUNCTION_WORDS.get_word(&word));
        }
    }
    // The first language with the most hits (the profiles' order breaks ties), and the
    // runner-up's hits.
    let mut best = 0;
    for (i, &h) in hits.iter().enumerate() {
        if h > hits[best] {
            best = i;
        }
    }
    let second = hits
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != best)
        .map(|(_, &h)| h)
        .max()
        .unwrap_or(0);
    let top = hits[best];
    // A clear winner: two hits at least, and a third more than the runner-up.
    if top >= 2 && top * 3 >= second * 4 && top > second {
        PROFILES[best].0
    } else {
        ""
    }
}

/// Every function word of the profiles, with a bit per language that uses it.
static FUNCTION_WORDS: LazyLock<PackedTable<u16>> = LazyLock::new(|| {
    let words = PROFILES
        .iter()
        .enumerate()
        .flat_map(|(language, (_, words))| words.iter().map(move |&word| (word, 1u16 << language)));
    PackedTable::new(words, |a, b| a | b)
});

/// Languages decided by their script, when at least a third of the letters are in it.
fn by_script(text: &str) -> Option<&'static str> {
    let (mut letters, mut kana, mut hangul, mut han) = (0u32, 0u32, 0u32, 0u32);
    let mut other: [(u32, &str); 7] = [
        (0, "ru"),
        (0, "el"),
        (0, "ar"),
        (0, "he"),
        (0, "th"),
        (0, "hi"),
        (0, "ka"),
    ];
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        match c as u32 {
            0x3040..=0x30FF => kana += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF => hangul += 1,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF => han += 1,
            0x0400..=0x04FF => other[0].0 += 1,
            0x0370..=0x03FF => other[1].0 += 1,
            0x0600..=0x06FF => other[2].0 += 1,
            0x0590..=0x05FF => other[3].0 += 1,
            0x0E00..=0x0E7F => other[4].0 += 1,
            0x0900..=0x097F => other[5].0 += 1,
            0x10A0..=0x10FF => other[6].0 += 1,
            _ => {}
        }
    }
    let enough = |n: u32| n > 0 && n * 3 >= letters;
    if enough(kana) {
        return Some("ja");
    }
    if enough(hangul) {
        return Some("ko");
    }
    if enough(han) {
        return Some("zh");
    }
    other
        .iter()
        .find(|(n, _)| enough(*n))
        .map(|&(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn detects_common_languages_and_admits_doubt() {
        assert_eq!(
            detect("My order is late and the app is not working for me"),
            "en"
        );
        assert_eq!(
            detect("No me llegó el pedido y nadie responde en el chat"),
            "es"
        );
        assert_eq!(
            detect("Je ne comprends pas pourquoi la livraison est en retard"),
            "fr"
        );
        assert_eq!(
            detect("Ich habe die Rechnung nicht bekommen und das ist ärgerlich"),
            "de"
        );
        assert_eq!(detect("Não recebi o meu pedido e ninguém responde"), "pt");
        assert_eq!(detect("注文した商品がまだ届きません"), "ja");
        assert_eq!(detect("Заказ до сих пор не пришёл"), "ru");
        assert_eq!(detect("lol"), "");
        assert_eq!(detect("🔥🔥🔥 #wow"), "");
    }
}
