-- Base schema: sites, users and their sign-in state, patients and intake, audit trail.
-- Mirrored by file name in ../sqlite; tests/schema_parity.rs compares the two.

CREATE TABLE sites (
    id UUID PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    record_prefix TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE patients (
    id UUID PRIMARY KEY NOT NULL,
    site_id UUID NOT NULL REFERENCES sites (id),
    record_number TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    other_script_name TEXT,
    date_of_birth DATE NOT NULL,
    sex TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT,
    preferred_language TEXT NOT NULL,
    name_key TEXT NOT NULL,
    phone_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, record_number)
);
CREATE INDEX patients_site_name ON patients (site_id, name_key);
CREATE INDEX patients_site_dob ON patients (site_id, date_of_birth);

CREATE TABLE users (
    id UUID PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL,
    patient_id UUID REFERENCES patients (id),
    totp_secret TEXT,
    failed_logins BIGINT NOT NULL,
    locked_until TIMESTAMPTZ,
    disabled BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE user_sites (
    user_id UUID NOT NULL REFERENCES users (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    PRIMARY KEY (user_id, site_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY NOT NULL,
    patient_id UUID NOT NULL REFERENCES patients (id),
    created_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);

CREATE TABLE counters (
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (scope, name)
);

CREATE TABLE conditions (
    id UUID PRIMARY KEY NOT NULL,
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    onset_date DATE,
    notes TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX conditions_patient ON conditions (patient_id);

CREATE TABLE medications (
    id UUID PRIMARY KEY NOT NULL,
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    name TEXT NOT NULL,
    class TEXT NOT NULL,
    dose TEXT,
    started_on DATE,
    stopped_on DATE,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX medications_patient ON medications (patient_id);

CREATE TABLE allergies (
    id UUID PRIMARY KEY NOT NULL,
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    substance TEXT NOT NULL,
    severity TEXT NOT NULL,
    reaction TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX allergies_patient ON allergies (patient_id);

CREATE TABLE imaging_reports (
    id UUID PRIMARY KEY NOT NULL,
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    region TEXT NOT NULL,
    modality TEXT NOT NULL,
    performed_on DATE NOT NULL,
    findings TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX imaging_reports_patient ON imaging_reports (patient_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    site_id TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    before_state TEXT NOT NULL,
    after_state TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient_id);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
