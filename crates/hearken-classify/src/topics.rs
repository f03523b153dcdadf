//! Topics: hashtags, then key phrases.
//!
//! Key phrases are adjacent word pairs where neither word is a stop word, a number or shorter
//! than three letters ("battery drains", "customer service"), in text order. No corpus
//! statistics: a post is too short for tf-idf to rank anything, and the report service counts
//! topics across posts, which is where salience shows.

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
    for chunk in text.split_whitespace() {
        if let Some(tag) = chunk.strip_prefix('#') {
            let tag = tag.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            if !tag.is_empty() && tag.chars().any(char::is_alphabetic) {
                push(format!("#{}", tag.to_lowercase()), &mut topics);
            }
        }
    }
    let words: Vec<Option<String>> = text
        .split_whitespace()
        .flat_map(|chunk| {
            // Mentions, hashtags and links are not prose; they break phrases.
            let skip = chunk.starts_with(['@', '#']) || chunk.contains("://");
            let word: String = chunk
                .trim_matches(|c: char| !c.is_alphanumeric())
                .chars()
                .filter(|&c| c != '\'' && c != '’')
                .flat_map(char::to_lowercase)
                .collect();
            // Punctuation at the end of a chunk ends the phrase too.
            let ends = chunk.ends_with(['.', ',', '!', '?', ';', ':']);
            let keep = !skip && is_phrase_word(&word);
            [Some(keep.then_some(word)), ends.then_some(None)]
        })
        .flatten()
        .collect();
    for pair in words.windows(2) {
        if let [Some(a), Some(b)] = pair {
            push(format!("{a} {b}"), &mut topics);
        }
    }
    topics
}

fn is_phrase_word(word: &str) -> bool {
    word.chars().count() >= 3
        && word.chars().all(char::is_alphabetic)
        && !STOP_WORDS.contains(&word)
}

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
