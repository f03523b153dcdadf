//! Training: seeded split, SGD on logistic losses, evaluation on the held-out part.
//!
//! Deterministic: the same taxonomy, examples and options give the same weights (and so the
//! same model version) on every machine, because shuffling uses a seeded SplitMix64 and the
//! arithmetic is sequential.

use serde::{Deserialize, Serialize};

use crate::eval::{self, Evaluation, MultiLabelOutcome};
use crate::features::{Hasher, Scratch};
use crate::model::{Linear, Model, ModelMeta, sigmoid, softmax};
use crate::sentiment::Vader;
use crate::taxonomy::Taxonomy;

/// A labelled example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// The post.
    pub text: String,
    /// Department ids; empty means none of the taxonomy's departments.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Intent id; `None` when the example only teaches departments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
}

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Share of examples held out for evaluation, in `0..1`; 0 trains on everything.
    pub holdout_fraction: f64,
    /// Seed of the split and of the example order.
    pub seed: u64,
    /// Passes over the training examples.
    pub epochs: usize,
    /// Features are hashed into `2^feature_bits` buckets.
    pub feature_bits: u32,
    /// Starting learning rate (it decays linearly to a tenth).
    pub learning_rate: f32,
    /// L2 penalty, applied to the rows an example touches.
    pub l2: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            holdout_fraction: 0.2,
            seed: 42,
            epochs: 12,
            feature_bits: 18,
            learning_rate: 0.8,
            l2: 1e-5,
        }
    }
}

/// Why training was refused.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// An example names a label the taxonomy lacks, or has no text.
    #[error("examples[{index}]: field `{field}` {reason}")]
    InvalidExample {
        /// Position of the example in the input.
        index: usize,
        /// `text`, `departments` or `intent`.
        field: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// The options are out of range.
    #[error("option `{field}` {reason}")]
    InvalidOption {
        /// The option's name.
        field: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// There is nothing to train on.
    #[error("no examples to train on")]
    NoExamples,
}

/// An example as indices into the taxonomy.
#[derive(Debug, Clone)]
struct Encoded {
    features: Vec<(u32, f32)>,
    departments: Vec<usize>,
    intent: Option<usize>,
}

/// Trains a model for `taxonomy` on `examples` (plus the taxonomy's own keywords and example
/// posts), holding out `options.holdout_fraction` of `examples` for evaluation. The model
/// returned is the one evaluated: it has not seen the held-out examples.
pub fn train(
    taxonomy: &Taxonomy,
    examples: &[Example],
    options: &TrainOptions,
    created_unix_seconds: i64,
) -> Result<Model, TrainError> {
    let (mut encoded, mut rng) = prepare(taxonomy, examples, options)?;
    let held = (encoded.len() as f64 * options.holdout_fraction).round() as usize;
    let training = encoded.split_off(held);
    let holdout = encoded;
    let (departments, intents) = fit(taxonomy, training, options, &mut rng);

    let meta = ModelMeta {
        version: String::new(),
        // Set after hashing, so the version depends on content, not on the clock.
        created_unix_seconds: 0,
        taxonomy: taxonomy.clone(),
        feature_bits: options.feature_bits,
        department_evaluation: None,
        intent_evaluation: None,
    };
    let mut model = Model::from_linear(meta, &departments, &intents);
    if !holdout.is_empty() {
        let (d, i) = outcomes(&model, &holdout);
        model.meta.department_evaluation = Some(eval::multi_label(&taxonomy.department_ids(), &d));
        model.meta.intent_evaluation =
            (!i.is_empty()).then(|| eval::single_label(&taxonomy.intent_ids(), &i));
    }
    model.meta.version = content_version(&model);
    model.meta.created_unix_seconds = created_unix_seconds;
    Ok(model)
}

/// k-fold cross-validation: every example is predicted by a model trained on the other
/// folds (plus the taxonomy's keywords and example posts), and the predictions are pooled
/// into one evaluation per task. `options.holdout_fraction` is ignored.
pub fn cross_validate(
    taxonomy: &Taxonomy,
    examples: &[Example],
    folds: usize,
    options: &TrainOptions,
) -> Result<(Evaluation, Option<Evaluation>), TrainError> {
    if folds < 2 || folds > examples.len() {
        return Err(TrainError::InvalidOption {
            field: "folds",
            reason: format!("must be in 2..={}, not {folds}", examples.len()),
        });
    }
    let (encoded, mut rng) = prepare(taxonomy, examples, options)?;
    let (mut departments, mut intents) = (Vec::new(), Vec::new());
    for fold in 0..folds {
        let (test, training): (Vec<_>, Vec<_>) = encoded
            .iter()
            .enumerate()
            .partition(|(i, _)| i % folds == fold);
        let test: Vec<Encoded> = test.into_iter().map(|(_, e)| e.clone()).collect();
        let training = training.into_iter().map(|(_, e)| e.clone()).collect();
        let (d, i) = fit(taxonomy, training, options, &mut rng);
        let meta = ModelMeta {
            version: String::new(),
            created_unix_seconds: 0,
            taxonomy: taxonomy.clone(),
            feature_bits: options.feature_bits,
            department_evaluation: None,
            intent_evaluation: None,
        };
        let model = Model::from_linear(meta, &d, &i);
        let (d, i) = outcomes(&model, &test);
        departments.extend(d);
        intents.extend(i);
    }
    let intents =
        (!intents.is_empty()).then(|| eval::single_label(&taxonomy.intent_ids(), &intents));
    Ok((
        eval::multi_label(&taxonomy.department_ids(), &departments),
        intents,
    ))
}

/// Checks options, encodes the examples and shuffles them with the seeded generator, which
/// is returned for the training that follows.
fn prepare(
    taxonomy: &Taxonomy,
    examples: &[Example],
    options: &TrainOptions,
) -> Result<(Vec<Encoded>, SplitMix64), TrainError> {
    if !(0.0..1.0).contains(&options.holdout_fraction) {
        return Err(TrainError::InvalidOption {
            field: "holdout_fraction",
            reason: format!("must be in [0, 1), not {}", options.holdout_fraction),
        });
    }
    if !(8..=24).contains(&options.feature_bits) {
        return Err(TrainError::InvalidOption {
            field: "feature_bits",
            reason: format!("must be in 8..=24, not {}", options.feature_bits),
        });
    }
    if examples.is_empty() {
        return Err(TrainError::NoExamples);
    }
    let hasher = Hasher::new(options.feature_bits);
    let mut scratch = Scratch::default();
    let mut encoded = examples
        .iter()
        .enumerate()
        .map(|(index, ex)| encode(taxonomy, index, ex, hasher, &mut scratch))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rng = SplitMix64(options.seed);
    shuffle(&mut encoded, &mut rng);
    Ok((encoded, rng))
}

/// Trains both classifiers on `training` plus the taxonomy's keywords and example posts.
fn fit(
    taxonomy: &Taxonomy,
    mut training: Vec<Encoded>,
    options: &TrainOptions,
    rng: &mut SplitMix64,
) -> (Linear, Linear) {
    let hasher = Hasher::new(options.feature_bits);
    let mut scratch = Scratch::default();
    for (c, dept) in taxonomy.departments.iter().enumerate() {
        for text in dept.keywords.iter().chain(&dept.examples) {
            let compound = Vader::new().polarity_scores(text).compound;
            hasher.featurise(text, compound, &mut scratch);
            training.push(Encoded {
                features: scratch.features.clone(),
                departments: vec![c],
                intent: None,
            });
        }
    }
    let mut departments = Linear::zeros(options.feature_bits, taxonomy.departments.len());
    let mut intents = Linear::zeros(options.feature_bits, taxonomy.intents.len());
    sgd(&mut departments, &mut intents, &mut training, options, rng);
    (departments, intents)
}

/// Evaluates `model` on labelled `examples`: departments, and intent over the examples that
/// have one (`None` when none has).
pub fn evaluate(
    model: &Model,
    examples: &[Example],
) -> Result<(Evaluation, Option<Evaluation>), TrainError> {
    let mut scratch = Scratch::default();
    let encoded = examples
        .iter()
        .enumerate()
        .map(|(index, ex)| encode(model.taxonomy(), index, ex, model.hasher(), &mut scratch))
        .collect::<Result<Vec<_>, _>>()?;
    let (departments, intents) = outcomes(model, &encoded);
    let taxonomy = model.taxonomy();
    let intents =
        (!intents.is_empty()).then(|| eval::single_label(&taxonomy.intent_ids(), &intents));
    Ok((
        eval::multi_label(&taxonomy.department_ids(), &departments),
        intents,
    ))
}

/// Department outcomes for every example, and (true, predicted) intent pairs for those with
/// an intent.
fn outcomes(model: &Model, examples: &[Encoded]) -> (Vec<MultiLabelOutcome>, Vec<(usize, usize)>) {
    let mut scores = Vec::new();
    let mut outcomes = Vec::with_capacity(examples.len());
    let mut intent_pairs = Vec::new();
    let department_count = model.taxonomy().departments.len();
    for ex in examples {
        model.weights.scores(&ex.features, &mut scores);
        let (departments, intents) = scores.split_at(department_count);
        let mut predicted: Vec<(usize, f32)> = departments
            .iter()
            .map(|&s| sigmoid(s))
            .enumerate()
            .filter(|&(_, p)| p >= crate::model::DEPARTMENT_THRESHOLD)
            .collect();
        predicted.sort_by(|a, b| b.1.total_cmp(&a.1));
        outcomes.push(MultiLabelOutcome {
            truth: ex.departments.clone(),
            predicted: predicted.into_iter().map(|(c, _)| c).collect(),
        });
        if let Some(truth) = ex.intent {
            intent_pairs.push((truth, argmax(intents)));
        }
    }
    (outcomes, intent_pairs)
}

fn encode(
    taxonomy: &Taxonomy,
    index: usize,
    ex: &Example,
    hasher: Hasher,
    scratch: &mut Scratch,
) -> Result<Encoded, TrainError> {
    let invalid = |field, reason| TrainError::InvalidExample {
        index,
        field,
        reason,
    };
    if ex.text.trim().is_empty() {
        return Err(invalid("text", "must not be empty".to_owned()));
    }
    let mut departments = Vec::with_capacity(ex.departments.len());
    for id in &ex.departments {
        let c = taxonomy
            .departments
            .iter()
            .position(|d| &d.id == id)
            .ok_or_else(|| invalid("departments", format!("names unknown department {id:?}")))?;
        if !departments.contains(&c) {
            departments.push(c);
        }
    }
    let intent = match ex.intent.as_deref() {
        None | Some("") => None,
        Some(id) => Some(
            taxonomy
                .intents
                .iter()
                .position(|i| i.id == id)
                .ok_or_else(|| invalid("intent", format!("names unknown intent {id:?}")))?,
        ),
    };
    let compound = Vader::new().polarity_scores(&ex.text).compound;
    hasher.featurise(&ex.text, compound, scratch);
    Ok(Encoded {
        features: scratch.features.clone(),
        departments,
        intent,
    })
}

/// Plain SGD on the one-vs-rest logistic loss (departments) and the softmax cross-entropy
/// (intent), with class weights `sqrt(n / (k · n_class))` so rare classes are not ignored
/// and positive-department weights `sqrt(negatives / positives)` (at most 10) for the same
/// reason.
fn sgd(
    departments: &mut Linear,
    intents: &mut Linear,
    training: &mut [Encoded],
    options: &TrainOptions,
    rng: &mut SplitMix64,
) {
    let n = training.len() as f32;
    let mut dept_pos = vec![0f32; departments.classes];
    let mut intent_count = vec![0f32; intents.classes];
    let mut with_intent = 0f32;
    for ex in training.iter() {
        for &c in &ex.departments {
            dept_pos[c] += 1.0;
        }
        if let Some(c) = ex.intent {
            intent_count[c] += 1.0;
            with_intent += 1.0;
        }
    }
    let pos_weight: Vec<f32> = dept_pos
        .iter()
        .map(|&p| {
            if p == 0.0 {
                1.0
            } else {
                ((n - p) / p).sqrt().clamp(1.0, 10.0)
            }
        })
        .collect();
    let present = intent_count.iter().filter(|&&c| c > 0.0).count() as f32;
    let intent_weight: Vec<f32> = intent_count
        .iter()
        .map(|&c| {
            if c == 0.0 {
                0.0
            } else {
                (with_intent / (present * c)).sqrt()
            }
        })
        .collect();

    let mut scores = Vec::new();
    let mut grad = vec![0f32; departments.classes.max(intents.classes)];
    let total_steps = (options.epochs * training.len()).max(1) as f32;
    let mut step = 0f32;
    for _ in 0..options.epochs {
        shuffle(training, rng);
        for ex in training.iter() {
            let lr = options.learning_rate * (1.0 - 0.9 * step / total_steps);
            step += 1.0;

            departments.scores(&ex.features, &mut scores);
            for (c, s) in scores.iter().enumerate() {
                let positive = ex.departments.contains(&c);
                let target = if positive { 1.0 } else { 0.0 };
                let weight = if positive { pos_weight[c] } else { 1.0 };
                grad[c] = (sigmoid(*s) - target) * weight;
            }
            update(
                departments,
                &ex.features,
                &grad[..departments.classes],
                lr,
                options.l2,
            );

            if let Some(truth) = ex.intent {
                intents.scores(&ex.features, &mut scores);
                softmax(&mut scores);
                let weight = intent_weight[truth];
                for (c, p) in scores.iter().enumerate() {
                    let target = if c == truth { 1.0 } else { 0.0 };
                    grad[c] = (p - target) * weight;
                }
                update(
                    intents,
                    &ex.features,
                    &grad[..intents.classes],
                    lr,
                    options.l2,
                );
            }
        }
    }
}

fn update(linear: &mut Linear, x: &[(u32, f32)], grad: &[f32], lr: f32, l2: f32) {
    let k = linear.classes;
    for (b, g) in linear.bias.iter_mut().zip(grad) {
        *b -= lr * g;
    }
    for &(i, v) in x {
        let row = &mut linear.weights[i as usize * k..][..k];
        for (w, g) in row.iter_mut().zip(grad) {
            *w -= lr * (g * v + l2 * *w);
        }
    }
}

fn argmax(xs: &[f32]) -> usize {
    xs.iter()
        .enumerate()
        .fold(
            (0, f32::MIN),
            |acc, (i, &x)| if x > acc.1 { (i, x) } else { acc },
        )
        .0
}

/// FNV-1a over the model file without its version: equal models, equal versions.
fn content_version(model: &Model) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = model.to_bytes().unwrap_or_default();
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// SplitMix64: tiny, seedable, and the same on every platform.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
