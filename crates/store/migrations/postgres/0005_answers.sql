-- Stage 9: the clinic's answers to common questions, per site and language,
-- edited by the admin (the shipped starting texts apply until then).
-- Mirrored in ../sqlite.

CREATE TABLE answers (
    site_id UUID NOT NULL REFERENCES sites (id),
    question TEXT NOT NULL,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (site_id, question, locale)
);
