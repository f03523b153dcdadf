//! Integration tests of the location resolver.

mod airline;
mod resolver;
