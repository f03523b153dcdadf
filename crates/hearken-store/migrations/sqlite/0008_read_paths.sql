-- Who spoke in each cell of the conversation map (department × topic), when first and last:
-- the author spans gain a topic ('' for all topics, the rows Reach reads), so that the map
-- finds each cell's top voice among a few hundred ranked authors' spans instead of joining
-- their mentions to every department and topic they were labelled with. Cells exist for the
-- departments only, as the map shows them; a topic is a listening topic or a key topic.
DROP TABLE author_spans;

CREATE TABLE author_spans (
    department    TEXT NOT NULL,
    topic         TEXT NOT NULL,
    source        TEXT NOT NULL,
    -- Lower case, as influence scores spell it.
    handle        TEXT NOT NULL,
    first_at      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    mention_count BIGINT NOT NULL,
    -- Summed compound sentiment: top voices over a range that holds the whole span read
    -- what the author said from here.
    sentiment_sum REAL NOT NULL,
    followers     BIGINT NOT NULL,
    PRIMARY KEY (department, topic, source, handle)
);

INSERT INTO author_spans
SELECT p.department, p.topic, m.source, LOWER(m.author_handle), MIN(m.created_at),
       MAX(m.created_at), COUNT(*), SUM(m.sentiment_compound), MAX(m.author_followers)
FROM mentions m
JOIN (SELECT id AS mention_id, '' AS department, '' AS topic FROM mentions WHERE status = 2
      UNION ALL SELECT mention_id, department, '' FROM mention_departments
      UNION ALL SELECT d.mention_id, d.department, t.topic FROM mention_departments d
      JOIN (SELECT mention_id, topic FROM mention_topics
            UNION SELECT mention_id, topic FROM mention_key_topics) t
        ON t.mention_id = d.mention_id) p
  ON p.mention_id = m.id
WHERE m.status = 2
GROUP BY 1, 2, 3, 4;

CREATE INDEX author_spans_by_last ON author_spans (department, topic, last_at);
-- The map looks up the cells of its ranked authors.
CREATE INDEX author_spans_by_handle ON author_spans (handle, topic);
-- The map names the departments that hold its largest topics, so that reading their cells
-- walks the rollups' keys instead of every topic row in the range.
CREATE INDEX topic_totals_by_topic ON topic_totals (topic, department);

-- A page of mentions (an inbox, an export batch) reads its listening topics by mention: the
-- primary key leads with the topic, so without this every page scanned all the matches.
CREATE INDEX mention_topics_by_mention ON mention_topics (mention_id);

-- Week rows (weeks start on Monday, 00:00 UTC) beside the day rows, kept in the same
-- transaction: a report over months reads a row a week, and only the days and hours at either
-- end of its range from the finer tables.
CREATE TABLE rollups_weekly (
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

-- 1970-01-05, the first Monday, is 4 days after the epoch.
INSERT INTO rollups_weekly
SELECT department, dimension, value,
       bucket_start
         - (((bucket_start - 345600000000) % 604800000000) + 604800000000) % 604800000000,
       SUM(mention_count), SUM(sentiment_sum), SUM(positive_count), SUM(neutral_count),
       SUM(negative_count), SUM(like_count), SUM(repost_count), SUM(reply_count),
       SUM(quote_count), SUM(view_count)
FROM rollups_daily
GROUP BY 1, 2, 3, 4;
