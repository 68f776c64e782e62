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
}

impl IssueCode {
    pub const ALL: [IssueCode; 18] = [
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
