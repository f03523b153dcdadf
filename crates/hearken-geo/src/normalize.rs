//! Text normalisation shared by the index and the queries, so both sides agree.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `s` to lowercase ASCII-ish words separated by single spaces: accents dropped
/// ("Montréal" → "montreal"), apostrophes removed ("Coeur d'Alene" → "coeur dalene"),
/// every other non-alphanumeric run becomes one space, and the usual abbreviations of
/// place-name words are expanded so "St. Louis" and "Saint Louis" meet.
pub(crate) fn normalize(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    let mut gap = false;
    // Most names are ASCII already; decomposing them is the bulk of start-up time.
    let chars: Box<dyn Iterator<Item = char>> = if s.is_ascii() {
        Box::new(s.chars())
    } else {
        Box::new(s.nfkd())
    };
    for c in chars {
        if is_combining_mark(c) || c == '\'' || c == '\u{2019}' {
            continue;
        }
        if c.is_alphanumeric() {
            if gap && !folded.is_empty() {
                folded.push(' ');
            }
            gap = false;
            folded.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    let mut out = String::with_capacity(folded.len() + 8);
    let mut previous_single = false;
    for word in folded.split(' ').filter(|w| !w.is_empty()) {
        // Initialisms written with dots ("D.C.", "U.S.A.") become one word again.
        let single = word.chars().nth(1).is_none();
        if !(out.is_empty() || single && previous_single) {
            out.push(' ');
        }
        previous_single = single;
        out.push_str(match word {
            "st" => "saint",
            "ste" => "sainte",
            "ft" => "fort",
            "mt" => "mount",
            other => other,
        });
    }
    out
}

/// Country codes spelled with emoji flags (pairs of regional indicator symbols).
pub(crate) fn flag_countries(s: &str) -> Vec<String> {
    const BASE: u32 = 0x1F1E6;
    let mut out = Vec::new();
    let mut pending: Option<char> = None;
    for c in s.chars() {
        let code = c as u32;
        if (BASE..BASE + 26).contains(&code) {
            let letter = char::from(b'A' + (code - BASE) as u8);
            match pending.take() {
                Some(first) => out.push([first, letter].iter().collect()),
                None => pending = Some(letter),
            }
        } else {
            pending = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_punctuation_and_abbreviations() {
        assert_eq!(normalize("  Montréal, QC "), "montreal qc");
        assert_eq!(normalize("St. Louis"), "saint louis");
        assert_eq!(normalize("Coeur d'Alene"), "coeur dalene");
        assert_eq!(normalize("Washington, D.C."), "washington dc");
        assert_eq!(normalize("u.s.a"), "usa");
        assert_eq!(normalize("!!!"), "");
    }

    #[test]
    fn reads_flags() {
        assert_eq!(flag_countries("home 🇬🇧 and 🇺🇸"), vec!["GB", "US"]);
        assert!(flag_countries("no flags").is_empty());
    }
}
