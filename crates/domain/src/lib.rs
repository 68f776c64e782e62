//! Cellpath's domain: the clinic's vocabulary as types and pure rules.
//!
//! No IO, no async, no clock: time comes in as an argument, so every rule is
//! a plain function that a table-driven test can call.

pub mod adverse_events;
pub mod audit;
pub mod cells;
pub mod consent;
pub mod donation;
pub mod expectations;
pub mod follow_ups;
pub mod ids;
pub mod intake;
pub mod issue;
pub mod locale;
pub mod outbox;
pub mod outcomes;
pub mod patient;
pub mod plan;
pub mod preparation;
pub mod protocol;
pub mod questionnaire;
pub mod reports;
pub mod roles;
pub mod scheduling;
pub mod screening;
pub mod search;
pub mod session_day;
pub mod symptoms;
pub mod text;

pub use ids::{ItemId, PatientId, PlanId, ResourceId, SessionId, SiteId, UserId};
pub use issue::{Issue, IssueCode, Issues};
pub use locale::Locale;
pub use roles::{Action, Role};
