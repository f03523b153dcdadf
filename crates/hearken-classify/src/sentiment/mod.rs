//! VADER sentiment (Hutto & Gilbert, ICWSM 2014), ported from vaderSentiment 3.3.2.
//!
//! VADER scores a text from a human-rated lexicon of words, emoticons and slang, adjusted by
//! rules for boosters ("very"), dampeners ("kind of"), negation, ALL-CAPS emphasis, the
//! contrastive "but", idioms and exclamation and question marks. Emoji are replaced by their
//! English description before scoring. The port reproduces the reference's scores digit for
//! digit, quirks included; the tests check this on the 23,703 texts of the VADER paper.
//!
//! ```
//! use hearken_classify::{SentimentLabel, Vader};
//!
//! let scores = Vader::new().polarity_scores("VADER is smart, handsome, and funny!");
//! assert_eq!(scores.label(), SentimentLabel::Positive);
//! ```

mod lexicon;
mod pystr;
mod rules;

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

use lexicon::{LEXICONS, Lexicons, Vocabulary};
use rules::Word;

/// Compound score at or above which a text is positive (and at or below whose negation it is
/// negative): the threshold the VADER authors recommend.
const LABEL_THRESHOLD: f64 = 0.05;

/// VADER's scores for one text, rounded as the reference rounds them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SentimentScores {
    /// Share of the text's sentiment mass that is negative, in `0..=1`, to 3 decimals.
    pub neg: f64,
    /// Share of the text's words that carry no sentiment, in `0..=1`, to 3 decimals.
    pub neu: f64,
    /// Share of the text's sentiment mass that is positive, in `0..=1`, to 3 decimals.
    pub pos: f64,
    /// Normalised sum of all valences, in `-1..=1`, to 4 decimals: the single-number score.
    pub compound: f64,
}

/// Coarse sentiment from the compound score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SentimentLabel {
    /// `compound <= -0.05`.
    Negative,
    /// `-0.05 < compound < 0.05`.
    Neutral,
    /// `compound >= 0.05`.
    Positive,
}

impl SentimentScores {
    /// The label the VADER authors recommend: positive from a compound of 0.05, negative
    /// from -0.05, neutral in between.
    pub fn label(&self) -> SentimentLabel {
        if self.compound >= LABEL_THRESHOLD {
            SentimentLabel::Positive
        } else if self.compound <= -LABEL_THRESHOLD {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        }
    }
}

/// The VADER scorer. A cheap `Copy` handle on lexicons that are embedded in the binary and
/// parsed once, on first use, for the whole process.
#[derive(Clone, Copy)]
pub struct Vader {
    lexicons: &'static Lexicons,
}

impl fmt::Debug for Vader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vader")
            .field("vocabulary_entries", &self.lexicons.vocabulary.len())
            .field("emoji_entries", &self.lexicons.emoji.len())
            .finish()
    }
}

impl Default for Vader {
    fn default() -> Self {
        Self::new()
    }
}

impl Vader {
    /// The scorer; the first call in a process parses the embedded lexicons (a few ms).
    pub fn new() -> Self {
        Self {
            lexicons: &LEXICONS,
        }
    }

    /// Scores `text`. Works best on a sentence or a short post; any text is accepted.
    pub fn polarity_scores(&self, text: &str) -> SentimentScores {
        let text = self.replace_emoji(text);
        BUFFERS.with_borrow_mut(|buffers| self.score(&text, buffers))
    }

    fn score(&self, text: &str, buffers: &mut Buffers) -> SentimentScores {
        let Buffers {
            lowered,
            tokens,
            sentiments,
        } = buffers;
        lowered.clear();
        tokens.clear();
        for token in text.split(pystr::is_whitespace).filter(|t| !t.is_empty()) {
            let stripped = pystr::strip_ascii_punctuation(token);
            // Stripping an emoticon such as ":)" leaves almost nothing; keep it whole.
            let word = if stripped.chars().nth(2).is_none() {
                token
            } else {
                stripped
            };
            let start = lowered.len();
            pystr::push_lowercase(lowered, word);
            let hash = Vocabulary::hash(&lowered[start..]);
            // Most lookups miss the cache: start them all before the first is needed.
            self.lexicons.vocabulary.prefetch(hash);
            tokens.push(Token {
                is_upper: pystr::is_upper(word),
                range: start..lowered.len(),
                hash,
            });
        }
        let words: Vec<Word<'_>> = tokens
            .iter()
            .map(|token| {
                let lower = &lowered[token.range.clone()];
                let entry = self.lexicons.vocabulary.get(lower, token.hash);
                Word {
                    is_upper: token.is_upper,
                    lower,
                    valence: entry.valence,
                    booster: entry.booster,
                    // Three bytes at a time: `str::contains` sets up a substring search
                    // for every token, which cost more than the lexicon lookup.
                    negation: entry.negation || lower.as_bytes().windows(3).any(|w| w == b"n't"),
                }
            })
            .collect();

        // ALL CAPS only emphasises when some, but not all, words are in capitals.
        let upper_words = words.iter().filter(|word| word.is_upper).count();
        let is_cap_differential = upper_words > 0 && upper_words < words.len();

        sentiments.clear();
        sentiments.extend((0..words.len()).map(|i| {
            let lower = words[i].lower;
            let is_kind_of =
                lower == "kind" && words.get(i + 1).is_some_and(|next| next.lower == "of");
            if words[i].booster.is_some() || is_kind_of {
                0.0
            } else {
                rules::word_valence(&words, i, is_cap_differential)
            }
        }));
        rules::but_check(&words, sentiments);

        score(sentiments, text)
    }

    /// Replaces each emoji code point by its description, with a space before it unless one
    /// is already there (none is added after it, as in the reference). Borrows when there is
    /// no emoji, which is the common case.
    fn replace_emoji<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let emoji = &self.lexicons.emoji;
        let has_emoji = !text.is_ascii() && text.chars().any(|c| emoji.contains_key(&c));
        if !has_emoji {
            return Cow::Borrowed(text);
        }
        let mut replaced = String::with_capacity(text.len() + 32);
        let mut after_space = true;
        for c in text.chars() {
            match emoji.get(&c) {
                Some(description) => {
                    if !after_space {
                        replaced.push(' ');
                    }
                    replaced.push_str(description);
                    after_space = false;
                }
                None => {
                    replaced.push(c);
                    after_space = c == ' ';
                }
            }
        }
        Cow::Owned(replaced)
    }
}

/// Per thread, the buffers of [`Vader::polarity_scores`], so that scoring a text allocates
/// only its list of words.
#[derive(Debug, Default)]
struct Buffers {
    /// The text's tokens, lower-cased, one after another.
    lowered: String,
    tokens: Vec<Token>,
    /// Per token, its sentiment.
    sentiments: Vec<f64>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::default();
}

/// A token of the text being scored.
#[derive(Debug)]
struct Token {
    /// Python's `token.isupper()`.
    is_upper: bool,
    /// Where its lower-case form is in `Buffers::lowered`.
    range: Range<usize>,
    /// Its lexicon hash.
    hash: u64,
}

/// Combines per-word sentiments and the text's punctuation into the four scores.
fn score(sentiments: &[f64], text: &str) -> SentimentScores {
    if sentiments.is_empty() {
        return SentimentScores {
            neg: 0.0,
            neu: 0.0,
            pos: 0.0,
            compound: 0.0,
        };
    }

    // Summed left to right from +0.0, exactly as Python 3.11's `sum` does (`Iterator::sum`
    // starts from -0.0, which would turn an all-zero sum into a negative zero).
    let mut sum = sentiments
        .iter()
        .fold(0.0, |sum, sentiment| sum + sentiment);
    let emphasis = punctuation_emphasis(text);
    if sum > 0.0 {
        sum += emphasis;
    } else if sum < 0.0 {
        sum -= emphasis;
    }
    let compound = normalize(sum);

    // Each sentiment word also counts as one neutral unit, hence the +1 / -1.
    let mut pos_sum = 0.0;
    let mut neg_sum = 0.0;
    let mut neu_count = 0_u32;
    for &sentiment in sentiments {
        if sentiment > 0.0 {
            pos_sum += sentiment + 1.0;
        } else if sentiment < 0.0 {
            neg_sum += sentiment - 1.0;
        } else {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += emphasis;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= emphasis;
    }
    let total = pos_sum + neg_sum.abs() + f64::from(neu_count);

    SentimentScores {
        neg: pystr::round_decimal((neg_sum / total).abs(), 3),
        neu: pystr::round_decimal((f64::from(neu_count) / total).abs(), 3),
        pos: pystr::round_decimal((pos_sum / total).abs(), 3),
        compound: pystr::round_decimal(compound, 4),
    }
}

/// Emphasis from up to four exclamation marks, and from two or more question marks.
fn punctuation_emphasis(text: &str) -> f64 {
    let exclamations = text.bytes().filter(|&b| b == b'!').count().min(4);
    let questions = text.bytes().filter(|&b| b == b'?').count();
    let question_emphasis = match questions {
        0 | 1 => 0.0,
        2 | 3 => questions as f64 * 0.18,
        _ => 0.96,
    };
    exclamations as f64 * 0.292 + question_emphasis
}

/// Maps an unbounded valence sum into `-1..=1`; 15 approximates the largest expected sum.
fn normalize(sum: f64) -> f64 {
    (sum / (sum * sum + 15.0).sqrt()).clamp(-1.0, 1.0)
}
