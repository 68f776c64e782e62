-- Stage 8, follow-up visits kept or not: a clinician records whether the
-- patient came ('attended' or 'missed'; NULL until recorded), which the
-- follow-up completion report counts. Changes name the version they
-- started from. Mirrored in ../sqlite.

ALTER TABLE follow_ups ADD COLUMN attendance TEXT;
ALTER TABLE follow_ups ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE INDEX follow_ups_site_due ON follow_ups (site_id, due_date);
