//! Access to the VADER reference data in the workspace's shared data folder.

use std::path::{Path, PathBuf};

/// The four ICWSM 2014 corpora, by their file-name prefix (also the TSV's corpus column).
pub(crate) const CORPORA: [&str; 4] = [
    "tweets",
    "nytEditorialSnippets",
    "movieReviewSnippets",
    "amazonReviewSnippets",
];

/// `$HEARKEN_SHARED_DATA/vader-reference`, defaulting to `shared/data` beside the clone.
pub(crate) fn vader_reference_dir() -> PathBuf {
    let shared = std::env::var_os("HEARKEN_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    shared.join("vader-reference")
}

/// One line of a `*_GroundTruth.txt` file.
#[derive(Debug)]
pub(crate) struct Rated {
    pub(crate) id: String,
    pub(crate) human_mean: f64,
    pub(crate) text: String,
}

/// Reads a corpus the way the reference scores were produced: UTF-8, Python
/// `str.splitlines()`, blank lines skipped, split on the first two tabs.
pub(crate) fn ground_truth(corpus: &str) -> Vec<Rated> {
    let path = vader_reference_dir()
        .join("icwsm2014_ground_truth")
        .join(format!("{corpus}_GroundTruth.txt"));
    let content = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    python_splitlines(&content)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut fields = line.splitn(3, '\t');
            let (Some(id), Some(mean), Some(text)) = (fields.next(), fields.next(), fields.next())
            else {
                panic!("{corpus}: line without three fields: {line:?}");
            };
            Rated {
                id: id.to_owned(),
                human_mean: mean
                    .parse()
                    .unwrap_or_else(|e| panic!("{corpus} {id}: bad mean {mean:?}: {e}")),
                text: text.to_owned(),
            }
        })
        .collect()
}

/// Python's `str.splitlines()`, whose line boundaries go beyond `\n` and `\r\n`.
fn python_splitlines(text: &str) -> impl Iterator<Item = &str> {
    let is_boundary = |c: char| {
        matches!(
            c,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        )
    };
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(end) = rest.find(is_boundary) else {
            return Some(std::mem::take(&mut rest));
        };
        let line = &rest[..end];
        let boundary_len = if rest[end..].starts_with("\r\n") {
            2
        } else {
            rest[end..].chars().next().map_or(1, char::len_utf8)
        };
        rest = &rest[end + boundary_len..];
        Some(line)
    })
}

/// Pearson correlation coefficient.
pub(crate) fn pearson(xs: &[f64], ys: &[f64]) -> f64 {
    assert_eq!(xs.len(), ys.len());
    let n = xs.len() as f64;
    let mean_x = xs.iter().sum::<f64>() / n;
    let mean_y = ys.iter().sum::<f64>() / n;
    let (mut cov, mut var_x, mut var_y) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        cov += (x - mean_x) * (y - mean_y);
        var_x += (x - mean_x).powi(2);
        var_y += (y - mean_y).powi(2);
    }
    cov / (var_x * var_y).sqrt()
}

#[test]
fn splitlines_matches_python() {
    let lines: Vec<&str> = python_splitlines("a\r\nb\rc\u{85}d\n\ne").collect();
    assert_eq!(lines, ["a", "b", "c", "d", "", "e"]);
    assert_eq!(python_splitlines("x\n").count(), 1);
}

#[test]
fn pearson_of_a_line_is_one() {
    let r = pearson(&[1.0, 2.0, 3.0], &[-2.0, 0.0, 2.0]);
    assert!((r - 1.0).abs() < 1e-12);
    let r = pearson(&[1.0, 2.0, 3.0], &[2.0, 0.0, -2.0]);
    assert!((r + 1.0).abs() < 1e-12);
}

/// `$HEARKEN_SHARED_DATA`, defaulting to `shared/data` beside the clone.
pub(crate) fn shared_dir() -> PathBuf {
    vader_reference_dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Prints an evaluation so that `cargo test -- --nocapture` shows the measured numbers.
pub(crate) fn print_evaluation(title: &str, e: &hearken_classify::Evaluation) {
    println!(
        "{title}: n={} accuracy={:.3} macro-F1={:.3}",
        e.example_count, e.accuracy, e.macro_f1
    );
    for c in &e.classes {
        println!(
            "  {:<20} P={:.3} R={:.3} F1={:.3} support={}",
            c.id, c.precision, c.recall, c.f1, c.support
        );
    }
    println!(
        "  confusion (rows true, columns predicted): {:?}",
        e.confusion.labels
    );
    for (label, row) in e.confusion.labels.iter().zip(&e.confusion.counts) {
        println!("  {label:<20} {row:?}");
    }
}
