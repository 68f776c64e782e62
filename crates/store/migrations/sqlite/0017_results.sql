-- Intake: test results and measurements (laboratory results, vital signs),
-- typed in by the clinic or imported from other systems' Observations.
-- `kind` is the domain's `ResultKind` code; `value` is the value with its
-- unit as reported. Mirrored in ../postgres.

CREATE TABLE results (
    id BLOB PRIMARY KEY NOT NULL,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    test TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    taken_on TEXT NOT NULL,
    notes TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX results_patient ON results (patient_id);
