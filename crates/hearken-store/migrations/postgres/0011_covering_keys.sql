-- Reports read only the counts and summed sentiment of the hourly and daily rollups: with
-- those in the key's index, a range is read from the index alone instead of a table page per
-- row (a quarter's days by department: 39 buffers instead of 543). The key's index is
-- replaced rather than doubled. The counts change on every update, so these updates now
-- write the index; few of them were heap-only before (1 in 9 of the daily ones, 1 in 150 of
-- the hourly ones at a million mentions), as most rows are new buckets.
CREATE UNIQUE INDEX rollups_key ON rollups (department, dimension, value, bucket_start)
    INCLUDE (mention_count, sentiment_sum, positive_count, neutral_count, negative_count);

ALTER TABLE rollups DROP CONSTRAINT rollups_pkey,
    ADD CONSTRAINT rollups_pkey PRIMARY KEY USING INDEX rollups_key;

CREATE UNIQUE INDEX rollups_daily_key ON rollups_daily (department, dimension, value, bucket_start)
    INCLUDE (mention_count, sentiment_sum, positive_count, neutral_count, negative_count);

ALTER TABLE rollups_daily DROP CONSTRAINT rollups_daily_pkey,
    ADD CONSTRAINT rollups_daily_pkey PRIMARY KEY USING INDEX rollups_daily_key;

-- A chart of the last few days by hour wants every value of a dimension over a short range:
-- ordered by time, the index holds those rows side by side (13 buffers for three days by
-- department, where the key's order read all 90 days of each department's hours: 164).
DROP INDEX rollups_by_bucket;

CREATE INDEX rollups_by_bucket ON rollups (dimension, bucket_start, department)
    INCLUDE (value, mention_count, sentiment_sum, positive_count, neutral_count, negative_count);

-- The map's top voice of a cell is the best placed of its voices whose span meets the range:
-- a probe of one span by its key. With the span's ends in the key's index that probe reads
-- one index entry; without them PostgreSQL preferred the index by last mention, which holds
-- them, and read every span of the cell that ended in the range (265 a probe, 3 of the
-- map's 4 ms).
CREATE UNIQUE INDEX author_spans_key ON author_spans (department, topic, source, handle)
    INCLUDE (first_at, last_at);

ALTER TABLE author_spans DROP CONSTRAINT author_spans_pkey,
    ADD CONSTRAINT author_spans_pkey PRIMARY KEY USING INDEX author_spans_key;
