-- Influence: author profiles, the interaction graph, and scored generations.
-- Times are microseconds since the Unix epoch, as in 0001.

-- The latest observation of each author's profile; an older observation never overwrites it.
CREATE TABLE authors (
    source       TEXT NOT NULL,
    handle       TEXT NOT NULL,
    display_name TEXT,
    followers    BIGINT NOT NULL DEFAULT 0,
    following    BIGINT NOT NULL DEFAULT 0,
    post_count   BIGINT NOT NULL DEFAULT 0,
    location     TEXT,
    verified     INTEGER NOT NULL DEFAULT 0,
    observed_at  BIGINT NOT NULL,
    PRIMARY KEY (source, handle)
);

-- One row per interaction; the unique key makes re-recording the same interaction a no-op.
CREATE TABLE interactions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The InteractionKind numbers of the contract.
    kind                INTEGER NOT NULL,
    source_handle       TEXT NOT NULL,
    target_handle       TEXT NOT NULL,
    mention_source      TEXT NOT NULL,
    mention_external_id TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    UNIQUE (kind, source_handle, target_handle, mention_source, mention_external_id)
);

CREATE INDEX interactions_by_created ON interactions (created_at);

-- How many of an author's mentions were classified into each department; the enrichment path
-- adds to it, and topical authority personalises PageRank with it.
CREATE TABLE author_departments (
    source        TEXT NOT NULL,
    handle        TEXT NOT NULL,
    department    TEXT NOT NULL,
    mention_count BIGINT NOT NULL,
    PRIMARY KEY (source, handle, department)
);

-- One row per complete recompute. Scores of a generation are written in the same transaction
-- as its row here, so readers see a generation whole or not at all.
CREATE TABLE influence_generations (
    generation        BIGINT PRIMARY KEY,
    formula_version   TEXT NOT NULL,
    computed_at       BIGINT NOT NULL,
    author_count      BIGINT NOT NULL,
    interaction_count BIGINT NOT NULL
);

CREATE TABLE influence_scores (
    generation            BIGINT NOT NULL,
    handle                TEXT NOT NULL,
    score                 REAL NOT NULL,
    reach_raw             REAL NOT NULL,
    reach_percentile      REAL NOT NULL,
    engagement_raw        REAL NOT NULL,
    engagement_percentile REAL NOT NULL,
    authority_raw         REAL NOT NULL,
    authority_percentile  REAL NOT NULL,
    recency_raw           REAL NOT NULL,
    recency_percentile    REAL NOT NULL,
    PRIMARY KEY (generation, handle)
);

CREATE INDEX influence_scores_by_rank ON influence_scores (generation, score DESC, handle);

CREATE TABLE influence_topical (
    generation BIGINT NOT NULL,
    department TEXT NOT NULL,
    handle     TEXT NOT NULL,
    raw        REAL NOT NULL,
    percentile REAL NOT NULL,
    PRIMARY KEY (generation, department, handle)
);

CREATE INDEX influence_topical_by_rank ON influence_topical (generation, department, raw DESC, handle);
CREATE INDEX influence_topical_by_handle ON influence_topical (generation, handle);
