//! The trainable model on the shipped examples: held-out quality, determinism, file format.

use hearken_classify::{
    Model, Taxonomy, TrainOptions, cross_validate, default_examples, default_model, train,
};

use crate::data::print_evaluation;

#[test]
fn shipped_examples_train_a_useful_model_on_a_seeded_holdout() {
    let examples = default_examples().expect("shipped examples parse");
    let model = train(
        &Taxonomy::default_taxonomy(),
        &examples,
        &TrainOptions::default(),
        0,
    )
    .expect("training succeeds");
    let departments = model
        .meta()
        .department_evaluation
        .as_ref()
        .expect("held out");
    let intents = model.meta().intent_evaluation.as_ref().expect("held out");
    print_evaluation("departments (shipped examples, 20% held out)", departments);
    print_evaluation("intent (shipped examples, 20% held out)", intents);
    // Floors well below the measured values (see the report): they catch a broken pipeline,
    // not a one-point regression.
    assert!(
        departments.macro_f1 > 0.55,
        "department macro-F1 {}",
        departments.macro_f1
    );
    assert!(
        intents.accuracy > 0.6,
        "intent accuracy {}",
        intents.accuracy
    );
}

#[test]
fn the_shipped_default_model_is_the_training_of_the_shipped_examples() {
    let examples = default_examples().expect("shipped examples parse");
    let options = TrainOptions {
        holdout_fraction: 0.0,
        ..TrainOptions::default()
    };
    let trained = train(&Taxonomy::default_taxonomy(), &examples, &options, 0).expect("trains");
    let shipped = default_model().expect("the shipped model loads");
    assert_eq!(
        shipped.version(),
        trained.version(),
        "data/default.model is stale: retrain it as data/README.md says"
    );
    assert_eq!(shipped.taxonomy(), &Taxonomy::default_taxonomy());
}

#[test]
fn training_is_deterministic_and_the_model_file_round_trips() {
    let examples = default_examples().expect("shipped examples parse");
    let taxonomy = Taxonomy::default_taxonomy();
    let options = TrainOptions {
        epochs: 2,
        ..TrainOptions::default()
    };
    let a = train(&taxonomy, &examples, &options, 1).expect("trains");
    let b = train(&taxonomy, &examples, &options, 2).expect("trains");
    assert_eq!(
        a.version(),
        b.version(),
        "same inputs, same version, whatever the clock"
    );
    let other_seed = TrainOptions { seed: 7, ..options };
    let c = train(&taxonomy, &examples, &other_seed, 1).expect("trains");
    assert_ne!(a.version(), c.version());

    let bytes = a.to_bytes().expect("encodes");
    let back = Model::from_bytes(&bytes).expect("decodes");
    assert_eq!(back.version(), a.version());
    assert_eq!(back.taxonomy(), a.taxonomy());
    for text in [
        "@acme my refund never arrived",
        "are you hiring?",
        "love the new ad",
    ] {
        assert_eq!(back.predict(text), a.predict(text), "{text}");
    }

    assert!(Model::from_bytes(b"not a model").is_err());
    assert!(Model::from_bytes(&bytes[..bytes.len() - 3]).is_err());
}

#[test]
fn five_fold_cross_validation_of_the_shipped_examples() {
    let examples = default_examples().expect("shipped examples parse");
    let (departments, intents) = cross_validate(
        &Taxonomy::default_taxonomy(),
        &examples,
        5,
        &TrainOptions::default(),
    )
    .expect("cross-validates");
    let intents = intents.expect("examples have intents");
    assert_eq!(departments.example_count, examples.len() as u64);
    print_evaluation(
        "departments (shipped examples, 5-fold cross-validation)",
        &departments,
    );
    print_evaluation(
        "intent (shipped examples, 5-fold cross-validation)",
        &intents,
    );
    assert!(
        departments.macro_f1 > 0.55,
        "department macro-F1 {}",
        departments.macro_f1
    );
    assert!(
        intents.macro_f1 > 0.4,
        "intent macro-F1 {}",
        intents.macro_f1
    );
}
