//! The report service's logic: one method per RPC, over the contract's messages.

use std::collections::BTreeMap;

use hearken_core::Caller;
use hearken_influence::convert::{score, timestamp};
use hearken_proto::v1 as pb;
use hearken_store::Store;
use hearken_store::enrich::Dimension;
use hearken_store::report::{
    AggregateQuery, AggregateRow, AlertRuleRecord, BucketWidth, InboxCursor, InboxItemRecord,
    InboxQuery, InboxUpdate, ReportFilter,
};

use crate::convert;
use crate::spikes::{self, Series, SpikeParams};
use crate::{ReportError, alerts};

/// Limits and defaults of the report service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportConfig {
    /// The Spikes RPC's detection.
    pub spikes: SpikeParams,
    /// The Spikes RPC's range when the request gives no start: this long before its end.
    pub default_spike_window_micros: i64,
    pub default_page_size: u32,
    pub max_page_size: u32,
    pub max_voices: u32,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            spikes: SpikeParams {
                threshold: 3.0,
                baseline_buckets: 24,
                cooldown_buckets: 6,
            },
            default_spike_window_micros: 7 * DAY,
            default_page_size: 50,
            max_page_size: 500,
            max_voices: 100,
        }
    }
}

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

/// The report service over a store.
#[derive(Debug, Clone)]
pub struct Reports {
    store: Store,
    config: ReportConfig,
}

impl Reports {
    pub fn new(store: Store, config: ReportConfig) -> Self {
        Self { store, config }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn volume(
        &self,
        request: pb::VolumeRequest,
    ) -> Result<pb::VolumeResponse, ReportError> {
        let query = AggregateQuery {
            filter: convert::filter(request.filter.as_ref(), "filter")?,
            bucket: Some(convert::bucket_width(request.bucket_width, "bucket_width")?),
            group_by: convert::dimension(request.group_by, "group_by", true)?,
        };
        let rows = self.store.aggregate(&query).await?;
        let mut series: Vec<pb::VolumeSeries> = Vec::new();
        for row in rows {
            if series.last().is_none_or(|s| s.key != row.key) {
                series.push(pb::VolumeSeries {
                    key: row.key.clone(),
                    points: Vec::new(),
                });
            }
            if let Some(current) = series.last_mut() {
                current.points.push(pb::VolumePoint {
                    bucket_start_time: Some(timestamp(row.bucket_start)),
                    count: row.mention_count,
                    mean_sentiment: mean(&row),
                });
            }
        }
        Ok(pb::VolumeResponse { series })
    }

    /// Volume and sentiment of each brand topic, and its share of all brands' volume. A
    /// mention of two brands counts for both.
    pub async fn share_of_voice(
        &self,
        request: pb::ShareOfVoiceRequest,
    ) -> Result<pb::ShareOfVoiceResponse, ReportError> {
        let mut filter = convert::filter(request.filter.as_ref(), "filter")?;
        let brands = self.store.brand_topics().await?;
        if brands.is_empty() {
            return Ok(pb::ShareOfVoiceResponse::default());
        }
        filter.restrict(Dimension::Topic, brands.clone());
        let rows = self
            .store
            .aggregate(&AggregateQuery {
                filter,
                bucket: None,
                group_by: Dimension::Topic,
            })
            .await?;
        let by_topic: BTreeMap<&str, &AggregateRow> =
            rows.iter().map(|row| (row.key.as_str(), row)).collect();
        let total: i64 = rows.iter().map(|row| row.mention_count).sum();
        let mut shares: Vec<pb::BrandShare> = brands
            .iter()
            .map(|brand| {
                let row = by_topic
                    .get(brand.as_str())
                    .copied()
                    .cloned()
                    .unwrap_or_default();
                pb::BrandShare {
                    topic: brand.clone(),
                    count: row.mention_count,
                    share: match total {
                        0 => 0.0,
                        total => row.mention_count as f64 / total as f64,
                    },
                    positive_count: row.positive_count,
                    neutral_count: row.neutral_count,
                    negative_count: row.negative_count,
                }
            })
            .collect();
        shares.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.topic.cmp(&b.topic)));
        Ok(pb::ShareOfVoiceResponse { brands: shares })
    }

    pub async fn reach(&self, request: pb::ReachRequest) -> Result<pb::ReachResponse, ReportError> {
        let filter = convert::filter(request.filter.as_ref(), "filter")?;
        let totals = self.store.reach(&filter).await?;
        Ok(pb::ReachResponse {
            unique_author_count: totals.unique_authors,
            potential_impressions: totals.potential_impressions,
            engagement: Some(pb::EngagementMetrics {
                like_count: totals.likes,
                repost_count: totals.reposts,
                reply_count: totals.replies,
                quote_count: totals.quotes,
                view_count: totals.views,
            }),
        })
    }

    pub async fn top_voices(
        &self,
        request: pb::TopVoicesRequest,
    ) -> Result<pb::TopVoicesResponse, ReportError> {
        let (from, until) = convert::time_range(request.time_range.as_ref(), "time_range")?;
        let limit = match request.limit {
            0 => 10,
            limit if limit < 0 || limit as u32 > self.config.max_voices => {
                return Err(ReportError::invalid(
                    "limit",
                    format!("must be between 1 and {}", self.config.max_voices),
                ));
            }
            limit => limit as u32,
        };
        let department = Some(request.department.as_str()).filter(|d| !d.is_empty());
        let Some((generation, voices)) = self
            .store
            .top_voices(department, from, until, limit)
            .await?
        else {
            return Ok(pb::TopVoicesResponse::default());
        };
        let voices = voices
            .into_iter()
            .map(|voice| pb::Voice {
                mean_sentiment: average(voice.sentiment_sum, voice.mention_count),
                mention_count: voice.mention_count,
                influence: Some(score(
                    voice.score,
                    &generation.formula_version,
                    generation.computed_at,
                )),
            })
            .collect();
        Ok(pb::TopVoicesResponse { voices })
    }

    pub async fn conversation_map(
        &self,
        request: pb::ConversationMapRequest,
    ) -> Result<pb::ConversationMapResponse, ReportError> {
        let (from, until) = convert::time_range(request.time_range.as_ref(), "time_range")?;
        let topic_limit = match request.topic_limit {
            0 => None,
            limit if limit < 0 => {
                return Err(ReportError::invalid(
                    "topic_limit",
                    "must be positive, or 0 for every topic",
                ));
            }
            limit => Some(limit as usize),
        };
        let department = Some(request.department.as_str()).filter(|d| !d.is_empty());
        let cells = self
            .store
            .conversation_map(from, until, department, topic_limit)
            .await?
            .into_iter()
            .map(|cell| pb::ConversationCell {
                mean_sentiment: average(cell.sentiment_sum, cell.mention_count),
                department: cell.department,
                topic: cell.topic,
                count: cell.mention_count,
                top_voice_handle: cell.top_voice,
            })
            .collect();
        Ok(pb::ConversationMapResponse { cells })
    }

    /// The departments with mentions that the caller may see, busiest first.
    pub async fn list_inboxes(
        &self,
        caller: Option<&Caller>,
    ) -> Result<pb::ListInboxesResponse, ReportError> {
        let mut rows = self
            .store
            .aggregate(&AggregateQuery {
                filter: ReportFilter::default(),
                bucket: None,
                group_by: Dimension::Department,
            })
            .await?;
        rows.retain(|row| caller.is_none_or(|caller| caller.may_see(&row.key)));
        rows.sort_by(|a, b| {
            b.mention_count
                .cmp(&a.mention_count)
                .then_with(|| a.key.cmp(&b.key))
        });
        Ok(pb::ListInboxesResponse {
            departments: rows.into_iter().map(|row| row.key).collect(),
        })
    }

    /// An inbox page; a caller limited to some departments must name one of them.
    pub async fn inbox(
        &self,
        caller: Option<&Caller>,
        request: pb::InboxRequest,
    ) -> Result<pb::InboxResponse, ReportError> {
        if let Some(caller) = caller
            && (caller.departments.is_some() && request.department.is_empty()
                || !caller.may_see(&request.department))
        {
            return Err(ReportError::Forbidden(format!(
                "token {:?} may see the inboxes of {} only; ask for one of them",
                caller.name,
                caller.describe_departments()
            )));
        }
        let status = match pb::InboxStatus::try_from(request.status) {
            Ok(pb::InboxStatus::Unspecified) => None,
            Ok(status) => Some(status as i32),
            Err(_) => {
                return Err(ReportError::invalid(
                    "status",
                    format!("unknown inbox status {}", request.status),
                ));
            }
        };
        if !request.min_priority.is_finite() {
            return Err(ReportError::invalid(
                "min_priority",
                "must be a finite number",
            ));
        }
        let limit = match request.page_size {
            0 => self.config.default_page_size,
            size if size < 0 || size as u32 > self.config.max_page_size => {
                return Err(ReportError::invalid(
                    "page_size",
                    format!("must be between 1 and {}", self.config.max_page_size),
                ));
            }
            size => size as u32,
        };
        let after = match request.page_token.as_str() {
            "" => None,
            token => Some(InboxCursor::decode(token).ok_or_else(|| {
                ReportError::invalid("page_token", "not a token from a previous Inbox response")
            })?),
        };
        let items = self
            .store
            .inbox(&InboxQuery {
                department: Some(request.department).filter(|d| !d.is_empty()),
                status,
                min_priority: request.min_priority,
                after,
                limit,
            })
            .await?;
        let next_page_token = match items.last() {
            Some(last) if items.len() == limit as usize => InboxCursor::after(last).encode(),
            _ => String::new(),
        };
        Ok(pb::InboxResponse {
            items: items.into_iter().map(inbox_item).collect(),
            next_page_token,
        })
    }

    /// Changes an inbox item; a caller limited to some departments may change only items
    /// that concern one of them (those its inboxes list).
    pub async fn update_inbox_item(
        &self,
        caller: Option<&Caller>,
        request: pb::UpdateInboxItemRequest,
    ) -> Result<pb::UpdateInboxItemResponse, ReportError> {
        if request.mention_id <= 0 {
            return Err(ReportError::invalid(
                "mention_id",
                "must be a stored mention's id",
            ));
        }
        if let Some(caller) = caller.filter(|c| c.departments.is_some()) {
            let not_found =
                || ReportError::NotFound(format!("inbox item of mention {}", request.mention_id));
            let item = self
                .store
                .inbox_item(request.mention_id)
                .await?
                .ok_or_else(not_found)?;
            if !item
                .mention
                .departments
                .iter()
                .any(|(d, _)| caller.may_see(d))
            {
                return Err(ReportError::Forbidden(format!(
                    "token {:?} may change the inboxes of {} only, and mention {} is not in them",
                    caller.name,
                    caller.describe_departments(),
                    request.mention_id
                )));
            }
        }
        let actor = request.actor.trim();
        if actor.is_empty() {
            return Err(ReportError::invalid(
                "actor",
                "who makes the change is required",
            ));
        }
        let status = match pb::InboxStatus::try_from(request.status) {
            Ok(pb::InboxStatus::Unspecified) => None,
            Ok(status) => Some(status as i32),
            Err(_) => {
                return Err(ReportError::invalid(
                    "status",
                    format!("unknown inbox status {}", request.status),
                ));
            }
        };
        let non_empty = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        let update = InboxUpdate {
            mention_id: request.mention_id,
            actor: actor.to_owned(),
            status,
            assignee: non_empty(&request.assignee),
            note: non_empty(&request.note),
        };
        let item = self
            .store
            .update_inbox_item(&update)
            .await?
            .ok_or_else(|| {
                ReportError::NotFound(format!("inbox item of mention {}", request.mention_id))
            })?;
        Ok(pb::UpdateInboxItemResponse {
            item: Some(inbox_item(item)),
        })
    }

    /// Spikes in the range, hourly unless another bucket width is asked, for the department
    /// (or all departments and each one) and the topic (or every topic).
    pub async fn spikes(
        &self,
        request: pb::SpikesRequest,
    ) -> Result<pb::SpikesResponse, ReportError> {
        let (from, until) = convert::time_range(request.time_range.as_ref(), "time_range")?;
        let until = until.unwrap_or_else(|| chrono::Utc::now().timestamp_micros());
        let from = from.unwrap_or(until - self.config.default_spike_window_micros);
        if until <= from {
            return Err(ReportError::invalid(
                "time_range.start_time",
                "must be before end_time",
            ));
        }
        let width = match request.bucket_width {
            0 => BucketWidth::Hour,
            value => convert::bucket_width(value, "bucket_width")?,
        };
        let spikes = series_spikes(
            &self.store,
            &request.department,
            &request.topic,
            request.department.is_empty(),
            width,
            (from, until),
            &self.config.spikes,
        )
        .await?;
        Ok(pb::SpikesResponse { spikes })
    }

    pub async fn put_alert_rule(
        &self,
        request: pb::PutAlertRuleRequest,
    ) -> Result<pb::PutAlertRuleResponse, ReportError> {
        let rule = request
            .rule
            .ok_or_else(|| ReportError::invalid("rule", "is required"))?;
        let record = alerts::validate_rule(&rule)?;
        let saved = self.store.put_alert_rule(&record).await?;
        Ok(pb::PutAlertRuleResponse {
            rule: Some(alert_rule(saved)),
        })
    }

    pub async fn list_alert_rules(
        &self,
        _request: pb::ListAlertRulesRequest,
    ) -> Result<pb::ListAlertRulesResponse, ReportError> {
        let rules = self.store.list_alert_rules().await?;
        Ok(pb::ListAlertRulesResponse {
            rules: rules.into_iter().map(alert_rule).collect(),
        })
    }

    pub async fn delete_alert_rule(
        &self,
        request: pb::DeleteAlertRuleRequest,
    ) -> Result<pb::DeleteAlertRuleResponse, ReportError> {
        match self.store.delete_alert_rule(&request.name).await? {
            true => Ok(pb::DeleteAlertRuleResponse {}),
            false => Err(ReportError::NotFound(format!(
                "alert rule {:?}",
                request.name
            ))),
        }
    }

    /// Validates an export request into its filter and format.
    /// A caller limited to some departments exports only their mentions.
    pub fn export_request(
        &self,
        caller: Option<&Caller>,
        request: &pb::ExportRequest,
    ) -> Result<(ReportFilter, crate::export::Format), ReportError> {
        let mut filter = convert::filter(request.filter.as_ref(), "filter")?;
        if let Some(departments) = caller.and_then(|c| c.departments.clone()) {
            filter.restrict(Dimension::Department, departments);
        }
        let format = match pb::ExportFormat::try_from(request.format) {
            Ok(pb::ExportFormat::Unspecified | pb::ExportFormat::Csv) => crate::export::Format::Csv,
            Ok(pb::ExportFormat::JsonLines) => crate::export::Format::JsonLines,
            Err(_) => {
                return Err(ReportError::invalid(
                    "format",
                    format!("unknown export format {}", request.format),
                ));
            }
        };
        Ok((filter, format))
    }
}

/// Spikes of one series, and with `each_department` of one series per department after it,
/// over hourly or wider buckets in `[from, until)`. Enough history before `from` is read for
/// the trailing baseline, and for the seasonal one on hourly series.
pub(crate) async fn series_spikes(
    store: &Store,
    department: &str,
    topic: &str,
    each_department: bool,
    width: BucketWidth,
    (from, until): (i64, i64),
    params: &SpikeParams,
) -> Result<Vec<pb::Spike>, ReportError> {
    let from = width.start_of(from);
    let mut history = width.micros() * params.baseline_buckets as i64;
    if width == BucketWidth::Hour {
        history = history.max(spikes::SEASONAL_WEEKS as i64 * WEEK);
    }
    let start = from - history;
    let mut filter = ReportFilter {
        from: Some(start),
        until: Some(until),
        ..ReportFilter::default()
    };
    if !department.is_empty() {
        filter.restrict(Dimension::Department, vec![department.to_owned()]);
    }
    if !topic.is_empty() {
        filter.restrict(Dimension::Topic, vec![topic.to_owned()]);
    }
    let query = AggregateQuery {
        filter,
        bucket: Some(width),
        group_by: match each_department {
            true => Dimension::Department,
            false => Dimension::Total,
        },
    };
    let rows = match each_department {
        true => store.aggregate_with_total(&query).await?,
        false => store.aggregate(&query).await?,
    };
    let mut by_key: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for row in rows {
        by_key
            .entry(row.key)
            .or_default()
            .push((row.bucket_start, row.mention_count));
    }
    let mut found = Vec::new();
    for (key, points) in by_key {
        let series = Series::dense(start, until, width.micros(), &points);
        // The total's key is empty, as the department of every department's series is.
        let series_department = match each_department {
            true => key,
            false => department.to_owned(),
        };
        for spike in spikes::detect(&series, params, from) {
            found.push(pb::Spike {
                department: series_department.clone(),
                topic: topic.to_owned(),
                bucket_start_time: Some(timestamp(spike.bucket_start)),
                count: spike.count,
                baseline: spike.baseline,
                standard_deviations: spike.standard_deviations,
            });
        }
    }
    Ok(found)
}

fn mean(row: &AggregateRow) -> f64 {
    average(row.sentiment_sum, row.mention_count)
}

fn average(sum: f64, count: i64) -> f64 {
    match count {
        0 => 0.0,
        count => sum / count as f64,
    }
}

fn inbox_item(item: InboxItemRecord) -> pb::InboxItem {
    let other_departments = item
        .mention
        .departments
        .iter()
        .filter(|(department, _)| *department != item.owner_department)
        .map(|(department, _)| department.clone())
        .collect();
    let routing_reasons = item
        .mention
        .enrichment
        .routing_reasons
        .lines()
        .map(str::to_owned)
        .collect();
    let history = item
        .history
        .into_iter()
        .map(|event| pb::InboxEvent {
            actor: event.actor,
            action: event.action,
            detail: event.detail,
            create_time: Some(timestamp(event.created_at)),
        })
        .collect();
    pb::InboxItem {
        mention: Some(hearken_ingest::contract_mention(item.mention)),
        owner_department: item.owner_department,
        other_departments,
        priority: item.priority,
        status: item.status,
        assignee: item.assignee.unwrap_or_default(),
        routing_reasons,
        history,
    }
}

fn alert_rule(record: AlertRuleRecord) -> pb::AlertRule {
    pb::AlertRule {
        name: record.name,
        department: record.department,
        topic: record.topic,
        threshold_standard_deviations: record.threshold_standard_deviations,
        baseline_buckets: record.baseline_buckets,
        bucket_width: record.bucket_width,
        cooldown_minutes: record.cooldown_minutes,
        webhook_url: record.webhook_url,
    }
}
