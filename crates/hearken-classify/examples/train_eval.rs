//! Trains on one examples file and evaluates on another, the way `hearken train` and
//! `hearken eval` do, for benchmarks that bring their own split (`bench/classify/`).
//!
//! ```text
//! cargo run --release -p hearken-classify --example train_eval -- TAXONOMY.toml TRAIN.jsonl TEST.jsonl
//! ```
//!
//! Prints one JSON object: the macro-F1 and accuracy of departments and of intent on TEST.

use std::fs::File;
use std::process::ExitCode;

use hearken_classify::io::read_examples;
use hearken_classify::{Taxonomy, TrainOptions, evaluate, train};

fn run(args: &[String]) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let [taxonomy, train_file, test_file] = args else {
        return Err("usage: train_eval TAXONOMY.toml TRAIN.jsonl TEST.jsonl".into());
    };
    let taxonomy = Taxonomy::from_toml(&std::fs::read_to_string(taxonomy)?)?;
    let training = read_examples(File::open(train_file)?)?;
    let test = read_examples(File::open(test_file)?)?;
    let options = TrainOptions {
        holdout_fraction: 0.0,
        ..TrainOptions::default()
    };
    let started = std::time::Instant::now();
    let model = train(&taxonomy, &training, &options, 0)?;
    let train_seconds = started.elapsed().as_secs_f64();
    let (departments, intents) = evaluate(&model, &test)?;
    Ok(serde_json::json!({
        "train_examples": training.len(),
        "test_examples": test.len(),
        "train_seconds": train_seconds,
        "department_macro_f1": departments.macro_f1,
        "intent_macro_f1": intents.as_ref().map(|i| i.macro_f1),
        "intent_accuracy": intents.as_ref().map(|i| i.accuracy),
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("train_eval: {e}");
            ExitCode::FAILURE
        }
    }
}
