//! `hearken serve` flags, one struct per concern; every flag also reads a `HEARKEN_*` variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use hearken_core::mention::Limits;
use hearken_ingest::enrich::EnrichConfig;
use hearken_ingest::{IngestConfig, Rate};

use crate::auth::Tokens;
use crate::tls::TlsArgs;

/// Which services a server mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Every service in one process: the embedded default.
    All,
    /// Validation, de-duplication, listening topics and the durable queue of mentions.
    Ingest,
    /// Sentiment, departments, intent, topics, language and urgency; stateless, so scale it out.
    Classify,
    /// Authors, the interaction graph and influence scores, recomputed in the background.
    Influence,
    /// The read side: volumes, inboxes, voices, spikes, exports, and the alert evaluator.
    Report,
}

impl Role {
    pub fn runs_ingest(self) -> bool {
        matches!(self, Role::All | Role::Ingest)
    }

    pub fn runs_classify(self) -> bool {
        matches!(self, Role::All | Role::Classify)
    }

    pub fn runs_influence(self) -> bool {
        matches!(self, Role::All | Role::Influence)
    }

    pub fn runs_report(self) -> bool {
        matches!(self, Role::All | Role::Report)
    }

    /// Only roles that keep state need the database.
    pub fn needs_store(self) -> bool {
        self != Role::Classify
    }
}

/// Everything `hearken serve` needs.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Which services to run in this process.
    #[arg(long, env = "HEARKEN_ROLE", value_enum, default_value_t = Role::All)]
    pub role: Role,
    #[command(flatten)]
    pub grpc: GrpcConfig,
    #[command(flatten)]
    pub store: StoreConfig,
    #[command(flatten)]
    pub limits: LimitsConfig,
    #[command(flatten)]
    pub classify: ClassifyConfig,
    #[command(flatten)]
    pub enrich: EnrichArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub access: AccessArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
}

impl ServeConfig {
    /// Every role on free loopback ports with the given store and limits: the embedded set-up
    /// of `hearken demo` and of the tests.
    pub fn local(database_url: &str, limits: LimitsConfig) -> Self {
        let loopback = ([127, 0, 0, 1], 0).into();
        Self {
            role: Role::All,
            grpc: GrpcConfig {
                addr: loopback,
                http_addr: loopback,
                max_message_bytes: 16 * 1024 * 1024,
                request_timeout_secs: 60,
                max_concurrent_requests: 64,
                shutdown_grace_secs: 10,
            },
            store: StoreConfig {
                database_url: database_url.to_owned(),
            },
            limits,
            classify: ClassifyConfig { model: None },
            enrich: EnrichArgs {
                classify_url: None,
                influence_url: None,
                enrich_batch: 256,
                enrich_concurrency: 4,
                enrich_max_attempts: 8,
                enrich_lease_secs: 60,
                enrich: true,
            },
            report: ReportArgs {
                alert_interval_secs: 60,
                webhook_timeout_secs: 10,
                webhook_retries: 3,
                webhook_backoff_ms: 1_000,
                webhook_ca: None,
            },
            access: AccessArgs::default(),
            tls: TlsArgs::default(),
        }
    }
}

/// The classifier's model.
#[derive(Debug, Clone, clap::Args)]
pub struct ClassifyConfig {
    /// A model file from `hearken train`; the default model, built from the examples shipped
    /// with Hearken, otherwise.
    #[arg(long, env = "HEARKEN_MODEL")]
    pub model: Option<std::path::PathBuf>,
}

/// The gRPC listener and its limits.
#[derive(Debug, Clone, clap::Args)]
pub struct GrpcConfig {
    /// Address for gRPC; port 0 picks a free port. Use 0.0.0.0 to accept other machines.
    #[arg(
        long = "listen",
        env = "HEARKEN_LISTEN",
        default_value = "127.0.0.1:50051"
    )]
    pub addr: SocketAddr,
    /// Largest gRPC message a client may send, in bytes.
    #[arg(long, env = "HEARKEN_MAX_MESSAGE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_message_bytes: usize,
    /// Longest a request may run, in seconds; the server then ends it with CANCELLED
    /// ("Timeout expired"). A stream (`Ingest`, `ClassifyStream`) is one request.
    #[arg(long, env = "HEARKEN_REQUEST_TIMEOUT_SECS", default_value_t = 300)]
    pub request_timeout_secs: u64,
    /// Address for HTTP: `/healthz` for load balancers and orchestrators (the dashboard and
    /// metrics are served here too as they arrive).
    #[arg(long = "http", env = "HEARKEN_HTTP", default_value = "127.0.0.1:8080")]
    pub http_addr: SocketAddr,
    /// Most concurrent requests on one connection; more wait for a slot.
    #[arg(long, env = "HEARKEN_MAX_CONCURRENT_REQUESTS", default_value_t = 256)]
    pub max_concurrent_requests: usize,
    /// How long in-flight requests may take to finish after SIGTERM, in seconds.
    #[arg(long, env = "HEARKEN_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

impl GrpcConfig {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// Where mentions are kept.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreConfig {
    /// `sqlite://FILE` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(long, env = "HEARKEN_DATABASE_URL", default_value = hearken_store::DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// Bounds on what clients may send.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitsConfig {
    /// Longest mention text accepted, in characters.
    #[arg(long, env = "HEARKEN_MAX_TEXT_CHARS", default_value_t = 10_000)]
    pub max_text_chars: usize,
    /// Most mentions in one IngestBatch call or one message of an Ingest stream.
    #[arg(long, env = "HEARKEN_MAX_BATCH", default_value_t = 10_000)]
    pub max_batch: usize,
    /// Mentions waiting for enrichment past which ingestion is refused with RESOURCE_EXHAUSTED
    /// and a retry hint, until the enrich workers catch up; 0 for no limit.
    #[arg(long, env = "HEARKEN_MAX_QUEUE_DEPTH", default_value_t = 1_000_000)]
    pub max_queue_depth: u64,
    /// Mentions per second each token may send to the ingest service, refused beyond with
    /// RESOURCE_EXHAUSTED and a retry delay; 0 for no limit. Without authentication every
    /// client shares one allowance.
    #[arg(long, env = "HEARKEN_INGEST_RATE", default_value_t = 0.0)]
    pub ingest_rate: f64,
    /// Mentions a token may send at once above the rate, after a pause.
    #[arg(long, env = "HEARKEN_INGEST_BURST", default_value_t = 10_000)]
    pub ingest_burst: u32,
}

impl LimitsConfig {
    pub fn ingest(&self) -> IngestConfig {
        IngestConfig {
            limits: Limits {
                max_text_chars: self.max_text_chars,
                ..Limits::default()
            },
            max_batch_size: self.max_batch,
            max_queue_depth: self.max_queue_depth,
            rate: (self.ingest_rate > 0.0).then_some(Rate {
                per_second: self.ingest_rate,
                burst: self.ingest_burst.max(1),
            }),
        }
    }
}

/// The enrich worker that the ingest role runs.
#[derive(Debug, Clone, clap::Args)]
pub struct EnrichArgs {
    /// The classify service the worker calls, e.g. `http://classify:50051`. The name is
    /// re-resolved every few seconds and calls are balanced over every address it has, so each
    /// replica of a scaled classifier is used. Default: this server, for `--role all`.
    #[arg(long, env = "HEARKEN_CLASSIFY_URL")]
    pub classify_url: Option<String>,
    /// The influence service the worker records interactions and authors with. Default: this
    /// server, for `--role all`.
    #[arg(long, env = "HEARKEN_INFLUENCE_URL")]
    pub influence_url: Option<String>,
    /// Mentions claimed and classified together.
    #[arg(long, env = "HEARKEN_ENRICH_BATCH", default_value_t = 256)]
    pub enrich_batch: u32,
    /// Batches enriched at once: with a scaled classifier, about the number of its replicas
    /// or more, so that every replica has work.
    #[arg(long, env = "HEARKEN_ENRICH_CONCURRENCY", default_value_t = 4)]
    pub enrich_concurrency: usize,
    /// Failed attempts before a mention is moved to the dead letter status.
    #[arg(long, env = "HEARKEN_ENRICH_MAX_ATTEMPTS", default_value_t = 8)]
    pub enrich_max_attempts: i32,
    /// How long a worker's claim on a batch holds before another worker may take it over,
    /// in seconds.
    #[arg(long, env = "HEARKEN_ENRICH_LEASE_SECS", default_value_t = 60)]
    pub enrich_lease_secs: u64,
    /// Run the enrich worker in an ingest server (`--enrich false` to only accept and store).
    #[arg(long, env = "HEARKEN_ENRICH", default_value_t = true, action = clap::ArgAction::Set)]
    pub enrich: bool,
}

impl EnrichArgs {
    pub fn worker(&self) -> EnrichConfig {
        EnrichConfig {
            batch_size: self.enrich_batch.max(1),
            concurrency: self.enrich_concurrency.max(1),
            max_attempts: self.enrich_max_attempts.max(1),
            lease: Duration::from_secs(self.enrich_lease_secs.max(1)),
            ..EnrichConfig::default()
        }
    }
}

/// The report role's alert evaluator and its webhook deliveries.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// How often every alert rule is evaluated, in seconds.
    #[arg(long, env = "HEARKEN_ALERT_INTERVAL_SECS", default_value_t = 60)]
    pub alert_interval_secs: u64,
    /// The longest one webhook call may take, in seconds.
    #[arg(long, env = "HEARKEN_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    pub webhook_timeout_secs: u64,
    /// Retries of a failed webhook delivery.
    #[arg(long, env = "HEARKEN_WEBHOOK_RETRIES", default_value_t = 3)]
    pub webhook_retries: u32,
    /// The wait before the first retry, in milliseconds; doubled before each next one.
    #[arg(long, env = "HEARKEN_WEBHOOK_BACKOFF_MS", default_value_t = 1_000)]
    pub webhook_backoff_ms: u64,
    /// A PEM file of CA certificates to trust for https webhooks besides the built-in roots.
    #[arg(long, env = "HEARKEN_WEBHOOK_CA")]
    pub webhook_ca: Option<std::path::PathBuf>,
}

impl ReportArgs {
    pub fn evaluator(&self) -> hearken_report::alerts::EvaluatorConfig {
        hearken_report::alerts::EvaluatorConfig {
            interval: Duration::from_secs(self.alert_interval_secs.max(1)),
            request_timeout: Duration::from_secs(self.webhook_timeout_secs.max(1)),
            retries: self.webhook_retries,
            backoff: Duration::from_millis(self.webhook_backoff_ms),
            extra_ca: self.webhook_ca.clone(),
        }
    }
}

/// Who may call: the accepted tokens, and the token this server presents to other roles.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AccessArgs {
    /// A TOML file of accepted tokens (`[[tokens]]` with name, sha256, scopes and optional
    /// departments; `hearken token new` prints an entry). Without tokens, calls need none, which
    /// is allowed only while every listener is on loopback.
    #[arg(long, env = "HEARKEN_TOKENS_FILE")]
    pub tokens_file: Option<PathBuf>,
    /// The same TOML as text, for secrets handed over in the environment; joined with the file.
    #[arg(long, env = "HEARKEN_TOKENS", hide_env_values = true)]
    pub tokens: Option<String>,
    /// The token the enrich worker sends to classify and influence (scopes `ingest` and `read`).
    #[arg(long, env = "HEARKEN_PEER_TOKEN", hide_env_values = true)]
    pub peer_token: Option<String>,
}

impl AccessArgs {
    /// The accepted tokens; `None` when none are configured, so authentication is off.
    pub fn load(&self) -> anyhow::Result<Option<Tokens>> {
        let mut tokens = Tokens::default();
        if let Some(path) = &self.tokens_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the tokens file {}", path.display()))?;
            tokens =
                Tokens::parse(&text).with_context(|| format!("tokens file {}", path.display()))?;
        }
        if let Some(text) = &self.tokens {
            let inline = Tokens::parse(text).context("HEARKEN_TOKENS")?;
            tokens = tokens.merge(inline).context("HEARKEN_TOKENS")?;
        }
        Ok((!tokens.is_empty()).then_some(tokens))
    }
}
