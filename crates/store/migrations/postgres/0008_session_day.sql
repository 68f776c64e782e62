-- Stage 7, the session day: each site's facility code and label size; the
-- events of every session day (check-in items, steps started and finished,
-- records, deviations, bedside checks), append only and numbered per
-- session so two writers cannot both take the same place; the labelled
-- units of the cells' chain of identity (specimens, products, donor lots)
-- and every scan and change of them, refused ones included.
-- Mirrored in ../postgres.

ALTER TABLE sites ADD COLUMN facility_code TEXT;
ALTER TABLE sites ADD COLUMN label_width_mm BIGINT NOT NULL DEFAULT 100;
ALTER TABLE sites ADD COLUMN label_height_mm BIGINT NOT NULL DEFAULT 50;
CREATE UNIQUE INDEX sites_facility_code ON sites (facility_code);

CREATE TABLE day_events (
    id UUID PRIMARY KEY NOT NULL,
    session_id UUID NOT NULL REFERENCES treatment_sessions (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    step TEXT,
    code TEXT,
    note TEXT,
    fields TEXT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    UNIQUE (session_id, seq)
);

CREATE TABLE cell_units (
    id UUID PRIMARY KEY NOT NULL,
    donation_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    product_type TEXT NOT NULL,
    site_id UUID NOT NULL REFERENCES sites (id),
    owner_patient_id UUID REFERENCES patients (id),
    assigned_patient_id UUID REFERENCES patients (id),
    session_id UUID REFERENCES treatment_sessions (id),
    parent_id UUID REFERENCES cell_units (id),
    supplier_lot TEXT,
    collected_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    processed_by TEXT,
    released_by TEXT,
    fields TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cell_units_session ON cell_units (session_id);
CREATE INDEX cell_units_site ON cell_units (site_id, kind, status);

CREATE TABLE chain_events (
    id UUID PRIMARY KEY NOT NULL,
    site_id UUID NOT NULL REFERENCES sites (id),
    unit_id UUID REFERENCES cell_units (id),
    session_id UUID REFERENCES treatment_sessions (id),
    kind TEXT NOT NULL,
    passed BOOLEAN NOT NULL,
    code TEXT,
    scanned TEXT,
    fields TEXT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX chain_events_unit ON chain_events (unit_id, at);
CREATE INDEX chain_events_session ON chain_events (session_id, at);
CREATE INDEX chain_events_site ON chain_events (site_id, at);
