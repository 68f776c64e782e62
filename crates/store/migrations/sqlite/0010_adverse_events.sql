-- Stage 8, adverse events: what happened after a session, when, its grade
-- (1-5), serious or not, how related to the treatment, and how it ended;
-- linked to the session and, when known, to the product or donor lot the
-- patient received (and through it to the processing record), so that a
-- lookback from a kit lot or a product finds it. Changed in place under a
-- version (an outcome moves on); every change is in the audit trail.
-- Mirrored in ../postgres.

CREATE TABLE adverse_events (
    id BLOB PRIMARY KEY NOT NULL,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    session_id BLOB NOT NULL REFERENCES treatment_sessions (id),
    unit_id BLOB REFERENCES cell_units (id),
    what TEXT NOT NULL,
    onset_at TEXT NOT NULL,
    grade INTEGER NOT NULL,
    serious INTEGER NOT NULL,
    relatedness TEXT NOT NULL,
    outcome TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL
) STRICT;
CREATE INDEX adverse_events_patient ON adverse_events (patient_id, onset_at);
CREATE INDEX adverse_events_session ON adverse_events (session_id);
CREATE INDEX adverse_events_unit ON adverse_events (unit_id);
CREATE INDEX cell_units_parent ON cell_units (parent_id);
