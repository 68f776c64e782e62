//! The clinic's reports of a site over a period (stage 10's oversight):
//! step durations against the protocol, deviations by kind, the
//! adverse-event rate and follow-up completion. Counts and minutes only,
//! no patient named; the figures are the domain's (`domain::reports`), read
//! here from the store in one transaction and audited as one read.

use crate::plans::protocol_in_force;
use crate::scheduling::{at_minute, site_in_scope};
use crate::session_day::day_events;
use crate::{Actor, App, AppError, Audited, Result, authorize, commit_audited};
use cellpath_domain::adverse_events::{Grade, Relatedness};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::issue::{IssueCode, Issues};
use cellpath_domain::protocol::Protocol;
use cellpath_domain::reports::{
    self, AdverseEventRate, DeviationCount, EventFacts, FollowUpCompletion, StepDuration,
    VisitFacts,
};
use cellpath_domain::scheduling::day_start;
use cellpath_domain::session_day::{DayStep, SessionDay, StepState};
use cellpath_domain::{Action, SiteId};
use chrono::{Days, NaiveDate};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

/// The longest period one report covers (a little over two years).
pub const MAX_DAYS: u64 = 800;

/// A site's reports over `[from, to]` (sessions that started on those days,
/// follow-up visits due on them).
#[derive(Debug, Clone, PartialEq)]
pub struct ClinicReport {
    pub site_id: SiteId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Sessions of the period with anything recorded on their day.
    pub sessions: u32,
    pub steps: Vec<StepDuration>,
    pub deviations: Vec<DeviationCount>,
    pub adverse_events: AdverseEventRate,
    pub follow_ups: Vec<FollowUpCompletion>,
}

impl App {
    /// The reports of `site` for the sessions that started from `from` to
    /// `to` inclusive. Physicians, coordinators and admins of the site.
    pub async fn clinic_report(
        &self,
        actor: &Actor,
        site: SiteId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ClinicReport> {
        authorize(actor, Action::ViewReports)?;
        site_in_scope(actor, site)?;
        let end = to.checked_add_days(Days::new(1));
        let span_ok = from
            .checked_add_days(Days::new(MAX_DAYS))
            .is_some_and(|limit| to < limit);
        let (Some(end), true, true) = (end, from <= to, span_ok) else {
            let mut issues = Issues::default();
            issues.add("to", IssueCode::DateOrder);
            return Err(AppError::Invalid(issues));
        };
        let now = self.now();
        let (start_at, end_at) = (at_minute(day_start(from)), at_minute(day_start(end)));
        let mut tx = self.begin().await?;
        let current = protocol_in_force(&mut tx, site, None).await?.protocol;
        let sessions = tx.sessions_of_site(site, start_at, end_at).await?;
        let events = tx.day_events_of_site(site, start_at, end_at).await?;
        let mut events_of: HashMap<Uuid, Vec<_>> = HashMap::new();
        for event in events {
            events_of.entry(event.session_id).or_default().push(event);
        }
        let mut protocols: HashMap<i64, Protocol> = HashMap::new();
        let mut plans = HashMap::new();
        let mut days: Vec<(Uuid, SessionDay, i64)> = Vec::new();
        for session in &sessions {
            let Some(rows) = events_of.get(&session.id.as_uuid()) else {
                continue;
            };
            if let Entry::Vacant(vacant) = plans.entry(session.plan_id) {
                vacant.insert(tx.plan(session.plan_id).await?);
            }
            let plan = &plans[&session.plan_id];
            if let Entry::Vacant(vacant) = protocols.entry(session.protocol_version) {
                let version = Some(session.protocol_version);
                vacant.insert(protocol_in_force(&mut tx, site, version).await?.protocol);
            }
            let day = SessionDay::replay(
                plan.plan.cell_source.is_autologous(),
                plan.plan.with_sedation(),
                &day_events(rows),
            );
            days.push((session.id.as_uuid(), day, session.protocol_version));
        }
        let with_protocol: Vec<(&SessionDay, &Protocol)> = days
            .iter()
            .map(|(_, day, version)| (day, &protocols[version]))
            .collect();
        let steps = reports::step_durations(&with_protocol, &current);
        let deviations =
            reports::deviations_by_kind(&days.iter().map(|(_, d, _)| d).collect::<Vec<_>>());

        let mut events_by_session: HashMap<Uuid, Vec<EventFacts>> = HashMap::new();
        for row in tx.adverse_events_of_site(site, start_at, end_at).await? {
            let corrupt = || AppError::Internal(format!("adverse event {} unreadable", row.id));
            let grade = u8::try_from(row.grade)
                .ok()
                .and_then(Grade::new)
                .ok_or_else(corrupt)?;
            let relatedness =
                Relatedness::parse("relatedness", &row.relatedness).map_err(|_| corrupt())?;
            events_by_session
                .entry(row.session_id)
                .or_default()
                .push(EventFacts {
                    grade,
                    serious: row.serious,
                    relatedness,
                });
        }
        let treated: Vec<Vec<EventFacts>> = days
            .iter()
            .filter(|(_, day, _)| {
                day.state(DayStep::Injection)
                    .and_then(StepState::started)
                    .is_some()
            })
            .map(|(id, _, _)| events_by_session.remove(id).unwrap_or_default())
            .collect();
        let adverse_events = reports::adverse_event_rate(&treated);

        let visits: Vec<VisitFacts> = tx
            .follow_ups_of_site_due(site, from, end)
            .await?
            .iter()
            .map(|row| VisitFacts {
                offset_days: u32::try_from(row.offset_days).unwrap_or_default(),
                due_date: row.due_date,
                booked: row.status == "booked",
                cancelled: row.status == "cancelled",
                attended: row.attendance.as_deref().map(|a| a == "attended"),
            })
            .collect();
        let follow_ups = reports::follow_up_completion(&visits, now.date_naive());
        let report = ClinicReport {
            site_id: site,
            from,
            to,
            sessions: u32::try_from(days.len()).unwrap_or(u32::MAX),
            steps,
            deviations,
            adverse_events,
            follow_ups,
        };
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "clinic_report",
                entity_id: format!("{from}..{to}"),
                patient_id: None,
                site_id: Some(site),
                before: vec![],
                after: vec![("sessions", report.sessions.to_string())],
            },
        )
        .await?;
        Ok(report)
    }
}
