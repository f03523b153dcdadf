//! A bounded concurrent load on a classify server, for `bench/classify/memory.sh`.
//!
//! ```text
//! cargo run --release -p hearken-classify --example load -- URL TEXTS_FILE [CONCURRENCY] [BATCH] [REQUESTS_PER_CLIENT]
//! ```
//!
//! Each of CONCURRENCY clients sends REQUESTS_PER_CLIENT `Classify` calls of BATCH texts taken
//! in turn from TEXTS_FILE (one text a line), plus one `ClassifyStream` of BATCH texts, and
//! checks that every document gets its classification. Prints the documents classified.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use hearken_proto::v1 as pb;
use pb::classify_service_client::ClassifyServiceClient;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn arg(args: &[String], n: usize, default: usize) -> Result<usize, Error> {
    args.get(n).map_or(Ok(default), |a| Ok(a.parse()?))
}

fn documents(texts: &[String], start: usize, batch: usize) -> Vec<pb::Document> {
    (0..batch)
        .map(|i| pb::Document {
            id: (start + i).to_string(),
            text: texts[(start + i) % texts.len()].clone(),
            ..pb::Document::default()
        })
        .collect()
}

async fn client(
    url: String,
    texts: Arc<Vec<String>>,
    id: usize,
    batch: usize,
    requests: usize,
) -> Result<usize, Error> {
    let mut client = ClassifyServiceClient::connect(url).await?;
    let mut done = 0;
    for r in 0..requests {
        let docs = documents(&texts, (id * requests + r) * batch, batch);
        let response = client
            .classify(pb::ClassifyRequest {
                documents: docs,
                ..pb::ClassifyRequest::default()
            })
            .await?
            .into_inner();
        if response.classifications.len() != batch {
            return Err(format!(
                "{} classifications for {batch}",
                response.classifications.len()
            )
            .into());
        }
        done += batch;
    }
    let stream =
        documents(&texts, id * batch, batch)
            .into_iter()
            .map(|d| pb::ClassifyStreamRequest {
                document: Some(d),
                reason_count: 0,
            });
    let mut answers = client
        .classify_stream(tokio_stream::iter(stream))
        .await?
        .into_inner();
    while let Some(answer) = answers.message().await? {
        answer
            .classification
            .ok_or("a stream answer without a classification")?;
        done += 1;
    }
    Ok(done)
}

async fn run(args: Vec<String>) -> Result<(), Error> {
    let (Some(url), Some(file)) = (args.first(), args.get(1)) else {
        return Err(
            "usage: load URL TEXTS_FILE [CONCURRENCY] [BATCH] [REQUESTS_PER_CLIENT]".into(),
        );
    };
    let concurrency = arg(&args, 2, 16)?;
    let batch = arg(&args, 3, 100)?;
    let requests = arg(&args, 4, 50)?;
    let texts: Vec<String> = std::fs::read_to_string(file)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if texts.is_empty() {
        return Err("no texts".into());
    }
    let texts = Arc::new(texts);
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|id| tokio::spawn(client(url.clone(), Arc::clone(&texts), id, batch, requests)))
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{total} documents classified by {concurrency} concurrent clients in {seconds:.1} s ({:.0}/s)",
        total as f64 / seconds
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load: {e}");
            ExitCode::FAILURE
        }
    }
}
