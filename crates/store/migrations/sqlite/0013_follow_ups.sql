-- Stage 8, follow-ups: the visits the protocol books after a discharge, one
-- per session and offset (UNIQUE, so a repeated discharge books nothing
-- twice). A booked visit holds who sees the patient and a room over
-- [starts_min, ends_min), epoch minutes as in resource_bookings; the
-- booking queries read these holdings beside the session bookings, so no
-- resource is given twice. A visit with no free time in its search window
-- is kept 'unbooked' for the coordinator. Mirrored in ../postgres.

CREATE TABLE follow_ups (
    id BLOB PRIMARY KEY NOT NULL,
    session_id BLOB NOT NULL REFERENCES treatment_sessions (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    offset_days INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL,
    starts_min INTEGER,
    ends_min INTEGER,
    seen_by_need TEXT,
    seen_by_id BLOB REFERENCES resources (id),
    room_id BLOB REFERENCES resources (id),
    created_at TEXT NOT NULL,
    UNIQUE (session_id, offset_days)
) STRICT;
CREATE INDEX follow_ups_patient ON follow_ups (patient_id, due_date);
CREATE INDEX follow_ups_site ON follow_ups (site_id, starts_min);
