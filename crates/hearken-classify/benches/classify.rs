//! Single-core throughput, in texts per second, of the full classifier (sentiment,
//! departments, intent, topics, language, urgency) and of VADER alone, over the ICWSM 2014
//! tweets from the shared data (`HEARKEN_SHARED_DATA` or `shared/data` beside the clone).
//!
//! ```text
//! cargo bench -p hearken-classify --bench classify
//! ```

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hearken_classify::{Classifier, Document, Vader, default_model};

fn tweets() -> Vec<String> {
    let shared = std::env::var_os("HEARKEN_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    let path = shared.join("vader-reference/icwsm2014_ground_truth/tweets_GroundTruth.txt");
    let content = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    // Lines are `id \t mean rating \t text`.
    content
        .lines()
        .filter_map(|line| line.splitn(3, '\t').nth(2))
        .map(str::to_owned)
        .collect()
}

fn bench(c: &mut Criterion) {
    let texts = tweets();
    let docs: Vec<Document> = texts
        .iter()
        .map(|text| Document {
            text: text.clone(),
            ..Document::default()
        })
        .collect();
    let classifier = Classifier::new(default_model().expect("the default model builds"));
    let vader = Vader::new();

    let mut group = c.benchmark_group("single_core");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.sample_size(20);
    group.bench_function("full_classification", |b| {
        b.iter(|| {
            for doc in &docs {
                black_box(classifier.classify(black_box(doc)));
            }
        });
    });
    group.bench_function("vader_only", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(vader.polarity_scores(black_box(text)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
