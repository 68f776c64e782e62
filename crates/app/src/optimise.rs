//! "Optimise this day": the sessions of a site's day that have not started
//! go to the optimiser (`cellpath-schedule`) as one instance, with
//! everything else (hours, breaks, leave, started sessions) as unavailable
//! windows; the coordinator sees the proposal beside the current plan and
//! applies or discards it. Applying re-checks every step under the site's
//! booking lock, so a proposal that went stale is refused, never half-applied.

use crate::scheduling::{DaySession, at_minute, describe};
use crate::{Actor, App, AppError, Audited, Result, authorize, invalid};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::scheduling::{
    self, Busy, BusyReason, Calendar, NeedKey, PlacedStep, StepCode,
};
use cellpath_domain::{Action, IssueCode, ResourceId, SessionId, SiteId};
use cellpath_schedule as opt;
use cellpath_store::ResourceRow;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long an interactive "optimise this day" may search.
pub const DAY_TIME_LIMIT: Duration = Duration::from_secs(3);

/// One session's steps as proposed (or as booked), in epoch minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedSession {
    pub session_id: SessionId,
    /// The session's version when the proposal was made.
    pub version: i64,
    pub steps: Vec<PlacedStep<ResourceId>>,
}

/// What a day's plan costs the patients and the staff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayMetrics {
    pub sessions: usize,
    /// Minutes patients wait between steps, all sessions together.
    pub waiting_minutes: i64,
    /// Minutes of bookings outside the booked resources' working hours.
    pub overtime_minutes: i64,
    /// Minutes patients spend from first to last step, all together.
    pub minutes_in_clinic: i64,
    /// Epoch minute the last step ends.
    pub last_end: Option<i64>,
}

/// A proposal for a day beside the plan in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayProposal {
    pub site_id: SiteId,
    pub date: NaiveDate,
    pub before: DayMetrics,
    pub after: DayMetrics,
    /// Every session that may move, with its current and proposed steps.
    pub sessions: Vec<(DaySession, ProposedSession)>,
    /// Sessions the optimiser could not place (they keep their booking).
    pub not_placed: Vec<SessionId>,
    /// Sessions already under way: never moved.
    pub started: usize,
}

impl DayProposal {
    /// Whether applying would change anything.
    pub fn changes(&self) -> bool {
        self.sessions.iter().any(|(current, proposed)| {
            current.steps.len() != proposed.steps.len()
                || current
                    .steps
                    .iter()
                    .zip(&proposed.steps)
                    .any(|(a, b)| a.starts_min != b.from)
        })
    }
}

fn overtime(bookings: &[(ResourceId, i64, i64)], away: &[(ResourceId, Busy)]) -> i64 {
    bookings
        .iter()
        .map(|(resource, from, to)| {
            away.iter()
                .filter(|(r, b)| r == resource && b.reason == BusyReason::OffDuty)
                .map(|(_, b)| ((*to).min(b.to) - (*from).max(b.from)).max(0))
                .sum::<i64>()
        })
        .sum()
}

fn metrics(
    plans: &[(i64, Vec<PlacedStep<ResourceId>>)],
    away: &[(ResourceId, Busy)],
) -> DayMetrics {
    let mut m = DayMetrics::default();
    let mut held = Vec::new();
    for (without_waiting, steps) in plans {
        let (Some(first), Some(last)) = (steps.first(), steps.last()) else {
            continue;
        };
        m.sessions += 1;
        let span = last.to - first.from;
        m.minutes_in_clinic += span;
        m.waiting_minutes += (span - without_waiting).max(0);
        m.last_end = Some(m.last_end.map_or(last.to, |e: i64| e.max(last.to)));
        for step in steps {
            for (_, r) in &step.resources {
                held.push((*r, step.from, step.to));
            }
        }
    }
    m.overtime_minutes = overtime(&held, away);
    m
}

fn job_id(id: SessionId) -> String {
    id.to_string()
}

impl App {
    /// Proposes a better plan for the sessions of `date` at `site` that
    /// have not started. Nothing is saved; audited as a read of the day.
    pub async fn propose_day(
        &self,
        actor: &Actor,
        site: SiteId,
        date: NaiveDate,
        time_limit: Duration,
    ) -> Result<DayProposal> {
        authorize(actor, Action::ScheduleSession)?;
        let day = self.day_schedule(actor, site, date).await?;
        let now = day.now_minute;
        let midnight = day.midnight;
        let resources: Vec<ResourceRow> =
            day.resources.iter().filter(|r| r.active).cloned().collect();
        let (movable, fixed): (Vec<&DaySession>, Vec<&DaySession>) = day
            .sessions
            .iter()
            .partition(|s| !s.started(now) && s.session.starts_at.date_naive() == date);
        let moving: Vec<SessionId> = movable.iter().map(|s| s.session.id).collect();
        // Everything that does not move is an unavailable window.
        let instance = opt::Instance {
            horizon: 1440,
            resources: resources
                .iter()
                .map(|r| {
                    let mut unavailable: Vec<opt::Window> = day
                        .unavailable
                        .iter()
                        .filter(|(id, _)| *id == r.id)
                        .map(|(_, b)| opt::Window::new(b.from - midnight, b.to - midnight))
                        .collect();
                    unavailable.extend(
                        day.bookings
                            .iter()
                            .filter(|b| b.resource_id == r.id && !moving.contains(&b.session_id))
                            .map(|b| {
                                opt::Window::new(
                                    (b.starts_min - midnight).max(0),
                                    (b.ends_min - midnight).min(1440),
                                )
                            }),
                    );
                    unavailable.sort();
                    opt::Resource {
                        id: r.id.to_string(),
                        kind: r.kind.code().into(),
                        unavailable,
                    }
                })
                .collect(),
            jobs: movable
                .iter()
                .map(|s| {
                    let template = &s.template;
                    opt::Job {
                        id: job_id(s.session.id),
                        release: (now + 1 - midnight).clamp(0, 1440),
                        due: 1440,
                        tasks: template
                            .steps
                            .iter()
                            .map(|step| opt::Task {
                                id: step.step.code().into(),
                                duration: i64::from(step.minutes),
                                needs: step
                                    .needs
                                    .iter()
                                    .map(|need| opt::Need {
                                        key: need.key.code().into(),
                                        one_of: resources
                                            .iter()
                                            .filter(|r| need.fits(r.kind, r.fluoroscopy))
                                            .map(|r| r.id.to_string())
                                            .collect(),
                                    })
                                    .collect(),
                            })
                            .collect(),
                        lags: template
                            .lags
                            .iter()
                            .map(|l| opt::Lag {
                                from: l.from.code().into(),
                                to: l.to.code().into(),
                                min: i64::from(l.min),
                                max: l.max.map(i64::from),
                            })
                            .collect(),
                        same: if template.same_physician {
                            vec![NeedKey::Physician.code().into()]
                        } else {
                            vec![]
                        },
                    }
                })
                .collect(),
        };
        let initial = opt::Solution {
            assignments: day
                .bookings
                .iter()
                .filter(|b| moving.contains(&b.session_id))
                .fold(
                    BTreeMap::new(),
                    |mut acc: BTreeMap<(String, String), opt::Assignment>, b| {
                        acc.entry((job_id(b.session_id), b.step.code().to_string()))
                            .or_insert_with(|| opt::Assignment {
                                job: job_id(b.session_id),
                                task: b.step.code().into(),
                                start: b.starts_min - midnight,
                                resources: BTreeMap::new(),
                            })
                            .resources
                            .insert(b.need.code().into(), b.resource_id.to_string());
                        acc
                    },
                )
                .into_values()
                .collect(),
            unscheduled: vec![],
        };
        let solution = tokio::task::spawn_blocking(move || {
            opt::solve(
                &instance,
                opt::SolveOptions {
                    time_limit,
                    seed: 1,
                    initial: Some(initial),
                    ..Default::default()
                },
            )
        })
        .await
        .map_err(|e| AppError::Internal(format!("optimiser: {e}")))?;
        let mut sessions = Vec::new();
        let mut not_placed = Vec::new();
        for s in &movable {
            let id = job_id(s.session.id);
            let mut steps: Vec<PlacedStep<ResourceId>> = Vec::new();
            for a in solution.assignments.iter().filter(|a| a.job == id) {
                let step = StepCode::parse("step", &a.task)
                    .map_err(|_| AppError::Internal("optimiser step".into()))?;
                let minutes = s
                    .template
                    .steps
                    .iter()
                    .find(|x| x.step == step)
                    .map(|x| i64::from(x.minutes))
                    .unwrap_or_default();
                let mut held = Vec::new();
                for (key, resource) in &a.resources {
                    let key = NeedKey::parse("need", key)
                        .map_err(|_| AppError::Internal("optimiser need".into()))?;
                    let resource = resource
                        .parse()
                        .map_err(|_| AppError::Internal("optimiser resource".into()))?;
                    held.push((key, resource));
                }
                steps.push(PlacedStep {
                    step,
                    from: midnight + a.start,
                    to: midnight + a.start + minutes,
                    resources: held,
                });
            }
            steps.sort_by_key(|p| p.from);
            if steps.is_empty() {
                not_placed.push(s.session.id);
                continue;
            }
            sessions.push((
                (*s).clone(),
                ProposedSession {
                    session_id: s.session.id,
                    version: s.session.version,
                    steps,
                },
            ));
        }
        let current = |s: &DaySession| -> Vec<PlacedStep<ResourceId>> {
            s.steps
                .iter()
                .map(|step| PlacedStep {
                    step: step.step,
                    from: step.starts_min,
                    to: step.ends_min,
                    resources: day
                        .bookings
                        .iter()
                        .filter(|b| b.session_id == s.session.id && b.step == step.step)
                        .map(|b| (b.need, b.resource_id))
                        .collect(),
                })
                .collect()
        };
        let before: Vec<(i64, Vec<PlacedStep<ResourceId>>)> = day
            .sessions
            .iter()
            .map(|s| (s.minutes_without_waiting(), current(s)))
            .collect();
        let after: Vec<(i64, Vec<PlacedStep<ResourceId>>)> = day
            .sessions
            .iter()
            .map(|s| {
                let proposed = sessions
                    .iter()
                    .find(|(d, _)| d.session.id == s.session.id)
                    .map(|(_, p)| p.steps.clone())
                    .unwrap_or_else(|| current(s));
                (s.minutes_without_waiting(), proposed)
            })
            .collect();
        Ok(DayProposal {
            site_id: site,
            date,
            before: metrics(&before, &day.unavailable),
            after: metrics(&after, &day.unavailable),
            sessions,
            not_placed,
            started: fixed.len(),
        })
    }

    /// Re-books the sessions of a proposal in one transaction under the
    /// site's booking lock. Refused whole when any session changed since
    /// (version), has started, or any step no longer fits.
    pub async fn apply_day(
        &self,
        actor: &Actor,
        site: SiteId,
        proposal: &[ProposedSession],
    ) -> Result<usize> {
        authorize(actor, Action::ScheduleSession)?;
        crate::scheduling::site_in_scope(actor, site)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        tx.lock_site_resources(site).await?;
        let mut checked = Vec::new();
        for p in proposal {
            let session = tx.treatment_session(p.session_id).await?;
            if session.site_id != site {
                return Err(AppError::NotFound);
            }
            if session.version != p.version {
                return Err(AppError::Conflict(crate::Current::Session(Box::new(
                    session,
                ))));
            }
            self.refuse_if_started_in(&mut tx, &session, now).await?;
            let plan = tx.plan(session.plan_id).await?;
            let (template, _) = self
                .template_of(&mut tx, &plan, Some(session.protocol_version))
                .await?;
            if p.steps
                .first()
                .is_none_or(|s| s.from <= crate::scheduling::minute_of(now))
            {
                return Err(invalid("session", IssueCode::AlreadyStarted));
            }
            tx.delete_session_booking(session.id).await?;
            checked.push((session, template));
        }
        let (Some(first), Some(last)) = (
            proposal
                .iter()
                .flat_map(|p| p.steps.first())
                .map(|s| s.from)
                .min(),
            proposal
                .iter()
                .flat_map(|p| p.steps.last())
                .map(|s| s.to)
                .max(),
        ) else {
            tx.commit().await?;
            return Ok(0);
        };
        let (resources, mut calendars) =
            crate::scheduling::calendars_of(&mut tx, site, first - 1440, last + 1440).await?;
        for ((session, template), p) in checked.iter().zip(proposal) {
            scheduling::check_placement(template, &calendars, &p.steps)
                .map_err(|c| crate::scheduling::explain(&resources, c))?;
            crate::scheduling::write_steps(&mut tx, session.id, site, &p.steps).await?;
            for step in &p.steps {
                for (_, r) in &step.resources {
                    if let Some(c) = calendars
                        .iter_mut()
                        .find(|c: &&mut Calendar<ResourceId>| c.key == *r)
                    {
                        c.busy.push(Busy {
                            from: step.from,
                            to: step.to,
                            reason: BusyReason::Booked(session.id),
                        });
                    }
                }
            }
            let starts_at = at_minute(p.steps[0].from);
            tx.move_treatment_session(session.id, starts_at, session.version, now)
                .await?;
            tx.append_audit(
                &Audited {
                    action: AuditAction::Update,
                    entity: "treatment_session",
                    entity_id: session.id.to_string(),
                    patient_id: Some(session.patient_id),
                    site_id: Some(site),
                    before: vec![("starts_at", session.starts_at.to_rfc3339())],
                    after: vec![
                        ("starts_at", starts_at.to_rfc3339()),
                        ("steps", describe(&p.steps)),
                        ("by", "optimise_day".into()),
                    ],
                }
                .record(Some(actor), now),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(proposal.len())
    }
}

/// The compact text form of a proposal carried by the apply form:
/// `session:version|step@from-to:need=resource+need=resource|...;next...`.
pub fn encode_proposal(sessions: &[ProposedSession]) -> String {
    sessions
        .iter()
        .map(|p| {
            let steps: Vec<String> = p
                .steps
                .iter()
                .map(|s| {
                    let held: Vec<String> = s
                        .resources
                        .iter()
                        .map(|(k, r)| format!("{}={r}", k.code()))
                        .collect();
                    format!("{}@{}-{}:{}", s.step.code(), s.from, s.to, held.join("+"))
                })
                .collect();
            format!("{}:{}|{}", p.session_id, p.version, steps.join("|"))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads `encode_proposal`'s form back; `None` when it is not one.
pub fn decode_proposal(raw: &str) -> Option<Vec<ProposedSession>> {
    if raw.trim().is_empty() {
        return Some(vec![]);
    }
    raw.split(';')
        .map(|session| {
            let mut parts = session.split('|');
            let (id, version) = parts.next()?.split_once(':')?;
            let steps = parts
                .map(|step| {
                    let (step, rest) = step.split_once('@')?;
                    let (times, held) = rest.split_once(':')?;
                    let (from, to) = times.split_once('-')?;
                    let resources = held
                        .split('+')
                        .map(|pair| {
                            let (k, r) = pair.split_once('=')?;
                            Some((NeedKey::parse("need", k).ok()?, r.parse().ok()?))
                        })
                        .collect::<Option<Vec<_>>>()?;
                    Some(PlacedStep {
                        step: StepCode::parse("step", step).ok()?,
                        from: from.parse().ok()?,
                        to: to.parse().ok()?,
                        resources,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(ProposedSession {
                session_id: id.parse().ok()?,
                version: version.parse().ok()?,
                steps,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proposal_survives_its_text_form_and_garbage_is_refused() {
        let p = vec![ProposedSession {
            session_id: SessionId::new(),
            version: 3,
            steps: vec![PlacedStep {
                step: StepCode::Harvest,
                from: 100,
                to: 145,
                resources: vec![
                    (NeedKey::Room, ResourceId::new()),
                    (NeedKey::Physician, ResourceId::new()),
                ],
            }],
        }];
        assert_eq!(decode_proposal(&encode_proposal(&p)), Some(p));
        assert_eq!(decode_proposal("nonsense"), None);
        assert_eq!(decode_proposal("x:1|harvest@1-2:room=y"), None);
    }
}
