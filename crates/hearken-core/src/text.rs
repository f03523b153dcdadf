//! Normalisation of free text: Unicode NFC and tidy whitespace.

use unicode_normalization::UnicodeNormalization;

/// Normalises text: drops control characters other than line breaks and tabs, turns
/// runs of horizontal white space into one space, keeps at most one blank line in a row, and
/// trims both ends, then composes to Unicode NFC.
///
/// Idempotent: normalising a normalised text changes nothing.
pub fn normalize_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    let mut pending_newlines = 0usize;
    for ch in raw.chars() {
        match ch {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
                pending_space = false;
                if !out.is_empty() && ch != '\r' {
                    pending_newlines += 1;
                }
            }
            c if c.is_whitespace() => pending_space = !out.is_empty(),
            c if c.is_control() => {}
            c => {
                if pending_newlines > 0 {
                    out.push_str(if pending_newlines > 1 { "\n\n" } else { "\n" });
                } else if pending_space {
                    out.push(' ');
                }
                pending_space = false;
                pending_newlines = 0;
                out.push(c);
            }
        }
    }
    // Composing last, so that a combining mark separated from its base by a dropped character
    // still composes, keeps the function idempotent.
    out.nfc().collect()
}

/// NFC and trimmed: for short single-line fields such as names and places.
pub fn normalize_line(raw: &str) -> String {
    normalize_text(raw)
        .split('\n')
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn tidies_whitespace_and_composes() {
        assert_eq!(
            normalize_text("  cafe\u{301}\t\t is  open \r\n\r\n\r\n\nbye  "),
            "café is open\n\nbye"
        );
        assert_eq!(normalize_text("a\u{0}b\u{7}c"), "abc");
        assert_eq!(normalize_text(" \n \n "), "");
        assert_eq!(normalize_line("Brooklyn,\n\nNY"), "Brooklyn, NY");
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(raw in "\\PC*|[ \t\r\n\u{301}a-z]*") {
            let once = normalize_text(&raw);
            prop_assert_eq!(normalize_text(&once), once.clone());
            prop_assert_eq!(once.trim(), once.as_str());
        }
    }
}
