//! Classification.
