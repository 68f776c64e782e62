//! Validation problems: every rule reports the field at fault and a stable
//! code; the web layer turns codes into the user's language.

use std::fmt;

/// A stable, language-free code for one kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueCode {
    Required,
    TooLong,
    InvalidFormat,
    InvalidDate,
    DateInFuture,
    DateOrder,
    UnknownCode,
    Duplicate,
    OutOfRange,
    /// Neurological and cardiac indications need a registered clinical study.
    StudyRequired,
    /// The target site does not fit the indication (or the side the site).
    SiteMismatch,
    /// A spinal disc is injected under fluoroscopy.
    NeedsFluoroscopy,
    /// Skin (face, scalp) is injected without image guidance.
    NoGuidanceForSkin,
    /// Sedation needs the protocol's fasting rule.
    SedationNeedsFasting,
    /// Screening found a reason the plan cannot go ahead.
    NotEligible,
    /// What was shown is no longer current (a consent text changed): look again.
    Outdated,
    /// The patient withdrew consent: nothing that follows may go ahead.
    ConsentWithdrawn,
    /// The session has begun: its steps stay where they are.
    AlreadyStarted,
    /// An earlier step of the session is not finished.
    StepOrder,
    /// The step has not started.
    NotStarted,
    /// The step is already finished.
    AlreadyFinished,
    /// This step is not part of this session (autologous or allogeneic).
    NotApplicable,
    /// A check-in item is missing: it blocks the next step.
    ChecklistMissing,
    /// The lab has not received the specimen by scan.
    NotReceived,
    /// The product is not released.
    NotReleased,
    /// No passed bedside check: the injection cannot start.
    BedsideCheckRequired,
    /// The record of this step is missing.
    RecordRequired,
    /// The criteria are not met.
    CriteriaNotMet,
    /// A second person must do this, not the one who did the step before.
    SecondPersonRequired,
    /// This item does not belong here (wrong station, site or kind).
    WrongStation,
    /// Past its viability window.
    Expired,
    /// The wristband is not this session's patient.
    WrongPatient,
    /// This product belongs to another patient.
    OtherPatientsCells,
    /// The two people's scans are not the same.
    ScansDiffer,
    /// This person may not do this check.
    NotQualified,
    /// The check character does not match: scan again.
    WrongCheckCharacter,
    /// No specimen or product has this identifier.
    UnknownIdentifier,
    /// Outside the protocol (too long, too short, a limit missed): a reason is required.
    DeviationReasonRequired,
    /// This answer contradicts another one (a grade 5 event that did not end in death).
    Inconsistent,
}

impl IssueCode {
    pub const ALL: [IssueCode; 39] = [
        IssueCode::Required,
        IssueCode::TooLong,
        IssueCode::InvalidFormat,
        IssueCode::InvalidDate,
        IssueCode::DateInFuture,
        IssueCode::DateOrder,
        IssueCode::UnknownCode,
        IssueCode::Duplicate,
        IssueCode::OutOfRange,
        IssueCode::StudyRequired,
        IssueCode::SiteMismatch,
        IssueCode::NeedsFluoroscopy,
        IssueCode::NoGuidanceForSkin,
        IssueCode::SedationNeedsFasting,
        IssueCode::NotEligible,
        IssueCode::Outdated,
        IssueCode::ConsentWithdrawn,
        IssueCode::AlreadyStarted,
        IssueCode::StepOrder,
        IssueCode::NotStarted,
        IssueCode::AlreadyFinished,
        IssueCode::NotApplicable,
        IssueCode::ChecklistMissing,
        IssueCode::NotReceived,
        IssueCode::NotReleased,
        IssueCode::BedsideCheckRequired,
        IssueCode::RecordRequired,
        IssueCode::CriteriaNotMet,
        IssueCode::SecondPersonRequired,
        IssueCode::WrongStation,
        IssueCode::Expired,
        IssueCode::WrongPatient,
        IssueCode::OtherPatientsCells,
        IssueCode::ScansDiffer,
        IssueCode::NotQualified,
        IssueCode::WrongCheckCharacter,
        IssueCode::UnknownIdentifier,
        IssueCode::DeviationReasonRequired,
        IssueCode::Inconsistent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::Required => "required",
            IssueCode::TooLong => "too_long",
            IssueCode::InvalidFormat => "invalid_format",
            IssueCode::InvalidDate => "invalid_date",
            IssueCode::DateInFuture => "date_in_future",
            IssueCode::DateOrder => "date_order",
            IssueCode::UnknownCode => "unknown_code",
            IssueCode::Duplicate => "duplicate",
            IssueCode::OutOfRange => "out_of_range",
            IssueCode::StudyRequired => "study_required",
            IssueCode::SiteMismatch => "site_mismatch",
            IssueCode::NeedsFluoroscopy => "needs_fluoroscopy",
            IssueCode::NoGuidanceForSkin => "no_guidance_for_skin",
            IssueCode::SedationNeedsFasting => "sedation_needs_fasting",
            IssueCode::NotEligible => "not_eligible",
            IssueCode::Outdated => "outdated",
            IssueCode::ConsentWithdrawn => "consent_withdrawn",
            IssueCode::AlreadyStarted => "already_started",
            IssueCode::StepOrder => "step_order",
            IssueCode::NotStarted => "not_started",
            IssueCode::AlreadyFinished => "already_finished",
            IssueCode::NotApplicable => "not_applicable",
            IssueCode::ChecklistMissing => "checklist_missing",
            IssueCode::NotReceived => "not_received",
            IssueCode::NotReleased => "not_released",
            IssueCode::BedsideCheckRequired => "bedside_check_required",
            IssueCode::RecordRequired => "record_required",
            IssueCode::CriteriaNotMet => "criteria_not_met",
            IssueCode::SecondPersonRequired => "second_person_required",
            IssueCode::WrongStation => "wrong_station",
            IssueCode::Expired => "expired",
            IssueCode::WrongPatient => "wrong_patient",
            IssueCode::OtherPatientsCells => "other_patients_cells",
            IssueCode::ScansDiffer => "scans_differ",
            IssueCode::NotQualified => "not_qualified",
            IssueCode::WrongCheckCharacter => "wrong_check_character",
            IssueCode::UnknownIdentifier => "unknown_identifier",
            IssueCode::DeviationReasonRequired => "deviation_reason_required",
            IssueCode::Inconsistent => "inconsistent",
        }
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The field's name as the form and the API spell it (`date_of_birth`).
    pub field: String,
    pub code: IssueCode,
    /// A limit that explains the problem (the maximum length), when there is one.
    pub limit: Option<u32>,
}

impl Issue {
    pub fn new(field: impl Into<String>, code: IssueCode) -> Self {
        Self {
            field: field.into(),
            code,
            limit: None,
        }
    }
}

/// Every problem found in one input, collected so that one form or one API
/// call reports them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issues(pub Vec<Issue>);

impl Issues {
    pub fn push(&mut self, issue: Issue) {
        self.0.push(issue);
    }

    pub fn add(&mut self, field: &str, code: IssueCode) {
        self.0.push(Issue::new(field, code));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Turns a collected set of problems into a result: `Ok(value)` when none.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Issues> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    /// Records the problem of a field and hands back its value when it is fine.
    pub fn check<T>(&mut self, result: Result<T, Issue>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(issue) => {
                self.0.push(issue);
                None
            }
        }
    }
}

impl fmt::Display for Issues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|i| format!("{}: {}", i.field, i.code))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl std::error::Error for Issues {}
