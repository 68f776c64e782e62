-- Stage 6: each staff member's secret calendar feed. Only the SHA-256 of
-- the token is kept; creating a new one replaces the old (one per user).
-- Mirrored in ../postgres.

CREATE TABLE calendar_feeds (
    user_id BLOB PRIMARY KEY NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;
