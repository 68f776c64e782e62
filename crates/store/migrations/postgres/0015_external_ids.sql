-- Stage 10, FHIR import: what other systems call the records Cellpath made
-- of their resources, so importing the same Bundle again finds them
-- instead of making them twice. `entity` is what was made ('patient',
-- 'condition', 'medication', 'allergy', 'organization', 'practitioner');
-- an Organization or Practitioner is kept here with its name only.
-- Mirrored in ../sqlite.

CREATE TABLE external_ids (
    entity TEXT NOT NULL,
    system TEXT NOT NULL,
    value TEXT NOT NULL,
    entity_id UUID NOT NULL,
    site_id UUID REFERENCES sites (id),
    label TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entity, system, value)
);
CREATE INDEX external_ids_entity ON external_ids (entity_id);
