//! Lexer and recursive-descent parser for the query language.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! query   = or END
//! or      = and { "OR" and }
//! and     = unary { ["AND"] unary }      adjacency is AND
//! unary   = ["NOT"] near
//! near    = primary [ "NEAR/n" primary ] operands: leaves or an OR-group of leaves
//! primary = term | phrase | hashtag | handle | "(" or ")"
//! ```

use crate::query::ast::{Atom, Expr, Scope};
use crate::query::text;

/// Longest accepted query, in characters.
pub(crate) const MAX_QUERY_CHARS: usize = 4096;
/// Deepest accepted nesting of parentheses.
pub(crate) const MAX_DEPTH: usize = 32;
/// Largest `n` in `NEAR/n`; the smallest is 1.
pub(crate) const MAX_NEAR_DISTANCE: u8 = 100;
/// Shortest stem before a trailing `*`: one letter would match a large share of all mentions.
pub(crate) const MIN_PREFIX_CHARS: usize = 2;

const OPERAND: &str = "a term, a phrase or '('";
const NEAR_OPERAND: &str = "a term, a phrase, a hashtag, a handle or a parenthesised OR-group of those as an operand of NEAR";

/// Why a query was rejected: where, what the parser expected there, and what it found.
///
/// `position` counts characters (not bytes) from the start of the query, so it can be shown
/// as a caret under the query in a user interface.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at position {position}: expected {expected} but found {found}")]
pub struct ParseError {
    /// Character offset of the offending token (the query's length for "end of query").
    pub position: usize,
    /// What would have been valid at `position`.
    pub expected: String,
    /// What was there instead.
    pub found: String,
}

fn error(position: usize, expected: impl Into<String>, found: impl Into<String>) -> ParseError {
    ParseError {
        position,
        expected: expected.into(),
        found: found.into(),
    }
}

/// Quotes source text for an error message, shortened so one huge phrase cannot flood it.
fn quote(source: &str) -> String {
    const SHOWN_CHARS: usize = 40;
    match source.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("'{}…'", &source[..cut]),
        None => format!("'{source}'"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lexeme {
    LeftParen,
    RightParen,
    And,
    Or,
    Not,
    Near(u8),
    Atom(Atom),
    End,
}

#[derive(Debug)]
struct Token<'a> {
    lexeme: Lexeme,
    /// Character offset.
    position: usize,
    source: &'a str,
}

impl Token<'_> {
    fn describe(&self) -> String {
        match self.lexeme {
            Lexeme::End => "end of query".to_owned(),
            _ => quote(self.source),
        }
    }
}

/// Characters that end a bare word; anything else (including `#`, `@`, `*`) belongs to it.
fn ends_bare_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

fn lex(input: &str) -> Result<Vec<Token<'_>>, ParseError> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let byte_at = |position: usize| chars.get(position).map_or(input.len(), |&(byte, _)| byte);
    let mut tokens = Vec::new();
    let mut next = 0;
    while let Some(&(_, c)) = chars.get(next) {
        let start = next;
        if c.is_whitespace() {
            next += 1;
            continue;
        }
        let lexeme = match c {
            '(' => {
                next += 1;
                Lexeme::LeftParen
            }
            ')' => {
                next += 1;
                Lexeme::RightParen
            }
            '"' => {
                let (content, after) = read_phrase(&chars, start)?;
                next = after;
                let words = text::words(&content);
                if words.is_empty() {
                    let source = &input[byte_at(start)..byte_at(next)];
                    return Err(error(
                        start,
                        "a phrase with at least one word",
                        quote(source),
                    ));
                }
                Lexeme::Atom(Atom::Phrase(words))
            }
            _ => {
                while chars.get(next).is_some_and(|&(_, c)| !ends_bare_word(c)) {
                    next += 1;
                }
                classify_word(&input[byte_at(start)..byte_at(next)], start)?
            }
        };
        tokens.push(Token {
            lexeme,
            position: start,
            source: &input[byte_at(start)..byte_at(next)],
        });
    }
    tokens.push(Token {
        lexeme: Lexeme::End,
        position: chars.len(),
        source: "",
    });
    Ok(tokens)
}

/// Reads a quoted phrase starting at the opening quote; `\"` and `\\` are escapes.
/// Returns the unescaped content and the position after the closing quote.
fn read_phrase(chars: &[(usize, char)], open: usize) -> Result<(String, usize), ParseError> {
    let mut content = String::new();
    let mut next = open + 1;
    loop {
        match chars.get(next).map(|&(_, c)| c) {
            None => {
                return Err(error(
                    open,
                    "a closing '\"' for this phrase",
                    "end of query",
                ));
            }
            Some('"') => return Ok((content, next + 1)),
            Some('\\') => match chars.get(next + 1).map(|&(_, c)| c) {
                Some(escaped @ ('"' | '\\')) => {
                    content.push(escaped);
                    next += 2;
                }
                _ => {
                    content.push('\\');
                    next += 1;
                }
            },
            Some(c) => {
                content.push(c);
                next += 1;
            }
        }
    }
}

fn classify_word(source: &str, position: usize) -> Result<Lexeme, ParseError> {
    match source {
        "AND" => Ok(Lexeme::And),
        "OR" => Ok(Lexeme::Or),
        "NOT" => Ok(Lexeme::Not),
        _ if source == "NEAR" || source.starts_with("NEAR/") => {
            near_distance(source).map(Lexeme::Near).ok_or_else(|| {
                error(
                    position,
                    format!("NEAR/n with n between 1 and {MAX_NEAR_DISTANCE}"),
                    quote(source),
                )
            })
        }
        _ => atom_from_word(source, position).map(Lexeme::Atom),
    }
}

fn near_distance(source: &str) -> Option<u8> {
    let digits = source.strip_prefix("NEAR/")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse::<u8>()
        .ok()
        .filter(|n| (1..=MAX_NEAR_DISTANCE).contains(n))
}

fn atom_from_word(source: &str, position: usize) -> Result<Atom, ParseError> {
    if source.starts_with('-') {
        // Search engines read `-jobs` as "without jobs"; silently matching `jobs` would invert
        // what the user meant.
        return Err(error(
            position,
            "a term (write NOT before a term to exclude it)",
            quote(source),
        ));
    }
    let (scope, rest) = if let Some(rest) = source.strip_prefix('#') {
        (Scope::Hashtag, rest)
    } else if let Some(rest) = source.strip_prefix('@') {
        (Scope::Handle, rest)
    } else {
        (Scope::Any, source)
    };
    let (prefix, stem) = match rest.strip_suffix('*') {
        Some(stem) => (true, stem),
        None => (false, rest),
    };
    if stem.contains('*') {
        return Err(error(
            position,
            "'*' only at the end of a term",
            quote(source),
        ));
    }
    let mut words = text::words(stem);
    match (words.pop(), words.is_empty()) {
        (None, _) => Err(error(
            position,
            "a term with at least one letter or digit",
            quote(source),
        )),
        (Some(word), true) => {
            if prefix && word.chars().count() < MIN_PREFIX_CHARS {
                return Err(error(
                    position,
                    format!("at least {MIN_PREFIX_CHARS} letters or digits before '*'"),
                    quote(source),
                ));
            }
            Ok(Atom::Word {
                word,
                scope,
                prefix,
            })
        }
        // Punctuation inside a bare word (`e-mail`, `acme's`) splits it the same way it splits
        // mention text, so the word becomes the phrase of its parts.
        (Some(last), false) if scope == Scope::Any && !prefix => {
            words.push(last);
            Ok(Atom::Phrase(words))
        }
        (Some(_), false) => {
            let expected = match scope {
                Scope::Hashtag => "a hashtag of letters, digits and '_' only",
                Scope::Handle => "a handle of letters, digits and '_' only",
                Scope::Any => "a single word before '*'",
            };
            Err(error(position, expected, quote(source)))
        }
    }
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    next: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token<'a> {
        // `lex` always ends the list with `End`, and `bump` never moves past it.
        &self.tokens[self.next]
    }

    fn bump(&mut self) -> &Token<'a> {
        let current = self.next;
        if self.tokens[current].lexeme != Lexeme::End {
            self.next += 1;
        }
        &self.tokens[current]
    }

    fn parse_or(&mut self) -> Result<Expr<Atom>, ParseError> {
        let mut members = vec![self.parse_and()?];
        while self.peek().lexeme == Lexeme::Or {
            self.bump();
            members.push(self.parse_and()?);
        }
        Ok(group(members, Junction::Or))
    }

    fn parse_and(&mut self) -> Result<Expr<Atom>, ParseError> {
        let mut members = vec![self.parse_unary()?];
        loop {
            match self.peek().lexeme {
                Lexeme::And => {
                    self.bump();
                }
                Lexeme::Not | Lexeme::LeftParen | Lexeme::Atom(_) => {}
                Lexeme::RightParen | Lexeme::Or | Lexeme::Near(_) | Lexeme::End => break,
            }
            members.push(self.parse_unary()?);
        }
        Ok(group(members, Junction::And))
    }

    fn parse_unary(&mut self) -> Result<Expr<Atom>, ParseError> {
        if self.peek().lexeme == Lexeme::Not {
            self.bump();
            return Ok(Expr::Not(Box::new(self.parse_near()?)));
        }
        self.parse_near()
    }

    fn parse_near(&mut self) -> Result<Expr<Atom>, ParseError> {
        let left_position = self.peek().position;
        let left = self.parse_primary()?;
        let Lexeme::Near(distance) = self.peek().lexeme else {
            return Ok(left);
        };
        let left = into_near_operand(left, left_position)?;
        self.bump();
        let right_token = self.peek();
        let right_position = right_token.position;
        if right_token.lexeme == Lexeme::Not {
            return Err(error(right_position, NEAR_OPERAND, right_token.describe()));
        }
        let right = into_near_operand(self.parse_primary()?, right_position)?;
        let after = self.peek();
        if let Lexeme::Near(_) = after.lexeme {
            return Err(error(
                after.position,
                NEAR_OPERAND,
                format!(
                    "a NEAR expression as the left operand of {}",
                    after.describe()
                ),
            ));
        }
        Ok(Expr::Near {
            left,
            right,
            distance,
        })
    }

    fn parse_primary(&mut self) -> Result<Expr<Atom>, ParseError> {
        let token = self.bump();
        let position = token.position;
        match &token.lexeme {
            Lexeme::Atom(atom) => return Ok(Expr::Atom(atom.clone())),
            Lexeme::LeftParen => {}
            Lexeme::RightParen
            | Lexeme::And
            | Lexeme::Or
            | Lexeme::Not
            | Lexeme::Near(_)
            | Lexeme::End => return Err(error(position, OPERAND, token.describe())),
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                position,
                format!("at most {MAX_DEPTH} nested parentheses"),
                "'('",
            ));
        }
        let inner = self.parse_or()?;
        let close = self.bump();
        if close.lexeme != Lexeme::RightParen {
            return Err(error(
                close.position,
                format!("')' to close the '(' at position {position}"),
                close.describe(),
            ));
        }
        self.depth -= 1;
        Ok(inner)
    }
}

#[derive(Debug, Clone, Copy)]
enum Junction {
    And,
    Or,
}

/// Builds an AND or OR node, absorbing members of the same kind (`a AND (b AND c)` is
/// `a AND b AND c`) so that equal queries have equal trees; a single member stands alone.
fn group(members: Vec<Expr<Atom>>, junction: Junction) -> Expr<Atom> {
    let mut flat = Vec::with_capacity(members.len());
    for member in members {
        match (junction, member) {
            (Junction::And, Expr::And(inner)) | (Junction::Or, Expr::Or(inner)) => {
                flat.extend(inner);
            }
            (_, other) => flat.push(other),
        }
    }
    if flat.len() == 1
        && let Some(only) = flat.pop()
    {
        return only;
    }
    match junction {
        Junction::And => Expr::And(flat),
        Junction::Or => Expr::Or(flat),
    }
}

fn describe(expr: &Expr<Atom>) -> &'static str {
    match expr {
        Expr::Atom(_) => "a term",
        Expr::Near { .. } => "a NEAR expression",
        Expr::Not(_) => "a NOT expression",
        Expr::And(_) => "a group joined by AND",
        Expr::Or(_) => "an OR-group",
    }
}

fn into_near_operand(expr: Expr<Atom>, position: usize) -> Result<Vec<Atom>, ParseError> {
    let found = match expr {
        Expr::Atom(atom) => return Ok(vec![atom]),
        Expr::Or(members) => {
            let atoms: Result<Vec<Atom>, Expr<Atom>> = members
                .into_iter()
                .map(|member| match member {
                    Expr::Atom(atom) => Ok(atom),
                    other => Err(other),
                })
                .collect();
            match atoms {
                Ok(atoms) => return Ok(atoms),
                Err(other) => format!("an OR-group containing {}", describe(&other)),
            }
        }
        other => describe(&other).to_owned(),
    };
    Err(error(position, NEAR_OPERAND, found))
}

pub(crate) fn parse(input: &str) -> Result<Expr<Atom>, ParseError> {
    if input.chars().nth(MAX_QUERY_CHARS).is_some() {
        return Err(error(
            MAX_QUERY_CHARS,
            format!("a query of at most {MAX_QUERY_CHARS} characters"),
            format!("{} characters", input.chars().count()),
        ));
    }
    let mut parser = Parser {
        tokens: lex(input)?,
        next: 0,
        depth: 0,
    };
    let expr = parser.parse_or()?;
    let rest = parser.peek();
    if rest.lexeme != Lexeme::End {
        // Every other token would have continued the expression, so this is a stray ')'.
        return Err(error(
            rest.position,
            "end of query",
            format!("{} without a matching '('", rest.describe()),
        ));
    }
    if expr.matches_without_any_term() {
        return Err(error(
            0,
            "a query that requires at least one term",
            "one that matches every mention containing none of its terms",
        ));
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Words that are already single normalised tokens, including non-ASCII letters.
    fn word() -> impl Strategy<Value = String> {
        "[a-z0-9_\u{e9}\u{df}\u{3b1}-\u{3c9}]{1,8}"
    }

    fn atom() -> impl Strategy<Value = Atom> {
        let scope = prop_oneof![Just(Scope::Any), Just(Scope::Hashtag), Just(Scope::Handle)];
        prop_oneof![
            (word(), scope, any::<bool>()).prop_map(|(word, scope, prefix)| Atom::Word {
                prefix: prefix && word.chars().count() >= MIN_PREFIX_CHARS,
                word,
                scope,
            }),
            prop::collection::vec(word(), 1..4).prop_map(Atom::Phrase),
        ]
    }

    /// Trees in the shape the parser produces: groups are flattened by the parser's own
    /// `group`, so the property below tests rendering and parsing, not canonicalisation.
    fn expr() -> impl Strategy<Value = Expr<Atom>> {
        let near = (
            prop::collection::vec(atom(), 1..3),
            prop::collection::vec(atom(), 1..3),
            1..=MAX_NEAR_DISTANCE,
        )
            .prop_map(|(left, right, distance)| Expr::Near {
                left,
                right,
                distance,
            });
        let leaf = prop_oneof![3 => atom().prop_map(Expr::Atom), 1 => near];
        leaf.prop_recursive(4, 40, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|m| group(m, Junction::And)),
                prop::collection::vec(inner, 2..4).prop_map(|m| group(m, Junction::Or)),
            ]
        })
    }

    proptest! {
        #[test]
        fn parsing_the_rendering_gives_back_the_tree(
            expr in expr().prop_filter("positive", |e| !e.matches_without_any_term())
        ) {
            let rendered = expr.to_string();
            prop_assert_eq!(parse(&rendered), Ok(expr), "rendered as {}", rendered);
        }
    }

    #[test]
    fn nested_same_kind_groups_are_flattened() {
        let flat = parse("a b c").unwrap();
        assert_eq!(parse("a AND (b AND (c))").unwrap(), flat);
        assert!(matches!(flat, Expr::And(ref members) if members.len() == 3));
    }
}
