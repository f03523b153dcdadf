//! Topics: hashtags, then key phrases.
//!
//! Key phrases are adjacent word pairs where neither word is a stop word, a number or shorter
//! than three letters ("battery drains", "customer service"), in text order. No corpus
//! statistics: a post is too short for tf-idf to rank anything, and the report service counts
//! topics across posts, which is where salience shows.

use std::sync::LazyLock;

use crate::packed::PackedTable;

/// At most this many topics per text.
pub const MAX_TOPICS: usize = 5;

/// Words that never start or end a key phrase (English plus the commonest social filler).
const STOP_WORDS: &[&str] = &[
    "about", "after", "again", "all", "also", "and", "any", "are", "been", "before", "being",
    "but", "can", "cant", "could", "did", "didnt", "does", "doesnt", "dont", "for", "from", "get",
    "got", "had", "has", "have", "her", "here", "his", "how", "just", "lol", "more", "most",
    "much", "not", "now", "off", "one", "only", "our", "out", "over", "please", "really", "she",
    "should", "still", "than", "thank", "thanks", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "too", "very", "was", "wasnt", "way", "were", "what", "when", "where",
    "which", "while", "who", "why", "will", "with", "would", "yes", "you", "your", "youre", "im",
    "ive", "its", "amp", "into", "some", "such", "want", "need", "know", "like", "today", "day",
    "time", "since", "because", "until", "even", "ever",
];

/// Hashtags (lowercase, with `#`) then key phrases, without duplicates, at most [`MAX_TOPICS`].
pub fn extract(text: &str) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    let push = |topic: String, topics: &mut Vec<String>| {
        if topics.len() < MAX_TOPICS && !topics.contains(&topic) {
            topics.push(topic);
        }
    };
    if text.contains('#') {
        for chunk in text.split_whitespace() {
            if let Some(tag) = chunk.strip_prefix('#') {
                let tag = tag.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
                if !tag.is_empty() && tag.chars().any(char::is_alphabetic) {
                    push(format!("#{}", tag.to_lowercase()), &mut topics);
                }
            }
        }
    }
    if topics.len() == MAX_TOPICS {
        return topics;
    }
    // Phrase words, lowercased one after another in `lowered`; `previous` is the last one
    // when nothing (a stop word, punctuation, a link) came between.
    let mut lowered = String::with_capacity(text.len());
    let mut previous: Option<std::ops::Range<usize>> = None;
    for chunk in text.split_whitespace() {
        // Mentions, hashtags and links are not prose; they break phrases.
        let skip = chunk.starts_with(['@', '#'])
            || (chunk.contains(':') && chunk.as_bytes().windows(3).any(|w| w == b"://"));
        let trimmed = chunk.trim_matches(|c: char| !c.is_alphanumeric());
        let start = lowered.len();
        let is_word = !skip && lower_phrase_word(trimmed, &mut lowered);
        let word = is_word.then_some(start..lowered.len());
        if let (Some(first), Some(second)) = (&previous, &word) {
            let (first, second) = (&lowered[first.clone()], &lowered[second.clone()]);
            let mut phrase = String::with_capacity(first.len() + 1 + second.len());
            phrase.push_str(first);
            phrase.push(' ');
            phrase.push_str(second);
            push(phrase, &mut topics);
            if topics.len() == MAX_TOPICS {
                break;
            }
        }
        // Punctuation at the end of a chunk ends the phrase too.
        let ends = chunk.ends_with(['.', ',', '!', '?', ';', ':']);
        previous = if ends { None } else { word };
        if previous.is_none() {
            lowered.clear();
        }
    }
    topics
}

/// Appends `word` lowercased, without apostrophes, to `lowered` when it can be part of a key
/// phrase: three letters or more, letters only, not a stop word.
fn lower_phrase_word(word: &str, lowered: &mut String) -> bool {
    let start = lowered.len();
    let mut letters = 0;
    if word.is_ascii() {
        for &byte in word.as_bytes() {
            if byte == b'\'' {
                continue;
            }
            if !byte.is_ascii_alphabetic() {
                lowered.truncate(start);
                return false;
            }
            letters += 1;
            lowered.push(char::from(byte.to_ascii_lowercase()));
        }
    } else {
        for c in word.chars() {
            if c == '\'' || c == '’' {
                continue;
            }
            for lower in c.to_lowercase() {
                if !lower.is_alphabetic() {
                    lowered.truncate(start);
                    return false;
                }
                letters += 1;
                lowered.push(lower);
            }
        }
    }
    if letters < 3 || is_stop_word(&lowered[start..]) {
        lowered.truncate(start);
        return false;
    }
    true
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORD_TABLE.get_word(word)
}

static STOP_WORD_TABLE: LazyLock<PackedTable<bool>> =
    LazyLock::new(|| PackedTable::new(STOP_WORDS.iter().map(|&word| (word, true)), |_, b| b));

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn hashtags_then_phrases() {
        assert_eq!(
            extract(
                "@acme the battery drains fast since the update. Customer service ignored me #fail #Fail"
            ),
            [
                "#fail",
                "battery drains",
                "drains fast",
                "customer service",
                "service ignored"
            ]
        );
        assert!(extract("ok").is_empty());
    }
}
