-- Stage 6: each site's rooms, people and equipment with their working
-- hours and leave; the steps of every booked session and the resource each
-- step holds, in whole minutes since the epoch on the clinic's clock.
-- Mirrored in ../postgres.

CREATE TABLE resources (
    id BLOB PRIMARY KEY NOT NULL,
    site_id BLOB NOT NULL REFERENCES sites (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    fluoroscopy INTEGER NOT NULL,
    user_id BLOB REFERENCES users (id),
    work_days TEXT NOT NULL,
    work_start INTEGER NOT NULL,
    work_end INTEGER NOT NULL,
    break_start INTEGER,
    break_end INTEGER,
    active INTEGER NOT NULL,
    lock_seq INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (site_id, name)
) STRICT;
CREATE INDEX resources_user ON resources (user_id);

CREATE TABLE resource_leave (
    id BLOB PRIMARY KEY NOT NULL,
    resource_id BLOB NOT NULL REFERENCES resources (id),
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    reason TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX resource_leave_resource ON resource_leave (resource_id, first_day);

CREATE TABLE session_steps (
    session_id BLOB NOT NULL REFERENCES treatment_sessions (id),
    step TEXT NOT NULL,
    position INTEGER NOT NULL,
    starts_min INTEGER NOT NULL,
    ends_min INTEGER NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    PRIMARY KEY (session_id, step)
) STRICT;

CREATE TABLE resource_bookings (
    session_id BLOB NOT NULL REFERENCES treatment_sessions (id),
    step TEXT NOT NULL,
    need TEXT NOT NULL,
    resource_id BLOB NOT NULL REFERENCES resources (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    starts_min INTEGER NOT NULL,
    ends_min INTEGER NOT NULL,
    PRIMARY KEY (session_id, step, need)
) STRICT;
CREATE INDEX resource_bookings_resource ON resource_bookings (resource_id, starts_min);
CREATE INDEX resource_bookings_site ON resource_bookings (site_id, starts_min);
