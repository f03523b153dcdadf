//! `hearken classify`, `hearken train` and `hearken eval`: the classifier without a server.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use hearken_classify::io::{InputFormat, classify_all, read_documents, read_examples};
use hearken_classify::{Classifier, Evaluation, Model, Taxonomy, TrainOptions, default_model};

fn open(path: &Path) -> anyhow::Result<BufReader<File>> {
    Ok(BufReader::new(File::open(path).with_context(|| {
        format!("cannot open {}", path.display())
    })?))
}

/// The model in `path`, or the default model built from the examples shipped with Hearken.
pub fn load_model(path: Option<&Path>) -> anyhow::Result<Arc<Model>> {
    match path {
        Some(path) => Ok(Arc::new(Model::read_from(open(path)?).with_context(
            || format!("cannot read the model in {}", path.display()),
        )?)),
        None => default_model()
            .map_err(|error| anyhow::anyhow!("cannot build the default model: {error}")),
    }
}

/// Classifies every document of `input` and writes one JSON object per line to `output`, in
/// input order. Returns how many were written.
pub fn classify_file(
    input: &Path,
    format: InputFormat,
    output: &Path,
    model: Option<&Path>,
) -> anyhow::Result<usize> {
    classify_file_with_reasons(input, format, output, model, 0)
}

/// As [`classify_file`], each object with up to `reasons` routing reasons (`routing_reasons`,
/// as in the gRPC `Classification`) when it has a department.
pub fn classify_file_with_reasons(
    input: &Path,
    format: InputFormat,
    output: &Path,
    model: Option<&Path>,
    reasons: usize,
) -> anyhow::Result<usize> {
    // Loading the model and the lexicons takes about as long as reading 100,000 short texts:
    // both at once, on two cores.
    let (documents, classifier) = std::thread::scope(|scope| {
        let classifier = scope.spawn(|| load_model(model).map(Classifier::new));
        let documents =
            read_documents(open(input)?, format).with_context(|| format!("in {}", input.display()));
        let classifier = classifier
            .join()
            .map_err(|_| anyhow::anyhow!("loading the model panicked"))?;
        anyhow::Ok((documents?, classifier?))
    })?;
    let file =
        File::create(output).with_context(|| format!("cannot create {}", output.display()))?;
    let mut writer = BufWriter::new(file);
    let written = classify_all(&classifier, &documents, reasons, &mut writer)?;
    writer.flush()?;
    Ok(written)
}

/// Trains a model for the taxonomy in `taxonomy` on `examples`, writes it to `output`, and
/// returns it (its metadata holds the evaluation on the held-out part).
pub fn train_file(
    taxonomy: &Path,
    examples: &Path,
    output: &Path,
    options: &TrainOptions,
) -> anyhow::Result<Model> {
    let text = std::fs::read_to_string(taxonomy)
        .with_context(|| format!("cannot read {}", taxonomy.display()))?;
    let taxonomy = Taxonomy::from_toml(&text)?;
    let examples =
        read_examples(open(examples)?).with_context(|| format!("in {}", examples.display()))?;
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let model = hearken_classify::train(&taxonomy, &examples, options, created)?;
    let file =
        File::create(output).with_context(|| format!("cannot create {}", output.display()))?;
    let mut writer = BufWriter::new(file);
    model.write_to(&mut writer)?;
    writer.flush()?;
    Ok(model)
}

/// Evaluates `model` (the default when `None`) on the labelled `examples`.
pub fn eval_file(
    model: Option<&Path>,
    examples: &Path,
) -> anyhow::Result<(Evaluation, Option<Evaluation>)> {
    let model = load_model(model)?;
    let examples =
        read_examples(open(examples)?).with_context(|| format!("in {}", examples.display()))?;
    Ok(hearken_classify::evaluate(&model, &examples)?)
}

/// Accuracy, macro-F1, per-class precision and recall, and the confusion matrix, as a table.
pub fn render_evaluation(title: &str, evaluation: &Evaluation) -> String {
    let mut out = format!(
        "{title}: accuracy {:.3}, macro-F1 {:.3} over {} examples\n",
        evaluation.accuracy, evaluation.macro_f1, evaluation.example_count
    );
    let width = evaluation
        .classes
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "  {:<width$}  precision  recall     f1  support",
        "class"
    );
    for class in &evaluation.classes {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
            class.id, class.precision, class.recall, class.f1, class.support
        );
    }
    let matrix = &evaluation.confusion;
    let _ = writeln!(
        out,
        "  confusion (rows: true, columns: predicted, in the order above)"
    );
    for (label, row) in matrix.labels.iter().zip(&matrix.counts) {
        let cells: Vec<String> = row.iter().map(|n| format!("{n:>5}")).collect();
        let _ = writeln!(out, "  {label:<width$} {}", cells.join(""));
    }
    out
}
