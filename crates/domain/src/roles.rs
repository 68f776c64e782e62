//! Who may do what: the one role x action table of Cellpath. Use cases ask
//! `Role::allows` before they act; pages only hide what this table refuses.

use std::fmt;

/// A user's role. Staff roles act at the sites they belong to; a patient
/// acts only on their own record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Physician,
    Nurse,
    LabTech,
    Coordinator,
    Patient,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Physician,
        Role::Nurse,
        Role::LabTech,
        Role::Coordinator,
        Role::Patient,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Physician => "physician",
            Role::Nurse => "nurse",
            Role::LabTech => "lab_tech",
            Role::Coordinator => "coordinator",
            Role::Patient => "patient",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn is_staff(self) -> bool {
        self != Role::Patient
    }

    /// Whether this role may take this action (at its own sites, or on its
    /// own record for a patient).
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Admin => matches!(
                action,
                ManageUsers
                    | ManageSites
                    | ViewAudit
                    | ViewProtocol
                    | EditProtocol
                    | ManagePatientTexts
                    | ManageResources
                    | ViewReports
            ),
            Role::Physician => matches!(
                action,
                SearchPatients
                    | ViewPatient
                    | RegisterPatient
                    | EditDemographics
                    | EditIntake
                    | ViewProtocol
                    | ViewPlans
                    | WritePlan
                    | DecideSuitability
                    | ScheduleSession
                    | TakeConsent
                    | ViewSchedule
                    | ViewSessionDay
                    | RecordSessionDay
                    | KeepDiary
                    | TriageAlerts
                    | RecordAdverseEvents
                    | Lookback
                    | AnswerQuestionnaires
                    | ViewOutcomes
                    | ViewReports
                    | RecordFollowUps
                    | ReadFhir
                    | ImportFhir
            ),
            Role::Nurse => matches!(
                action,
                SearchPatients
                    | ViewPatient
                    | RegisterPatient
                    | EditDemographics
                    | EditIntake
                    | InvitePatient
                    | ViewProtocol
                    | ViewPlans
                    | TrackPreparation
                    | TakeConsent
                    | ViewSchedule
                    | ViewSessionDay
                    | RecordSessionDay
                    | KeepDiary
                    | TriageAlerts
                    | RecordAdverseEvents
                    | Lookback
                    | AnswerQuestionnaires
                    | RecordFollowUps
                    | ReadFhir
                    | ImportFhir
            ),
            Role::LabTech => matches!(
                action,
                ViewProtocol | ViewSchedule | ViewSessionDay | RecordLab | Lookback
            ),
            Role::Coordinator => matches!(
                action,
                SearchPatients
                    | ViewPatient
                    | RegisterPatient
                    | EditDemographics
                    | InvitePatient
                    | ViewProtocol
                    | ViewPlans
                    | ScheduleSession
                    | TrackPreparation
                    | ViewSchedule
                    | ManageResources
                    | ViewSessionDay
                    | ViewReports
            ),
            Role::Patient => matches!(
                action,
                ViewOwnRecord
                    | TickOwnPreparation
                    | GiveOwnConsent
                    | KeepDiary
                    | AnswerQuestionnaires
                    | ReadFhir
            ),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Everything a user can ask Cellpath to do that the role table governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Search and list patients of the user's sites.
    SearchPatients,
    /// Open a patient's chart (demographics and intake lists).
    ViewPatient,
    RegisterPatient,
    /// Edit demographics and contact details.
    EditDemographics,
    /// Add and edit conditions, medications, allergies and imaging reports.
    EditIntake,
    /// Send a patient a one-time invitation to the portal.
    InvitePatient,
    /// A patient opens their own record in the portal.
    ViewOwnRecord,
    ManageUsers,
    ManageSites,
    ViewAudit,
    /// Read a site's protocol settings (not patient data).
    ViewProtocol,
    /// Change a site's protocol settings (a new version).
    EditProtocol,
    /// Read patients' plans, screenings, sessions and preparation.
    ViewPlans,
    /// Write a treatment plan.
    WritePlan,
    /// Sign the suitability decision of a plan.
    DecideSuitability,
    /// Put an approved plan's session on a date.
    ScheduleSession,
    /// Follow and tick preparation tasks of the site's upcoming sessions.
    TrackPreparation,
    /// A patient ticks their own preparation tasks.
    TickOwnPreparation,
    /// Write the texts patients read: consent texts (versioned) and answers to common questions.
    ManagePatientTexts,
    /// Take a patient's signature on a staff device, or record their withdrawal.
    TakeConsent,
    /// A patient signs or withdraws their own consent in the portal.
    GiveOwnConsent,
    /// Add and edit a site's rooms, staff and equipment, their hours and leave.
    ManageResources,
    /// See the day's timelines of resources and patients.
    ViewSchedule,
    /// See a session day, the day board and the cells' chain; print labels.
    ViewSessionDay,
    /// Check a patient in and record the steps at the bedside: checklist,
    /// harvest, bedside check, injection, monitoring, discharge.
    RecordSessionDay,
    /// Receive specimens, record processing and quality control, release
    /// products; receive, release and assign donor lots.
    RecordLab,
    /// Write and read the symptom diary of the two weeks after a session:
    /// a patient their own, clinicians their sites' patients'.
    KeepDiary,
    /// Work the triage queue: see open red-flag alerts, take and close them.
    TriageAlerts,
    /// Record adverse events after a session, change them (an outcome
    /// moves on) and read a patient's.
    RecordAdverseEvents,
    /// From a kit lot, a product or a processing run, find every patient who
    /// received an affected product, with their adverse events. Clinicians
    /// call the patients; the lab runs a kit or product recall, so lab
    /// technicians may too (each patient found is an audited read).
    Lookback,
    /// Answer follow-up questionnaires and read the answers and outcome
    /// charts: a patient their own, clinicians their sites' patients'.
    AnswerQuestionnaires,
    /// Read the cohort outcomes of the actor's sites: by indication and
    /// cell source, how many improved.
    ViewOutcomes,
    /// Read the clinic's reports of the actor's sites (counts only, no
    /// patient named): step durations against the protocol, deviations,
    /// adverse-event rates, follow-up completion; export them as CSV.
    ViewReports,
    /// Record whether a patient came to a follow-up visit.
    RecordFollowUps,
    /// Read and search the FHIR R4 interface: clinicians their sites'
    /// records, a patient their own.
    ReadFhir,
    /// Import another system's patients from FHIR Bundles (with their
    /// conditions, medications and allergies) at one's site.
    ImportFhir,
}

impl Action {
    pub const ALL: [Action; 36] = [
        Action::SearchPatients,
        Action::ViewPatient,
        Action::RegisterPatient,
        Action::EditDemographics,
        Action::EditIntake,
        Action::InvitePatient,
        Action::ViewOwnRecord,
        Action::ManageUsers,
        Action::ManageSites,
        Action::ViewAudit,
        Action::ViewProtocol,
        Action::EditProtocol,
        Action::ViewPlans,
        Action::WritePlan,
        Action::DecideSuitability,
        Action::ScheduleSession,
        Action::TrackPreparation,
        Action::TickOwnPreparation,
        Action::ManagePatientTexts,
        Action::TakeConsent,
        Action::GiveOwnConsent,
        Action::ManageResources,
        Action::ViewSchedule,
        Action::ViewSessionDay,
        Action::RecordSessionDay,
        Action::RecordLab,
        Action::KeepDiary,
        Action::TriageAlerts,
        Action::RecordAdverseEvents,
        Action::Lookback,
        Action::AnswerQuestionnaires,
        Action::ViewOutcomes,
        Action::ViewReports,
        Action::RecordFollowUps,
        Action::ReadFhir,
        Action::ImportFhir,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::SearchPatients => "search_patients",
            Action::ViewPatient => "view_patient",
            Action::RegisterPatient => "register_patient",
            Action::EditDemographics => "edit_demographics",
            Action::EditIntake => "edit_intake",
            Action::InvitePatient => "invite_patient",
            Action::ViewOwnRecord => "view_own_record",
            Action::ManageUsers => "manage_users",
            Action::ManageSites => "manage_sites",
            Action::ViewAudit => "view_audit",
            Action::ViewProtocol => "view_protocol",
            Action::EditProtocol => "edit_protocol",
            Action::ViewPlans => "view_plans",
            Action::WritePlan => "write_plan",
            Action::DecideSuitability => "decide_suitability",
            Action::ScheduleSession => "schedule_session",
            Action::TrackPreparation => "track_preparation",
            Action::TickOwnPreparation => "tick_own_preparation",
            Action::ManagePatientTexts => "manage_patient_texts",
            Action::TakeConsent => "take_consent",
            Action::GiveOwnConsent => "give_own_consent",
            Action::ManageResources => "manage_resources",
            Action::ViewSchedule => "view_schedule",
            Action::ViewSessionDay => "view_session_day",
            Action::RecordSessionDay => "record_session_day",
            Action::RecordLab => "record_lab",
            Action::KeepDiary => "keep_diary",
            Action::TriageAlerts => "triage_alerts",
            Action::RecordAdverseEvents => "record_adverse_events",
            Action::Lookback => "lookback",
            Action::AnswerQuestionnaires => "answer_questionnaires",
            Action::ViewOutcomes => "view_outcomes",
            Action::ViewReports => "view_reports",
            Action::RecordFollowUps => "record_follow_ups",
            Action::ReadFhir => "read_fhir",
            Action::ImportFhir => "import_fhir",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_patients_view_their_own_record_and_patients_do_nothing_else() {
        for action in Action::ALL {
            assert_eq!(
                Role::Patient.allows(action),
                matches!(
                    action,
                    Action::ViewOwnRecord
                        | Action::TickOwnPreparation
                        | Action::GiveOwnConsent
                        | Action::KeepDiary
                        | Action::AnswerQuestionnaires
                        | Action::ReadFhir
                ),
                "{action}"
            );
        }
        for role in Role::ALL.into_iter().filter(|r| r.is_staff()) {
            assert!(!role.allows(Action::ViewOwnRecord), "{role}");
        }
    }

    #[test]
    fn clinical_intake_is_edited_by_clinicians_only() {
        let editors: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Action::EditIntake))
            .collect();
        assert_eq!(editors, [Role::Physician, Role::Nurse]);
    }

    #[test]
    fn diaries_are_kept_by_patients_and_clinicians_and_triaged_by_clinicians() {
        let keepers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Action::KeepDiary))
            .collect();
        assert_eq!(keepers, [Role::Physician, Role::Nurse, Role::Patient]);
        let triagers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Action::TriageAlerts))
            .collect();
        assert_eq!(triagers, [Role::Physician, Role::Nurse]);
    }

    #[test]
    fn adverse_events_are_clinicians_and_lookback_adds_the_lab() {
        let holders =
            |action| -> Vec<Role> { Role::ALL.into_iter().filter(|r| r.allows(action)).collect() };
        assert_eq!(
            holders(Action::RecordAdverseEvents),
            [Role::Physician, Role::Nurse]
        );
        assert_eq!(
            holders(Action::Lookback),
            [Role::Physician, Role::Nurse, Role::LabTech]
        );
    }

    #[test]
    fn questionnaires_are_answered_by_clinicians_and_patients_and_cohorts_read_by_physicians() {
        let holders =
            |action| -> Vec<Role> { Role::ALL.into_iter().filter(|r| r.allows(action)).collect() };
        assert_eq!(
            holders(Action::AnswerQuestionnaires),
            [Role::Physician, Role::Nurse, Role::Patient]
        );
        assert_eq!(holders(Action::ViewOutcomes), [Role::Physician]);
    }

    #[test]
    fn reports_are_for_who_runs_the_clinic_and_visits_are_recorded_by_clinicians() {
        let holders =
            |action| -> Vec<Role> { Role::ALL.into_iter().filter(|r| r.allows(action)).collect() };
        assert_eq!(
            holders(Action::ViewReports),
            [Role::Admin, Role::Physician, Role::Coordinator]
        );
        assert_eq!(
            holders(Action::RecordFollowUps),
            [Role::Physician, Role::Nurse]
        );
    }

    #[test]
    fn fhir_is_read_by_clinicians_and_patients() {
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Action::ReadFhir))
            .collect();
        assert_eq!(readers, [Role::Physician, Role::Nurse, Role::Patient]);
    }

    #[test]
    fn fhir_bundles_are_imported_by_clinicians() {
        let importers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Action::ImportFhir))
            .collect();
        assert_eq!(importers, [Role::Physician, Role::Nurse]);
    }
}
