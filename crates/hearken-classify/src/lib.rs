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
mod packed;
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

/// Asks the processor to start loading the cache line at `item`; a hint, with no effect on
/// results.
///
/// On x86-64 this is a prefetch instruction rather than a load: a load holds its place in the
/// reorder buffer until its data arrives, which caps how many misses overlap, while a
/// prefetch retires at once.
pub(crate) fn prefetch<T>(item: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of the x86-64 baseline, and a prefetch only hints: it reads
    // nothing into the program and cannot fault, whatever the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(item).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}
