-- Intake: test results and measurements (laboratory results, vital signs),
-- typed in by the clinic or imported from other systems' Observations.
-- `kind` is the domain's `ResultKind` code; `value` is the value with its
-- unit as reported. Mirrored in ../sqlite.

CREATE TABLE results (
    id UUID PRIMARY KEY NOT NULL,
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    test TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    taken_on DATE NOT NULL,
    notes TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX results_patient ON results (patient_id);
