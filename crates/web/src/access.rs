//! Every route of the router with who may pass it: the one list the access
//! matrix test (`tests/access.rs`) walks for every role, and checks against
//! the router's own `.route(...)` calls so a new route cannot be left out.
//! The gates are enforced by the use cases (`Role::allows`, then the
//! record's scope); this table only says what they should come to.

use cellpath_domain::{Action, Role};

/// Who may pass a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Anyone, signed in or not (static files, health, sign-in, links that
    /// carry their own secret: an invitation, a calendar feed).
    Public,
    /// Anyone signed in (a page) or holding a token (the API): what it shows
    /// is the caller's own or no one's.
    SignedIn,
    /// Staff whose role allows one of these actions, on their sites'
    /// records; never a patient.
    Staff(&'static [Action]),
    /// A patient whose role allows one of these actions, on their own
    /// record; never staff (the portal).
    Own(&'static [Action]),
    /// Staff as in `Staff`, a patient as in `Own`.
    Any(&'static [Action]),
}

impl Gate {
    /// Whether a caller of `role` (`None`: not signed in) passes the gate
    /// with records in their reach.
    pub fn admits(self, role: Option<Role>) -> bool {
        let allows = |actions: &[Action], role: Role| actions.iter().any(|a| role.allows(*a));
        match (self, role) {
            (Gate::Public, _) => true,
            (_, None) => false,
            (Gate::SignedIn, Some(_)) => true,
            (Gate::Staff(actions), Some(role)) => role.is_staff() && allows(actions, role),
            (Gate::Own(actions), Some(role)) => !role.is_staff() && allows(actions, role),
            (Gate::Any(actions), Some(role)) => allows(actions, role),
        }
    }
}

impl Gate {
    /// The actions the gate names (none for `Public` and `SignedIn`).
    pub fn actions(self) -> &'static [Action] {
        match self {
            Gate::Public | Gate::SignedIn => &[],
            Gate::Staff(actions) | Gate::Own(actions) | Gate::Any(actions) => actions,
        }
    }
}

/// The gate of the route the router matched (`method`, path pattern), if
/// the table has it.
pub fn gate_of(method: &str, pattern: &str) -> Option<Gate> {
    ROUTES
        .iter()
        .find(|r| r.method == method && r.path == pattern)
        .map(|r| r.gate)
}

/// The action to report when the route of this request is gated against
/// the caller's role: checked by the extractors that identify the caller,
/// so a refused role is told so before its body or query is read (the use
/// case checks the role and the record's scope again).
pub fn refused(parts: &axum::http::request::Parts, role: Role) -> Option<Action> {
    let pattern = parts.extensions.get::<axum::extract::MatchedPath>()?;
    let gate = gate_of(parts.method.as_str(), pattern.as_str())?;
    if gate.admits(Some(role)) {
        None
    } else {
        Some(
            gate.actions()
                .first()
                .copied()
                .unwrap_or(Action::ViewOwnRecord),
        )
    }
}

/// One route: method, path pattern as given to the router, and its gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRule {
    pub method: &'static str,
    pub path: &'static str,
    pub gate: Gate,
}

const fn rule(method: &'static str, path: &'static str, gate: Gate) -> RouteRule {
    RouteRule { method, path, gate }
}

use Action::*;
use Gate::{Any, Own, Public, SignedIn, Staff};

const VIEW_PATIENT: Gate = Any(&[ViewPatient, ViewOwnRecord]);
const VIEW_PLANS: Gate = Any(&[ViewPlans, ViewOwnRecord]);
/// The steps of the day: most are the clinicians', processing the lab's.
const DAY_STEP: Gate = Staff(&[RecordSessionDay, RecordLab]);

/// Every route the router serves.
pub const ROUTES: &[RouteRule] = &[
    // Open to all.
    rule("GET", "/", Public),
    rule("GET", "/lang/{code}", Public),
    rule("GET", "/static/app.css", Public),
    rule("GET", "/static/signature.js", Public),
    rule("GET", "/static/lab.css", Public),
    rule("GET", "/healthz", Public),
    rule("GET", "/readyz", Public),
    rule("GET", "/openapi.json", Public),
    rule("GET", "/sign-in", Public),
    rule("POST", "/sign-in", Public),
    rule("POST", "/sign-out", Public),
    rule("GET", "/invite/{token}", Public),
    rule("POST", "/invite/{token}", Public),
    rule("GET", "/calendar/{file}", Public),
    rule("GET", "/fhir/metadata", Public),
    // Pages: home and administration.
    rule("GET", "/home", SignedIn),
    rule("GET", "/admin/users", Staff(&[ManageUsers])),
    rule("POST", "/admin/users", Staff(&[ManageUsers])),
    rule("GET", "/admin/sites", Staff(&[ManageSites])),
    rule("POST", "/admin/sites", Staff(&[ManageSites])),
    rule("POST", "/admin/sites/{id}/labels", Staff(&[ManageSites])),
    rule("GET", "/admin/audit", Staff(&[ViewAudit])),
    rule("GET", "/admin/protocol", Staff(&[EditProtocol])),
    rule("POST", "/admin/protocol", Staff(&[EditProtocol])),
    rule("GET", "/admin/consent-texts", Staff(&[ManagePatientTexts])),
    rule("POST", "/admin/consent-texts", Staff(&[ManagePatientTexts])),
    rule("GET", "/admin/answers", Staff(&[ManagePatientTexts])),
    rule("POST", "/admin/answers", Staff(&[ManagePatientTexts])),
    rule("GET", "/admin/resources", Staff(&[ManageResources])),
    rule("POST", "/admin/resources", Staff(&[ManageResources])),
    rule("GET", "/admin/resources/{id}", Staff(&[ManageResources])),
    rule("POST", "/admin/resources/{id}", Staff(&[ManageResources])),
    rule(
        "POST",
        "/admin/resources/{id}/leave",
        Staff(&[ManageResources]),
    ),
    rule(
        "POST",
        "/admin/leave/{id}/remove",
        Staff(&[ManageResources]),
    ),
    // Pages: patients, their intake, plans, consent and questionnaires.
    rule("GET", "/patients", Staff(&[SearchPatients])),
    rule("POST", "/patients", Staff(&[RegisterPatient])),
    rule("GET", "/patients/new", Staff(&[RegisterPatient])),
    rule("GET", "/patients/{id}", Staff(&[ViewPatient])),
    rule("GET", "/patients/{id}/edit", Staff(&[EditDemographics])),
    rule("POST", "/patients/{id}/edit", Staff(&[EditDemographics])),
    rule("POST", "/patients/{id}/invite", Staff(&[InvitePatient])),
    rule("POST", "/patients/{id}/intake/{kind}", Staff(&[EditIntake])),
    rule(
        "GET",
        "/patients/{id}/intake/{kind}/{item}/edit",
        Staff(&[EditIntake]),
    ),
    rule(
        "POST",
        "/patients/{id}/intake/{kind}/{item}/edit",
        Staff(&[EditIntake]),
    ),
    rule(
        "POST",
        "/patients/{id}/intake/{kind}/{item}/delete",
        Staff(&[EditIntake]),
    ),
    rule("GET", "/patients/{id}/plans", Staff(&[ViewPlans])),
    rule("POST", "/patients/{id}/plans", Staff(&[WritePlan])),
    rule(
        "POST",
        "/patients/{id}/plans/{plan}/decision",
        Staff(&[DecideSuitability]),
    ),
    rule(
        "POST",
        "/patients/{id}/plans/{plan}/sessions",
        Staff(&[ScheduleSession]),
    ),
    rule(
        "GET",
        "/patients/{id}/plans/{plan}/starts",
        Staff(&[ScheduleSession]),
    ),
    rule("GET", "/plans/{plan}/consent", Staff(&[ViewPlans])),
    rule("POST", "/plans/{plan}/consent", Staff(&[TakeConsent])),
    rule(
        "POST",
        "/plans/{plan}/consent/withdrawal",
        Staff(&[TakeConsent]),
    ),
    rule("GET", "/plans/{plan}/consent/{consent}/pdf", VIEW_PLANS),
    rule(
        "GET",
        "/patients/{id}/questionnaires",
        Staff(&[AnswerQuestionnaires]),
    ),
    rule(
        "GET",
        "/patients/{id}/questionnaires/{code}/new",
        Staff(&[AnswerQuestionnaires]),
    ),
    rule(
        "POST",
        "/patients/{id}/questionnaires/{code}/new",
        Staff(&[AnswerQuestionnaires]),
    ),
    rule(
        "POST",
        "/follow-ups/{id}/attendance",
        Staff(&[RecordFollowUps]),
    ),
    // Pages: preparation, scheduling and the calendar.
    rule("GET", "/preparation", Staff(&[TrackPreparation])),
    rule("GET", "/sessions/{id}/preparation", Staff(&[ViewPlans])),
    rule(
        "POST",
        "/sessions/{id}/preparation/{task}",
        Staff(&[TrackPreparation]),
    ),
    rule("GET", "/sessions/{id}/preparation.pdf", VIEW_PLANS),
    rule("POST", "/sessions/{id}/move", Staff(&[ScheduleSession])),
    rule("POST", "/sessions/{id}/cancel", Staff(&[ScheduleSession])),
    rule("GET", "/optimise/{date}", Staff(&[ScheduleSession])),
    rule("POST", "/optimise/{date}/apply", Staff(&[ScheduleSession])),
    rule("GET", "/schedule", Staff(&[ViewSchedule])),
    rule("GET", "/schedule/{date}", Staff(&[ViewSchedule])),
    rule("GET", "/schedule/week/{date}", Staff(&[ViewSchedule])),
    rule("GET", "/me/calendar", Staff(&[ViewSchedule])),
    rule("POST", "/me/calendar", Staff(&[ViewSchedule])),
    // Pages: the session day, the lab, the diary and adverse events.
    rule("GET", "/sessions/{id}/day", Staff(&[ViewSessionDay])),
    rule(
        "POST",
        "/sessions/{id}/day/checks/{item}",
        Staff(&[RecordSessionDay]),
    ),
    rule("POST", "/sessions/{id}/day/steps/{step}/start", DAY_STEP),
    rule("POST", "/sessions/{id}/day/steps/{step}/finish", DAY_STEP),
    rule(
        "POST",
        "/sessions/{id}/day/harvest",
        Staff(&[RecordSessionDay]),
    ),
    rule("POST", "/sessions/{id}/day/donor-lot", DAY_STEP),
    rule(
        "POST",
        "/sessions/{id}/day/bedside-check",
        Staff(&[RecordSessionDay]),
    ),
    rule(
        "POST",
        "/sessions/{id}/day/injection",
        Staff(&[RecordSessionDay]),
    ),
    rule(
        "POST",
        "/sessions/{id}/day/monitoring",
        Staff(&[RecordSessionDay]),
    ),
    rule("POST", "/sessions/{id}/day/deviations", DAY_STEP),
    rule(
        "GET",
        "/sessions/{id}/wristband.svg",
        Staff(&[ViewSessionDay]),
    ),
    rule(
        "GET",
        "/sessions/{id}/wristband.pdf",
        Staff(&[ViewSessionDay]),
    ),
    rule(
        "GET",
        "/sessions/{id}/wristband.png",
        Staff(&[ViewSessionDay]),
    ),
    rule(
        "GET",
        "/sessions/{id}/discharge.pdf",
        Staff(&[ViewSessionDay]),
    ),
    rule("GET", "/labels/{file}", Staff(&[ViewSessionDay])),
    rule("GET", "/board", Staff(&[ViewSessionDay])),
    rule("GET", "/lab", Staff(&[ViewSessionDay])),
    rule("POST", "/lab/receive", Staff(&[RecordLab])),
    rule("GET", "/lab/units/{id}", Staff(&[ViewSessionDay])),
    rule(
        "POST",
        "/lab/units/{id}/start-processing",
        Staff(&[RecordLab]),
    ),
    rule("POST", "/lab/units/{id}/processing", Staff(&[RecordLab])),
    rule("POST", "/lab/units/{id}/qc", Staff(&[RecordLab])),
    rule("POST", "/lab/units/{id}/release", Staff(&[RecordLab])),
    rule(
        "POST",
        "/lab/units/{id}/finish-processing",
        Staff(&[RecordLab]),
    ),
    rule("POST", "/lab/units/{id}/reject", Staff(&[RecordLab])),
    rule("POST", "/lab/units/{id}/release-lot", Staff(&[RecordLab])),
    rule("GET", "/lab/donor-lots", Staff(&[ViewSessionDay])),
    rule("POST", "/lab/donor-lots", Staff(&[RecordLab])),
    rule("GET", "/sessions/{id}/diary", Any(&[KeepDiary])),
    rule("POST", "/sessions/{id}/diary", Any(&[KeepDiary])),
    rule("GET", "/triage", Staff(&[TriageAlerts])),
    rule("POST", "/triage/{id}/take", Staff(&[TriageAlerts])),
    rule("POST", "/triage/{id}/close", Staff(&[TriageAlerts])),
    rule(
        "GET",
        "/sessions/{id}/adverse-events",
        Staff(&[RecordAdverseEvents]),
    ),
    rule(
        "POST",
        "/sessions/{id}/adverse-events",
        Staff(&[RecordAdverseEvents]),
    ),
    rule("GET", "/lookback", Staff(&[Lookback])),
    rule("GET", "/reports", Staff(&[ViewReports])),
    rule("GET", "/reports/clinic.csv", Staff(&[ViewReports])),
    rule("GET", "/reports/outcomes", Staff(&[ViewOutcomes])),
    // The patient's portal.
    rule("GET", "/portal", Own(&[ViewOwnRecord])),
    rule("GET", "/portal/sessions", Own(&[ViewOwnRecord])),
    rule("GET", "/portal/sessions/{id}", Own(&[ViewOwnRecord])),
    rule(
        "POST",
        "/portal/sessions/{id}/{task}",
        Own(&[TickOwnPreparation]),
    ),
    // The printable sheets are one handler each for both doors.
    rule("GET", "/portal/sessions/{id}/preparation.pdf", VIEW_PLANS),
    rule("GET", "/portal/expect", Own(&[ViewOwnRecord])),
    rule("GET", "/portal/consent", Own(&[ViewOwnRecord])),
    rule("GET", "/portal/plans/{plan}/consent", Own(&[ViewOwnRecord])),
    rule(
        "POST",
        "/portal/plans/{plan}/consent",
        Own(&[GiveOwnConsent]),
    ),
    rule(
        "POST",
        "/portal/plans/{plan}/consent/withdrawal",
        Own(&[GiveOwnConsent]),
    ),
    rule(
        "GET",
        "/portal/plans/{plan}/consent/{consent}/pdf",
        VIEW_PLANS,
    ),
    rule(
        "GET",
        "/portal/questionnaires",
        Own(&[AnswerQuestionnaires]),
    ),
    rule(
        "GET",
        "/portal/questionnaires/{code}",
        Own(&[AnswerQuestionnaires]),
    ),
    rule(
        "POST",
        "/portal/questionnaires/{code}",
        Own(&[AnswerQuestionnaires]),
    ),
    // The JSON API: patients and intake.
    rule("GET", "/api/v1/patients", Staff(&[SearchPatients])),
    rule("POST", "/api/v1/patients", Staff(&[RegisterPatient])),
    rule("GET", "/api/v1/patients/{id}", VIEW_PATIENT),
    rule("PUT", "/api/v1/patients/{id}", Staff(&[EditDemographics])),
    rule("GET", "/api/v1/patients/{id}/{list}", VIEW_PATIENT),
    rule("POST", "/api/v1/patients/{id}/{list}", Staff(&[EditIntake])),
    rule(
        "PUT",
        "/api/v1/patients/{id}/{list}/{item_id}",
        Staff(&[EditIntake]),
    ),
    rule(
        "DELETE",
        "/api/v1/patients/{id}/{list}/{item_id}",
        Staff(&[EditIntake]),
    ),
    // The API: protocol, plans, preparation, consent, texts.
    rule(
        "GET",
        "/api/v1/sites/{site_id}/protocol",
        Staff(&[ViewProtocol]),
    ),
    rule(
        "PUT",
        "/api/v1/sites/{site_id}/protocol",
        Staff(&[EditProtocol]),
    ),
    rule(
        "GET",
        "/api/v1/sites/{site_id}/protocol/versions",
        Staff(&[ViewProtocol]),
    ),
    rule("GET", "/api/v1/patients/{id}/plans", VIEW_PLANS),
    rule("POST", "/api/v1/patients/{id}/plans", Staff(&[WritePlan])),
    rule("GET", "/api/v1/plans/{plan_id}", VIEW_PLANS),
    rule(
        "POST",
        "/api/v1/plans/{plan_id}/decision",
        Staff(&[DecideSuitability]),
    ),
    rule(
        "POST",
        "/api/v1/plans/{plan_id}/sessions",
        Staff(&[ScheduleSession]),
    ),
    rule(
        "GET",
        "/api/v1/sessions/{session_id}/preparation",
        VIEW_PLANS,
    ),
    rule(
        "PUT",
        "/api/v1/sessions/{session_id}/preparation/{task}",
        Any(&[TrackPreparation, TickOwnPreparation]),
    ),
    rule(
        "GET",
        "/api/v1/preparation-board",
        Staff(&[TrackPreparation]),
    ),
    rule(
        "GET",
        "/api/v1/sites/{site_id}/consent-texts",
        Staff(&[ManagePatientTexts]),
    ),
    rule(
        "PUT",
        "/api/v1/sites/{site_id}/consent-texts/{procedure}/{locale}",
        Staff(&[ManagePatientTexts]),
    ),
    rule("GET", "/api/v1/plans/{plan_id}/consent", VIEW_PLANS),
    rule(
        "POST",
        "/api/v1/plans/{plan_id}/consent",
        Any(&[TakeConsent, GiveOwnConsent]),
    ),
    rule(
        "POST",
        "/api/v1/plans/{plan_id}/consent/withdrawal",
        Any(&[TakeConsent, GiveOwnConsent]),
    ),
    rule(
        "GET",
        "/api/v1/plans/{plan_id}/consent/{consent_id}/pdf",
        VIEW_PLANS,
    ),
    rule(
        "GET",
        "/api/v1/patients/{id}/messages",
        Staff(&[TrackPreparation]),
    ),
    rule(
        "GET",
        "/api/v1/sites/{site_id}/messages",
        Staff(&[TrackPreparation]),
    ),
    rule(
        "GET",
        "/api/v1/sites/{site_id}/answers",
        Staff(&[ViewProtocol]),
    ),
    rule(
        "PUT",
        "/api/v1/sites/{site_id}/answers/{question}/{locale}",
        Staff(&[ManagePatientTexts]),
    ),
    rule("GET", "/api/v1/me/what-to-expect", Own(&[ViewOwnRecord])),
    // The API: resources and bookings.
    rule(
        "GET",
        "/api/v1/sites/{site_id}/resources",
        Staff(&[ManageResources, ViewSchedule]),
    ),
    rule(
        "POST",
        "/api/v1/sites/{site_id}/resources",
        Staff(&[ManageResources]),
    ),
    rule("PUT", "/api/v1/resources/{id}", Staff(&[ManageResources])),
    rule(
        "POST",
        "/api/v1/resources/{id}/leave",
        Staff(&[ManageResources]),
    ),
    rule("DELETE", "/api/v1/leave/{id}", Staff(&[ManageResources])),
    rule(
        "GET",
        "/api/v1/plans/{plan_id}/starts",
        Staff(&[ScheduleSession]),
    ),
    rule(
        "PUT",
        "/api/v1/sessions/{session_id}/start",
        Staff(&[ScheduleSession]),
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/cancel",
        Staff(&[ScheduleSession]),
    ),
    rule(
        "GET",
        "/api/v1/sessions/{session_id}/booking",
        Staff(&[ViewSchedule]),
    ),
    // The API: the session day and the lab.
    rule(
        "GET",
        "/api/v1/sessions/{session_id}/day",
        Staff(&[ViewSessionDay]),
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/checks/{item}",
        Staff(&[RecordSessionDay]),
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/steps/{step}/start",
        DAY_STEP,
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/steps/{step}/finish",
        DAY_STEP,
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/deviations",
        DAY_STEP,
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/harvest",
        Staff(&[RecordSessionDay]),
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/bedside-check",
        Staff(&[RecordSessionDay]),
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/injection",
        Staff(&[RecordSessionDay]),
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/monitoring",
        Staff(&[RecordSessionDay]),
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/day/donor-lot",
        DAY_STEP,
    ),
    rule(
        "GET",
        "/api/v1/sites/{site_id}/board",
        Staff(&[ViewSessionDay]),
    ),
    rule(
        "GET",
        "/api/v1/sites/{site_id}/lab",
        Staff(&[ViewSessionDay]),
    ),
    rule(
        "POST",
        "/api/v1/sites/{site_id}/lab/receive",
        Staff(&[RecordLab]),
    ),
    rule("GET", "/api/v1/units/{unit_id}", Staff(&[ViewSessionDay])),
    rule(
        "POST",
        "/api/v1/units/{unit_id}/processing",
        Staff(&[RecordLab]),
    ),
    rule("POST", "/api/v1/units/{unit_id}/qc", Staff(&[RecordLab])),
    rule(
        "POST",
        "/api/v1/units/{unit_id}/release",
        Staff(&[RecordLab]),
    ),
    rule(
        "POST",
        "/api/v1/units/{unit_id}/reject",
        Staff(&[RecordLab]),
    ),
    rule(
        "POST",
        "/api/v1/sites/{site_id}/donor-lots",
        Staff(&[RecordLab]),
    ),
    rule(
        "POST",
        "/api/v1/donor-lots/{unit_id}/release",
        Staff(&[RecordLab]),
    ),
    rule(
        "GET",
        "/api/v1/sites/{site_id}/labels",
        Staff(&[ManageSites, ViewSessionDay]),
    ),
    rule(
        "PUT",
        "/api/v1/sites/{site_id}/labels",
        Staff(&[ManageSites]),
    ),
    // The API: after the session.
    rule(
        "GET",
        "/api/v1/sessions/{session_id}/diary",
        Any(&[KeepDiary]),
    ),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/diary",
        Any(&[KeepDiary]),
    ),
    rule(
        "GET",
        "/api/v1/sites/{site_id}/triage",
        Staff(&[TriageAlerts]),
    ),
    rule("POST", "/api/v1/alerts/{id}/take", Staff(&[TriageAlerts])),
    rule("POST", "/api/v1/alerts/{id}/close", Staff(&[TriageAlerts])),
    rule(
        "POST",
        "/api/v1/sessions/{session_id}/adverse-events",
        Staff(&[RecordAdverseEvents]),
    ),
    rule(
        "PUT",
        "/api/v1/adverse-events/{id}",
        Staff(&[RecordAdverseEvents]),
    ),
    rule(
        "GET",
        "/api/v1/patients/{id}/adverse-events",
        Staff(&[RecordAdverseEvents]),
    ),
    rule("GET", "/api/v1/lookback", Staff(&[Lookback])),
    rule("GET", "/api/v1/questionnaires", SignedIn),
    rule(
        "GET",
        "/api/v1/patients/{id}/questionnaire-responses",
        Any(&[AnswerQuestionnaires]),
    ),
    rule("POST", "/api/v1/questionnaires/{code}/score", SignedIn),
    rule("GET", "/api/v1/patients/{id}/follow-ups", VIEW_PLANS),
    rule(
        "POST",
        "/api/v1/follow-ups/{id}/attendance",
        Staff(&[RecordFollowUps]),
    ),
    // FHIR R4.
    rule("GET", "/fhir/{resource_type}", Any(&[ReadFhir])),
    rule("GET", "/fhir/{resource_type}/{id}", Any(&[ReadFhir])),
    rule("POST", "/fhir", Staff(&[ImportFhir])),
];
