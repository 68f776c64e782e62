-- Stage 8, outcomes: every questionnaire a patient answered (in the portal
-- or with the clinic), at a follow-up timepoint, with the answers given and
-- the scores computed from them when it was saved. Mirrored in ../sqlite.

CREATE TABLE questionnaire_responses (
    id UUID PRIMARY KEY NOT NULL,
    patient_id UUID NOT NULL REFERENCES patients (id),
    site_id UUID NOT NULL REFERENCES sites (id),
    plan_id UUID REFERENCES treatment_plans (id),
    session_id UUID REFERENCES treatment_sessions (id),
    code TEXT NOT NULL,
    timepoint TEXT NOT NULL,
    answers TEXT NOT NULL,
    scores TEXT NOT NULL,
    answered_by UUID NOT NULL REFERENCES users (id),
    answered_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX questionnaire_responses_patient ON questionnaire_responses (patient_id, answered_at);
CREATE INDEX questionnaire_responses_site ON questionnaire_responses (site_id, code);
