-- Stage 4: consent texts, versioned per site, procedure (cell source) and
-- language; and signed consents keeping the exact text shown, its hash and
-- the printable PDF. Mirrored in ../sqlite.

CREATE TABLE consent_templates (
    id UUID PRIMARY KEY NOT NULL,
    site_id UUID NOT NULL REFERENCES sites (id),
    procedure TEXT NOT NULL,
    locale TEXT NOT NULL,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, procedure, locale, version)
);

CREATE TABLE consents (
    id UUID PRIMARY KEY NOT NULL,
    plan_id UUID NOT NULL REFERENCES treatment_plans (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    procedure TEXT NOT NULL,
    locale TEXT NOT NULL,
    template_version BIGINT NOT NULL,
    text_shown TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    typed_name TEXT NOT NULL,
    drawn_signature TEXT,
    witness_name TEXT,
    interpreter_name TEXT,
    interpreter_language TEXT,
    signed_via TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    withdrawn_by TEXT,
    withdrawal_reason TEXT,
    pdf BYTEA
);
CREATE INDEX consents_plan ON consents (plan_id);
