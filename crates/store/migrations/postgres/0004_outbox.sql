-- Reminders: a persistent outbox. A message is enqueued in the same
-- transaction as the change that causes it, once (dedup_key), and
-- delivered by a worker with retries and backoff. Mirrored in ../sqlite.

CREATE TABLE outbox (
    id UUID PRIMARY KEY NOT NULL,
    site_id UUID NOT NULL REFERENCES sites (id),
    patient_id UUID REFERENCES patients (id),
    dedup_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    calendar TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_patient ON outbox (patient_id);
