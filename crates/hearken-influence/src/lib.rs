//! Influence: who is speaking and how far their voice carries, scored from the interaction
//! graph with every component shown.
//!
//! - [`Graph`] is a compressed-sparse-row directed weighted graph built once from an edge list;
//!   [`pagerank`] computes weighted, optionally personalised PageRank on it with the same
//!   semantics as igraph's PRPACK implementation. [`NodeIndex`] maps author handles to the
//!   dense `u32` ids the graph uses, and the [`csv`] module reads and writes the offline file
//!   formats.
//! - [`score`] is the formula: reach, engagement, network and topical authority, recency and
//!   the composite.
//! - [`mapping`] turns a mention into the interactions it carries.
//! - [`InfluenceState`] is the service as plain async code over the store, [`grpc_service`]
//!   its thin tonic adapter, and [`run_scheduler`] recomputes in the background.

pub mod convert;
pub mod csv;
mod graph;
mod grpc;
pub mod mapping;
mod node_index;
mod pagerank;
mod scheduler;
pub mod score;
mod service;

pub use graph::{Graph, GraphError};
pub use grpc::{InfluenceGrpc, MAX_LISTED_ERRORS, grpc_service};
pub use mapping::{
    interactions_from_mention, interactions_from_mention_with, interactions_from_mentions,
    interactions_from_mentions_with,
};
pub use node_index::NodeIndex;
pub use pagerank::{PageRank, PageRankError, PageRankOptions, pagerank};
pub use scheduler::{SchedulerConfig, run_scheduler};
pub use service::{
    InfluenceConfig, InfluenceError, InfluenceState, PageToken, RecomputeSummary, RecordOutcome,
    ScoreView, TopPage, TopQuery,
};

/// `work` done on every job, the first on this thread and each other on a thread of its own;
/// the results come back in job order. A panic on any thread goes on here.
pub(crate) fn on_threads<J: Send, R: Send>(
    jobs: impl IntoIterator<Item = J>,
    work: impl Fn(J) -> R + Sync,
) -> Vec<R> {
    std::thread::scope(|scope| {
        let work = &work;
        let mut jobs = jobs.into_iter();
        let first = jobs.next();
        let others: Vec<_> = jobs.map(|job| scope.spawn(move || work(job))).collect();
        first
            .map(work)
            .into_iter()
            .chain(others.into_iter().map(|handle| match handle.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            }))
            .collect()
    })
}
