-- Interactions carry a weight, and scores are keyed by author, (source, handle), as authors
-- are: the same handle on two platforms is two people.

-- The edge weight a client gave; NULL means the default weight of the interaction's kind under
-- the formula that scores it, so rows recorded before weights existed keep that meaning and a
-- new formula version can re-weight the kinds without rewriting them.
ALTER TABLE interactions ADD COLUMN weight DOUBLE PRECISION;

-- Scores are derived data that every recompute rebuilds whole, so the old generations are
-- dropped rather than converted; the scheduler recomputes at its first poll.
DROP TABLE influence_topical;
DROP TABLE influence_scores;
DELETE FROM influence_generations;

CREATE TABLE influence_scores (
    generation            BIGINT NOT NULL,
    source                TEXT NOT NULL,
    handle                TEXT NOT NULL,
    score                 DOUBLE PRECISION NOT NULL,
    reach_raw             DOUBLE PRECISION NOT NULL,
    reach_percentile      DOUBLE PRECISION NOT NULL,
    engagement_raw        DOUBLE PRECISION NOT NULL,
    engagement_percentile DOUBLE PRECISION NOT NULL,
    authority_raw         DOUBLE PRECISION NOT NULL,
    authority_percentile  DOUBLE PRECISION NOT NULL,
    recency_raw           DOUBLE PRECISION NOT NULL,
    recency_percentile    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (generation, source, handle)
);

CREATE INDEX influence_scores_by_rank ON influence_scores (generation, score DESC, source, handle);

CREATE TABLE influence_topical (
    generation BIGINT NOT NULL,
    department TEXT NOT NULL,
    source     TEXT NOT NULL,
    handle     TEXT NOT NULL,
    raw        DOUBLE PRECISION NOT NULL,
    percentile DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (generation, department, source, handle)
);

CREATE INDEX influence_topical_by_rank
    ON influence_topical (generation, department, raw DESC, source, handle);
CREATE INDEX influence_topical_by_handle ON influence_topical (generation, handle);
