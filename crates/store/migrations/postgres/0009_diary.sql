-- Stage 8, recovery: the symptom diary of the two weeks after a session
-- (a patient may write more than once a day: every entry is kept) and the
-- triage alerts its red flags open, one per entry and rule, each with an
-- owner and a closing note once handled. Mirrored in ../postgres.

CREATE TABLE diary_entries (
    id UUID PRIMARY KEY NOT NULL,
    session_id UUID NOT NULL REFERENCES treatment_sessions (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    day BIGINT NOT NULL CHECK (day BETWEEN 1 AND 14),
    fields TEXT NOT NULL,
    entered_by UUID NOT NULL REFERENCES users (id),
    entered_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX diary_entries_session ON diary_entries (session_id, entered_at);

CREATE TABLE triage_alerts (
    id UUID PRIMARY KEY NOT NULL,
    site_id UUID NOT NULL REFERENCES sites (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    session_id UUID NOT NULL REFERENCES treatment_sessions (id),
    entry_id UUID NOT NULL REFERENCES diary_entries (id),
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    opened_at TIMESTAMPTZ NOT NULL,
    owner_id UUID REFERENCES users (id),
    closed_at TIMESTAMPTZ,
    closing_note TEXT,
    closed_by UUID REFERENCES users (id),
    version BIGINT NOT NULL,
    UNIQUE (entry_id, rule)
);
CREATE INDEX triage_alerts_open ON triage_alerts (site_id, closed_at, opened_at);
