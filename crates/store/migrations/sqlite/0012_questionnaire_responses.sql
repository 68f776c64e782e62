-- Stage 8, outcomes: every questionnaire a patient answered (in the portal
-- or with the clinic), at a follow-up timepoint, with the answers given and
-- the scores computed from them when it was saved. Mirrored in ../postgres.

CREATE TABLE questionnaire_responses (
    id BLOB PRIMARY KEY NOT NULL,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    site_id BLOB NOT NULL REFERENCES sites (id),
    plan_id BLOB REFERENCES treatment_plans (id),
    session_id BLOB REFERENCES treatment_sessions (id),
    code TEXT NOT NULL,
    timepoint TEXT NOT NULL,
    answers TEXT NOT NULL,
    scores TEXT NOT NULL,
    answered_by BLOB NOT NULL REFERENCES users (id),
    answered_at TEXT NOT NULL
) STRICT;
CREATE INDEX questionnaire_responses_patient ON questionnaire_responses (patient_id, answered_at);
CREATE INDEX questionnaire_responses_site ON questionnaire_responses (site_id, code);
