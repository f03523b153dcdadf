-- Enrichment: the worker's lease on pending mentions, what classification and location
-- resolution found, the department inboxes, and the rollups that reports read.
-- Times are microseconds since the Unix epoch, as in 0001.

-- The lease: a claimed mention is not claimed again until `claimed_until` passes, and a failed
-- one not before `next_attempt_at` (backoff).
ALTER TABLE mentions ADD COLUMN claimed_until BIGINT;
ALTER TABLE mentions ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mentions ADD COLUMN enriched_at BIGINT;

-- Classification (NULL until enriched). `sentiment_label` is the SentimentLabel number.
ALTER TABLE mentions ADD COLUMN sentiment_neg DOUBLE PRECISION;
ALTER TABLE mentions ADD COLUMN sentiment_neu DOUBLE PRECISION;
ALTER TABLE mentions ADD COLUMN sentiment_pos DOUBLE PRECISION;
ALTER TABLE mentions ADD COLUMN sentiment_compound DOUBLE PRECISION;
ALTER TABLE mentions ADD COLUMN sentiment_label INTEGER;
ALTER TABLE mentions ADD COLUMN intent TEXT;
ALTER TABLE mentions ADD COLUMN intent_confidence DOUBLE PRECISION;
ALTER TABLE mentions ADD COLUMN detected_language TEXT;
ALTER TABLE mentions ADD COLUMN urgency DOUBLE PRECISION;
ALTER TABLE mentions ADD COLUMN model_version TEXT;
-- The classifier's reasons for the top department, one per line, strongest first.
ALTER TABLE mentions ADD COLUMN routing_reasons TEXT NOT NULL DEFAULT '';

-- Where it was said from (NULL or '' when unknown). `location_evidence` is the
-- LocationEvidence number.
ALTER TABLE mentions ADD COLUMN country_code TEXT;
ALTER TABLE mentions ADD COLUMN region_code TEXT;
ALTER TABLE mentions ADD COLUMN city TEXT;
ALTER TABLE mentions ADD COLUMN resolved_latitude DOUBLE PRECISION;
ALTER TABLE mentions ADD COLUMN resolved_longitude DOUBLE PRECISION;
ALTER TABLE mentions ADD COLUMN location_evidence INTEGER;
ALTER TABLE mentions ADD COLUMN location_confidence DOUBLE PRECISION;

CREATE INDEX mentions_claimable ON mentions (status, next_attempt_at, id);
CREATE INDEX mentions_by_author ON mentions (author_handle, created_at);

-- Every department a mention concerns, with the classifier's confidence.
CREATE TABLE mention_departments (
    mention_id BIGINT NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
    department TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (mention_id, department)
);

CREATE INDEX mention_departments_by_department ON mention_departments (department, mention_id);

-- Topics the classifier found (hashtags, key phrases); listening-topic matches stay in
-- mention_topics.
CREATE TABLE mention_key_topics (
    mention_id BIGINT NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,
    PRIMARY KEY (mention_id, topic)
);

-- One row per mention that concerns at least one department: the owner department acts on it,
-- the others it concerns see it.
CREATE TABLE inbox_items (
    mention_id       BIGINT PRIMARY KEY REFERENCES mentions (id) ON DELETE CASCADE,
    owner_department TEXT NOT NULL,
    -- urgency × influence, 0–1.
    priority         DOUBLE PRECISION NOT NULL,
    -- The InboxStatus number: 1 open, 2 assigned, 3 done.
    status           INTEGER NOT NULL DEFAULT 1,
    assignee         TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE INDEX inbox_by_owner ON inbox_items (owner_department, status, priority DESC, mention_id);

-- The audit trail of every change to an inbox item.
CREATE TABLE inbox_events (
    id         BIGSERIAL PRIMARY KEY,
    mention_id BIGINT NOT NULL REFERENCES inbox_items (mention_id) ON DELETE CASCADE,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE INDEX inbox_events_by_mention ON inbox_events (mention_id, id);

-- Counts per hour, kept up to date as mentions are enriched, so that reports never scan all
-- mentions. `department` is '' for all departments together, otherwise one the mention
-- concerns (a mention of two departments counts once in each and once in ''). `dimension` is
-- the Dimension number of the value grouped by, 0 with value '' for the total. Day and week
-- buckets are sums of hours.
CREATE TABLE rollups (
    department     TEXT NOT NULL,
    dimension      INTEGER NOT NULL,
    value          TEXT NOT NULL,
    bucket_start   BIGINT NOT NULL,
    mention_count  BIGINT NOT NULL,
    sentiment_sum  DOUBLE PRECISION NOT NULL,
    positive_count BIGINT NOT NULL,
    neutral_count  BIGINT NOT NULL,
    negative_count BIGINT NOT NULL,
    PRIMARY KEY (department, dimension, value, bucket_start)
);

CREATE INDEX rollups_by_bucket ON rollups (dimension, bucket_start);
