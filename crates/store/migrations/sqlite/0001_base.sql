-- Base schema: sites, users and their sign-in state, patients and intake, audit trail.
-- Mirrored by file name in ../postgres; tests/schema_parity.rs compares the two.

CREATE TABLE sites (
    id BLOB PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    record_prefix TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE patients (
    id BLOB PRIMARY KEY NOT NULL,
    site_id BLOB NOT NULL REFERENCES sites (id),
    record_number TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    other_script_name TEXT,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT,
    preferred_language TEXT NOT NULL,
    name_key TEXT NOT NULL,
    phone_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (site_id, record_number)
) STRICT;
CREATE INDEX patients_site_name ON patients (site_id, name_key);
CREATE INDEX patients_site_dob ON patients (site_id, date_of_birth);

CREATE TABLE users (
    id BLOB PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL,
    patient_id BLOB REFERENCES patients (id),
    totp_secret TEXT,
    failed_logins INTEGER NOT NULL,
    locked_until TEXT,
    disabled INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE user_sites (
    user_id BLOB NOT NULL REFERENCES users (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    PRIMARY KEY (user_id, site_id)
) STRICT;

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY NOT NULL,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
) STRICT;

CREATE TABLE counters (
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (scope, name)
) STRICT;

CREATE TABLE conditions (
    id BLOB PRIMARY KEY NOT NULL,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    onset_date TEXT,
    notes TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX conditions_patient ON conditions (patient_id);

CREATE TABLE medications (
    id BLOB PRIMARY KEY NOT NULL,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    name TEXT NOT NULL,
    class TEXT NOT NULL,
    dose TEXT,
    started_on TEXT,
    stopped_on TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX medications_patient ON medications (patient_id);

CREATE TABLE allergies (
    id BLOB PRIMARY KEY NOT NULL,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    substance TEXT NOT NULL,
    severity TEXT NOT NULL,
    reaction TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX allergies_patient ON allergies (patient_id);

CREATE TABLE imaging_reports (
    id BLOB PRIMARY KEY NOT NULL,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    region TEXT NOT NULL,
    modality TEXT NOT NULL,
    performed_on TEXT NOT NULL,
    findings TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX imaging_reports_patient ON imaging_reports (patient_id);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY NOT NULL,
    at TEXT NOT NULL,
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
) STRICT;
CREATE INDEX audit_log_patient ON audit_log (patient_id);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
