//! `hearken report …`: the report service's answers as terminal tables, JSON or CSV.

use chrono::{DateTime, Utc};
use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use hearken_proto::v1::report_service_client::ReportServiceClient;

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON array of objects keyed by column.
    Json,
    /// CSV with a header.
    Csv,
}

/// Flags every report shares.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    pub(crate) target: hearken::client::ServerArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
    /// Start of the range (RFC 3339, e.g. 2015-02-17T00:00:00Z); open when absent.
    #[arg(long, value_parser = parse_time)]
    pub(crate) from: Option<DateTime<Utc>>,
    /// End of the range, exclusive; open when absent.
    #[arg(long, value_parser = parse_time)]
    pub(crate) until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// Mentions over time, optionally split by a dimension.
    Volume {
        #[command(flatten)]
        common: ReportArgs,
        #[arg(long, value_enum, default_value_t = Bucket::Day)]
        bucket: Bucket,
        /// department, topic, source, country, region, city, sentiment, intent or language.
        #[arg(long, value_parser = parse_dimension)]
        group_by: Option<pb::Dimension>,
        /// Only mentions concerning this department.
        #[arg(long)]
        department: Option<String>,
        /// Only mentions about this topic.
        #[arg(long)]
        topic: Option<String>,
    },
    /// The conversation map: departments × topics, volume, sentiment and top voice.
    Map {
        #[command(flatten)]
        common: ReportArgs,
        /// Only this department's row.
        #[arg(long)]
        department: Option<String>,
        /// Only the topics with the most mentions, at most this many.
        #[arg(long)]
        topics: Option<u16>,
    },
    /// A department's inbox by priority.
    Inbox {
        #[command(flatten)]
        common: ReportArgs,
        /// The department; every department's when absent.
        #[arg(long)]
        department: Option<String>,
        /// open, assigned or done; any when absent.
        #[arg(long, value_parser = parse_status)]
        status: Option<pb::InboxStatus>,
        #[arg(long, default_value_t = 0.0)]
        min_priority: f64,
        #[arg(long, default_value_t = 20)]
        limit: i32,
        /// The token printed after the previous page.
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// Authors ranked by influence, with what they said in the range.
    Voices {
        #[command(flatten)]
        common: ReportArgs,
        #[arg(long)]
        department: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: i32,
    },
    /// Buckets (hours unless --bucket says otherwise) whose volume exceeds their baseline.
    Spikes {
        #[command(flatten)]
        common: ReportArgs,
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        topic: Option<String>,
        /// Hourly buckets are compared with the same hour of past weeks when there are four
        /// weeks of history; days suit a range of months.
        #[arg(long, value_enum, default_value_t = Bucket::Hour)]
        bucket: Bucket,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Bucket {
    Hour,
    Day,
    Week,
}

impl From<Bucket> for pb::BucketWidth {
    fn from(bucket: Bucket) -> Self {
        match bucket {
            Bucket::Hour => pb::BucketWidth::Hour,
            Bucket::Day => pb::BucketWidth::Day,
            Bucket::Week => pb::BucketWidth::Week,
        }
    }
}

fn parse_time(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|error| format!("{raw:?} is not an RFC 3339 time: {error}"))
}

fn parse_dimension(raw: &str) -> Result<pb::Dimension, String> {
    pb::Dimension::from_str_name(&format!("DIMENSION_{}", raw.to_uppercase()))
        .filter(|d| *d != pb::Dimension::Unspecified)
        .ok_or_else(|| format!("unknown dimension {raw:?}"))
}

fn parse_status(raw: &str) -> Result<pb::InboxStatus, String> {
    pb::InboxStatus::from_str_name(&format!("INBOX_STATUS_{}", raw.to_uppercase()))
        .filter(|s| *s != pb::InboxStatus::Unspecified)
        .ok_or_else(|| format!("unknown status {raw:?}; expected open, assigned or done"))
}

fn timestamp(time: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    }
}

fn time_range(common: &ReportArgs) -> Option<pb::TimeRange> {
    (common.from.is_some() || common.until.is_some()).then(|| pb::TimeRange {
        start_time: common.from.map(timestamp),
        end_time: common.until.map(timestamp),
    })
}

fn show_time(time: Option<&Timestamp>) -> String {
    time.and_then(|t| DateTime::from_timestamp(t.seconds, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Columns and rows, printed in any [`OutputFormat`].
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub(crate) columns: Vec<&'static str>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn render(&self, format: OutputFormat) -> anyhow::Result<String> {
        match format {
            OutputFormat::Table => Ok(self.aligned()),
            OutputFormat::Json => {
                let objects: Vec<serde_json::Map<String, serde_json::Value>> = self
                    .rows
                    .iter()
                    .map(|row| {
                        self.columns
                            .iter()
                            .zip(row)
                            .map(|(c, v)| ((*c).to_owned(), serde_json::Value::from(v.as_str())))
                            .collect()
                    })
                    .collect();
                Ok(serde_json::to_string_pretty(&objects)? + "\n")
            }
            OutputFormat::Csv => {
                let mut writer = csv::Writer::from_writer(Vec::new());
                writer.write_record(&self.columns)?;
                for row in &self.rows {
                    writer.write_record(row)?;
                }
                Ok(String::from_utf8(writer.into_inner()?)?)
            }
        }
    }

    fn aligned(&self) -> String {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let padded: Vec<String> = cells
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            padded.join("  ").trim_end().to_owned() + "\n"
        };
        let mut out = line(&mut self.columns.iter().copied());
        for row in &self.rows {
            out += &line(&mut row.iter().map(String::as_str));
        }
        out
    }
}

/// Runs one report against the server and returns what to print.
pub(crate) async fn run(command: ReportCommand) -> anyhow::Result<String> {
    let common = match &command {
        ReportCommand::Volume { common, .. }
        | ReportCommand::Map { common, .. }
        | ReportCommand::Inbox { common, .. }
        | ReportCommand::Voices { common, .. }
        | ReportCommand::Spikes { common, .. } => common.clone(),
    };
    let mut client = ReportServiceClient::new(common.target.connect().await?);
    let table = query(&mut client, command, &common).await?;
    table.render(common.format)
}

async fn query(
    client: &mut ReportServiceClient<hearken::client::Connection>,
    command: ReportCommand,
    common: &ReportArgs,
) -> anyhow::Result<Table> {
    let range = time_range(common);
    let table = match command {
        ReportCommand::Volume {
            bucket,
            group_by,
            department,
            topic,
            ..
        } => {
            let mut dimensions = Vec::new();
            for (dimension, value) in [
                (pb::Dimension::Department, department),
                (pb::Dimension::Topic, topic),
            ] {
                if let Some(value) = value {
                    dimensions.push(pb::DimensionFilter {
                        dimension: dimension as i32,
                        values: vec![value],
                    });
                }
            }
            let response = client
                .volume(pb::VolumeRequest {
                    filter: Some(pb::ReportFilter {
                        time_range: range,
                        dimensions,
                    }),
                    bucket_width: pb::BucketWidth::from(bucket).into(),
                    group_by: group_by.map_or(0, |d| d as i32),
                })
                .await?
                .into_inner();
            let mut rows = Vec::new();
            for series in response.series {
                for point in series.points {
                    rows.push(vec![
                        series.key.clone(),
                        show_time(point.bucket_start_time.as_ref()),
                        point.count.to_string(),
                        format!("{:.3}", point.mean_sentiment),
                    ]);
                }
            }
            Table {
                columns: vec!["key", "bucket", "count", "mean_sentiment"],
                rows,
            }
        }
        ReportCommand::Map {
            department, topics, ..
        } => {
            let cells = client
                .conversation_map(pb::ConversationMapRequest {
                    time_range: range,
                    department: department.unwrap_or_default(),
                    topic_limit: topics.map_or(0, i32::from),
                })
                .await?
                .into_inner()
                .cells;
            Table {
                columns: vec![
                    "department",
                    "topic",
                    "count",
                    "mean_sentiment",
                    "top_voice",
                ],
                rows: cells
                    .into_iter()
                    .map(|c| {
                        vec![
                            c.department,
                            c.topic,
                            c.count.to_string(),
                            format!("{:.3}", c.mean_sentiment),
                            c.top_voice_handle,
                        ]
                    })
                    .collect(),
            }
        }
        ReportCommand::Inbox {
            department,
            status,
            min_priority,
            limit,
            page_token,
            ..
        } => {
            let response = client
                .inbox(pb::InboxRequest {
                    department: department.unwrap_or_default(),
                    status: status.map_or(0, |s| s as i32),
                    min_priority,
                    page_size: limit,
                    page_token,
                })
                .await?
                .into_inner();
            if !response.next_page_token.is_empty() {
                eprintln!("next page: --page-token {}", response.next_page_token);
            }
            Table {
                columns: vec![
                    "mention", "priority", "status", "owner", "also", "assignee", "text",
                ],
                rows: response
                    .items
                    .into_iter()
                    .map(|item| {
                        let mention = item.mention.unwrap_or_default();
                        let status = pb::InboxStatus::try_from(item.status)
                            .map(|s| s.as_str_name().trim_start_matches("INBOX_STATUS_"))
                            .unwrap_or("UNKNOWN")
                            .to_lowercase();
                        let text: String = mention.text.chars().take(60).collect();
                        vec![
                            mention.id.to_string(),
                            format!("{:.3}", item.priority),
                            status,
                            item.owner_department,
                            item.other_departments.join(" "),
                            item.assignee,
                            text.replace('\n', " "),
                        ]
                    })
                    .collect(),
            }
        }
        ReportCommand::Voices {
            department, limit, ..
        } => {
            let voices = client
                .top_voices(pb::TopVoicesRequest {
                    department: department.unwrap_or_default(),
                    time_range: range,
                    limit,
                })
                .await?
                .into_inner()
                .voices;
            let component = |c: Option<&pb::ScoreComponent>| {
                c.map_or(String::new(), |c| format!("{:.0}", c.percentile))
            };
            Table {
                columns: vec![
                    "handle",
                    "score",
                    "reach_pct",
                    "engagement_pct",
                    "authority_pct",
                    "recency_pct",
                    "mentions",
                    "mean_sentiment",
                ],
                rows: voices
                    .into_iter()
                    .map(|v| {
                        let s = v.influence.unwrap_or_default();
                        vec![
                            s.handle.clone(),
                            format!("{:.1}", s.score),
                            component(s.reach.as_ref()),
                            component(s.engagement.as_ref()),
                            component(s.network_authority.as_ref()),
                            component(s.recency.as_ref()),
                            v.mention_count.to_string(),
                            format!("{:.3}", v.mean_sentiment),
                        ]
                    })
                    .collect(),
            }
        }
        ReportCommand::Spikes {
            department,
            topic,
            bucket,
            ..
        } => {
            let spikes = client
                .spikes(pb::SpikesRequest {
                    time_range: range,
                    department: department.unwrap_or_default(),
                    topic: topic.unwrap_or_default(),
                    bucket_width: pb::BucketWidth::from(bucket).into(),
                })
                .await?
                .into_inner()
                .spikes;
            Table {
                columns: vec![
                    "department",
                    "topic",
                    "bucket",
                    "count",
                    "baseline",
                    "std_devs",
                ],
                rows: spikes
                    .into_iter()
                    .map(|s| {
                        vec![
                            s.department,
                            s.topic,
                            show_time(s.bucket_start_time.as_ref()),
                            s.count.to_string(),
                            format!("{:.1}", s.baseline),
                            format!("{:.1}", s.standard_deviations),
                        ]
                    })
                    .collect(),
            }
        }
    };
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            columns: vec!["key", "count"],
            rows: vec![
                vec!["customer_service".into(), "3".into()],
                vec!["pr, \"press\"".into(), "12".into()],
            ],
        }
    }

    #[test]
    fn renders_aligned_json_and_csv() {
        assert_eq!(
            table().render(OutputFormat::Table).unwrap(),
            "key               count\ncustomer_service  3\npr, \"press\"       12\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&table().render(OutputFormat::Json).unwrap()).unwrap();
        assert_eq!(json[1]["key"], "pr, \"press\"");
        assert_eq!(
            table().render(OutputFormat::Csv).unwrap(),
            "key,count\ncustomer_service,3\n\"pr, \"\"press\"\"\",12\n"
        );
    }

    #[test]
    fn parses_dimensions_and_statuses_by_name() {
        assert_eq!(parse_dimension("city"), Ok(pb::Dimension::City));
        assert!(parse_dimension("unspecified").is_err());
        assert!(parse_dimension("planet").is_err());
        assert_eq!(parse_status("done"), Ok(pb::InboxStatus::Done));
    }
}
