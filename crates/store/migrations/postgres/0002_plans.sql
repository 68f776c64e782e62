-- Stage 2-5: coded conditions for screening, versioned protocol settings,
-- treatment plans with the physician's suitability decision, planned
-- sessions (keeping the protocol version in force when booked), and the
-- preparation tasks ticked off. Mirrored in ../sqlite.

ALTER TABLE conditions ADD COLUMN category TEXT NOT NULL DEFAULT 'other';

CREATE TABLE protocol_versions (
    id UUID PRIMARY KEY NOT NULL,
    site_id UUID NOT NULL REFERENCES sites (id),
    version BIGINT NOT NULL,
    settings TEXT NOT NULL,
    note TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, version)
);

CREATE TABLE treatment_plans (
    id UUID PRIMARY KEY NOT NULL,
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    indication TEXT NOT NULL,
    target_site TEXT NOT NULL,
    side TEXT NOT NULL,
    spinal_level TEXT,
    cell_source TEXT NOT NULL,
    guidance TEXT NOT NULL,
    anaesthesia TEXT NOT NULL,
    planned_sessions BIGINT NOT NULL,
    study_id TEXT,
    previous_plan_id UUID REFERENCES treatment_plans (id),
    status TEXT NOT NULL,
    decision_outcome TEXT,
    decision_findings TEXT,
    decision_justification TEXT,
    decided_by TEXT,
    decided_at TIMESTAMPTZ,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX treatment_plans_patient ON treatment_plans (patient_id);

CREATE TABLE treatment_sessions (
    id UUID PRIMARY KEY NOT NULL,
    plan_id UUID NOT NULL REFERENCES treatment_plans (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    session_number BIGINT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    protocol_version BIGINT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (plan_id, session_number)
);
CREATE INDEX treatment_sessions_site_start ON treatment_sessions (site_id, starts_at);
CREATE INDEX treatment_sessions_patient ON treatment_sessions (patient_id);

CREATE TABLE preparation_ticks (
    session_id UUID NOT NULL REFERENCES treatment_sessions (id),
    task TEXT NOT NULL,
    ticked_at TIMESTAMPTZ NOT NULL,
    ticked_by TEXT NOT NULL,
    PRIMARY KEY (session_id, task)
);
