//! Evaluation: accuracy, macro-F1, per-class precision and recall, confusion matrix.

use serde::{Deserialize, Serialize};

/// Label used in department evaluations for "no department applies".
pub const NO_DEPARTMENT: &str = "none";

/// How well a model did on held-out examples, for one task (departments or intent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Share of examples whose (primary) label was right.
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1 over classes with support or predictions.
    pub macro_f1: f64,
    /// Per-class metrics, in label order.
    pub classes: Vec<ClassMetrics>,
    /// Number of evaluated examples.
    pub example_count: u64,
    /// Rows are true labels, columns predicted labels, both in `labels` order.
    pub confusion: ConfusionMatrix,
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Class id.
    pub id: String,
    /// Of the examples predicted as this class, the share that are.
    pub precision: f64,
    /// Of the examples of this class, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Number of examples of this class.
    pub support: u64,
}

/// Counts of (true, predicted) label pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Label ids; index `i` names row `i` and column `i`.
    pub labels: Vec<String>,
    /// `counts[true][predicted]`.
    pub counts: Vec<Vec<u64>>,
}

/// Single-label evaluation from (true, predicted) label indices into `labels`.
pub fn single_label(labels: &[String], pairs: &[(usize, usize)]) -> Evaluation {
    let k = labels.len();
    let mut counts = vec![vec![0u64; k]; k];
    for &(t, p) in pairs {
        counts[t][p] += 1;
    }
    let classes = (0..k)
        .map(|c| {
            let tp = counts[c][c];
            let support: u64 = counts[c].iter().sum();
            let predicted: u64 = counts.iter().map(|row| row[c]).sum();
            metrics(&labels[c], tp, predicted, support)
        })
        .collect();
    let correct: u64 = (0..k).map(|c| counts[c][c]).sum();
    finish(classes, correct, pairs.len() as u64, labels, counts)
}

/// Multi-label department evaluation. Per-class metrics count each department's yes/no
/// decision (plus `none` for "no department"); accuracy and the confusion matrix use the
/// primary label: the most confident department predicted, correct when it is one of the
/// true departments (or `none` for both).
pub fn multi_label(departments: &[String], examples: &[MultiLabelOutcome]) -> Evaluation {
    let mut labels = departments.to_vec();
    labels.push(NO_DEPARTMENT.to_owned());
    let none = departments.len();
    let k = labels.len();
    let (mut tp, mut predicted, mut support) = (vec![0u64; k], vec![0u64; k], vec![0u64; k]);
    let mut counts = vec![vec![0u64; k]; k];
    let mut correct = 0u64;
    for ex in examples {
        let truth: Vec<usize> = if ex.truth.is_empty() {
            vec![none]
        } else {
            ex.truth.clone()
        };
        let pred: Vec<usize> = if ex.predicted.is_empty() {
            vec![none]
        } else {
            ex.predicted.clone()
        };
        for &t in &truth {
            support[t] += 1;
            if pred.contains(&t) {
                tp[t] += 1;
            }
        }
        for &p in &pred {
            predicted[p] += 1;
        }
        let primary = pred[0];
        let row = if truth.contains(&primary) {
            correct += 1;
            primary
        } else {
            truth[0]
        };
        counts[row][primary] += 1;
    }
    let classes = (0..k)
        .map(|c| metrics(&labels[c], tp[c], predicted[c], support[c]))
        .collect();
    finish(classes, correct, examples.len() as u64, &labels, counts)
}

/// One example's true and predicted departments (indices; predicted most confident first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiLabelOutcome {
    /// True department indices; empty for "none".
    pub truth: Vec<usize>,
    /// Predicted department indices, most confident first; empty for "none".
    pub predicted: Vec<usize>,
}

fn metrics(id: &str, tp: u64, predicted: u64, support: u64) -> ClassMetrics {
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, predicted);
    let recall = ratio(tp, support);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    ClassMetrics {
        id: id.to_owned(),
        precision,
        recall,
        f1,
        support,
    }
}

fn finish(
    classes: Vec<ClassMetrics>,
    correct: u64,
    total: u64,
    labels: &[String],
    counts: Vec<Vec<u64>>,
) -> Evaluation {
    // Classes that never occur and are never predicted say nothing about the model.
    let scored: Vec<f64> = classes
        .iter()
        .zip(&counts)
        .enumerate()
        .filter(|(c, (m, _))| m.support > 0 || counts.iter().any(|row| row[*c] > 0))
        .map(|(_, (m, _))| m.f1)
        .collect();
    let macro_f1 = if scored.is_empty() {
        0.0
    } else {
        scored.iter().sum::<f64>() / scored.len() as f64
    };
    Evaluation {
        accuracy: if total == 0 {
            0.0
        } else {
            correct as f64 / total as f64
        },
        macro_f1,
        classes,
        example_count: total,
        confusion: ConfusionMatrix {
            labels: labels.to_vec(),
            counts,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_label_metrics_match_a_hand_count() {
        let labels = vec!["a".to_owned(), "b".to_owned()];
        // a→a, a→b, b→b, b→b
        let e = single_label(&labels, &[(0, 0), (0, 1), (1, 1), (1, 1)]);
        assert_eq!(e.accuracy, 0.75);
        assert_eq!(e.classes[0].precision, 1.0);
        assert_eq!(e.classes[0].recall, 0.5);
        assert!((e.classes[1].precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((e.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
        assert_eq!(e.confusion.counts, vec![vec![1, 1], vec![0, 2]]);
    }

    #[test]
    fn multi_label_counts_none_and_primary() {
        let deps = vec!["a".to_owned(), "b".to_owned()];
        let outcomes = [
            MultiLabelOutcome {
                truth: vec![0, 1],
                predicted: vec![1],
            },
            MultiLabelOutcome {
                truth: vec![],
                predicted: vec![],
            },
            MultiLabelOutcome {
                truth: vec![0],
                predicted: vec![1, 0],
            },
        ];
        let e = multi_label(&deps, &outcomes);
        assert_eq!(e.accuracy, 2.0 / 3.0);
        assert_eq!(e.classes[0].recall, 0.5);
        assert_eq!(e.classes[2].id, "none");
        assert_eq!(e.classes[2].f1, 1.0);
    }
}
