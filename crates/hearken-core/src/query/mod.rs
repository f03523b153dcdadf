//! Listening-topic queries: a small boolean language over mention text, and a matcher that
//! evaluates many named topics against a mention in one pass.
//!
//! ```
//! use hearken_core::query::{Query, TopicMatcher};
//!
//! let refunds: Query = r#"@united AND (refund* OR "lost luggage") NOT jobs"#.parse()?;
//! let praise = Query::parse("#united (thanks OR great)")?;
//! let matcher = TopicMatcher::new([("refunds", &refunds), ("praise", &praise)]);
//! assert_eq!(
//!     matcher.matches("@United still waiting on my REFUND, lost luggage too"),
//!     vec!["refunds"],
//! );
//! # Ok::<(), hearken_core::query::ParseError>(())
//! ```
//!
//! # Syntax
//!
//! | form | meaning |
//! | --- | --- |
//! | `acme` | the word *acme*, also as `#acme` or `@acme` |
//! | `"customer service"` | these words in sequence; `\"` and `\\` escape inside quotes |
//! | `#acme` | only the hashtag `#acme` |
//! | `@acme` | only the handle `@acme` |
//! | `refund*` | any word starting with *refund* (at least 2 characters before `*`); also `#acme*`, `@acme*` |
//! | `a AND b`, `a b` | both (adjacency is AND) |
//! | `a OR b` | either |
//! | `a NOT b`, `a AND NOT b` | *a* and not *b* |
//! | `a NEAR/n b` | *a* and *b* within `n` words of each other, in either order (1 ≤ n ≤ 100) |
//! | `( … )` | grouping |
//!
//! Keywords are upper case only: `and`, `or`, `not` and `near` are ordinary words. Binding, tightest
//! first: `NEAR/n`, `NOT`, `AND` (explicit or implicit), `OR`; so `a b OR c` is `(a AND b) OR c`,
//! and `NOT a NEAR/3 b` is `NOT (a NEAR/3 b)`. An operand of `NEAR` is a term, phrase, hashtag
//! or handle, or an OR-group of those in parentheses (`(refund OR money) NEAR/5 @united`);
//! `NEAR` cannot be chained. A bare word containing punctuation is split like mention text,
//! so `e-mail` means the phrase `"e mail"`. A word starting with `-` is rejected rather than
//! read as the word itself: write `NOT` to exclude.
//!
//! A query must require at least one term to be present: `NOT jobs` or `acme OR NOT jobs`
//! would match almost every mention and are rejected. Queries are limited to
//! 4096 characters and 32 nested parentheses.
//!
//! [`Query`]'s `Display` is its canonical form: upper-case keywords, explicit `AND`, groups
//! inside groups always parenthesised, words normalised. Parsing it gives back an equal query.
//!
//! # Matching
//!
//! - Query words and mention text are both normalised to Unicode NFC and lowercased one
//!   character at a time, so case and composed or decomposed accents (`café`) do not matter.
//! - Text is split into words: runs of letters, digits, `_` and combining marks. Everything else
//!   (spaces, punctuation, apostrophes, emoji) separates words, so `acme` matches "Acme's new
//!   app" and "ACME!" but not "acmeville" or "acme_corp".
//! - A word right after `#` or `@` is a hashtag or handle, unless that sigil follows a letter or
//!   digit (`me@acme.com` is plain words).
//! - A bare term matches the plain word and the word of a hashtag or handle (`united` matches
//!   "@united" and "#united"), because that is what people searching for a brand expect.
//!   `#acme` matches only hashtags and `@acme` only handles, never the plain word.
//! - A phrase matches consecutive words of any kind (`"united airlines"` matches "@united
//!   airlines"); sigils and punctuation inside the quotes only separate words.
//! - `a NEAR/n b` matches when an occurrence of *a* and a distinct occurrence of *b* are at most
//!   `n` words apart, counted from the end of the first to the start of the second: `NEAR/1`
//!   means adjacent, `NEAR/3` allows up to two words between. Overlapping occurrences (one
//!   word matching both sides) do not count.

mod ast;
mod matcher;
mod parse;
mod text;

use std::fmt;
use std::str::FromStr;

pub use matcher::TopicMatcher;
pub use parse::ParseError;

use ast::{Atom, Expr};

/// A parsed listening-topic query; see the [module documentation](self) for the language.
///
/// Two queries are equal when their canonical forms are equal: `a b` equals `a AND b`, and
/// `Acme` equals `acme`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    expr: Expr<Atom>,
}

impl Query {
    /// Parses a query, reporting the first error with its character position.
    pub fn parse(input: &str) -> Result<Query, ParseError> {
        parse::parse(input).map(|expr| Query { expr })
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl FromStr for Query {
    type Err = ParseError;

    fn from_str(input: &str) -> Result<Query, ParseError> {
        Query::parse(input)
    }
}
