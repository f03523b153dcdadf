-- Summed sentiment beside each topic's all-time mentions, so that a conversation map over a
-- range holding every mention reads one row a cell from the totals instead of its rollups.
ALTER TABLE topic_totals ADD COLUMN sentiment_sum DOUBLE PRECISION NOT NULL DEFAULT 0;

DELETE FROM topic_totals;

INSERT INTO topic_totals (department, topic, mention_count, sentiment_sum)
SELECT department, value, SUM(mention_count), SUM(sentiment_sum) FROM rollups
WHERE dimension = 2 GROUP BY 1, 2;
