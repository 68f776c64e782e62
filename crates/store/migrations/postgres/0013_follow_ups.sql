-- Stage 8, follow-ups: the visits the protocol books after a discharge, one
-- per session and offset (UNIQUE, so a repeated discharge books nothing
-- twice). A booked visit holds who sees the patient and a room over
-- [starts_min, ends_min), epoch minutes as in resource_bookings; the
-- booking queries read these holdings beside the session bookings, so no
-- resource is given twice. A visit with no free time in its search window
-- is kept 'unbooked' for the coordinator. Mirrored in ../postgres.

CREATE TABLE follow_ups (
    id UUID PRIMARY KEY NOT NULL,
    session_id UUID NOT NULL REFERENCES treatment_sessions (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    offset_days BIGINT NOT NULL,
    due_date DATE NOT NULL,
    status TEXT NOT NULL,
    starts_min BIGINT,
    ends_min BIGINT,
    seen_by_need TEXT,
    seen_by_id UUID REFERENCES resources (id),
    room_id UUID REFERENCES resources (id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (session_id, offset_days)
);
CREATE INDEX follow_ups_patient ON follow_ups (patient_id, due_date);
CREATE INDEX follow_ups_site ON follow_ups (site_id, starts_min);
