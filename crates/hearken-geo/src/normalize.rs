//! Text normalisation shared by the index and the queries, so both sides agree.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `s` to lowercase ASCII-ish words separated by single spaces: accents dropped
/// ("Montréal" → "montreal"), apostrophes removed ("Coeur d'Alene" → "coeur dalene"),
/// every other non-alphanumeric run becomes one space, and the usual abbreviations of
/// place-name words are expanded so "St. Louis" and "Saint Louis" meet.
pub(crate) fn normalize(s: &str) -> String {
    // Most names are ASCII already; decomposing them is the bulk of start-up time.
    if s.is_ascii() {
        fold(s.chars())
    } else {
        fold(s.nfkd())
    }
}

fn fold(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut word_start = 0;
    let mut gap = false;
    let mut previous_single = false;
    let finish_word = |out: &mut String, word_start: usize, previous_single: &mut bool| {
        let word = &out[word_start..];
        let expanded = match word {
            "st" => "saint",
            "ste" => "sainte",
            "ft" => "fort",
            "mt" => "mount",
            _ => "",
        };
        let single = word.chars().nth(1).is_none();
        if !expanded.is_empty() {
            out.truncate(word_start);
            out.push_str(expanded);
        } else if single && *previous_single && word_start > 0 {
            // Initialisms written with dots ("D.C.", "U.S.A.") become one word again.
            out.remove(word_start - 1);
        }
        *previous_single = single && expanded.is_empty();
    };
    for c in chars {
        if is_combining_mark(c) || c == '\'' || c == '\u{2019}' {
            continue;
        }
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                finish_word(&mut out, word_start, &mut previous_single);
                out.push(' ');
                word_start = out.len();
            }
            gap = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            gap = true;
        }
    }
    if !out.is_empty() {
        finish_word(&mut out, word_start, &mut previous_single);
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
