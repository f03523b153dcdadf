//! Logging for every Hearken process, set up by one call to [`init`].

use tracing_subscriber::EnvFilter;

/// The filter for servers when neither `HEARKEN_LOG` nor `RUST_LOG` is set.
pub const SERVER_FILTER: &str = "info,sqlx=warn,h2=info";
/// The filter for client commands, whose output is for people: only trouble is logged.
pub const CLIENT_FILTER: &str = "warn";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logging flags, shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct LogConfig {
    /// Log line format.
    #[arg(
        long,
        env = "HEARKEN_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: LogFormat,
}

/// Installs the global subscriber, writing to standard error. The filter comes from
/// `HEARKEN_LOG`, then `RUST_LOG`, then `default_filter`. A second call does nothing.
pub fn init(config: &LogConfig, default_filter: &str) {
    let filter = ["HEARKEN_LOG", "RUST_LOG"]
        .iter()
        .find_map(|var| {
            std::env::var(var)
                .ok()
                .and_then(|value| EnvFilter::try_new(value).ok())
        })
        .unwrap_or_else(|| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // An error only means a subscriber is already installed, as in tests that start many servers.
    let _ = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
pub mod metrics;
