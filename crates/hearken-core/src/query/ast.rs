//! The query tree, its canonical rendering and its evaluation.
//!
//! The tree is generic over its leaves so that the parser's tree of [`Atom`]s and the
//! matcher's tree of interned atom ids share one definition and one evaluator.

use std::fmt;

/// Where a single word may match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    /// A plain word, or the word of a hashtag or handle.
    Any,
    /// Only a `#hashtag`.
    Hashtag,
    /// Only an `@handle`.
    Handle,
}

/// A leaf of a query. Every word is normalised (NFC, lowercase) and is a single token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Atom {
    Word {
        word: String,
        scope: Scope,
        /// `refund*`: matches any token starting with `word`.
        prefix: bool,
    },
    /// Consecutive tokens; never empty.
    Phrase(Vec<String>),
}

/// A boolean query over leaves of type `A`.
///
/// Invariants kept by the parser: `And` and `Or` have at least two children and never a child
/// of their own kind, and `Near` operands are non-empty OR-groups of leaves.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Expr<A> {
    Atom(A),
    Near {
        left: Vec<A>,
        right: Vec<A>,
        distance: u8,
    },
    Not(Box<Expr<A>>),
    And(Vec<Expr<A>>),
    Or(Vec<Expr<A>>),
}

/// What is known about one text, as far as a query can ask.
pub(crate) trait Evidence<A> {
    fn contains(&self, atom: &A) -> bool;
    /// Whether an occurrence of any of `left` and one of any of `right` are at most `distance`
    /// tokens apart.
    fn near(&self, left: &[A], right: &[A], distance: u8) -> bool;
}

impl<A> Expr<A> {
    pub(crate) fn eval(&self, evidence: &impl Evidence<A>) -> bool {
        match self {
            Expr::Atom(atom) => evidence.contains(atom),
            Expr::Near {
                left,
                right,
                distance,
            } => evidence.near(left, right, *distance),
            Expr::Not(inner) => !inner.eval(evidence),
            Expr::And(children) => children.iter().all(|child| child.eval(evidence)),
            Expr::Or(children) => children.iter().any(|child| child.eval(evidence)),
        }
    }

    pub(crate) fn map_atoms<B>(&self, f: &mut impl FnMut(&A) -> B) -> Expr<B> {
        match self {
            Expr::Atom(atom) => Expr::Atom(f(atom)),
            Expr::Near {
                left,
                right,
                distance,
            } => Expr::Near {
                left: left.iter().map(&mut *f).collect(),
                right: right.iter().map(&mut *f).collect(),
                distance: *distance,
            },
            Expr::Not(inner) => Expr::Not(Box::new(inner.map_atoms(f))),
            Expr::And(children) => Expr::And(children.iter().map(|c| c.map_atoms(f)).collect()),
            Expr::Or(children) => Expr::Or(children.iter().map(|c| c.map_atoms(f)).collect()),
        }
    }
}

/// Evidence of a text that contains none of the query's leaves.
struct Nothing;

impl<A> Evidence<A> for Nothing {
    fn contains(&self, _: &A) -> bool {
        false
    }

    fn near(&self, _: &[A], _: &[A], _: u8) -> bool {
        false
    }
}

impl<A> Expr<A> {
    /// Whether the query would match a mention that contains none of its words — that is, it
    /// would match almost the whole firehose (`NOT jobs`, `acme OR NOT jobs`).
    pub(crate) fn matches_without_any_term(&self) -> bool {
        self.eval(&Nothing)
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Word {
                word,
                scope,
                prefix,
            } => {
                let sigil = match scope {
                    Scope::Any => "",
                    Scope::Hashtag => "#",
                    Scope::Handle => "@",
                };
                let star = if *prefix { "*" } else { "" };
                write!(f, "{sigil}{word}{star}")
            }
            // Words hold no quote or backslash, so no escaping is needed.
            Atom::Phrase(words) => write!(f, "\"{}\"", words.join(" ")),
        }
    }
}

fn write_near_operand<A: fmt::Display>(f: &mut fmt::Formatter<'_>, atoms: &[A]) -> fmt::Result {
    match atoms {
        [single] => write!(f, "{single}"),
        _ => {
            f.write_str("(")?;
            write_joined(f, atoms, " OR ", |f, atom| write!(f, "{atom}"))?;
            f.write_str(")")
        }
    }
}

fn write_joined<T>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    separator: &str,
    mut write_item: impl FnMut(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        write_item(f, item)?;
    }
    Ok(())
}

impl<A: fmt::Display> Expr<A> {
    fn write_parenthesised(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({self})")
    }

    fn write_group_member(f: &mut fmt::Formatter<'_>, member: &Self) -> fmt::Result {
        match member {
            Expr::And(_) | Expr::Or(_) => member.write_parenthesised(f),
            Expr::Atom(_) | Expr::Near { .. } | Expr::Not(_) => write!(f, "{member}"),
        }
    }
}

/// The canonical form: keywords in upper case, explicit `AND`, and parentheses around every
/// group inside another, even where precedence would not need them (`(a AND b) OR c`), so a
/// reader never has to recall the precedence rules.
impl<A: fmt::Display> fmt::Display for Expr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Atom(atom) => write!(f, "{atom}"),
            Expr::Near {
                left,
                right,
                distance,
            } => {
                write_near_operand(f, left)?;
                write!(f, " NEAR/{distance} ")?;
                write_near_operand(f, right)
            }
            Expr::Not(inner) => {
                f.write_str("NOT ")?;
                match **inner {
                    Expr::Atom(_) => write!(f, "{inner}"),
                    _ => inner.write_parenthesised(f),
                }
            }
            Expr::And(children) => write_joined(f, children, " AND ", Self::write_group_member),
            Expr::Or(children) => write_joined(f, children, " OR ", Self::write_group_member),
        }
    }
}
