//! VADER's word lists and the rules that adjust a lexicon word's valence from its neighbours.
//!
//! Each rule follows vaderSentiment 3.3.2, including its quirks (they are called out where
//! they look like mistakes), because agreement with the reference is the contract.

/// Empirical rating increase for a booster word ("very"); dampeners use the negative.
pub(crate) const BOOST: f64 = 0.293;
/// Empirical rating increase for an ALL-CAPS word among mixed-case ones.
pub(crate) const CAPS_BOOST: f64 = 0.733;
/// Scalar applied to the valence of a negated word.
pub(crate) const NEGATION_SCALAR: f64 = -0.74;

/// One whitespace-separated token, after the reference's punctuation stripping.
#[derive(Debug)]
pub(crate) struct Word<'a> {
    /// Python's `token.isupper()`.
    pub(crate) is_upper: bool,
    /// The lower-cased token, used for every word-list comparison.
    pub(crate) lower: &'a str,
    /// Lexicon valence of `lower`, if it is a lexicon word.
    pub(crate) valence: Option<f64>,
    /// Booster or dampener scalar of `lower`, if it is one.
    pub(crate) booster: Option<f64>,
    /// Python's `negated([word])`: a word of [`NEGATIONS`], or any word containing "n't".
    pub(crate) negation: bool,
}

/// Degree adverbs that raise the valence of the word they precede (by [`BOOST`]).
#[rustfmt::skip]
pub(crate) const BOOSTERS: &[&str] = &[
    "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably",
    "decidedly", "deeply", "effing", "enormous", "enormously", "entirely", "especially",
    "exceptional", "exceptionally", "extreme", "extremely", "fabulously", "flipping", "flippin",
    "frackin", "fracking", "fricking", "frickin", "frigging", "friggin", "fully", "fuckin",
    "fucking", "fuggin", "fugging", "greatly", "hella", "highly", "hugely", "incredible",
    "incredibly", "intensely", "major", "majorly", "more", "most", "particularly", "purely",
    "quite", "really", "remarkably", "so", "substantially", "thoroughly", "total", "totally",
    "tremendous", "tremendously", "uber", "unbelievably", "unusually", "utter", "utterly", "very",
];

/// Degree adverbs that lower the valence of the word they precede (by [`BOOST`]).
#[rustfmt::skip]
pub(crate) const DAMPENERS: &[&str] = &[
    "almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less", "little", "marginal",
    "marginally", "occasional", "occasionally", "partly", "scarce", "scarcely", "slight",
    "slightly", "somewhat", "sorta", "sortof", "sort-of",
];

/// The two-word dampeners ("kind of"); the reference keeps them in the same table as the
/// single words, where only its idiom check can reach them.
fn booster_bigram(first: &str, second: &str) -> Option<f64> {
    matches!(
        (first, second),
        ("just", "enough") | ("kind", "of") | ("sort", "of")
    )
    .then_some(-BOOST)
}

/// Negation words; any word containing "n't" negates too (see [`Word::negation`]).
#[rustfmt::skip]
pub(crate) const NEGATIONS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't",
    "can't", "couldn't", "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent",
    "isnt", "mightnt", "mustnt", "neither", "don't", "hadn't", "hasn't", "haven't", "isn't",
    "mightn't", "mustn't", "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing",
    "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "oughtn't", "shan't",
    "shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont", "wouldnt", "won't", "wouldn't",
    "rarely", "seldom", "despite",
];

/// Two-word idioms whose valence replaces the word's. The reference also lists "badass",
/// a single word that its joined n-grams can never equal, so it is left out here.
fn special_bigram(first: &str, second: &str) -> Option<f64> {
    match (first, second) {
        ("the", "shit") | ("the", "bomb") => Some(3.0),
        ("bad", "ass") => Some(1.5),
        ("bus", "stop") => Some(0.0),
        ("yeah", "right") => Some(-2.0),
        ("beating", "heart") => Some(3.5),
        _ => None,
    }
}

fn special_trigram(first: &str, second: &str, third: &str) -> Option<f64> {
    match (first, second, third) {
        ("kiss", "of", "death") => Some(-1.5),
        ("to", "die", "for") => Some(3.0),
        _ => None,
    }
}

/// Valence of the word at `i`; zero unless it is a lexicon word.
pub(crate) fn word_valence(words: &[Word<'_>], i: usize, is_cap_differential: bool) -> f64 {
    let word = &words[i];
    let Some(lexicon_valence) = word.valence else {
        return 0.0;
    };
    let lower = |j: usize| words[j].lower;
    let mut valence = lexicon_valence;

    // "no" before another lexicon word negates that word rather than scoring itself.
    if word.lower == "no" && i + 1 < words.len() && words[i + 1].valence.is_some() {
        valence = 0.0;
    }
    if (i > 0 && lower(i - 1) == "no")
        || (i > 1 && lower(i - 2) == "no")
        || (i > 2 && lower(i - 3) == "no" && matches!(lower(i - 1), "or" | "nor"))
    {
        valence = lexicon_valence * NEGATION_SCALAR;
    }

    if word.is_upper && is_cap_differential {
        // A zero valence counts as negative here, as in the reference.
        valence += if valence > 0.0 {
            CAPS_BOOST
        } else {
            -CAPS_BOOST
        };
    }

    for distance in 1..=3 {
        if i < distance || words[i - distance].valence.is_some() {
            continue;
        }
        let mut scalar = booster_scalar(&words[i - distance], valence, is_cap_differential);
        if scalar != 0.0 {
            // Boosters further away count for less.
            match distance {
                2 => scalar *= 0.95,
                3 => scalar *= 0.9,
                _ => {}
            }
        }
        valence += scalar;
        valence = negation_check(valence, words, distance, i);
        if distance == 3 {
            valence = special_idioms_check(valence, words, i);
        }
    }

    least_check(valence, words, i)
}

/// The reference's `scalar_inc_dec`: how much a preceding booster moves `valence`.
fn booster_scalar(word: &Word<'_>, valence: f64, is_cap_differential: bool) -> f64 {
    let Some(mut scalar) = word.booster else {
        return 0.0;
    };
    if valence < 0.0 {
        scalar *= -1.0;
    }
    if word.is_upper && is_cap_differential {
        scalar += if valence > 0.0 {
            CAPS_BOOST
        } else {
            -CAPS_BOOST
        };
    }
    scalar
}

/// Negation by the word `distance` places before `i`, with the "never so/this" and
/// "without doubt" exceptions.
fn negation_check(valence: f64, words: &[Word<'_>], distance: usize, i: usize) -> f64 {
    let lower = |j: usize| words[j].lower;
    let is_negation = |j: usize| words[j].negation;
    let is_so_or_this = |j: usize| matches!(lower(j), "so" | "this");
    match distance {
        1 if is_negation(i - 1) => valence * NEGATION_SCALAR,
        2 if lower(i - 2) == "never" && is_so_or_this(i - 1) => valence * 1.25,
        2 if lower(i - 2) == "without" && lower(i - 1) == "doubt" => valence,
        2 if is_negation(i - 2) => valence * NEGATION_SCALAR,
        // Python's `and`/`or` precedence makes a bare "so"/"this" just before the word
        // enough to boost it, whatever word stands three places back.
        3 if (lower(i - 3) == "never" && is_so_or_this(i - 2)) || is_so_or_this(i - 1) => {
            valence * 1.25
        }
        3 if lower(i - 3) == "without" && (lower(i - 2) == "doubt" || lower(i - 1) == "doubt") => {
            valence
        }
        3 if is_negation(i - 3) => valence * NEGATION_SCALAR,
        _ => valence,
    }
}

/// Idioms around the word at `i` (which has at least three words before it).
fn special_idioms_check(valence: f64, words: &[Word<'_>], i: usize) -> f64 {
    let lower = |j: usize| words[j].lower;
    let (w3, w2, w1, w0) = (lower(i - 3), lower(i - 2), lower(i - 1), lower(i));
    let mut valence = [
        special_bigram(w1, w0),
        special_trigram(w2, w1, w0),
        special_bigram(w2, w1),
        special_trigram(w3, w2, w1),
        special_bigram(w3, w2),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or(valence);

    if i + 1 < words.len()
        && let Some(idiom) = special_bigram(w0, lower(i + 1))
    {
        valence = idiom;
    }
    if i + 2 < words.len()
        && let Some(idiom) = special_trigram(w0, lower(i + 1), lower(i + 2))
    {
        valence = idiom;
    }

    // Dampener bigrams before the word; the reference also tries the trigram w3-w2-w1,
    // which no entry can match.
    for (first, second) in [(w3, w2), (w2, w1)] {
        if let Some(scalar) = booster_bigram(first, second) {
            valence += scalar;
        }
    }
    valence
}

/// "least" before a word negates it, except in "at least" and "very least".
fn least_check(valence: f64, words: &[Word<'_>], i: usize) -> f64 {
    if i == 0 || words[i - 1].valence.is_some() || words[i - 1].lower != "least" {
        return valence;
    }
    if i > 1 && matches!(words[i - 2].lower, "at" | "very") {
        return valence;
    }
    valence * NEGATION_SCALAR
}

/// The contrastive "but": halves every sentiment before the first "but" and raises every one
/// after it by half.
///
/// The reference finds each sentiment's position with `list.index(value)`, i.e. the first
/// position holding an equal value, so repeated values rescale the earlier position (again)
/// and leave the later one alone. That is reproduced here.
pub(crate) fn but_check(words: &[Word<'_>], sentiments: &mut [f64]) {
    let Some(but_index) = words.iter().position(|word| word.lower == "but") else {
        return;
    };
    for k in 0..sentiments.len() {
        let sentiment = sentiments[k];
        let first_equal = sentiments[..=k]
            .iter()
            .position(|&s| s == sentiment)
            .unwrap_or(k);
        if first_equal < but_index {
            sentiments[first_equal] = sentiment * 0.5;
        } else if first_equal > but_index {
            sentiments[first_equal] = sentiment * 1.5;
        }
    }
}
