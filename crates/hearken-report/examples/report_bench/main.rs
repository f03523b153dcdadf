//! The reporting benchmark's Rust half (see `bench/report/run.sh`, which drives it):
//!
//! - `report_bench topics DATABASE_URL` saves the airlines as brand listening topics, before
//!   the server that imports the mentions starts;
//! - `report_bench enrich BASE_URL DATABASE_URL` completes every pending mention of the
//!   benchmark store through the store's enrichment path, with what the real enrich pipeline
//!   found for the same text in the base store (each distinct tweet classified once), and
//!   copies the base's authors and interactions so that influence has a graph to rank;
//! - `report_bench load SERVER_URL DATABASE_URL CLIENTS REQUESTS` measures each dashboard
//!   query over gRPC under concurrent clients, and the same query as a plain `GROUP BY` over
//!   the mentions, and prints a table.

mod load;
mod seed;

use anyhow::{Context, bail};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["topics", database_url] => seed::topics(database_url).await,
        ["enrich", base_url, database_url] => seed::enrich(base_url, database_url).await,
        ["load", server, database_url, clients, requests] => {
            let clients = clients.parse().context("CLIENTS must be a number")?;
            let requests = requests.parse().context("REQUESTS must be a number")?;
            load::run(server, database_url, clients, requests).await
        }
        _ => bail!(
            "usage: report_bench topics DATABASE_URL\n       \
             report_bench enrich BASE_URL DATABASE_URL\n       \
             report_bench load SERVER_URL DATABASE_URL CLIENTS REQUESTS"
        ),
    }
}
