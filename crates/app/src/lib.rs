//! Cellpath's use cases. Each public function is one thing a user asks of
//! the clinic: it checks the actor's role and sites against the domain's
//! role table, validates input, changes the store in one transaction with
//! its audit entry, and returns domain values. Knows nothing of HTTP.

pub mod admin;
pub mod adverse_events;
pub mod auth;
pub mod calendar;
pub mod consent;
pub mod demo;
pub mod diary;
pub mod expectations;
pub mod fhir;
pub mod fhir_import;
pub mod follow_ups;
pub mod lab;
pub mod optimise;
pub mod outbox;
pub mod patients;
pub mod plans;
pub mod questionnaires;
pub mod reports;
pub mod scheduling;
pub mod session_day;

use cellpath_domain::audit::{AuditAction, AuditRecord};
use cellpath_domain::intake::IntakeEntry;
use cellpath_domain::patient::Patient;
use cellpath_domain::{Action, Issues, PatientId, Role, SiteId, UserId};
use cellpath_store::{Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub use cellpath_store::{
    AdverseEventRow, AlertRow, AuditPage, BookingRow, ChainEventRow, ConsentRow, DayEventRow,
    Engine, FollowUpRow, ResourceRow, ResponseRow, SiteLabelRow, SiteRow, StepRow, StoredAudit,
    UnitRow, UserRow, decode_fields, encode_fields,
};

/// Who is acting: a signed-in user with their role and sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The sites a staff member works at (empty for a patient).
    pub sites: Vec<SiteId>,
    /// The patient record a portal user is tied to.
    pub patient_id: Option<PatientId>,
}

impl Actor {
    pub fn may(&self, action: Action) -> bool {
        self.role.allows(action)
    }
}

/// The current state of a record that someone else changed first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Current {
    Patient(Box<Patient>),
    Intake(Box<IntakeEntry>),
    Plan(Box<cellpath_domain::plan::TreatmentPlan>),
    Resource(Box<cellpath_store::ResourceRow>),
    Session(Box<cellpath_domain::plan::TreatmentSession>),
    Unit(Box<cellpath_store::UnitRow>),
    Alert(Box<cellpath_store::AlertRow>),
    AdverseEvent(Box<cellpath_store::AdverseEventRow>),
    FollowUp(Box<cellpath_store::FollowUpRow>),
}

/// Why a use case refused or failed. Each variant has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input: {0}")]
    Invalid(Issues),
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong username, password or code")]
    BadCredentials {
        /// How many failures in a row, to slow the next attempt down.
        failures: i64,
    },
    #[error("account locked until {until}")]
    Locked { until: DateTime<Utc> },
    #[error("this role may not {0}")]
    Forbidden(Action),
    #[error("no such record")]
    NotFound,
    #[error("the record was changed by someone else")]
    Conflict(Current),
    /// The resources a session needs are not free then: every clash, explained.
    #[error("the resources are not free at that time")]
    Unavailable(Vec<scheduling::BookingClash>),
    #[error("this link has expired or was already used")]
    Expired,
    #[error("storage failure: {0}")]
    Store(StoreError),
    #[error("internal failure: {0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "invalid",
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials { .. } => "bad_credentials",
            AppError::Locked { .. } => "locked",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Unavailable(_) => "unavailable",
            AppError::Expired => "expired",
            AppError::Store(_) => "storage",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate { field } => {
                let mut issues = Issues::default();
                issues.add(field, cellpath_domain::IssueCode::Duplicate);
                AppError::Invalid(issues)
            }
            other => AppError::Store(other),
        }
    }
}

impl From<Issues> for AppError {
    fn from(issues: Issues) -> Self {
        AppError::Invalid(issues)
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Where "now" comes from; tests replace it to move time forward.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Settings of the use cases.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// How long a staff or portal session lasts without signing in again.
    pub session_hours: i64,
    /// How long a patient's invitation link stays valid.
    pub invitation_hours: i64,
    /// Failed sign-ins in a row that lock an account.
    pub lockout_after: i64,
    /// How long a locked account stays locked.
    pub lockout_minutes: i64,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_hours: 12,
            invitation_hours: 72,
            lockout_after: 5,
            lockout_minutes: 15,
        }
    }
}

/// The use cases over one store.
#[derive(Clone)]
pub struct App {
    store: Store,
    config: AppConfig,
    clock: Clock,
    consent_pdf: Option<consent::ConsentPdf>,
    reminders: Option<outbox::ReminderComposer>,
    diary_reminders: Option<outbox::DiaryReminderComposer>,
    follow_up_reminders: Option<follow_ups::FollowUpReminderComposer>,
}

impl App {
    pub fn new(store: Store, config: AppConfig) -> App {
        App {
            store,
            config,
            clock: Arc::new(cellpath_store::now),
            consent_pdf: None,
            reminders: None,
            diary_reminders: None,
            follow_up_reminders: None,
        }
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> App {
        self.clock = clock;
        self
    }

    /// Wires in the composer of booking confirmations and reminders.
    pub fn with_reminders(mut self, composer: outbox::ReminderComposer) -> App {
        self.reminders = Some(composer);
        self
    }

    /// Wires in the composer of the symptom diary's daily reminders, sent
    /// from a patient's discharge.
    pub fn with_diary_reminders(mut self, composer: outbox::DiaryReminderComposer) -> App {
        self.diary_reminders = Some(composer);
        self
    }

    pub(crate) fn diary_reminders(&self) -> Option<&outbox::DiaryReminderComposer> {
        self.diary_reminders.as_ref()
    }

    /// Wires in the renderer of signed consents' printable records.
    pub fn with_consent_pdf(mut self, render: consent::ConsentPdf) -> App {
        self.consent_pdf = Some(render);
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// Whether the database answers (readiness).
    pub async fn ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    async fn begin(&self) -> Result<Tx> {
        Ok(self.store.begin().await?)
    }
}

/// One problem with one field, as a refusal.
pub(crate) fn invalid(field: &str, code: cellpath_domain::IssueCode) -> AppError {
    AppError::Invalid(Issues(vec![cellpath_domain::Issue::new(field, code)]))
}

/// Refuses an action the actor's role may not take.
pub(crate) fn authorize(actor: &Actor, action: Action) -> Result<()> {
    if actor.may(action) {
        Ok(())
    } else {
        Err(AppError::Forbidden(action))
    }
}

/// What an audit entry says happened, before the actor and time are added.
pub(crate) struct Audited<'a> {
    pub action: AuditAction,
    pub entity: &'a str,
    pub entity_id: String,
    pub patient_id: Option<PatientId>,
    pub site_id: Option<SiteId>,
    pub before: Vec<(&'static str, String)>,
    pub after: Vec<(&'static str, String)>,
}

impl Audited<'_> {
    /// The entry of `actor` (or the system, for `None`) at `at`.
    pub fn record(self, actor: Option<&Actor>, at: DateTime<Utc>) -> AuditRecord {
        let encode = |fields: &[(&str, String)]| {
            if fields.is_empty() {
                String::new()
            } else {
                cellpath_store::encode_fields(fields)
            }
        };
        AuditRecord {
            at,
            user_id: actor.map(|a| a.user_id.to_string()).unwrap_or_default(),
            username: actor
                .map(|a| a.username.clone())
                .unwrap_or_else(|| "system".into()),
            role: actor.map(|a| a.role.code().to_string()).unwrap_or_default(),
            site_id: self.site_id.map(|s| s.to_string()).unwrap_or_default(),
            action: self.action.code().to_string(),
            entity: self.entity.to_string(),
            entity_id: self.entity_id,
            patient_id: self.patient_id.map(|p| p.to_string()).unwrap_or_default(),
            before: encode(&self.before),
            after: encode(&self.after),
        }
    }
}

/// Appends the audit entry of a change to its transaction and commits both.
pub(crate) async fn commit_audited(
    mut tx: Tx,
    actor: Option<&Actor>,
    at: DateTime<Utc>,
    audited: Audited<'_>,
) -> Result<()> {
    tx.append_audit(&audited.record(actor, at)).await?;
    tx.commit().await?;
    Ok(())
}
