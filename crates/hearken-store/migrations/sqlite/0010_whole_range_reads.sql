-- Reads of a range holding every mention, the dashboard's default.

-- Summed sentiment beside each topic's all-time mentions, so that the conversation map over
-- such a range reads one row a cell from the totals instead of its rollups.
ALTER TABLE topic_totals ADD COLUMN sentiment_sum DOUBLE PRECISION NOT NULL DEFAULT 0;

DELETE FROM topic_totals;

INSERT INTO topic_totals (department, topic, mention_count, sentiment_sum)
SELECT department, value, SUM(mention_count), SUM(sentiment_sum) FROM rollups
WHERE dimension = 2 GROUP BY 1, 2;

-- Reach counts every author of such a range: the index holds what it reads of each span, so
-- the count never visits the table (SQLite has no INCLUDE: the columns join the key).
DROP INDEX author_spans_by_last;

CREATE INDEX author_spans_by_last
    ON author_spans (department, topic, last_at, first_at, followers, source, handle);
