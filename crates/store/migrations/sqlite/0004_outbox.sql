-- Reminders: a persistent outbox. A message is enqueued in the same
-- transaction as the change that causes it, once (dedup_key), and
-- delivered by a worker with retries and backoff. Mirrored in ../postgres.

CREATE TABLE outbox (
    id BLOB PRIMARY KEY NOT NULL,
    site_id BLOB NOT NULL REFERENCES sites (id),
    patient_id BLOB REFERENCES patients (id),
    dedup_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    calendar TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_patient ON outbox (patient_id);
