//! The few Python `str` and `float` semantics the reference depends on, reproduced exactly
//! so that scores agree with vaderSentiment 3.3.2 to the last printed digit.

/// Python's `str.isspace()`: Unicode `White_Space` plus the ASCII separators U+001C..U+001F,
/// which `str.split()` and `str.strip()` also treat as whitespace.
pub(crate) fn is_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.isupper()`: at least one cased character, and no lower-case or title-case one.
pub(crate) fn is_upper(s: &str) -> bool {
    if s.is_ascii() {
        let bytes = s.as_bytes();
        return !bytes.iter().any(u8::is_ascii_lowercase)
            && bytes.iter().any(u8::is_ascii_uppercase);
    }
    let mut has_upper = false;
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        has_upper |= c.is_uppercase();
    }
    has_upper
}

/// General category Lt, which Rust's standard library does not expose.
fn is_titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{1c5}'
            | '\u{1c8}'
            | '\u{1cb}'
            | '\u{1f2}'
            | '\u{1f88}'..='\u{1f8f}'
            | '\u{1f98}'..='\u{1f9f}'
            | '\u{1fa8}'..='\u{1faf}'
            | '\u{1fbc}'
            | '\u{1fcc}'
            | '\u{1ffc}'
    )
}

/// Appends Python's `s.lower()` to `out` without allocating for ASCII input.
pub(crate) fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        // Full case mapping with the final-sigma rule, like Python.
        out.push_str(&s.to_lowercase());
    }
}

/// Python's `token.strip(string.punctuation)`, on bytes: an ASCII punctuation mark is one
/// byte that appears in no other character's encoding, so what is left starts and ends on
/// character boundaries.
pub(crate) fn strip_ascii_punctuation(token: &str) -> &str {
    let bytes = token.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_punctuation())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_punctuation())
        .map_or(start, |last| last + 1);
    &token[start..end]
}

/// Python's `round(x, digits)` for `digits` 3 or 4: the exact binary value rounded half to
/// even at that decimal place, then read back as the nearest `f64`.
pub(crate) fn round_decimal(x: f64, digits: i32) -> f64 {
    let scale = 10_f64.powi(digits);
    let scaled = x * scale;
    let distance_from_half = ((scaled - scaled.trunc()).abs() - 0.5).abs();
    // `x * scale` carries a rounding error of about 1e-12 here, so only a value within a
    // hair of a tie can round the wrong way; decide those on the exact decimal expansion.
    if distance_from_half < 1e-6 {
        let exact = format!("{x:.prec$}", prec = digits.unsigned_abs() as usize);
        return exact.parse().unwrap_or(x);
    }
    // Dividing an integral f64 by an exact power of ten is correctly rounded, which is what
    // Python's string round-trip yields.
    scaled.round_ties_even() / scale
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Letters, whitespace, ASCII punctuation and multi-byte characters.
    const AWKWARD: &str =
        "[a-zA-Z' .!:;()\\t\\n\u{b}\u{1c}\u{1f}\u{85}\u{a0}\u{2003}\u{3000}\u{200b}é¡ΟΣ😡]{0,40}";

    proptest! {
        #[test]
        fn strip_punctuation_is_trimming_punctuation_characters(token in AWKWARD) {
            prop_assert_eq!(
                strip_ascii_punctuation(&token),
                token.trim_matches(|c: char| c.is_ascii_punctuation())
            );
        }
    }

    #[test]
    fn whitespace_includes_python_separators() {
        assert!(is_whitespace('\u{1f}'));
        assert!(is_whitespace('\u{a0}'));
        assert!(is_whitespace('\u{3000}'));
        assert!(!is_whitespace('\u{200b}'));
        assert!(!is_whitespace('x'));
    }

    #[test]
    fn is_upper_follows_python() {
        assert!(is_upper("GREAT"));
        assert!(is_upper("GREAT!!"));
        assert!(is_upper("ÉTÉ"));
        assert!(!is_upper("Great"));
        assert!(!is_upper(":)"));
        assert!(!is_upper(""));
        assert!(!is_upper("\u{1c5}A"));
    }

    #[test]
    fn lowercase_matches_python() {
        let mut out = String::new();
        push_lowercase(&mut out, "HeLLo");
        push_lowercase(&mut out, " ΟΔΟΣ");
        assert_eq!(out, "hello οδος");
    }

    #[test]
    fn strip_punctuation_keeps_inner_characters() {
        assert_eq!(strip_ascii_punctuation("'don't!'"), "don't");
        assert_eq!(strip_ascii_punctuation(":)"), "");
        assert_eq!(strip_ascii_punctuation("¡hola!"), "¡hola");
    }

    #[test]
    fn rounding_is_half_even_on_the_exact_value() {
        // 0.0625 is an exact tie at 3 decimals; 0.0375 is just below its tie in binary.
        assert_eq!(round_decimal(0.0625, 3), 0.062);
        assert_eq!(round_decimal(-0.0625, 3), -0.062);
        assert_eq!(round_decimal(0.0375, 3), 0.037);
        assert_eq!(round_decimal(0.12345, 4), 0.1235);
        assert_eq!(round_decimal(0.9571_4, 4), 0.9571);
        assert_eq!(round_decimal(1.0, 3), 1.0);
        assert!(round_decimal(-0.00001, 4).is_sign_negative());
    }
}
