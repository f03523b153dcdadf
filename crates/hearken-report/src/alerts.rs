//! Alert rules: validation, and the evaluator that runs them every interval and posts what
//! fires to the rule's webhook, retrying with backoff and logging every attempt in the store.

use std::path::PathBuf;
use std::time::Duration;

use hearken_proto::v1 as pb;
use hearken_store::Store;
use hearken_store::report::{AlertRuleRecord, BucketWidth, NewDelivery};
use tokio_util::sync::CancellationToken;

use crate::error::chain;
use crate::spikes::SpikeParams;
use crate::webhook::{WebhookClient, WebhookError};
use crate::{ReportError, convert};

/// The longest rule name.
const MAX_NAME: usize = 100;

/// Checks a rule from the wire and turns it into what the store keeps.
pub(crate) fn validate_rule(rule: &pb::AlertRule) -> Result<AlertRuleRecord, ReportError> {
    let name = rule.name.trim();
    let name_ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        return Err(ReportError::invalid(
            "rule.name",
            format!("1 to {MAX_NAME} letters, digits, '-', '_' or '.'"),
        ));
    }
    let threshold = rule.threshold_standard_deviations;
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(ReportError::invalid(
            "rule.threshold_standard_deviations",
            "must be a positive number",
        ));
    }
    if !(2..=1_000).contains(&rule.baseline_buckets) {
        return Err(ReportError::invalid(
            "rule.baseline_buckets",
            "must be between 2 and 1000",
        ));
    }
    if rule.cooldown_minutes < 0 {
        return Err(ReportError::invalid(
            "rule.cooldown_minutes",
            "must not be negative",
        ));
    }
    let width = match rule.bucket_width {
        // Alerts are about the last hour unless asked otherwise.
        0 => BucketWidth::Hour,
        width => convert::bucket_width(width, "rule.bucket_width")?,
    };
    webhook_url(&rule.webhook_url)?;
    Ok(AlertRuleRecord {
        name: name.to_owned(),
        department: rule.department.trim().to_owned(),
        topic: rule.topic.trim().to_owned(),
        threshold_standard_deviations: threshold,
        baseline_buckets: rule.baseline_buckets,
        bucket_width: convert::bucket_width_number(width),
        cooldown_minutes: rule.cooldown_minutes,
        webhook_url: rule.webhook_url.trim().to_owned(),
        last_fired_at: None,
        last_fired_bucket: None,
        created_at: 0,
        updated_at: 0,
    })
}

/// An http or https URL with a host and no credentials: alerts should not carry secrets in
/// their URL, where logs and ListAlertRules would show them.
fn webhook_url(raw: &str) -> Result<url::Url, ReportError> {
    let field = "rule.webhook_url";
    let url = url::Url::parse(raw.trim())
        .map_err(|error| ReportError::invalid(field, format!("not a URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ReportError::invalid(field, "must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ReportError::invalid(field, "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ReportError::invalid(field, "must not contain credentials"));
    }
    Ok(url)
}

/// How the evaluator runs and delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluatorConfig {
    /// How often every rule is evaluated.
    pub interval: Duration,
    /// The longest one webhook call may take, connection included.
    pub request_timeout: Duration,
    /// Retries after a failed first attempt.
    pub retries: u32,
    /// The wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    /// A PEM file of CA certificates trusted for https webhooks besides the usual roots.
    pub extra_ca: Option<PathBuf>,
}

impl Default for EvaluatorConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(60),
            request_timeout: Duration::from_secs(10),
            retries: 3,
            backoff: Duration::from_secs(1),
            extra_ca: None,
        }
    }
}

/// Evaluates every alert rule each interval and delivers what fires.
#[derive(Debug, Clone)]
pub struct AlertEvaluator {
    store: Store,
    config: EvaluatorConfig,
    client: WebhookClient,
}

impl AlertEvaluator {
    /// Fails when the extra CA file cannot be read or trusted.
    pub fn new(store: Store, config: EvaluatorConfig) -> Result<Self, WebhookError> {
        let client = WebhookClient::new(config.request_timeout, config.extra_ca.as_deref())?;
        Ok(Self {
            store,
            config,
            client,
        })
    }

    /// Runs until `stop` is cancelled; a delivery in progress is abandoned then.
    pub async fn run(self, stop: CancellationToken) {
        let mut ticks = tokio::time::interval(self.config.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => {
                    let now = chrono::Utc::now().timestamp_micros();
                    tokio::select! {
                        () = stop.cancelled() => return,
                        result = self.evaluate(now) => {
                            if let Err(error) = result {
                                tracing::warn!(error = %chain(&error), "alert evaluation failed");
                            }
                        }
                    }
                }
            }
        }
    }

    /// Evaluates every rule at `now` (microseconds): a rule fires for the newest spike in its
    /// current or previous bucket, once per bucket and not within its cooldown.
    pub async fn evaluate(&self, now: i64) -> Result<u32, ReportError> {
        let mut fired = 0;
        for rule in self.store.list_alert_rules().await? {
            let width = convert::bucket_width(rule.bucket_width, "bucket_width")?;
            let current = width.start_of(now);
            let params = SpikeParams {
                threshold: rule.threshold_standard_deviations,
                baseline_buckets: usize::try_from(rule.baseline_buckets).unwrap_or(2),
                cooldown_buckets: 0,
            };
            let spikes = crate::service::series_spikes(
                &self.store,
                &rule.department,
                &rule.topic,
                false,
                width,
                (current - width.micros(), current + width.micros()),
                &params,
            )
            .await?;
            let Some(spike) = spikes.last() else {
                continue;
            };
            let bucket_start = spike
                .bucket_start_time
                .as_ref()
                .map_or(current, convert::micros);
            let cooldown = i64::from(rule.cooldown_minutes) * 60_000_000;
            if !self
                .store
                .mark_alert_fired(&rule.name, bucket_start, now, cooldown)
                .await?
            {
                continue;
            }
            fired += 1;
            self.deliver(&rule, bucket_start, spike).await?;
        }
        Ok(fired)
    }

    /// Posts the alert, retrying with backoff; each attempt is logged in the store.
    async fn deliver(
        &self,
        rule: &AlertRuleRecord,
        bucket_start: i64,
        spike: &pb::Spike,
    ) -> Result<(), ReportError> {
        let body = serde_json::json!({
            "rule": rule.name,
            "department": rule.department,
            "topic": rule.topic,
            "bucket_start_time": chrono::DateTime::from_timestamp_micros(bucket_start)
                .map(|t| t.to_rfc3339()),
            "count": spike.count,
            "baseline": spike.baseline,
            "standard_deviations": spike.standard_deviations,
            "threshold_standard_deviations": rule.threshold_standard_deviations,
        })
        .to_string();
        let mut backoff = self.config.backoff;
        for attempt in 1..=self.config.retries + 1 {
            let outcome = self.client.post_json(&rule.webhook_url, body.clone()).await;
            let (status_code, error) = match outcome {
                Ok(status) if (200..300).contains(&status) => (Some(status.into()), String::new()),
                Ok(status) => (
                    Some(status.into()),
                    format!("the webhook answered HTTP {status}"),
                ),
                Err(error) => (None, error),
            };
            let delivered = error.is_empty();
            self.store
                .record_delivery(&NewDelivery {
                    rule_name: &rule.name,
                    bucket_start,
                    attempt: attempt as i32,
                    status_code,
                    delivered,
                    error: &error,
                })
                .await?;
            if delivered {
                tracing::info!(rule = %rule.name, attempt, "alert delivered");
                return Ok(());
            }
            tracing::warn!(rule = %rule.name, attempt, %error, "alert delivery failed");
            if attempt <= self.config.retries {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(url: &str) -> pb::AlertRule {
        pb::AlertRule {
            name: "cs-spike".into(),
            threshold_standard_deviations: 3.0,
            baseline_buckets: 24,
            webhook_url: url.into(),
            ..Default::default()
        }
    }

    #[test]
    fn webhook_urls_are_http_without_credentials() {
        assert!(validate_rule(&rule("http://127.0.0.1:8080/hook")).is_ok());
        assert!(validate_rule(&rule("https://hooks.example.com/x")).is_ok());
        for bad in [
            "ftp://example.com/x",
            "https://user:secret@example.com/x",
            "http://token@example.com/x",
            "not a url",
            "file:///etc/passwd",
        ] {
            let error = validate_rule(&rule(bad)).unwrap_err();
            assert!(
                matches!(&error, ReportError::InvalidArgument { field, .. } if field == "rule.webhook_url"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn rules_need_a_name_threshold_and_baseline() {
        let mut bad = rule("http://h/x");
        bad.name = "no spaces".into();
        assert!(validate_rule(&bad).is_err());
        let mut bad = rule("http://h/x");
        bad.threshold_standard_deviations = f64::NAN;
        assert!(validate_rule(&bad).is_err());
        let mut bad = rule("http://h/x");
        bad.baseline_buckets = 1;
        assert!(validate_rule(&bad).is_err());
        let saved = validate_rule(&rule("http://h/x")).unwrap();
        assert_eq!(saved.bucket_width, pb::BucketWidth::Hour as i32);
    }
}
