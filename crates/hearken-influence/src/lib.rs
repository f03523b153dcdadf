//! Influence.
