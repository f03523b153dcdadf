//! Agreement with vaderSentiment 3.3.2 on every text of the ICWSM 2014 corpora.

use std::collections::HashMap;
use std::fmt::Write as _;

use hearken_classify::{SentimentScores, Vader};

use crate::data::{self, CORPORA};

/// How many differing texts the failure message shows in full.
const SHOWN_MISMATCHES: usize = 20;

/// Python's `repr` of a float in the range VADER produces (no exponent needed).
fn python_repr(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.1}")
    } else {
        format!("{value}")
    }
}

/// The four scores as the reference TSV prints them: `neg neu pos compound`.
fn printed(scores: &SentimentScores) -> [String; 4] {
    [scores.neg, scores.neu, scores.pos, scores.compound].map(python_repr)
}

/// Texts where we knowingly differ from the reference, by `corpus:id`, with the reason.
fn allow_list() -> HashMap<String, String> {
    include_str!("vader_allow_list.tsv")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, reason) = line.split_once('\t').unwrap_or((line, ""));
            (key.to_owned(), reason.to_owned())
        })
        .collect()
}

#[test]
fn python_repr_prints_like_python() {
    assert_eq!(python_repr(0.0), "0.0");
    assert_eq!(python_repr(1.0), "1.0");
    assert_eq!(python_repr(-0.0), "-0.0");
    assert_eq!(python_repr(0.743), "0.743");
    assert_eq!(python_repr(-0.0001), "-0.0001");
}

#[test]
fn scores_equal_the_reference_on_all_corpora() {
    let tsv_path = data::vader_reference_dir().join("vader_3.3.2_reference_scores.tsv");
    let tsv = std::fs::read_to_string(&tsv_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", tsv_path.display()));
    let mut expected_rows = tsv
        .lines()
        .skip(1)
        .map(|line| line.split('\t').collect::<Vec<_>>());

    let allowed = allow_list();
    assert!(
        allowed.len() <= 23,
        "the allow list may hold at most 0.1% of the texts"
    );

    let vader = Vader::new();
    let mut compared = 0;
    let mut mismatches = Vec::new();
    let mut allowed_seen = 0;
    for corpus in CORPORA {
        for rated in data::ground_truth(corpus) {
            let row = expected_rows.next().expect("reference TSV ends early");
            assert_eq!(
                (row[0], row[1]),
                (corpus, rated.id.as_str()),
                "reference TSV out of step with the ground-truth files"
            );
            compared += 1;
            let expected = &row[3..7];
            let got = printed(&vader.polarity_scores(&rated.text));
            if got.as_slice() == expected {
                continue;
            }
            if allowed.contains_key(&format!("{corpus}:{}", rated.id)) {
                allowed_seen += 1;
                continue;
            }
            mismatches.push(format!(
                "{corpus}:{} {:?}\n    expected neg={} neu={} pos={} compound={}\n    got      neg={} neu={} pos={} compound={}",
                rated.id,
                rated.text,
                expected[0],
                expected[1],
                expected[2],
                expected[3],
                got[0],
                got[1],
                got[2],
                got[3],
            ));
        }
    }
    assert!(
        expected_rows.next().is_none(),
        "reference TSV has extra rows"
    );
    assert_eq!(compared, 23_703);

    let mut report = String::new();
    for mismatch in mismatches.iter().take(SHOWN_MISMATCHES) {
        writeln!(report, "{mismatch}").unwrap();
    }
    assert!(
        mismatches.is_empty(),
        "{} of {compared} texts differ from vaderSentiment 3.3.2 (first {}):\n{report}",
        mismatches.len(),
        SHOWN_MISMATCHES.min(mismatches.len()),
    );
    println!("{compared} texts agree with the reference ({allowed_seen} allow-listed)");
}
