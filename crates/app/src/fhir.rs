//! Reads for the FHIR interface: the records a FHIR resource type is made
//! of, loaded within the actor's reach (clinicians: their sites; a patient:
//! their own record; anything else is simply not there), handed to the
//! caller's pure selection (mapping, search, paging), and every patient whose
//! data the selection returned written to the audit trail in the read's
//! transaction.

use crate::questionnaires::StoredResponse;
use crate::{Actor, App, AppError, Audited, Result, authorize};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::intake::{IntakeEntry, IntakeKind};
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::{TreatmentPlan, TreatmentSession};
use cellpath_domain::questionnaire::Definition;
use cellpath_domain::search::SearchQuery;
use cellpath_domain::{Action, PatientId, Role, SiteId, UserId};
use cellpath_store::{
    AdverseEventRow, AlertRow, BookingRow, ConsentRow, DayEventRow, FollowUpRow, ResourceRow,
    SiteRow, StepRow, Tx, UnitRow,
};
use chrono::{DateTime, NaiveDate, Utc};

/// Which records a FHIR read needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FhirSource {
    Patients,
    Staff,
    Sites,
    Intake(IntakeKind),
    /// Specimens, products and donor lots.
    Units,
    AdverseEvents,
    /// Sessions with their day's events.
    SessionDays,
    /// Questionnaires answered.
    Responses,
    /// Questionnaires answered, read for their scores, and test results.
    Scores,
    /// The questionnaires Cellpath ships (no patient data).
    Questionnaires,
    /// Sessions with their bookings, and follow-up visits.
    Appointments,
    /// The bookable resources of the actor's sites (no patient data).
    Schedules,
    Consents,
    /// Treatment plans with their sessions and visits.
    CarePlans,
    /// The triage queue's alerts.
    Tasks,
}

impl FhirSource {
    fn audit_entity(self) -> &'static str {
        match self {
            FhirSource::Patients => "fhir_patient",
            FhirSource::Staff => "fhir_practitioner",
            FhirSource::Sites => "fhir_location",
            FhirSource::Intake(IntakeKind::Condition) => "fhir_condition",
            FhirSource::Intake(IntakeKind::Medication) => "fhir_medication",
            FhirSource::Intake(IntakeKind::Allergy) => "fhir_allergy",
            FhirSource::Intake(IntakeKind::Imaging) => "fhir_imaging_report",
            FhirSource::Intake(IntakeKind::Result) => "fhir_observation",
            FhirSource::Units => "fhir_cells",
            FhirSource::AdverseEvents => "fhir_adverse_event",
            FhirSource::SessionDays => "fhir_session_day",
            FhirSource::Responses => "fhir_questionnaire_response",
            FhirSource::Scores => "fhir_observation",
            FhirSource::Questionnaires => "fhir_questionnaire",
            FhirSource::Appointments => "fhir_appointment",
            FhirSource::Schedules => "fhir_schedule",
            FhirSource::Consents => "fhir_consent",
            FhirSource::CarePlans => "fhir_care_plan",
            FhirSource::Tasks => "fhir_task",
        }
    }
}

/// A member of staff at one of the actor's sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// The records within the actor's reach.
#[derive(Debug, Clone, PartialEq)]
pub enum FhirRecords {
    Patients(Vec<Patient>),
    Staff(Vec<StaffRecord>),
    Sites(Vec<SiteRow>),
    Intake(Vec<IntakeEntry>),
    Units(Vec<UnitRow>),
    AdverseEvents(Vec<AdverseEventRow>),
    SessionDays(Vec<(TreatmentSession, Vec<DayEventRow>)>),
    Responses(Vec<(PatientId, StoredResponse)>),
    /// Questionnaire scores and test results.
    Observations {
        responses: Vec<(PatientId, StoredResponse)>,
        results: Vec<IntakeEntry>,
    },
    Questionnaires(Vec<Definition>),
    Appointments {
        sessions: Vec<BookedSession>,
        follow_ups: Vec<FollowUpRow>,
        /// The resources of the patients' sites, for the bookings' names.
        resources: Vec<ResourceRow>,
    },
    Schedules(Vec<ResourceRow>),
    Consents(Vec<ConsentRow>),
    CarePlans {
        plans: Vec<TreatmentPlan>,
        sessions: Vec<TreatmentSession>,
        follow_ups: Vec<FollowUpRow>,
    },
    Tasks(Vec<AlertRow>),
}

/// A session with what it booked and what happened on its day.
#[derive(Debug, Clone, PartialEq)]
pub struct BookedSession {
    pub session: TreatmentSession,
    pub steps: Vec<StepRow>,
    pub bookings: Vec<BookingRow>,
    pub events: Vec<DayEventRow>,
}

/// What a selection made of the records: its result, and the patients whose
/// data that result shows (each is an audited read).
#[derive(Debug, Clone, PartialEq)]
pub struct FhirSelection<T> {
    pub value: T,
    pub patients: Vec<PatientId>,
}

/// Largest number of patients one FHIR read loads.
const PATIENTS_MAX: i64 = 100_000;

impl App {
    /// Loads the `source` records the actor may reach (only `only_patient`'s
    /// when given; none when that patient is out of reach), lets `select`
    /// make the response of them (with today's date), and audits every
    /// patient the response shows.
    pub async fn fhir_read<T>(
        &self,
        actor: &Actor,
        source: FhirSource,
        only_patient: Option<PatientId>,
        select: impl FnOnce(FhirRecords, NaiveDate) -> FhirSelection<T>,
    ) -> Result<T> {
        authorize(actor, Action::ReadFhir)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let patients = self.fhir_patients(&mut tx, actor, only_patient).await?;
        let records = match source {
            FhirSource::Patients => FhirRecords::Patients(patients.clone()),
            FhirSource::Intake(kind) => {
                let mut entries = Vec::new();
                for patient in &patients {
                    entries.extend(tx.intake_list(kind, patient.id).await?);
                }
                FhirRecords::Intake(entries)
            }
            FhirSource::Questionnaires => {
                FhirRecords::Questionnaires(cellpath_domain::questionnaire::definitions())
            }
            FhirSource::Responses | FhirSource::Scores => {
                let mut responses = Vec::new();
                let mut results = Vec::new();
                for patient in &patients {
                    for row in tx.responses_of_patient(patient.id).await? {
                        responses.push((patient.id, crate::questionnaires::stored_response(&row)?));
                    }
                    if source == FhirSource::Scores {
                        results.extend(tx.intake_list(IntakeKind::Result, patient.id).await?);
                    }
                }
                if source == FhirSource::Scores {
                    FhirRecords::Observations { responses, results }
                } else {
                    FhirRecords::Responses(responses)
                }
            }
            FhirSource::SessionDays => {
                let mut days = Vec::new();
                for patient in &patients {
                    for session in tx.sessions_of_patient(patient.id).await? {
                        let events = tx.day_events(session.id).await?;
                        days.push((session, events));
                    }
                }
                FhirRecords::SessionDays(days)
            }
            FhirSource::AdverseEvents => {
                let mut events = Vec::new();
                for patient in &patients {
                    events.extend(tx.adverse_events_of_patient(patient.id).await?);
                }
                FhirRecords::AdverseEvents(events)
            }
            FhirSource::Units => FhirRecords::Units(
                self.fhir_units(&mut tx, actor, only_patient, &patients)
                    .await?,
            ),
            FhirSource::Appointments => {
                let mut sessions = Vec::new();
                let mut follow_ups = Vec::new();
                let mut sites: Vec<SiteId> = Vec::new();
                for patient in &patients {
                    for session in tx.sessions_of_patient(patient.id).await? {
                        sessions.push(BookedSession {
                            steps: tx.steps_of_session(session.id).await?,
                            bookings: tx.bookings_of_session(session.id).await?,
                            events: tx.day_events(session.id).await?,
                            session,
                        });
                    }
                    follow_ups.extend(tx.follow_ups_of_patient(patient.id).await?);
                    if !sites.contains(&patient.site_id) {
                        sites.push(patient.site_id);
                    }
                }
                let mut resources = Vec::new();
                for site in sites {
                    resources.extend(tx.resources_of_site(site).await?);
                }
                FhirRecords::Appointments {
                    sessions,
                    follow_ups,
                    resources,
                }
            }
            FhirSource::Schedules => {
                let mut resources = Vec::new();
                if actor.role.is_staff() {
                    for site in &actor.sites {
                        resources.extend(tx.resources_of_site(*site).await?);
                    }
                }
                FhirRecords::Schedules(resources)
            }
            FhirSource::Consents => {
                let mut consents = Vec::new();
                for patient in &patients {
                    consents.extend(tx.consents_of_patient(patient.id).await?);
                }
                FhirRecords::Consents(consents)
            }
            FhirSource::CarePlans => {
                let (mut plans, mut sessions, mut follow_ups) =
                    (Vec::new(), Vec::new(), Vec::new());
                for patient in &patients {
                    plans.extend(tx.plans_of_patient(patient.id).await?);
                    sessions.extend(tx.sessions_of_patient(patient.id).await?);
                    follow_ups.extend(tx.follow_ups_of_patient(patient.id).await?);
                }
                FhirRecords::CarePlans {
                    plans,
                    sessions,
                    follow_ups,
                }
            }
            FhirSource::Tasks => {
                let mut alerts = Vec::new();
                for patient in &patients {
                    for session in tx.sessions_of_patient(patient.id).await? {
                        alerts.extend(tx.alerts_of_session(session.id).await?);
                    }
                }
                FhirRecords::Tasks(alerts)
            }
            FhirSource::Staff => FhirRecords::Staff(self.fhir_staff(&mut tx, actor).await?),
            FhirSource::Sites => {
                let mut sites = Vec::new();
                if actor.role.is_staff() {
                    for site in &actor.sites {
                        sites.push(tx.site(site.as_uuid()).await?);
                    }
                }
                FhirRecords::Sites(sites)
            }
        };
        let selection = select(records, now.date_naive());
        for patient_id in &selection.patients {
            let Some(patient) = patients.iter().find(|p| p.id == *patient_id) else {
                return Err(AppError::Internal(
                    "a FHIR selection showed a patient it was not given".into(),
                ));
            };
            let audited = Audited {
                action: AuditAction::View,
                entity: source.audit_entity(),
                entity_id: String::new(),
                patient_id: Some(patient.id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![],
            };
            tx.append_audit(&audited.record(Some(actor), now)).await?;
        }
        tx.commit().await?;
        Ok(selection.value)
    }

    /// The patients the actor may reach, or only `only` of them.
    async fn fhir_patients(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        only: Option<PatientId>,
    ) -> Result<Vec<Patient>> {
        if actor.role == Role::Patient {
            let Some(own) = actor.patient_id else {
                return Ok(Vec::new());
            };
            if only.is_some_and(|id| id != own) {
                return Ok(Vec::new());
            }
            return Ok(vec![tx.patient(own).await?]);
        }
        match only {
            Some(id) => match self.patient_in_scope(tx, actor, id).await {
                Ok(patient) => Ok(vec![patient]),
                Err(AppError::NotFound) => Ok(Vec::new()),
                Err(other) => Err(other),
            },
            None => Ok(tx
                .search_patients(&actor.sites, &SearchQuery::All, PATIENTS_MAX, 0)
                .await?),
        }
    }

    /// The units of `patients` (owned or assigned), and for staff reading
    /// no one patient's, their sites' donor lots assigned to nobody yet.
    async fn fhir_units(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        only: Option<PatientId>,
        patients: &[Patient],
    ) -> Result<Vec<UnitRow>> {
        let mut sites: Vec<SiteId> = patients.iter().map(|p| p.site_id).collect();
        if actor.role.is_staff() && only.is_none() {
            sites.extend(actor.sites.iter().copied());
        }
        sites.sort();
        sites.dedup();
        let site_inventory = actor.role.is_staff() && only.is_none();
        let until = self.now() + chrono::Duration::days(365 * 100);
        let mut units = Vec::new();
        for site in sites {
            for unit in tx.units_of_site(site, DateTime::UNIX_EPOCH, until).await? {
                let patient = unit.owner_patient_id.or(unit.assigned_patient_id);
                let reachable = match patient {
                    Some(id) => patients.iter().any(|p| p.id == id),
                    None => site_inventory && actor.sites.contains(&unit.site_id),
                };
                if reachable {
                    units.push(unit);
                }
            }
        }
        Ok(units)
    }

    /// Staff (not administrators) who work at one of the actor's sites.
    async fn fhir_staff(&self, tx: &mut Tx, actor: &Actor) -> Result<Vec<StaffRecord>> {
        if !actor.role.is_staff() {
            return Ok(Vec::new());
        }
        let mut staff = Vec::new();
        for user in tx.list_users().await? {
            let Some(role) = Role::parse(&user.role) else {
                continue;
            };
            if !role.is_staff() || role == Role::Admin {
                continue;
            }
            let sites = tx.user_sites(user.id).await?;
            if !sites
                .iter()
                .any(|s| actor.sites.contains(&SiteId::from_uuid(*s)))
            {
                continue;
            }
            staff.push(StaffRecord {
                id: UserId::from_uuid(user.id),
                display_name: user.display_name,
                role,
                disabled: user.disabled,
                created_at: user.created_at,
            });
        }
        Ok(staff)
    }
}
