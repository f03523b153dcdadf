//! VADER's rules, one at a time, plus the reference's own demo sentences.

use hearken_classify::{SentimentLabel, SentimentScores, Vader};

fn scores(text: &str) -> SentimentScores {
    Vader::new().polarity_scores(text)
}

fn compound(text: &str) -> f64 {
    scores(text).compound
}

/// Sentences exercising every rule (most from the reference's own demo), with the scores
/// vaderSentiment 3.3.2 returns for them: `(text, neg, neu, pos, compound)`.
const REFERENCE_EXAMPLES: &[(&str, f64, f64, f64, f64)] = &[
    (
        "VADER is smart, handsome, and funny.",
        0.0,
        0.254,
        0.746,
        0.8316,
    ),
    (
        "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        0.0,
        0.294,
        0.706,
        0.9469,
    ),
    (
        "VADER is not smart, handsome, nor funny.",
        0.646,
        0.354,
        0.0,
        -0.7424,
    ),
    (
        "At least it isn't a horrible book.",
        0.0,
        0.678,
        0.322,
        0.431,
    ),
    ("The book was only kind of good.", 0.0, 0.697, 0.303, 0.3832),
    (
        "Today only kinda sux! But I'll get by, lol",
        0.127,
        0.556,
        0.317,
        0.5249,
    ),
    ("Make sure you :) or :D today!", 0.0, 0.294, 0.706, 0.8633),
    (
        "Catch utf-8 emoji such as 💘 and 💋 and 😁",
        0.0,
        0.583,
        0.417,
        0.875,
    ),
    ("Not bad at all", 0.0, 0.513, 0.487, 0.431),
    (
        "Sentiment analysis has never been this good!",
        0.0,
        0.621,
        0.379,
        0.5672,
    ),
    (
        "With VADER, sentiment analysis is the shit!",
        0.0,
        0.583,
        0.417,
        0.6476,
    ),
    (
        "On the other hand, VADER is quite bad ass",
        0.0,
        0.423,
        0.577,
        0.802,
    ),
    (
        "Without a doubt, excellent idea.",
        0.0,
        0.341,
        0.659,
        0.7013,
    ),
    (
        "Roger Dodger is one of the least compelling variations on this theme.",
        0.132,
        0.868,
        0.0,
        -0.1695,
    ),
    (
        "that was the kiss of death for us",
        0.455,
        0.545,
        0.0,
        -0.6124,
    ),
    ("no no good", 0.454, 0.189, 0.357, -0.1326),
    ("good good but bad bad", 0.66, 0.069, 0.271, -0.8225),
    ("NO way", 0.746, 0.254, 0.0, -0.4466),
    ("Is it good???? yes", 0.0, 0.234, 0.766, 0.7622),
    ("😁😁", 0.0, 0.571, 0.429, 0.7184),
    ("ΟΔΟΣ good", 0.0, 0.256, 0.744, 0.4404),
    (
        "I was kind of happy, sort of sad",
        0.248,
        0.48,
        0.272,
        0.079,
    ),
    ("It was never so good", 0.0, 0.475, 0.525, 0.6626),
    ("without doubt good", 0.0, 0.166, 0.834, 0.6136),
    ("It is no fun or nor good", 0.505, 0.495, 0.0, -0.6259),
    ("at the very least good", 0.0, 0.557, 0.443, 0.4902),
    ("It was least good", 0.445, 0.555, 0.0, -0.3412),
    ("yeah right, great", 0.0, 0.137, 0.863, 0.743),
    ("a cake to die for", 0.494, 0.506, 0.0, -0.5994),
    ("the bus stop was nice", 0.355, 0.645, 0.0, -0.296),
    ("my beating heart", 0.366, 0.122, 0.512, 0.296),
    ("it was just enough good", 0.0, 0.605, 0.395, 0.3832),
    ("He is VERY good, ok", 0.0, 0.297, 0.703, 0.7964),
    ("\u{1c5}A UGLY", 0.801, 0.199, 0.0, -0.6166),
    (
        "It is the bomb lol \u{270c}\u{fe0f}\u{270c}",
        0.0,
        0.349,
        0.651,
        0.9042,
    ),
];

#[test]
fn demo_sentences_score_as_in_the_reference() {
    for &(text, neg, neu, pos, compound) in REFERENCE_EXAMPLES {
        let expected = SentimentScores {
            neg,
            neu,
            pos,
            compound,
        };
        assert_eq!(scores(text), expected, "{text:?}");
    }
}

#[test]
fn text_without_words_is_all_zero_and_neutral() {
    for text in ["", "   ", "\t\n"] {
        let scores = scores(text);
        assert_eq!(
            scores,
            SentimentScores {
                neg: 0.0,
                neu: 0.0,
                pos: 0.0,
                compound: 0.0
            }
        );
        assert_eq!(scores.label(), SentimentLabel::Neutral);
    }
}

#[test]
fn proportions_sum_to_one() {
    for text in [
        "The food was great but the service was awful.",
        "meh",
        "I hate Mondays!!",
    ] {
        let scores = scores(text);
        let total = scores.neg + scores.neu + scores.pos;
        assert!((total - 1.0).abs() <= 0.002, "{text:?}: {scores:?}");
    }
}

#[test]
fn negation_flips_the_sign() {
    assert!(compound("The movie is good") > 0.0);
    assert!(compound("The movie is not good") < 0.0);
    assert!(compound("The movie isn't good") < 0.0);
}

#[test]
fn boosters_caps_and_exclamations_intensify() {
    let plain = compound("The movie is good");
    assert!(compound("The movie is very good") > plain);
    assert!(compound("The movie is GOOD") > plain);
    assert!(compound("The movie is good!") > plain);
    assert!(compound("The movie is good!!!!") > compound("The movie is good!"));
    // Only four exclamation marks count.
    assert_eq!(
        compound("The movie is good!!!!"),
        compound("The movie is good!!!!!!!")
    );
    assert!(compound("The movie is kind of good") < plain);
}

#[test]
fn but_makes_the_second_clause_dominant() {
    assert!(compound("The food was great, but the service was awful") < 0.0);
    assert!(compound("The food was awful, but the service was great") > 0.0);
}

#[test]
fn emoji_score_as_their_description() {
    assert_eq!(scores("😁"), scores("beaming face with smiling eyes"));
}

#[test]
fn labels_follow_the_compound_thresholds() {
    let with_compound = |compound| SentimentScores {
        neg: 0.0,
        neu: 1.0,
        pos: 0.0,
        compound,
    };
    assert_eq!(with_compound(0.05).label(), SentimentLabel::Positive);
    assert_eq!(with_compound(0.0499).label(), SentimentLabel::Neutral);
    assert_eq!(with_compound(-0.0499).label(), SentimentLabel::Neutral);
    assert_eq!(with_compound(-0.05).label(), SentimentLabel::Negative);
    assert_eq!(scores("I love it").label(), SentimentLabel::Positive);
    assert_eq!(scores("I hate it").label(), SentimentLabel::Negative);
    assert_eq!(scores("It is a chair").label(), SentimentLabel::Neutral);
}

mod properties {
    use proptest::prelude::*;

    use super::scores;

    /// Words VADER reacts to, mixed with noise, spacing, punctuation and emoji.
    fn mention() -> impl Strategy<Value = String> {
        let cue = prop::sample::select(vec![
            "good", "BAD", "not", "very", "but", "kind of", "no", "least", "the shit", ":)", "😁",
            "!!", "??", "\u{a0}",
        ])
        .prop_map(str::to_owned);
        let token = prop_oneof![cue, "\\PC{0,6}"];
        prop::collection::vec(token, 0..12).prop_map(|tokens| tokens.join(" "))
    }

    proptest! {
        #[test]
        fn scores_stay_in_range(text in prop_oneof![mention(), any::<String>()]) {
            let scores = scores(&text);
            prop_assert!((-1.0..=1.0).contains(&scores.compound));
            for share in [scores.neg, scores.neu, scores.pos] {
                prop_assert!((0.0..=1.0).contains(&share));
            }
            let total = scores.neg + scores.neu + scores.pos;
            prop_assert!(total == 0.0 || (total - 1.0).abs() <= 0.002, "{scores:?}");
        }

        #[test]
        fn surrounding_whitespace_does_not_matter(text in mention()) {
            prop_assert_eq!(scores(&text), scores(&format!(" \t{text}\n ")));
        }
    }
}
