-- Alert rules and the log of their webhook deliveries. Times are microseconds since the Unix
-- epoch, as in 0001.

-- A rule flags a bucket of one department's (or all departments', '') volume on one topic (or
-- all topics, '') that exceeds its trailing baseline, and posts it to a webhook.
CREATE TABLE alert_rules (
    name                          TEXT PRIMARY KEY,
    department                    TEXT NOT NULL DEFAULT '',
    topic                         TEXT NOT NULL DEFAULT '',
    threshold_standard_deviations DOUBLE PRECISION NOT NULL,
    baseline_buckets              INTEGER NOT NULL,
    -- The BucketWidth number of the contract.
    bucket_width                  INTEGER NOT NULL,
    cooldown_minutes              INTEGER NOT NULL,
    webhook_url                   TEXT NOT NULL,
    -- When the rule last fired, so that the cooldown holds across restarts and replicas.
    last_fired_at                 BIGINT,
    -- The start of the bucket it last fired for: one bucket fires once.
    last_fired_bucket             BIGINT,
    created_at                    BIGINT NOT NULL,
    updated_at                    BIGINT NOT NULL
);

-- Every attempt to deliver an alert, successful or not.
CREATE TABLE alert_deliveries (
    id           BIGSERIAL PRIMARY KEY,
    rule_name    TEXT NOT NULL,
    bucket_start BIGINT NOT NULL,
    attempt      INTEGER NOT NULL,
    -- The HTTP status the webhook answered, NULL when there was no answer.
    status_code  INTEGER,
    delivered    BOOLEAN NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);

CREATE INDEX alert_deliveries_by_rule ON alert_deliveries (rule_name, id);
