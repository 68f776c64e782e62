-- Stage 8, recovery: the symptom diary of the two weeks after a session
-- (a patient may write more than once a day: every entry is kept) and the
-- triage alerts its red flags open, one per entry and rule, each with an
-- owner and a closing note once handled. Mirrored in ../postgres.

CREATE TABLE diary_entries (
    id BLOB PRIMARY KEY NOT NULL,
    session_id BLOB NOT NULL REFERENCES treatment_sessions (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    day INTEGER NOT NULL CHECK (day BETWEEN 1 AND 14),
    fields TEXT NOT NULL,
    entered_by BLOB NOT NULL REFERENCES users (id),
    entered_at TEXT NOT NULL
) STRICT;
CREATE INDEX diary_entries_session ON diary_entries (session_id, entered_at);

CREATE TABLE triage_alerts (
    id BLOB PRIMARY KEY NOT NULL,
    site_id BLOB NOT NULL REFERENCES sites (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    session_id BLOB NOT NULL REFERENCES treatment_sessions (id),
    entry_id BLOB NOT NULL REFERENCES diary_entries (id),
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    owner_id BLOB REFERENCES users (id),
    closed_at TEXT,
    closing_note TEXT,
    closed_by BLOB REFERENCES users (id),
    version INTEGER NOT NULL,
    UNIQUE (entry_id, rule)
) STRICT;
CREATE INDEX triage_alerts_open ON triage_alerts (site_id, closed_at, opened_at);
