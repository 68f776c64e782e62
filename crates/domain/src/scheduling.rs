//! Booking a session on a site's rooms, people and equipment: the resource
//! kinds, their working hours, the chain of steps a plan needs (the model of
//! `shared/specs/scheduling.md`), and the placement of one session among the
//! bookings already made, with every clash explained.
//!
//! Times are whole minutes: `i64` minutes since the Unix epoch on the
//! clinic's wall clock, so a step runs over `[start, end)`.

use crate::code_enum;
use crate::plan::{Anaesthesia, CellSource, Guidance, Plan};
use crate::protocol::Protocol;
use chrono::{Datelike, NaiveDate};

code_enum!(
    /// What a schedulable resource is. Every resource serves one step at a time.
    ResourceKind {
        ProcedureRoom = "procedure_room",
        Physician = "physician",
        Nurse = "nurse",
        LabTech = "lab_tech",
        Anaesthesia = "anaesthesia",
        Centrifuge = "centrifuge",
        Ultrasound = "ultrasound",
        CArm = "c_arm",
        RecoveryBay = "recovery_bay",
    }
);

impl ResourceKind {
    /// People (who get a calendar feed) rather than rooms and equipment.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            ResourceKind::Physician
                | ResourceKind::Nurse
                | ResourceKind::LabTech
                | ResourceKind::Anaesthesia
        )
    }
}

code_enum!(
    /// The steps of a session that occupy resources (check-in and discharge
    /// happen in the monitoring bay and at the desk, not on a booked resource).
    StepCode {
        Harvest = "harvest",
        Prepare = "prepare",
        Process = "process",
        Inject = "inject",
        Monitor = "monitor",
        /// A follow-up visit after the session (`crate::follow_ups`).
        FollowUp = "follow_up",
    }
);

code_enum!(
    /// What a step needs, named as in the scheduling format's `needs[].key`.
    NeedKey {
        Room = "room",
        Physician = "physician",
        Nurse = "nurse",
        Anaesthesia = "anaesthesia",
        Tech = "tech",
        Centrifuge = "centrifuge",
        Imaging = "imaging",
        Bay = "bay",
    }
);

/// One need of a step: a resource of this kind (a room with fluoroscopy when asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub key: NeedKey,
    pub kind: ResourceKind,
    pub fluoroscopy: bool,
}

impl Need {
    fn of(key: NeedKey, kind: ResourceKind) -> Need {
        Need {
            key,
            kind,
            fluoroscopy: false,
        }
    }

    /// Whether a resource can serve this need.
    pub fn fits(&self, kind: ResourceKind, fluoroscopy: bool) -> bool {
        kind == self.kind && (fluoroscopy || !self.fluoroscopy)
    }
}

/// One step of the chain: how long it is booked for and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTemplate {
    pub step: StepCode,
    pub minutes: u32,
    pub needs: Vec<Need>,
}

/// Minutes allowed between the end of one step and the start of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lag {
    pub from: StepCode,
    pub to: StepCode,
    pub min: u32,
    pub max: Option<u32>,
}

/// A session as a chain of steps, their needs, and the time limits between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTemplate {
    pub steps: Vec<StepTemplate>,
    pub lags: Vec<Lag>,
    /// The physician who harvests also injects.
    pub same_physician: bool,
}

/// Minutes a monitored patient may wait for a recovery bay after the injection.
pub const INJECT_TO_MONITOR_MAX_MINUTES: u32 = 10;

impl SessionTemplate {
    /// The chain for a plan under a protocol. Steps are booked for the
    /// protocol's longest duration so a slow step never runs into the next
    /// booking.
    pub fn for_plan(plan: &Plan, protocol: &Protocol) -> SessionTemplate {
        use NeedKey as K;
        use ResourceKind as R;
        let sedation = plan.anaesthesia == Anaesthesia::Sedation;
        let mut steps = Vec::new();
        let mut lags = Vec::new();
        let procedure_room = |fluoroscopy: bool| Need {
            key: K::Room,
            kind: R::ProcedureRoom,
            fluoroscopy,
        };
        let first = if plan.cell_source == CellSource::Allogeneic {
            steps.push(StepTemplate {
                step: StepCode::Prepare,
                minutes: protocol.donor_preparation_minutes,
                needs: vec![Need::of(K::Tech, R::LabTech)],
            });
            StepCode::Prepare
        } else {
            let mut needs = vec![
                procedure_room(false),
                Need::of(K::Physician, R::Physician),
                Need::of(K::Nurse, R::Nurse),
            ];
            if sedation {
                needs.push(Need::of(K::Anaesthesia, R::Anaesthesia));
            }
            steps.push(StepTemplate {
                step: StepCode::Harvest,
                minutes: protocol.harvest_minutes.max,
                needs,
            });
            steps.push(StepTemplate {
                step: StepCode::Process,
                minutes: protocol.processing_minutes.max,
                needs: vec![
                    Need::of(K::Centrifuge, R::Centrifuge),
                    Need::of(K::Tech, R::LabTech),
                ],
            });
            lags.push(Lag {
                from: StepCode::Harvest,
                to: StepCode::Process,
                min: 0,
                max: Some(protocol.harvest_to_processing_max_minutes),
            });
            StepCode::Process
        };
        let mut inject = vec![
            procedure_room(plan.guidance == Guidance::Fluoroscopy),
            Need::of(K::Physician, R::Physician),
        ];
        match plan.guidance {
            Guidance::Ultrasound => inject.push(Need::of(K::Imaging, R::Ultrasound)),
            Guidance::Fluoroscopy => inject.push(Need::of(K::Imaging, R::CArm)),
            Guidance::NoGuidance => {}
        }
        if sedation {
            inject.push(Need::of(K::Anaesthesia, R::Anaesthesia));
        }
        steps.push(StepTemplate {
            step: StepCode::Inject,
            minutes: protocol.injection_minutes.max,
            needs: inject,
        });
        lags.push(Lag {
            from: first,
            to: StepCode::Inject,
            min: 0,
            max: Some(protocol.processing_to_injection_max_minutes),
        });
        steps.push(StepTemplate {
            step: StepCode::Monitor,
            minutes: if sedation {
                protocol.monitoring_sedation_minutes
            } else {
                protocol.monitoring_minutes
            },
            needs: vec![Need::of(K::Bay, R::RecoveryBay)],
        });
        lags.push(Lag {
            from: StepCode::Inject,
            to: StepCode::Monitor,
            min: 0,
            max: Some(INJECT_TO_MONITOR_MAX_MINUTES),
        });
        SessionTemplate {
            steps,
            lags,
            same_physician: true,
        }
    }

    /// Minutes from the first step's start to the last step's end with no waiting.
    pub fn minutes_without_waiting(&self) -> u32 {
        self.steps.iter().map(|s| s.minutes).sum::<u32>()
            + self.lags.iter().map(|l| l.min).sum::<u32>()
    }

    /// The lag from the step before `index` into it, if the template has one.
    fn lag_into(&self, index: usize) -> (u32, Option<u32>) {
        let step = self.steps[index].step;
        let previous = self.steps[index - 1].step;
        self.lags
            .iter()
            .find(|l| l.to == step && l.from == previous)
            .map(|l| (l.min, l.max))
            .unwrap_or((0, None))
    }
}

/// A weekly working pattern: the days worked (Monday first), the hours in
/// minutes of the day, and an optional break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub days: [bool; 7],
    pub start: u32,
    pub end: u32,
    pub break_time: Option<(u32, u32)>,
}

impl Default for WorkingHours {
    /// Monday to Friday, 07:00 to 19:00, a break from 12:30 to 13:00.
    fn default() -> Self {
        WorkingHours {
            days: [true, true, true, true, true, false, false],
            start: 7 * 60,
            end: 19 * 60,
            break_time: Some((12 * 60 + 30, 13 * 60)),
        }
    }
}

impl WorkingHours {
    /// The days as stored: seven characters, `1` for a working day, Monday first.
    pub fn days_code(&self) -> String {
        self.days
            .iter()
            .map(|d| if *d { '1' } else { '0' })
            .collect()
    }

    /// Reads `days_code`'s form back.
    pub fn parse_days(field: &str, raw: &str) -> Result<[bool; 7], crate::Issue> {
        let mut days = [false; 7];
        let chars: Vec<char> = raw.trim().chars().collect();
        if chars.len() != 7 || chars.iter().any(|c| *c != '0' && *c != '1') {
            return Err(crate::Issue::new(field, crate::IssueCode::InvalidFormat));
        }
        for (day, c) in days.iter_mut().zip(chars) {
            *day = c == '1';
        }
        Ok(days)
    }

    /// Checks that the hours lie in a day, in order, with the break inside them.
    pub fn validate(&self) -> Result<(), crate::Issues> {
        let mut issues = crate::Issues::default();
        if self.end > 24 * 60 {
            issues.add("work_end", crate::IssueCode::OutOfRange);
        }
        if self.start >= self.end {
            issues.add("work_end", crate::IssueCode::DateOrder);
        }
        if let Some((from, to)) = self.break_time
            && (from >= to || from < self.start || to > self.end)
        {
            issues.add("break_end", crate::IssueCode::DateOrder);
        }
        issues.into_result(|| ())
    }
}

/// Why a resource cannot take a step at some time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusyReason {
    /// Booked for another session.
    Booked(crate::SessionId),
    /// Outside working hours or a day off.
    OffDuty,
    /// The break in the working day.
    Break,
    /// Leave or maintenance entered by the admin.
    Leave,
}

/// A time a resource is taken, `[from, to)` in epoch minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub from: i64,
    pub to: i64,
    pub reason: BusyReason,
}

/// Epoch minutes of midnight at the start of a date.
pub fn day_start(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp() / 60)
        .unwrap_or_default()
}

/// The times a resource is not available over `from..=to` (dates): off
/// duty, breaks and leave (each leave `(first day, last day)` inclusive).
pub fn unavailable(
    hours: &WorkingHours,
    leave: &[(NaiveDate, NaiveDate)],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Busy> {
    let mut busy = Vec::new();
    let mut date = from;
    while date <= to {
        let midnight = day_start(date);
        let weekday = date.weekday().num_days_from_monday() as usize;
        let on_leave = leave.iter().any(|(a, b)| *a <= date && date <= *b);
        if on_leave {
            busy.push(Busy {
                from: midnight,
                to: midnight + 1440,
                reason: BusyReason::Leave,
            });
        } else if !hours.days[weekday] {
            busy.push(Busy {
                from: midnight,
                to: midnight + 1440,
                reason: BusyReason::OffDuty,
            });
        } else {
            if hours.start > 0 {
                busy.push(Busy {
                    from: midnight,
                    to: midnight + i64::from(hours.start),
                    reason: BusyReason::OffDuty,
                });
            }
            if let Some((a, b)) = hours.break_time {
                busy.push(Busy {
                    from: midnight + i64::from(a),
                    to: midnight + i64::from(b),
                    reason: BusyReason::Break,
                });
            }
            if hours.end < 1440 {
                busy.push(Busy {
                    from: midnight + i64::from(hours.end),
                    to: midnight + 1440,
                    reason: BusyReason::OffDuty,
                });
            }
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    busy
}

/// A resource as the placement sees it: an opaque key, what it is, and when it is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar<K> {
    pub key: K,
    pub kind: ResourceKind,
    pub fluoroscopy: bool,
    pub busy: Vec<Busy>,
}

impl<K> Calendar<K> {
    fn clash(&self, from: i64, to: i64) -> Option<&Busy> {
        self.busy.iter().find(|b| b.from < to && from < b.to)
    }
}

/// One step placed: when, and the resource given to each need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedStep<K> {
    pub step: StepCode,
    pub from: i64,
    pub to: i64,
    pub resources: Vec<(NeedKey, K)>,
}

/// Why a session cannot start at a time: for one step's need, every
/// resource that could serve it and what takes it then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash<K> {
    pub step: StepCode,
    pub need: NeedKey,
    pub from: i64,
    pub to: i64,
    /// Each candidate and the first thing in its way (`None` when the site has no such resource).
    pub taken: Vec<(K, Busy)>,
}

/// Steps may wait this many minutes at a time within their lag windows.
pub const GRID_MINUTES: i64 = 5;

/// Places a session starting exactly at `start`: each later step as early
/// as its lag allows (on the five-minute grid), every need given the first
/// free fitting resource, one physician for the whole session. On failure,
/// the clashes that stopped the earliest attempt of the step it got furthest to.
pub fn place<K: Clone + PartialEq>(
    template: &SessionTemplate,
    calendars: &[Calendar<K>],
    start: i64,
) -> Result<Vec<PlacedStep<K>>, Vec<Clash<K>>> {
    let mut placed = Vec::new();
    let mut best_failure: (usize, Vec<Clash<K>>) = (0, Vec::new());
    if place_from(
        template,
        calendars,
        0,
        start,
        None,
        &mut placed,
        &mut best_failure,
    ) {
        Ok(placed)
    } else {
        Err(best_failure.1)
    }
}

fn place_from<K: Clone + PartialEq>(
    template: &SessionTemplate,
    calendars: &[Calendar<K>],
    index: usize,
    earliest: i64,
    physician: Option<&K>,
    placed: &mut Vec<PlacedStep<K>>,
    best_failure: &mut (usize, Vec<Clash<K>>),
) -> bool {
    let Some(step) = template.steps.get(index) else {
        return true;
    };
    let (latest, first_try) = if index == 0 {
        (earliest, earliest)
    } else {
        let (min, max) = template.lag_into(index);
        let ready = earliest + i64::from(min);
        (
            ready + i64::from(max.unwrap_or(min + 120).saturating_sub(min)),
            ready,
        )
    };
    let mut at = first_try;
    while at <= latest {
        let to = at + i64::from(step.minutes);
        match choose(step, calendars, at, to, physician, template.same_physician) {
            Ok(options) => {
                for resources in options {
                    let chosen_physician = resources
                        .iter()
                        .find(|(k, _)| *k == NeedKey::Physician)
                        .map(|(_, r)| r.clone());
                    placed.push(PlacedStep {
                        step: step.step,
                        from: at,
                        to,
                        resources,
                    });
                    let keep = if template.same_physician {
                        chosen_physician.as_ref().or(physician)
                    } else {
                        None
                    };
                    if place_from(
                        template,
                        calendars,
                        index + 1,
                        to,
                        keep,
                        placed,
                        best_failure,
                    ) {
                        return true;
                    }
                    placed.pop();
                }
            }
            Err(clashes) => {
                if at == first_try && (index > best_failure.0 || best_failure.1.is_empty()) {
                    *best_failure = (index, clashes);
                }
            }
        }
        at += GRID_MINUTES;
    }
    false
}

/// The ways to give a step's needs resources over `[from, to)`: one way,
/// except that each free physician is an option when the session keeps
/// its physician and none is chosen yet.
#[allow(clippy::type_complexity)]
fn choose<K: Clone + PartialEq>(
    step: &StepTemplate,
    calendars: &[Calendar<K>],
    from: i64,
    to: i64,
    physician: Option<&K>,
    same_physician: bool,
) -> Result<Vec<Vec<(NeedKey, K)>>, Vec<Clash<K>>> {
    let mut chosen: Vec<(NeedKey, K)> = Vec::new();
    let mut physicians: Vec<K> = Vec::new();
    let mut clashes = Vec::new();
    for need in &step.needs {
        let fitting: Vec<&Calendar<K>> = calendars
            .iter()
            .filter(|c| need.fits(c.kind, c.fluoroscopy))
            .filter(|c| match (need.key, physician) {
                (NeedKey::Physician, Some(p)) if same_physician => c.key == *p,
                _ => true,
            })
            .collect();
        let free: Vec<&Calendar<K>> = fitting
            .iter()
            .copied()
            .filter(|c| c.clash(from, to).is_none())
            .filter(|c| !chosen.iter().any(|(_, k)| *k == c.key))
            .collect();
        match free.first() {
            Some(first) => {
                if need.key == NeedKey::Physician && physician.is_none() && same_physician {
                    physicians = free.iter().map(|c| c.key.clone()).collect();
                }
                chosen.push((need.key, first.key.clone()));
            }
            None => clashes.push(Clash {
                step: step.step,
                need: need.key,
                from,
                to,
                taken: fitting
                    .iter()
                    .filter_map(|c| c.clash(from, to).map(|b| (c.key.clone(), *b)))
                    .collect(),
            }),
        }
    }
    if !clashes.is_empty() {
        return Err(clashes);
    }
    if physicians.len() <= 1 {
        return Ok(vec![chosen]);
    }
    Ok(physicians
        .into_iter()
        .map(|p| {
            chosen
                .iter()
                .map(|(key, k)| {
                    if *key == NeedKey::Physician {
                        (*key, p.clone())
                    } else {
                        (*key, k.clone())
                    }
                })
                .collect()
        })
        .collect())
}

/// Checks a placement proposed from elsewhere (the optimiser): the
/// template's steps in order with their durations, the lags, every need
/// given a fitting resource that is free then and not given twice in a
/// step, and one physician when the template keeps one. The clashes, if any.
pub fn check_placement<K: Clone + PartialEq>(
    template: &SessionTemplate,
    calendars: &[Calendar<K>],
    placed: &[PlacedStep<K>],
) -> Result<(), Vec<Clash<K>>> {
    let mut clashes = Vec::new();
    let shape_ok = placed.len() == template.steps.len()
        && placed.iter().zip(&template.steps).all(|(p, t)| {
            p.step == t.step
                && p.to - p.from == i64::from(t.minutes)
                && p.resources.len() == t.needs.len()
        });
    let lags_ok = shape_ok
        && (1..placed.len()).all(|i| {
            let (min, max) = template.lag_into(i);
            let gap = placed[i].from - placed[i - 1].to;
            gap >= i64::from(min) && max.is_none_or(|m| gap <= i64::from(m))
        });
    let mut physician: Option<&K> = None;
    for (p, t) in placed.iter().zip(&template.steps) {
        for need in &t.needs {
            let given = p
                .resources
                .iter()
                .find(|(key, _)| *key == need.key)
                .map(|(_, k)| k);
            let calendar = given.and_then(|k| calendars.iter().find(|c| c.key == *k));
            let twice =
                given.is_some_and(|k| p.resources.iter().filter(|(_, r)| r == k).count() > 1);
            let other_physician = need.key == NeedKey::Physician
                && template.same_physician
                && match (physician, given) {
                    (Some(first), Some(k)) => first != k,
                    _ => false,
                };
            if need.key == NeedKey::Physician && physician.is_none() {
                physician = given;
            }
            let busy = calendar.and_then(|c| c.clash(p.from, p.to));
            let fits = calendar.is_some_and(|c| need.fits(c.kind, c.fluoroscopy));
            if !shape_ok || !lags_ok || !fits || busy.is_some() || twice || other_physician {
                clashes.push(Clash {
                    step: p.step,
                    need: need.key,
                    from: p.from,
                    to: p.to,
                    taken: match (given, busy) {
                        (Some(k), Some(b)) => vec![(k.clone(), *b)],
                        _ => vec![],
                    },
                });
            }
        }
    }
    if !shape_ok && clashes.is_empty() {
        clashes.push(Clash {
            step: template
                .steps
                .first()
                .map(|s| s.step)
                .unwrap_or(StepCode::Harvest),
            need: NeedKey::Room,
            from: placed.first().map(|p| p.from).unwrap_or_default(),
            to: placed.last().map(|p| p.to).unwrap_or_default(),
            taken: vec![],
        });
    }
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(clashes)
    }
}

/// Every start on the grid in `[from, to)` at which the whole session fits.
pub fn possible_starts<K: Clone + PartialEq>(
    template: &SessionTemplate,
    calendars: &[Calendar<K>],
    from: i64,
    to: i64,
) -> Vec<i64> {
    let mut starts = Vec::new();
    let mut at = from.div_euclid(GRID_MINUTES) * GRID_MINUTES;
    if at < from {
        at += GRID_MINUTES;
    }
    while at < to {
        if place(template, calendars, at).is_ok() {
            starts.push(at);
        }
        at += GRID_MINUTES;
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Indication, Side, TargetSite};

    fn plan(source: CellSource, guidance: Guidance, anaesthesia: Anaesthesia) -> Plan {
        Plan {
            indication: Indication::Osteoarthritis,
            target_site: TargetSite::Knee,
            side: Side::Left,
            spinal_level: None,
            cell_source: source,
            guidance,
            anaesthesia,
            planned_sessions: 1,
            study_id: None,
        }
    }

    fn calendar(key: &'static str, kind: ResourceKind) -> Calendar<&'static str> {
        Calendar {
            key,
            kind,
            fluoroscopy: false,
            busy: vec![],
        }
    }

    fn clinic() -> Vec<Calendar<&'static str>> {
        vec![
            calendar("room-1", ResourceKind::ProcedureRoom),
            calendar("dr-a", ResourceKind::Physician),
            calendar("dr-b", ResourceKind::Physician),
            calendar("rn-1", ResourceKind::Nurse),
            calendar("lab-1", ResourceKind::LabTech),
            calendar("cf-1", ResourceKind::Centrifuge),
            calendar("us-1", ResourceKind::Ultrasound),
            calendar("bay-1", ResourceKind::RecoveryBay),
        ]
    }

    #[test]
    fn an_autologous_session_is_harvest_processing_injection_and_monitoring_within_the_viability_limits()
     {
        let protocol = Protocol::default();
        let t = SessionTemplate::for_plan(
            &plan(
                CellSource::BoneMarrow,
                Guidance::Ultrasound,
                Anaesthesia::Local,
            ),
            &protocol,
        );
        let steps: Vec<StepCode> = t.steps.iter().map(|s| s.step).collect();
        assert_eq!(
            steps,
            [
                StepCode::Harvest,
                StepCode::Process,
                StepCode::Inject,
                StepCode::Monitor
            ]
        );
        assert_eq!(
            t.steps.iter().map(|s| s.minutes).collect::<Vec<_>>(),
            [45, 60, 30, 30]
        );
        assert_eq!(t.lags[0].max, Some(30));
        assert_eq!(t.lags[1].max, Some(60));
        assert!(t.same_physician);
        assert_eq!(t.minutes_without_waiting(), 165);
        assert!(t.minutes_without_waiting() <= protocol.session_minutes.max);
    }

    #[test]
    fn allogeneic_sedated_and_fluoroscopy_sessions_need_what_the_protocol_says() {
        let protocol = Protocol::default();
        let t = SessionTemplate::for_plan(
            &plan(
                CellSource::Allogeneic,
                Guidance::Fluoroscopy,
                Anaesthesia::Sedation,
            ),
            &protocol,
        );
        assert_eq!(t.steps[0].step, StepCode::Prepare);
        assert_eq!(t.steps[0].minutes, 15);
        let inject = &t.steps[1];
        assert!(
            inject
                .needs
                .iter()
                .any(|n| n.key == NeedKey::Room && n.fluoroscopy)
        );
        assert!(inject.needs.iter().any(|n| n.kind == ResourceKind::CArm));
        assert!(
            inject
                .needs
                .iter()
                .any(|n| n.kind == ResourceKind::Anaesthesia)
        );
        assert_eq!(t.steps[2].minutes, 60);
        assert_eq!(t.lags[0].from, StepCode::Prepare);
    }

    #[test]
    fn an_empty_clinic_places_the_session_without_waiting_and_keeps_one_physician() {
        let t = SessionTemplate::for_plan(
            &plan(
                CellSource::Adipose,
                Guidance::Ultrasound,
                Anaesthesia::Local,
            ),
            &Protocol::default(),
        );
        let placed = place(&t, &clinic(), 600).expect("fits");
        assert_eq!(placed[0].from, 600);
        assert_eq!(placed.last().map(|p| p.to), Some(600 + 165));
        let physicians: Vec<&str> = placed
            .iter()
            .flat_map(|p| p.resources.iter())
            .filter(|(k, _)| *k == NeedKey::Physician)
            .map(|(_, r)| *r)
            .collect();
        assert_eq!(physicians, ["dr-a", "dr-a"]);
    }

    #[test]
    fn a_busy_physician_at_injection_time_moves_the_session_to_the_other_physician() {
        let t = SessionTemplate::for_plan(
            &plan(
                CellSource::Adipose,
                Guidance::Ultrasound,
                Anaesthesia::Local,
            ),
            &Protocol::default(),
        );
        let mut resources = clinic();
        resources[1].busy.push(Busy {
            from: 600 + 105,
            to: 600 + 200,
            reason: BusyReason::OffDuty,
        });
        let placed = place(&t, &resources, 600).expect("fits with dr-b");
        assert!(
            placed
                .iter()
                .all(|p| p.resources.iter().all(|(_, r)| *r != "dr-a"))
        );
    }

    #[test]
    fn processing_waits_for_the_centrifuge_within_the_limit_and_no_longer() {
        let t = SessionTemplate::for_plan(
            &plan(
                CellSource::BoneMarrow,
                Guidance::Ultrasound,
                Anaesthesia::Local,
            ),
            &Protocol::default(),
        );
        let mut resources = clinic();
        resources[5].busy.push(Busy {
            from: 0,
            to: 600 + 45 + 20,
            reason: BusyReason::Booked(crate::SessionId::new()),
        });
        let placed = place(&t, &resources, 600).expect("waits 20 minutes");
        assert_eq!(placed[1].from, 600 + 45 + 20);
        resources[5].busy[0].to = 600 + 45 + 35;
        let clashes = place(&t, &resources, 600).expect_err("35 minutes is past the limit");
        assert_eq!(clashes[0].step, StepCode::Process);
        assert_eq!(clashes[0].need, NeedKey::Centrifuge);
        assert_eq!(clashes[0].taken[0].0, "cf-1");
    }

    #[test]
    fn a_clash_names_every_candidate_and_what_takes_it() {
        let t = SessionTemplate::for_plan(
            &plan(
                CellSource::Adipose,
                Guidance::Ultrasound,
                Anaesthesia::Local,
            ),
            &Protocol::default(),
        );
        let other = crate::SessionId::new();
        let mut resources = clinic();
        resources[0].busy.push(Busy {
            from: 550,
            to: 700,
            reason: BusyReason::Booked(other),
        });
        let clashes = place(&t, &resources, 600).expect_err("room taken");
        assert_eq!(clashes.len(), 1);
        assert_eq!(clashes[0].step, StepCode::Harvest);
        assert_eq!(clashes[0].need, NeedKey::Room);
        assert_eq!(clashes[0].taken[0].1.reason, BusyReason::Booked(other));
        assert_eq!(
            possible_starts(&t, &resources, 540, 720),
            vec![700, 705, 710, 715]
        );
    }

    #[test]
    fn a_site_without_the_resource_says_so_with_no_candidates() {
        let t = SessionTemplate::for_plan(
            &plan(
                CellSource::Adipose,
                Guidance::Fluoroscopy,
                Anaesthesia::Local,
            ),
            &Protocol::default(),
        );
        let clashes = place(&t, &clinic(), 600).expect_err("no fluoroscopy room");
        assert!(
            clashes
                .iter()
                .any(|c| c.need == NeedKey::Room && c.taken.is_empty())
        );
    }

    #[test]
    fn a_placement_from_elsewhere_is_checked_step_by_step() {
        let t = SessionTemplate::for_plan(
            &plan(
                CellSource::Adipose,
                Guidance::Ultrasound,
                Anaesthesia::Local,
            ),
            &Protocol::default(),
        );
        let resources = clinic();
        let placed = place(&t, &resources, 600).expect("fits");
        assert_eq!(check_placement(&t, &resources, &placed), Ok(()));
        let mut late = placed.clone();
        late[1].from += 31;
        late[1].to += 31;
        assert!(
            check_placement(&t, &resources, &late).is_err(),
            "lag missed"
        );
        let mut swapped = placed.clone();
        for (key, r) in swapped[2].resources.iter_mut() {
            if *key == NeedKey::Physician {
                *r = "dr-b";
            }
        }
        assert!(
            check_placement(&t, &resources, &swapped).is_err(),
            "two physicians"
        );
        let mut busy = resources.clone();
        busy[0].busy.push(Busy {
            from: 610,
            to: 620,
            reason: BusyReason::Leave,
        });
        assert!(check_placement(&t, &busy, &placed).is_err(), "room away");
        assert!(
            check_placement(&t, &resources, &placed[..3]).is_err(),
            "a step missing"
        );
    }

    #[test]
    fn working_hours_breaks_days_off_and_leave_become_unavailable_times() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 6).expect("date");
        let hours = WorkingHours::default();
        let busy = unavailable(&hours, &[(monday, monday)], monday, sunday);
        let midnight = day_start(monday);
        assert_eq!(busy[0].reason, BusyReason::Leave);
        assert_eq!(busy[0].to - busy[0].from, 1440);
        let tuesday: Vec<&Busy> = busy
            .iter()
            .filter(|b| b.from >= midnight + 1440 && b.from < midnight + 2880)
            .collect();
        assert_eq!(tuesday.len(), 3);
        assert_eq!(tuesday[1].reason, BusyReason::Break);
        assert_eq!(tuesday[1].from, midnight + 1440 + 750);
        let weekend = busy
            .iter()
            .filter(|b| b.from >= midnight + 5 * 1440)
            .count();
        assert_eq!(weekend, 2);
        assert_eq!(hours.days_code(), "1111100");
        assert_eq!(WorkingHours::parse_days("d", "1111100"), Ok(hours.days));
        assert!(WorkingHours::parse_days("d", "11x1100").is_err());
        let bad = WorkingHours {
            start: 600,
            end: 500,
            ..hours
        };
        assert!(bad.validate().is_err());
    }
}
