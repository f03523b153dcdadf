//! `hearken`: one binary for every role and every client command.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hearken::config::LimitsConfig;
use hearken::{App, ServeConfig};
use hearken_formats::Format;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use hearken_telemetry::LogConfig;
use tokio_util::sync::CancellationToken;
use tonic_health::pb::health_check_response::ServingStatus;

/// Hearken listens to what people say in public about an organisation and routes each
/// conversation to the department it concerns.
#[derive(Debug, Parser)]
#[command(version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    log: LogConfig,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC server: every role at once (the default) or one role per process.
    Serve(ServeConfig),
    /// Parse a file of mentions and stream it to a server's ingest service.
    ///
    /// Prints how many records were accepted, were duplicates or were rejected, and for each
    /// rejected record its position, the field at fault and why.
    Import {
        /// The file to read.
        file: PathBuf,
        /// Its format; `auto` tells it from the name and the content.
        #[arg(long, env = "HEARKEN_FORMAT", default_value = "auto", value_parser = parse_format)]
        format: Format,
        /// The server to send to.
        #[arg(long, env = "HEARKEN_SERVER", default_value = "http://127.0.0.1:50051")]
        server: String,
    },
    /// Exit 0 when the server reports SERVING, 1 otherwise: for container health checks.
    Healthcheck {
        #[arg(long, env = "HEARKEN_SERVER", default_value = "http://127.0.0.1:50051")]
        server: String,
        /// How long to wait for an answer, in seconds.
        #[arg(long, env = "HEARKEN_HEALTHCHECK_TIMEOUT_SECS", default_value_t = 2)]
        timeout_secs: u64,
    },
    /// Influence scoring tools.
    #[command(subcommand)]
    Influence(InfluenceCommand),
    /// Serve on SQLite, import a real Mastodon thread shipped with Hearken, and show what came in.
    Demo {
        /// Where the demo keeps its mentions.
        #[arg(
            long,
            env = "HEARKEN_DEMO_DATABASE_URL",
            default_value = "sqlite://hearken-demo.db"
        )]
        database_url: String,
        #[command(flatten)]
        limits: LimitsConfig,
    },
}

#[derive(Debug, Subcommand)]
enum InfluenceCommand {
    /// Weighted PageRank of every node of an edge list, as igraph and networkx compute it.
    ///
    /// Edges are CSV with the header `source,target,weight`; the optional personalisation is CSV
    /// `node,weight` (the teleport distribution, e.g. one department's authors). Writes
    /// `node,score` sorted by node.
    Rank {
        /// Edge list CSV.
        #[arg(long)]
        edges: PathBuf,
        /// Personalisation CSV.
        #[arg(long)]
        personalize: Option<PathBuf>,
        /// Where to write the scores.
        #[arg(long)]
        output: PathBuf,
        /// Probability of following an edge rather than teleporting.
        #[arg(long, default_value_t = 0.85)]
        damping: f64,
        /// Stop when the scores change by less than this in L1 norm.
        #[arg(long, default_value_t = 1e-10)]
        tolerance: f64,
    },
}

fn parse_format(raw: &str) -> Result<Format, String> {
    raw.parse().map_err(|_| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!(
            "unknown format {raw:?}; expected one of {}",
            names.join(", ")
        )
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = match cli.command {
        Command::Serve(_) => hearken_telemetry::SERVER_FILTER,
        _ => hearken_telemetry::CLIENT_FILTER,
    };
    hearken_telemetry::init(&cli.log, filter);
    match run(cli.command).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(config) => {
            let app = App::bind(config).await?;
            let shutdown = CancellationToken::new();
            tokio::spawn(cancel_on_signal(shutdown.clone()));
            app.run(shutdown).await?;
        }
        Command::Import {
            file,
            format,
            server,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut client = IngestServiceClient::connect(server.clone())
                .await
                .with_context(|| {
                    format!("cannot connect to {server}; is `hearken serve` running?")
                })?;
            let report =
                hearken::import::import(&mut client, &bytes, format, Some(&file), true).await?;
            print!("{}", report.render());
        }
        Command::Healthcheck {
            server,
            timeout_secs,
        } => {
            let status =
                hearken::healthcheck::check(&server, Duration::from_secs(timeout_secs)).await?;
            if status != ServingStatus::Serving {
                eprintln!("{server} is {}", status.as_str_name());
                return Ok(ExitCode::FAILURE);
            }
            println!("{server} is SERVING");
        }
        Command::Influence(InfluenceCommand::Rank {
            edges,
            personalize,
            output,
            damping,
            tolerance,
        }) => {
            let options = hearken_influence::PageRankOptions {
                damping,
                tolerance,
                ..Default::default()
            };
            let (nodes, iterations) =
                hearken::rank::rank(&edges, personalize.as_deref(), &output, &options)?;
            println!(
                "ranked {nodes} nodes in {iterations} iterations; wrote {}",
                output.display()
            );
        }
        Command::Demo {
            database_url,
            limits,
        } => {
            print!("{}", hearken::demo::run(database_url, &limits).await?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Cancels `token` on SIGINT or SIGTERM; a second signal exits at once.
async fn cancel_on_signal(token: CancellationToken) {
    signal().await;
    tracing::info!("signal received; shutting down (send another to exit at once)");
    token.cancel();
    signal().await;
    std::process::exit(130);
}

async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
