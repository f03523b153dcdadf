//! `hearken`: one binary for every role and every client command.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hearken::auth::{self, Scope};
use hearken::config::LimitsConfig;
use hearken::{App, ServeConfig};
use hearken_classify::TrainOptions;
use hearken_classify::io::InputFormat;
use hearken_formats::Format;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use hearken_telemetry::LogConfig;
use tokio_util::sync::CancellationToken;
use tonic_health::pb::health_check_response::ServingStatus;

mod report;

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
    Serve(Box<ServeConfig>),
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
        #[command(flatten)]
        target: hearken::client::ServerArgs,
    },
    /// Exit 0 when the server reports SERVING, 1 otherwise: for container health checks.
    Healthcheck {
        #[arg(long, env = "HEARKEN_SERVER", default_value = "http://127.0.0.1:50051")]
        server: String,
        /// PEM CA certificates to trust for an https server.
        #[arg(long, env = "HEARKEN_CA")]
        ca: Option<PathBuf>,
        /// How long to wait for an answer, in seconds.
        #[arg(long, env = "HEARKEN_HEALTHCHECK_TIMEOUT_SECS", default_value_t = 2)]
        timeout_secs: u64,
    },
    /// Apply the database migrations and exit: the one-shot step before a deployment's roles
    /// start (they migrate on connect too, under a lock, so this is for ordering and logs).
    Migrate {
        #[command(flatten)]
        store: hearken::config::StoreConfig,
    },
    /// Show each server's roles and health, the enrichment queue (depth, lag, dead letters)
    /// and the classifier's model. Exits 1 when any role is not serving.
    Status {
        /// A server to ask; repeat for each process of a split deployment.
        #[arg(
            long = "server",
            env = "HEARKEN_SERVER",
            default_value = "http://127.0.0.1:50051",
            value_delimiter = ','
        )]
        servers: Vec<String>,
        /// PEM CA certificates to trust for https servers.
        #[arg(long, env = "HEARKEN_CA")]
        ca: Option<PathBuf>,
        /// The bearer token to present for the queue and model details (health needs none).
        #[arg(long, env = "HEARKEN_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// How long to wait for each answer, in seconds.
        #[arg(long, default_value_t = 5)]
        timeout_secs: u64,
    },
    /// Classify a file of texts offline: one JSON object per input, in input order.
    ///
    /// Each object has the input's `id` (when it has one), `sentiment` {neg, neu, pos,
    /// compound, label}, `departments` [{id, confidence}] most confident first, `intent`
    /// {id, confidence}, `topics`, `language` and `urgency`.
    Classify {
        /// Texts to classify.
        #[arg(long)]
        input: PathBuf,
        /// `lines` (one text per line), `jsonl` (objects with `text` and optional `id`,
        /// `language`, `author_followers_count`) or `csv` (a header with `text` and optional `id`).
        #[arg(long, default_value = "lines", value_parser = parse_input_format)]
        format: InputFormat,
        /// Where to write the JSON lines.
        #[arg(long)]
        output: PathBuf,
        /// A model from `hearken train`; the default model otherwise.
        #[arg(long, env = "HEARKEN_MODEL")]
        model: Option<PathBuf>,
        /// Up to N routing reasons per text (`routing_reasons`, as in the gRPC Classification).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=20))]
        reasons: u8,
    },
    /// Train a department and intent model from a taxonomy and labelled examples.
    ///
    /// Examples are JSON lines: {"text": …, "departments": [ids], "intent": id}. A seeded part
    /// is held out and the model's evaluation on it is printed and stored in the model.
    Train {
        /// The taxonomy (TOML): departments with descriptions, keywords and example posts, and intents.
        #[arg(long)]
        taxonomy: PathBuf,
        #[arg(long)]
        examples: PathBuf,
        /// Where to write the model.
        #[arg(long)]
        output: PathBuf,
        /// Share of the examples held out for evaluation.
        #[arg(long, default_value_t = 0.2)]
        holdout: f64,
        /// Seed for the split and the training order, so that a run can be repeated.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Evaluate a model on labelled examples: accuracy, macro-F1, per-class precision and
    /// recall, and the confusion matrix.
    Eval {
        /// The model; the default model when absent.
        #[arg(long, env = "HEARKEN_MODEL")]
        model: Option<PathBuf>,
        #[arg(long)]
        examples: PathBuf,
    },
    /// Resolve where a profile location, place or time zone points: country, region, city,
    /// coordinates, the evidence that decided and how sure it is. Jokes resolve to unknown.
    Locate {
        /// A profile location such as "Brooklyn, NY" or "somewhere over the rainbow".
        text: String,
        /// The author's time zone ("Eastern Time (US & Canada)", "Europe/Paris"), which breaks ties.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Influence scoring tools.
    #[command(subcommand)]
    Influence(InfluenceCommand),
    /// Mint tokens for `serve --tokens-file`, and hash existing ones.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Ask a server's report service: volume, the conversation map, an inbox, top voices or
    /// spikes, as a table, JSON or CSV.
    #[command(subcommand)]
    Report(report::ReportCommand),
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
        /// Print the report and exit instead of serving the dashboard until Ctrl-C.
        #[arg(long, env = "HEARKEN_DEMO_EXIT")]
        exit: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Mint a token: prints the secret (shown only now; give it to the client) and the entry
    /// to add to the server's tokens file, which holds only its hash.
    New {
        /// What the token is for, e.g. `support-team`; logs and audit trails show it.
        #[arg(long)]
        name: String,
        /// Comma-separated: ingest, read, admin.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<Scope>,
        /// Comma-separated departments whose inboxes and exports alone the token may see.
        #[arg(long, value_delimiter = ',')]
        departments: Vec<String>,
    },
    /// Print the SHA-256 a tokens file stores for the token read from standard input.
    Hash,
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
        #[arg(long, default_value_t = hearken::rank::DEFAULT_TOLERANCE)]
        tolerance: f64,
    },
}

fn parse_input_format(raw: &str) -> Result<InputFormat, String> {
    raw.parse()
        .map_err(|_| format!("unknown input format {raw:?}; expected lines, jsonl or csv"))
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
            let app = App::bind(*config).await?;
            let shutdown = CancellationToken::new();
            tokio::spawn(cancel_on_signal(shutdown.clone()));
            app.run(shutdown).await?;
        }
        Command::Import {
            file,
            format,
            target,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut client = IngestServiceClient::new(target.connect().await?);
            let report =
                hearken::import::import(&mut client, &bytes, format, Some(&file), true).await?;
            print!("{}", report.render());
        }
        Command::Healthcheck {
            server,
            ca,
            timeout_secs,
        } => {
            let timeout = Duration::from_secs(timeout_secs);
            let status = hearken::healthcheck::check(&server, ca.as_deref(), timeout).await?;
            if status != ServingStatus::Serving {
                eprintln!("{server} is {}", status.as_str_name());
                return Ok(ExitCode::FAILURE);
            }
            println!("{server} is SERVING");
        }
        Command::Migrate { store } => {
            let opened = hearken_store::Store::connect(&store.database_url)
                .await
                .context("cannot migrate the database")?;
            println!("{} schema is up to date", opened.backend());
            opened.close().await;
        }
        Command::Status {
            servers,
            ca,
            token,
            timeout_secs,
        } => {
            let timeout = Duration::from_secs(timeout_secs);
            let lines =
                hearken::status::collect(&servers, ca.as_deref(), token.as_deref(), timeout).await;
            print!("{}", hearken::status::render(&lines));
            if lines.iter().any(|line| line.health != "SERVING") {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Classify {
            input,
            format,
            output,
            model,
            reasons,
        } => {
            let written = hearken::classify::classify_file_with_reasons(
                &input,
                format,
                &output,
                model.as_deref(),
                usize::from(reasons),
            )?;
            println!("classified {written} texts into {}", output.display());
        }
        Command::Train {
            taxonomy,
            examples,
            output,
            holdout,
            seed,
        } => {
            let options = TrainOptions {
                holdout_fraction: holdout,
                seed,
                ..TrainOptions::default()
            };
            let model = hearken::classify::train_file(&taxonomy, &examples, &output, &options)?;
            println!("model {} written to {}", model.version(), output.display());
            let meta = model.meta();
            for (title, evaluation) in [
                ("departments (held out)", &meta.department_evaluation),
                ("intent (held out)", &meta.intent_evaluation),
            ] {
                if let Some(evaluation) = evaluation {
                    print!(
                        "{}",
                        hearken::classify::render_evaluation(title, evaluation)
                    );
                }
            }
        }
        Command::Eval { model, examples } => {
            let (departments, intent) = hearken::classify::eval_file(model.as_deref(), &examples)?;
            print!(
                "{}",
                hearken::classify::render_evaluation("departments", &departments)
            );
            if let Some(intent) = intent {
                print!(
                    "{}",
                    hearken::classify::render_evaluation("intent", &intent)
                );
            }
        }
        Command::Locate { text, time_zone } => {
            let input = hearken_geo::LocationInput {
                profile_location: Some(&text),
                time_zone: time_zone.as_deref(),
                ..Default::default()
            };
            let place = hearken_geo::Gazetteer::load().resolve(&input);
            if !place.is_known() {
                println!("unknown: {text:?} names no place Hearken can locate");
                return Ok(ExitCode::SUCCESS);
            }
            let coordinates = match (place.latitude, place.longitude) {
                (Some(lat), Some(lon)) => format!(" ({lat:.4}, {lon:.4})"),
                _ => String::new(),
            };
            let parts: Vec<&str> = [
                place.city.as_str(),
                place.region_code.as_str(),
                place.country_code.as_str(),
            ]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect();
            println!(
                "{}{coordinates}: {:?} evidence, confidence {:.2}",
                parts.join(", "),
                place.evidence,
                place.confidence
            );
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
        Command::Token(TokenCommand::New {
            name,
            scopes,
            departments,
        }) => {
            let secret = auth::mint()?;
            println!("# The token; it is not stored anywhere, so keep it now:\n{secret}\n");
            println!("# Add to the tokens file (--tokens-file):");
            print!("{}", auth::entry(&name, &secret, &scopes, &departments));
        }
        Command::Token(TokenCommand::Hash) => {
            let mut secret = String::new();
            std::io::stdin()
                .read_line(&mut secret)
                .context("cannot read the token from standard input")?;
            println!("{}", auth::sha256_hex(secret.trim()));
        }
        Command::Report(command) => {
            print!("{}", report::run(command).await?);
        }
        Command::Demo {
            database_url,
            limits,
            exit,
        } => hearken::demo::run(database_url, &limits, exit).await?,
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command};

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Parsing reads every flattened struct, so clashing argument ids fail here, not in use.
    #[test]
    fn every_subcommand_parses() {
        let lines = [
            "hearken serve --role classify --listen 127.0.0.1:0",
            "hearken import tweets.csv --format csv --log-format json",
            "hearken healthcheck --server http://127.0.0.1:1",
            "hearken classify --input a.txt --format jsonl --output b.jsonl",
            "hearken train --taxonomy t.toml --examples e.jsonl --output m.bin",
            "hearken eval --examples e.jsonl",
            "hearken influence rank --edges e.csv --output s.csv",
            "hearken demo",
            "hearken locate Brooklyn --time-zone Eastern",
            "hearken token new --name support --scopes read,ingest --departments pr",
            "hearken token hash",
        ];
        for line in lines {
            let cli = Cli::try_parse_from(line.split_whitespace())
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            if let Command::Import { format, .. } = cli.command {
                assert_eq!(format, hearken_formats::Format::Csv);
            }
        }
        assert!(Cli::try_parse_from(["hearken", "import", "x", "--format", "fax"]).is_err());
    }
}
