-- Reports read the hourly and daily rollups by their key. Stored as that key's index (WITHOUT
-- ROWID), a range is one walk down the key instead of a walk down the key's index and a
-- table lookup for each row. PostgreSQL's counterpart is a key index that includes the counts.

CREATE TABLE rollups_by_key (
    department     TEXT NOT NULL,
    dimension      INTEGER NOT NULL,
    value          TEXT NOT NULL,
    bucket_start   BIGINT NOT NULL,
    mention_count  BIGINT NOT NULL,
    sentiment_sum  REAL NOT NULL,
    positive_count BIGINT NOT NULL,
    neutral_count  BIGINT NOT NULL,
    negative_count BIGINT NOT NULL,
    like_count     BIGINT NOT NULL DEFAULT 0,
    repost_count   BIGINT NOT NULL DEFAULT 0,
    reply_count    BIGINT NOT NULL DEFAULT 0,
    quote_count    BIGINT NOT NULL DEFAULT 0,
    view_count     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (department, dimension, value, bucket_start)
) WITHOUT ROWID;

INSERT INTO rollups_by_key (department, dimension, value, bucket_start, mention_count,
    sentiment_sum, positive_count, neutral_count, negative_count, like_count, repost_count,
    reply_count, quote_count, view_count)
SELECT department, dimension, value, bucket_start, mention_count, sentiment_sum,
    positive_count, neutral_count, negative_count, like_count, repost_count, reply_count,
    quote_count, view_count
FROM rollups;

DROP TABLE rollups;

ALTER TABLE rollups_by_key RENAME TO rollups;

-- A chart of the last few days by hour wants every value of a dimension over a short range:
-- ordered by time, with what it reads, the index holds those rows side by side.
CREATE INDEX rollups_by_bucket ON rollups (dimension, bucket_start, department, value,
    mention_count, sentiment_sum, positive_count, neutral_count, negative_count);

CREATE TABLE rollups_daily_by_key (
    department     TEXT NOT NULL,
    dimension      INTEGER NOT NULL,
    value          TEXT NOT NULL,
    bucket_start   BIGINT NOT NULL,
    mention_count  BIGINT NOT NULL,
    sentiment_sum  REAL NOT NULL,
    positive_count BIGINT NOT NULL,
    neutral_count  BIGINT NOT NULL,
    negative_count BIGINT NOT NULL,
    like_count     BIGINT NOT NULL DEFAULT 0,
    repost_count   BIGINT NOT NULL DEFAULT 0,
    reply_count    BIGINT NOT NULL DEFAULT 0,
    quote_count    BIGINT NOT NULL DEFAULT 0,
    view_count     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (department, dimension, value, bucket_start)
) WITHOUT ROWID;

INSERT INTO rollups_daily_by_key (department, dimension, value, bucket_start, mention_count,
    sentiment_sum, positive_count, neutral_count, negative_count, like_count, repost_count,
    reply_count, quote_count, view_count)
SELECT department, dimension, value, bucket_start, mention_count, sentiment_sum,
    positive_count, neutral_count, negative_count, like_count, repost_count, reply_count,
    quote_count, view_count
FROM rollups_daily;

DROP TABLE rollups_daily;

ALTER TABLE rollups_daily_by_key RENAME TO rollups_daily;

CREATE INDEX rollups_daily_by_bucket ON rollups_daily (dimension, bucket_start);
