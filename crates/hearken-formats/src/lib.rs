//! Source formats.
