//! Classification of mentions: sentiment first (VADER), more classifiers to come.

pub mod sentiment;

pub use sentiment::{SentimentLabel, SentimentScores, Vader};
