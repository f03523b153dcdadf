-- Times are microseconds since the Unix epoch in both dialects, so that one set of Rust types
-- and comparisons serves both stores.
CREATE TABLE mentions (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    source               TEXT NOT NULL,
    external_id          TEXT NOT NULL,
    url                  TEXT,
    author_handle        TEXT NOT NULL,
    author_display_name  TEXT,
    author_followers     BIGINT NOT NULL DEFAULT 0,
    author_following     BIGINT NOT NULL DEFAULT 0,
    author_posts         BIGINT NOT NULL DEFAULT 0,
    author_verified      INTEGER NOT NULL DEFAULT 0,
    author_location      TEXT,
    author_time_zone     TEXT,
    text                 TEXT NOT NULL,
    language             TEXT,
    created_at           BIGINT NOT NULL,
    ingested_at          BIGINT NOT NULL,
    place_name           TEXT,
    latitude             REAL,
    longitude            REAL,
    like_count           BIGINT NOT NULL DEFAULT 0,
    repost_count         BIGINT NOT NULL DEFAULT 0,
    reply_count          BIGINT NOT NULL DEFAULT 0,
    quote_count          BIGINT NOT NULL DEFAULT 0,
    view_count           BIGINT NOT NULL DEFAULT 0,
    reply_to_external_id TEXT,
    reply_to_handle      TEXT,
    quoted_external_id   TEXT,
    reposted_external_id TEXT,
    -- Handles and hashtags never contain white space, so a space-separated list is exact.
    mentioned_handles    TEXT NOT NULL DEFAULT '',
    hashtags             TEXT NOT NULL DEFAULT '',
    -- 1 pending, 2 enriched, 3 dead letter: the MentionStatus numbers of the contract.
    status               INTEGER NOT NULL DEFAULT 1,
    attempts             INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    UNIQUE (source, external_id)
);

CREATE INDEX mentions_by_status ON mentions (status, id);
CREATE INDEX mentions_by_created ON mentions (created_at DESC, id DESC);

CREATE TABLE topics (
    name       TEXT PRIMARY KEY,
    query      TEXT NOT NULL,
    brand      INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE mention_topics (
    topic      TEXT NOT NULL,
    mention_id BIGINT NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
    PRIMARY KEY (topic, mention_id)
);
