-- Each score's place in its generation's ranking (0 is the best: by score, then source and
-- handle), so that top voices page through the ranking by an index and the conversation map
-- can keep the cells its highest ranked authors spoke in. New generations set it.
ALTER TABLE influence_scores ADD COLUMN place BIGINT NOT NULL DEFAULT 0;

UPDATE influence_scores AS s SET place = r.place
FROM (SELECT generation, source, handle,
             ROW_NUMBER() OVER (PARTITION BY generation ORDER BY score DESC, source, handle) - 1
               AS place
      FROM influence_scores) r
WHERE r.generation = s.generation AND r.source = s.source AND r.handle = s.handle;

CREATE INDEX influence_scores_by_place ON influence_scores (generation, place);

-- The cells (department × topic) that the current generation's 256 highest ranked authors
-- (MAP_VOICES) spoke in, with their place: a cell's top voice is its first row whose author
-- span meets the map's range, so the map reads a row or two a cell instead of every ranked
-- author's spans. Replaced with each generation, extended as mentions are enriched.
CREATE TABLE map_voices (
    department TEXT NOT NULL,
    topic      TEXT NOT NULL,
    place      BIGINT NOT NULL,
    source     TEXT NOT NULL,
    handle     TEXT NOT NULL,
    PRIMARY KEY (department, topic, place)
);

INSERT INTO map_voices
SELECT a.department, a.topic, s.place, a.source, a.handle
FROM influence_scores s
JOIN author_spans a ON a.handle = s.handle AND a.source = s.source
WHERE s.generation = (SELECT MAX(generation) FROM influence_generations)
  AND s.place < 256 AND a.department <> '' AND a.topic <> '';
