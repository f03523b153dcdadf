-- Reach, top voices and reports over weeks without scanning the mentions.
-- Times are microseconds since the Unix epoch; days start at 00:00 UTC.

-- Engagement beside the counts, so that Reach sums hours (or days) instead of mentions. Only
-- the totals (dimension 0) carry it: that is all Reach reads.
ALTER TABLE rollups ADD COLUMN like_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN repost_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN reply_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN quote_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN view_count BIGINT NOT NULL DEFAULT 0;

UPDATE rollups SET like_count = e.likes, repost_count = e.reposts, reply_count = e.replies,
    quote_count = e.quotes, view_count = e.views
FROM (
    SELECT p.department AS department,
           m.created_at - ((m.created_at % 3600000000) + 3600000000) % 3600000000 AS hour,
           SUM(m.like_count) AS likes, SUM(m.repost_count) AS reposts,
           SUM(m.reply_count) AS replies, SUM(m.quote_count) AS quotes,
           SUM(m.view_count) AS views
    FROM mentions m
    JOIN (SELECT id AS mention_id, '' AS department FROM mentions WHERE status = 2
          UNION ALL SELECT mention_id, department FROM mention_departments) p
      ON p.mention_id = m.id
    WHERE m.status = 2
    GROUP BY 1, 2
) e
WHERE rollups.dimension = 0 AND rollups.value = '' AND rollups.department = e.department
  AND rollups.bucket_start = e.hour;

-- Day rows beside the hourly ones, kept up to date in the same transaction: a report over
-- weeks reads one row a day instead of 24, and only the hours at either end of its range
-- from `rollups`.
CREATE TABLE rollups_daily (
    department     TEXT NOT NULL,
    dimension      INTEGER NOT NULL,
    value          TEXT NOT NULL,
    bucket_start   BIGINT NOT NULL,
    mention_count  BIGINT NOT NULL,
    sentiment_sum  REAL NOT NULL,
    positive_count BIGINT NOT NULL,
    neutral_count  BIGINT NOT NULL,
    negative_count BIGINT NOT NULL,
    like_count     BIGINT NOT NULL,
    repost_count   BIGINT NOT NULL,
    reply_count    BIGINT NOT NULL,
    quote_count    BIGINT NOT NULL,
    view_count     BIGINT NOT NULL,
    PRIMARY KEY (department, dimension, value, bucket_start)
);

INSERT INTO rollups_daily
SELECT department, dimension, value,
       bucket_start - ((bucket_start % 86400000000) + 86400000000) % 86400000000,
       SUM(mention_count), SUM(sentiment_sum), SUM(positive_count), SUM(neutral_count),
       SUM(negative_count), SUM(like_count), SUM(repost_count), SUM(reply_count),
       SUM(quote_count), SUM(view_count)
FROM rollups
GROUP BY 1, 2, 3, 4;

CREATE INDEX rollups_daily_by_bucket ON rollups_daily (dimension, bucket_start);

-- Every author who spoke, per department partition ('' for all, as in the rollups): when
-- first and last, how often, and the most followers seen. Reach counts the authors whose
-- span meets its range, and looks into the mentions only for those whose span encloses it.
CREATE TABLE author_spans (
    department    TEXT NOT NULL,
    source        TEXT NOT NULL,
    -- Lower case, as influence scores spell it.
    handle        TEXT NOT NULL,
    first_at      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    mention_count BIGINT NOT NULL,
    followers     BIGINT NOT NULL,
    PRIMARY KEY (department, source, handle)
);

INSERT INTO author_spans
SELECT p.department, m.source, LOWER(m.author_handle), MIN(m.created_at), MAX(m.created_at),
       COUNT(*), MAX(m.author_followers)
FROM mentions m
JOIN (SELECT id AS mention_id, '' AS department FROM mentions WHERE status = 2
      UNION ALL SELECT mention_id, department FROM mention_departments) p
  ON p.mention_id = m.id
WHERE m.status = 2
GROUP BY 1, 2, 3;

CREATE INDEX author_spans_by_last ON author_spans (department, last_at);

-- Mentions per topic of all time, per department partition: the conversation map walks the
-- topics from the largest and stops when no topic further down can enter its largest.
CREATE TABLE topic_totals (
    department    TEXT NOT NULL,
    topic         TEXT NOT NULL,
    mention_count BIGINT NOT NULL,
    PRIMARY KEY (department, topic)
);

INSERT INTO topic_totals
SELECT department, value, SUM(mention_count) FROM rollups WHERE dimension = 2 GROUP BY 1, 2;

CREATE INDEX topic_totals_by_count ON topic_totals (department, mention_count DESC, topic);

-- Top voices and Reach probe one author's mentions in a window, by the handle as scores
-- spell it; the index holds what they read, so the probes never visit the table.
CREATE INDEX mentions_by_author_key
    ON mentions (LOWER(author_handle), created_at, source, status, sentiment_compound, id,
        author_handle);
