//! Full classification of one document: sentiment, departments, intent, topics, language,
//! urgency.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::model::{LabelScore, Model};
use crate::sentiment::{SentimentLabel, SentimentScores, Vader};
use crate::train::Example;
use crate::{lang, topics, urgency};

/// Labelled examples the default model is trained on (see `data/README.md`).
pub const DEFAULT_EXAMPLES_JSONL: &str = include_str!("../data/examples.jsonl");

/// A text to classify.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Caller's identifier, echoed in the output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The post.
    pub text: String,
    /// The platform's language hint (ISO 639-1), trusted over detection when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The author's followers, which raise urgency.
    #[serde(default)]
    pub author_followers_count: u64,
}

/// VADER scores and label, as they appear in outputs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// Negative share.
    pub neg: f64,
    /// Neutral share.
    pub neu: f64,
    /// Positive share.
    pub pos: f64,
    /// Normalised valence sum, -1..1.
    pub compound: f64,
    /// `negative`, `neutral` or `positive`.
    pub label: Label,
}

/// Sentiment label in outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Compound ≤ -0.05.
    Negative,
    /// In between.
    Neutral,
    /// Compound ≥ 0.05.
    Positive,
}

impl From<SentimentScores> for Sentiment {
    fn from(s: SentimentScores) -> Self {
        Self {
            neg: s.neg,
            neu: s.neu,
            pos: s.pos,
            compound: s.compound,
            label: match s.label() {
                SentimentLabel::Negative => Label::Negative,
                SentimentLabel::Neutral => Label::Neutral,
                SentimentLabel::Positive => Label::Positive,
            },
        }
    }
}

/// Everything Hearken decides about one document; the field names are the output format's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The document's id, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// VADER sentiment.
    pub sentiment: Sentiment,
    /// Assigned departments, most confident first; empty for "none of these".
    pub departments: Vec<LabelScore>,
    /// The most likely intent.
    pub intent: LabelScore,
    /// Hashtags and key phrases.
    pub topics: Vec<String>,
    /// ISO 639-1 code, or empty when unsure.
    pub language: String,
    /// How soon someone should act, 0..1 (see [`crate::urgency`]).
    pub urgency: f64,
    /// Version of the model that decided departments and intent.
    pub model_version: String,
    /// The features that weighed most for the top department, human-readable (`word
    /// "refund"`, `#delayed`, `@united`), strongest first; only when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_reasons: Vec<String>,
}

/// Classifies documents with one model. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Classifier {
    vader: Vader,
    model: Arc<Model>,
}

impl Classifier {
    /// A classifier using `model`.
    pub fn new(model: Arc<Model>) -> Self {
        Self {
            vader: Vader::new(),
            model,
        }
    }

    /// The model in use.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// Classifies one document.
    pub fn classify(&self, doc: &Document) -> Classification {
        self.classify_with_reasons(doc, 0)
    }

    /// Classifies one document, with up to `reasons` routing reasons for its top
    /// department (none when no department is assigned). Asking for none costs nothing.
    pub fn classify_with_reasons(&self, doc: &Document, reasons: usize) -> Classification {
        let scores = self.vader.polarity_scores(&doc.text);
        let prediction = self.model.predict_with_compound(&doc.text, scores.compound);
        let intent_weight = self.model.taxonomy().intent_urgency(&prediction.intent.id);
        let urgency = urgency::urgency(
            intent_weight,
            prediction.intent.confidence,
            scores.compound,
            doc.author_followers_count,
        );
        let language = match doc.language.as_deref().map(str::trim) {
            Some(hint) if !hint.is_empty() => hint.to_lowercase(),
            _ => lang::detect(&doc.text).to_owned(),
        };
        let routing_reasons = match prediction.departments.first() {
            Some(top) if reasons > 0 => self
                .model
                .taxonomy()
                .departments
                .iter()
                .position(|d| d.id == top.id)
                .map(|department| {
                    self.model
                        .routing_reasons(&doc.text, scores.compound, department, reasons)
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Classification {
            id: doc.id.clone(),
            sentiment: scores.into(),
            departments: prediction.departments,
            intent: prediction.intent,
            topics: topics::extract(&doc.text),
            language,
            urgency,
            model_version: self.model.version().to_owned(),
            routing_reasons,
        }
    }
}

/// The default model's file: the default taxonomy trained on the shipped examples with the
/// default options and nothing held out (see `data/README.md`). Shipped trained, because
/// training takes longer than a whole `hearken classify` run of thousands of texts; a test
/// checks that training again gives this very model.
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../data/default.model");

/// Why the default model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DefaultModelError {
    /// The shipped model file does not parse.
    #[error("shipped model: {0}")]
    Model(#[from] crate::model::ModelError),
}

/// The default model, parsed once per process on first use. Every process and replica has
/// the same model version.
pub fn default_model() -> Result<Arc<Model>, Arc<DefaultModelError>> {
    static MODEL: OnceLock<Result<Arc<Model>, Arc<DefaultModelError>>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            Model::from_bytes(DEFAULT_MODEL)
                .map(Arc::new)
                .map_err(|e| Arc::new(e.into()))
        })
        .clone()
}

/// The shipped labelled examples.
pub fn default_examples() -> Result<Vec<Example>, crate::io::ReadError> {
    crate::io::read_examples(DEFAULT_EXAMPLES_JSONL.as_bytes())
}
