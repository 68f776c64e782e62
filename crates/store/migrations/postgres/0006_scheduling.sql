-- Stage 6: each site's rooms, people and equipment with their working
-- hours and leave; the steps of every booked session and the resource each
-- step holds, in whole minutes since the epoch on the clinic's clock.
-- Mirrored in ../postgres.

CREATE TABLE resources (
    id UUID PRIMARY KEY NOT NULL,
    site_id UUID NOT NULL REFERENCES sites (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    fluoroscopy BOOLEAN NOT NULL,
    user_id UUID REFERENCES users (id),
    work_days TEXT NOT NULL,
    work_start BIGINT NOT NULL,
    work_end BIGINT NOT NULL,
    break_start BIGINT,
    break_end BIGINT,
    active BOOLEAN NOT NULL,
    lock_seq BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, name)
);
CREATE INDEX resources_user ON resources (user_id);

CREATE TABLE resource_leave (
    id UUID PRIMARY KEY NOT NULL,
    resource_id UUID NOT NULL REFERENCES resources (id),
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    reason TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX resource_leave_resource ON resource_leave (resource_id, first_day);

CREATE TABLE session_steps (
    session_id UUID NOT NULL REFERENCES treatment_sessions (id),
    step TEXT NOT NULL,
    position BIGINT NOT NULL,
    starts_min BIGINT NOT NULL,
    ends_min BIGINT NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    PRIMARY KEY (session_id, step)
);

CREATE TABLE resource_bookings (
    session_id UUID NOT NULL REFERENCES treatment_sessions (id),
    step TEXT NOT NULL,
    need TEXT NOT NULL,
    resource_id UUID NOT NULL REFERENCES resources (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    starts_min BIGINT NOT NULL,
    ends_min BIGINT NOT NULL,
    PRIMARY KEY (session_id, step, need)
);
CREATE INDEX resource_bookings_resource ON resource_bookings (resource_id, starts_min);
CREATE INDEX resource_bookings_site ON resource_bookings (site_id, starts_min);
