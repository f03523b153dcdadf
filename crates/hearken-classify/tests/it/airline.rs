//! The default model on real tweets it never saw: Twitter US Airline Sentiment, read from the
//! shared data at test time (CC BY-NC-SA: never committed, never trained on).
//!
//! Mapping (stated in the report): a negative tweet with a `negativereason` other than
//! "Can't Tell" concerns customer service and is a complaint; a positive tweet is praise.

use hearken_classify::{Example, default_model, evaluate};

use crate::data::{print_evaluation, shared_dir};

#[test]
fn default_model_on_airline_tweets() {
    let path = shared_dir().join("twitter-us-airline-sentiment/Tweets.csv");
    let mut reader = csv::Reader::from_path(&path).expect("the airline tweets are readable");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (sentiment, reason, text) = (col("airline_sentiment"), col("negativereason"), col("text"));
    let (mut complaints, mut with_praise) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.expect("a valid CSV record");
        let example = |departments: &[&str], intent: &str| Example {
            text: record[text].to_owned(),
            departments: departments.iter().map(|d| (*d).to_owned()).collect(),
            intent: Some(intent.to_owned()),
        };
        match &record[sentiment] {
            "negative" if !record[reason].is_empty() && &record[reason] != "Can't Tell" => {
                complaints.push(example(&["customer_service"], "complaint"));
                with_praise.push(example(&["customer_service"], "complaint"));
            }
            "positive" => with_praise.push(example(&[], "praise")),
            _ => {}
        }
    }
    assert!(complaints.len() > 5_000, "{} complaints", complaints.len());

    let model = default_model().expect("the default model builds");
    let (departments, _) = evaluate(&model, &complaints).expect("labels are in the taxonomy");
    let (_, intents) = evaluate(&model, &with_praise).expect("labels are in the taxonomy");
    let intents = intents.expect("every example has an intent");
    print_evaluation("airline negative tweets → customer_service", &departments);
    print_evaluation(
        "airline tweets: complaint (negative) vs praise (positive)",
        &intents,
    );
    let customer_service = &departments.classes[0];
    assert_eq!(customer_service.id, "customer_service");
    // Floors far below the measured values: they catch a broken model, not noise.
    assert!(
        customer_service.recall > 0.5,
        "recall {}",
        customer_service.recall
    );
    assert!(
        intents.accuracy > 0.35,
        "intent accuracy {}",
        intents.accuracy
    );
}
