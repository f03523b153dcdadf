//! Classification of mentions: VADER sentiment, departments and intent from a trainable
//! linear model over a configurable taxonomy, topics, language and urgency.
//!
//! ```no_run
//! use hearken_classify::{Classifier, Document, default_model};
//!
//! let classifier = Classifier::new(default_model().expect("the shipped model loads"));
//! let c = classifier.classify(&Document {
//!     text: "@acme my package never arrived and support won't answer".into(),
//!     ..Document::default()
//! });
//! println!("{:?} {:?} {}", c.departments, c.intent, c.urgency);
//! ```

mod classifier;
pub mod eval;
mod features;
pub mod grpc;
pub mod io;
pub mod lang;
mod model;
pub mod sentiment;
pub mod taxonomy;
pub mod topics;
mod train;
pub mod urgency;

pub use classifier::{
    Classification, Classifier, DEFAULT_EXAMPLES_JSONL, DEFAULT_MODEL, DefaultModelError, Document,
    Label, Sentiment, default_examples, default_model,
};
pub use eval::Evaluation;
pub use model::{
    DEPARTMENT_THRESHOLD, FeatureWeight, LabelExplanation, LabelScore, Model, ModelError,
    ModelMeta, Prediction,
};
pub use sentiment::{SentimentLabel, SentimentScores, Vader};
pub use taxonomy::{Taxonomy, TaxonomyError};
pub use train::{Example, TrainError, TrainOptions, cross_validate, evaluate, train};
