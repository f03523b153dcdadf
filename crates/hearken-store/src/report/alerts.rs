//! Alert rules and the log of their webhook deliveries.

use super::on_pool;
use crate::model::now_micros;
use crate::{Store, StoreError};

/// A stored alert rule.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AlertRuleRecord {
    pub name: String,
    /// `""` for every department.
    pub department: String,
    /// `""` for every topic.
    pub topic: String,
    pub threshold_standard_deviations: f64,
    pub baseline_buckets: i32,
    /// The BucketWidth number of the contract.
    pub bucket_width: i32,
    pub cooldown_minutes: i32,
    pub webhook_url: String,
    /// Microseconds; when the rule last fired.
    pub last_fired_at: Option<i64>,
    /// Microseconds; the bucket it last fired for.
    pub last_fired_bucket: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One attempt to deliver an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery<'a> {
    pub rule_name: &'a str,
    pub bucket_start: i64,
    /// 1 for the first attempt.
    pub attempt: i32,
    /// The HTTP status, when the webhook answered.
    pub status_code: Option<i32>,
    pub delivered: bool,
    pub error: &'a str,
}

/// A logged delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertDelivery {
    pub rule_name: String,
    pub bucket_start: i64,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub delivered: bool,
    pub error: String,
    pub created_at: i64,
}

const RULE_COLUMNS: &str = "name, department, topic, threshold_standard_deviations, \
     baseline_buckets, bucket_width, cooldown_minutes, webhook_url, last_fired_at, \
     last_fired_bucket, created_at, updated_at";

impl Store {
    /// Creates or replaces the rule named `rule.name`, keeping its creation time and when it
    /// last fired (so replacing a rule does not reset its cooldown).
    pub async fn put_alert_rule(
        &self,
        rule: &AlertRuleRecord,
    ) -> Result<AlertRuleRecord, StoreError> {
        let now = now_micros();
        on_pool!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO alert_rules (name, department, topic, threshold_standard_deviations, \
                 baseline_buckets, bucket_width, cooldown_minutes, webhook_url, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                 ON CONFLICT (name) DO UPDATE SET department = excluded.department, \
                 topic = excluded.topic, \
                 threshold_standard_deviations = excluded.threshold_standard_deviations, \
                 baseline_buckets = excluded.baseline_buckets, \
                 bucket_width = excluded.bucket_width, \
                 cooldown_minutes = excluded.cooldown_minutes, \
                 webhook_url = excluded.webhook_url, updated_at = excluded.updated_at \
                 RETURNING name, department, topic, threshold_standard_deviations, \
                 baseline_buckets, bucket_width, cooldown_minutes, webhook_url, last_fired_at, \
                 last_fired_bucket, created_at, updated_at",
            )
            .bind(&rule.name)
            .bind(&rule.department)
            .bind(&rule.topic)
            .bind(rule.threshold_standard_deviations)
            .bind(rule.baseline_buckets)
            .bind(rule.bucket_width)
            .bind(rule.cooldown_minutes)
            .bind(&rule.webhook_url)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::query("save an alert rule"))
        })
    }

    /// Every rule, by name.
    pub async fn list_alert_rules(&self) -> Result<Vec<AlertRuleRecord>, StoreError> {
        let sql = format!("SELECT {RULE_COLUMNS} FROM alert_rules ORDER BY name");
        on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list alert rules"))
        })
    }

    /// Deletes a rule; false when there was none by that name. Its delivery log stays.
    pub async fn delete_alert_rule(&self, name: &str) -> Result<bool, StoreError> {
        let deleted = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM alert_rules WHERE name = $1")
                .bind(name)
                .execute(pool)
                .await
                .map_err(StoreError::query("delete an alert rule"))?
                .rows_affected()
        });
        Ok(deleted > 0)
    }

    /// Records that a rule fires for `bucket_start` at `at`, unless it already fired for that
    /// bucket or a later one, or fired less than `cooldown_micros` ago: false then. One
    /// conditional update, so two evaluators never both deliver the same alert.
    pub async fn mark_alert_fired(
        &self,
        name: &str,
        bucket_start: i64,
        at: i64,
        cooldown_micros: i64,
    ) -> Result<bool, StoreError> {
        let updated = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE alert_rules SET last_fired_at = $3, last_fired_bucket = $2 \
                 WHERE name = $1 AND (last_fired_bucket IS NULL OR last_fired_bucket < $2) \
                 AND (last_fired_at IS NULL OR last_fired_at + $4 <= $3)",
            )
            .bind(name)
            .bind(bucket_start)
            .bind(at)
            .bind(cooldown_micros)
            .execute(pool)
            .await
            .map_err(StoreError::query("mark an alert rule fired"))?
            .rows_affected()
        });
        Ok(updated > 0)
    }

    /// Logs one delivery attempt.
    pub async fn record_delivery(&self, delivery: &NewDelivery<'_>) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO alert_deliveries (rule_name, bucket_start, attempt, status_code, \
                 delivered, error, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(delivery.rule_name)
            .bind(delivery.bucket_start)
            .bind(delivery.attempt)
            .bind(delivery.status_code)
            .bind(delivery.delivered)
            .bind(delivery.error)
            .bind(now_micros())
            .execute(pool)
            .await
            .map_err(StoreError::query("log an alert delivery"))?;
        });
        Ok(())
    }

    /// A rule's delivery attempts, oldest first.
    pub async fn alert_deliveries(
        &self,
        rule_name: &str,
    ) -> Result<Vec<AlertDelivery>, StoreError> {
        on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT rule_name, bucket_start, attempt, status_code, delivered, error, \
                 created_at FROM alert_deliveries WHERE rule_name = $1 ORDER BY id",
            )
            .bind(rule_name)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("read alert deliveries"))
        })
    }
}
