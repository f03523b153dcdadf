//! Matching many topics against mention text with one Aho-Corasick automaton.
//!
//! Every distinct word of every topic is one pattern. The automaton reports every occurrence
//! of every pattern in the normalised text (overlapping search); occurrences that do not start
//! at a token are discarded, and those that also end at the token's end are exact word hits.
//! Each topic's tree is then evaluated, resolving each distinct leaf at most once per text to
//! the token spans where it occurs.

use std::cell::OnceCell;
use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::query::Query;
use crate::query::ast::{Atom, Evidence, Expr, Scope};
use crate::query::text::{self, Token, TokenKind};

type PatternId = usize;
type AtomId = usize;

/// A leaf with its words replaced by automaton pattern ids.
#[derive(Debug, Clone)]
enum CompiledAtom {
    Word {
        pattern: PatternId,
        scope: Scope,
        prefix: bool,
    },
    Phrase(Vec<PatternId>),
}

#[derive(Debug, Clone)]
struct Topic {
    name: String,
    expr: Expr<AtomId>,
}

/// A set of named listening topics compiled for matching mention text.
///
/// Built once (when topics change) and shared: matching takes `&self`. Words, leaves and
/// patterns shared between topics are stored and searched once.
#[derive(Debug, Clone)]
pub struct TopicMatcher {
    automaton: AhoCorasick,
    atoms: Vec<CompiledAtom>,
    topics: Vec<Topic>,
}

/// Interns words as patterns and leaves as atoms while topics are compiled.
#[derive(Default)]
struct Compiler {
    patterns: Vec<String>,
    pattern_ids: HashMap<String, PatternId>,
    atoms: Vec<CompiledAtom>,
    atom_ids: HashMap<Atom, AtomId>,
}

impl Compiler {
    fn pattern(&mut self, word: &str) -> PatternId {
        if let Some(&id) = self.pattern_ids.get(word) {
            return id;
        }
        let id = self.patterns.len();
        self.patterns.push(word.to_owned());
        self.pattern_ids.insert(word.to_owned(), id);
        id
    }

    fn atom(&mut self, atom: &Atom) -> AtomId {
        if let Some(&id) = self.atom_ids.get(atom) {
            return id;
        }
        let compiled = match atom {
            Atom::Word {
                word,
                scope,
                prefix,
            } => CompiledAtom::Word {
                pattern: self.pattern(word),
                scope: *scope,
                prefix: *prefix,
            },
            Atom::Phrase(words) => {
                CompiledAtom::Phrase(words.iter().map(|word| self.pattern(word)).collect())
            }
        };
        let id = self.atoms.len();
        self.atoms.push(compiled);
        self.atom_ids.insert(atom.clone(), id);
        id
    }
}

impl TopicMatcher {
    /// Compiles `(name, query)` pairs; [`TopicMatcher::matches`] reports names in this order.
    /// Names need not be unique.
    pub fn new<'a>(topics: impl IntoIterator<Item = (&'a str, &'a Query)>) -> TopicMatcher {
        let mut compiler = Compiler::default();
        let topics: Vec<Topic> = topics
            .into_iter()
            .map(|(name, query)| Topic {
                name: name.to_owned(),
                expr: query.expr.map_atoms(&mut |atom| compiler.atom(atom)),
            })
            .collect();
        // Building fails only when the automaton would need more than about 2^31 states, i.e.
        // gigabytes of distinct topic words; memory runs out long before that.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&compiler.patterns)
            .expect("topic words fit in an Aho-Corasick automaton");
        TopicMatcher {
            automaton,
            atoms: compiler.atoms,
            topics,
        }
    }

    /// Whether the matcher holds no topics (and so never matches).
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }

    /// The names of the topics whose query matches `text`, in the order given to
    /// [`TopicMatcher::new`].
    pub fn matches(&self, text: &str) -> Vec<String> {
        if self.topics.is_empty() {
            return Vec::new();
        }
        let normalized = text::normalize(text);
        let tokens = text::tokenize(&normalized);
        let hits = self.word_hits(&normalized, &tokens);
        if hits.is_empty() {
            // The parser rejects queries that match without any of their words.
            return Vec::new();
        }
        let evidence = Occurrences {
            atoms: &self.atoms,
            hits: &hits,
            tokens: &tokens,
            spans: vec![OnceCell::new(); self.atoms.len()],
        };
        self.topics
            .iter()
            .filter(|topic| topic.expr.eval(&evidence))
            .map(|topic| topic.name.clone())
            .collect()
    }

    /// Pattern occurrences that start at a token, sorted by pattern then token.
    fn word_hits(&self, normalized: &str, tokens: &[Token]) -> Vec<Hit> {
        let mut hits: Vec<Hit> = self
            .automaton
            .find_overlapping_iter(normalized)
            .filter_map(|found| {
                let token = tokens
                    .binary_search_by_key(&found.start(), |token| token.start)
                    .ok()?;
                Some(Hit {
                    pattern: found.pattern().as_usize(),
                    token,
                    exact: tokens[token].end == found.end(),
                })
            })
            .collect();
        hits.sort_unstable_by_key(|hit| (hit.pattern, hit.token));
        hits
    }
}

/// A pattern found at the start of a token; `exact` when it spans the whole token.
#[derive(Debug, Clone, Copy)]
struct Hit {
    pattern: PatternId,
    token: usize,
    exact: bool,
}

fn hits_of(hits: &[Hit], pattern: PatternId) -> &[Hit] {
    let first = hits.partition_point(|hit| hit.pattern < pattern);
    let end = hits.partition_point(|hit| hit.pattern <= pattern);
    &hits[first..end]
}

fn exact_at(hits: &[Hit], pattern: PatternId, token: usize) -> bool {
    let of_pattern = hits_of(hits, pattern);
    of_pattern
        .binary_search_by_key(&token, |hit| hit.token)
        .is_ok_and(|index| of_pattern[index].exact)
}

/// Token indices `first..=last` where a leaf occurs.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: usize,
    last: usize,
}

impl Span {
    /// Tokens from the end of the earlier span to the start of the later one (1 when
    /// adjacent); `None` when they overlap, as one token cannot count as two occurrences.
    fn distance(self, other: Span) -> Option<usize> {
        if self.last < other.first {
            Some(other.first - self.last)
        } else if other.last < self.first {
            Some(self.first - other.last)
        } else {
            None
        }
    }
}

fn scope_allows(scope: Scope, kind: TokenKind) -> bool {
    match scope {
        Scope::Any => true,
        Scope::Hashtag => kind == TokenKind::Hashtag,
        Scope::Handle => kind == TokenKind::Handle,
    }
}

fn atom_spans(atom: &CompiledAtom, hits: &[Hit], tokens: &[Token]) -> Vec<Span> {
    match atom {
        CompiledAtom::Word {
            pattern,
            scope,
            prefix,
        } => hits_of(hits, *pattern)
            .iter()
            .filter(|hit| (hit.exact || *prefix) && scope_allows(*scope, tokens[hit.token].kind))
            .map(|hit| Span {
                first: hit.token,
                last: hit.token,
            })
            .collect(),
        CompiledAtom::Phrase(patterns) => {
            let Some((&head, tail)) = patterns.split_first() else {
                return Vec::new();
            };
            hits_of(hits, head)
                .iter()
                .filter(|hit| hit.exact)
                .filter(|hit| {
                    tail.iter()
                        .enumerate()
                        .all(|(offset, &pattern)| exact_at(hits, pattern, hit.token + offset + 1))
                })
                .map(|hit| Span {
                    first: hit.token,
                    last: hit.token + tail.len(),
                })
                .collect()
        }
    }
}

/// Where the compiled leaves occur in one text, worked out only for the leaves a topic asks
/// about: most topics stop at their first missing word.
struct Occurrences<'a> {
    atoms: &'a [CompiledAtom],
    hits: &'a [Hit],
    tokens: &'a [Token],
    /// Indexed by [`AtomId`].
    spans: Vec<OnceCell<Vec<Span>>>,
}

impl Occurrences<'_> {
    fn spans(&self, atom: AtomId) -> &[Span] {
        self.spans[atom].get_or_init(|| atom_spans(&self.atoms[atom], self.hits, self.tokens))
    }
}

impl Evidence<AtomId> for Occurrences<'_> {
    fn contains(&self, atom: &AtomId) -> bool {
        !self.spans(*atom).is_empty()
    }

    fn near(&self, left: &[AtomId], right: &[AtomId], distance: u8) -> bool {
        let spans_of = |atoms: &[AtomId]| {
            atoms
                .iter()
                .flat_map(|&atom| self.spans(atom).iter().copied())
                .collect::<Vec<_>>()
        };
        let right_spans = spans_of(right);
        spans_of(left).into_iter().any(|l| {
            right_spans
                .iter()
                .any(|&r| l.distance(r).is_some_and(|d| d <= usize::from(distance)))
        })
    }
}
