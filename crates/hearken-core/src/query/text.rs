//! Normalisation and tokenisation shared by query words and mention text.
//!
//! Both sides go through exactly these functions, so a word in a query and the same word in a
//! mention always end up as the same bytes, whatever form (NFC or NFD, upper or lower case)
//! each was written in.

use std::borrow::Cow;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Whether a token was written as a plain word, a `#hashtag` or an `@handle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Plain,
    Hashtag,
    Handle,
}

/// One word of normalised text: `start..end` are byte offsets into the normalised string and
/// exclude any `#` or `@` sigil.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: TokenKind,
}

/// NFC, then lowercase one character at a time.
///
/// Per-character lowercasing (rather than `str::to_lowercase`, which lowercases a final sigma
/// depending on what follows it) keeps a query word and the same word inside a mention
/// identical regardless of their surroundings.
pub(crate) fn normalize(text: &str) -> String {
    // Most mentions are ASCII, which is already NFC and lowercases byte by byte.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let composed: Cow<'_, str> = if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    };
    composed.chars().flat_map(char::to_lowercase).collect()
}

/// Letters, digits, `_` (as in handles and hashtags) and combining marks (scripts whose
/// vowel signs do not compose under NFC) make up words; everything else separates them.
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Splits already normalised text into word tokens.
///
/// A token right after `#` or `@` is a hashtag or handle, unless that sigil itself follows a
/// word character: `me@acme.com` holds the plain words `me`, `acme` and `com`.
pub(crate) fn tokenize(normalized: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current: Option<(usize, TokenKind)> = None;
    // The two characters before the current one, to recognise a sigil that starts a token.
    let mut before_previous: Option<char> = None;
    let mut previous: Option<char> = None;
    for (index, c) in normalized.char_indices() {
        if is_word_char(c) {
            if current.is_none() {
                let sigil_stands_alone = !before_previous.is_some_and(is_word_char);
                let kind = match previous {
                    Some('#') if sigil_stands_alone => TokenKind::Hashtag,
                    Some('@') if sigil_stands_alone => TokenKind::Handle,
                    _ => TokenKind::Plain,
                };
                current = Some((index, kind));
            }
        } else if let Some((start, kind)) = current.take() {
            tokens.push(Token {
                start,
                end: index,
                kind,
            });
        }
        before_previous = previous;
        previous = Some(c);
    }
    if let Some((start, kind)) = current {
        tokens.push(Token {
            start,
            end: normalized.len(),
            kind,
        });
    }
    tokens
}

/// The normalised words of `text`, ignoring sigils.
pub(crate) fn words(text: &str) -> Vec<String> {
    let normalized = normalize(text);
    tokenize(&normalized)
        .iter()
        .map(|token| normalized[token.start..token.end].to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_words(text: &str) -> Vec<(TokenKind, String)> {
        let normalized = normalize(text);
        tokenize(&normalized)
            .iter()
            .map(|t| (t.kind, normalized[t.start..t.end].to_owned()))
            .collect()
    }

    #[test]
    fn sigils_mark_tokens_only_at_a_word_start() {
        use TokenKind::*;
        assert_eq!(
            kinds_and_words("@United #Fail, me@acme.com a#b ##x"),
            vec![
                (Handle, "united".to_owned()),
                (Hashtag, "fail".to_owned()),
                (Plain, "me".to_owned()),
                (Plain, "acme".to_owned()),
                (Plain, "com".to_owned()),
                (Plain, "a".to_owned()),
                (Plain, "b".to_owned()),
                (Hashtag, "x".to_owned()),
            ]
        );
    }

    #[test]
    fn nfd_and_nfc_normalise_to_the_same_word() {
        assert_eq!(words("Cafe\u{301}"), words("CAF\u{c9}"));
        assert_eq!(words("Cafe\u{301}"), vec!["caf\u{e9}".to_owned()]);
    }

    #[test]
    fn apostrophes_and_punctuation_separate_words() {
        assert_eq!(words("Acme's new app!!"), vec!["acme", "s", "new", "app"]);
    }
}
