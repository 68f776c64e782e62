//! The clinic's reports over a period, as counts and minutes (no patient is
//! named): how long each step of the session day took against the
//! protocol, the deviations by kind, the rate of adverse events per treated
//! session, and how many follow-up visits were kept. Each is a plain
//! function of what happened; the app reads it from the store.

use crate::adverse_events::{Grade, Relatedness};
use crate::code_enum;
use crate::protocol::{MinuteRange, Protocol};
use crate::session_day::{DayStep, DeviationKind, SessionDay, StepState};
use chrono::NaiveDate;

/// How long one step (or the whole session) took across the period's
/// sessions, against the protocol's range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDuration {
    /// `None` for the whole session, check-in to discharge.
    pub step: Option<DayStep>,
    /// Sessions in which the step was started and finished.
    pub sessions: u32,
    /// The median in minutes (the lower middle one of an even count).
    pub median: Option<i64>,
    pub shortest: Option<i64>,
    pub longest: Option<i64>,
    /// The range of the protocol in force now, when the protocol sets one.
    pub protocol: Option<MinuteRange>,
    /// Sessions where it was shorter or longer than its session's protocol allowed.
    pub too_short: u32,
    pub too_long: u32,
}

/// The range the protocol sets for a step, for a session with or without sedation.
fn range_of(step: Option<DayStep>, sedation: bool, protocol: &Protocol) -> Option<MinuteRange> {
    match step {
        None => Some(protocol.session_minutes),
        Some(step) => SessionDay::new(true, sedation).range(step, protocol),
    }
}

/// Minutes from start to finish of `step` (`None`: the whole session).
fn minutes_of(day: &SessionDay, step: Option<DayStep>) -> Option<i64> {
    let (first, last) = match step {
        Some(step) => (step, step),
        None => (DayStep::CheckIn, DayStep::Discharge),
    };
    let started = day.state(first).and_then(StepState::started)?;
    let finished = day.state(last).and_then(StepState::finished)?;
    Some((finished.at - started.at).num_minutes())
}

/// Every step's durations, in the order of the day, then the whole session.
/// Each day comes with the protocol its session was planned under;
/// `current` gives the range shown beside the figures.
pub fn step_durations(days: &[(&SessionDay, &Protocol)], current: &Protocol) -> Vec<StepDuration> {
    DayStep::ALL
        .iter()
        .copied()
        .map(Some)
        .chain([None])
        .map(|step| {
            let mut minutes = Vec::new();
            let (mut too_short, mut too_long) = (0, 0);
            for (day, protocol) in days {
                let Some(m) = minutes_of(day, step) else {
                    continue;
                };
                minutes.push(m);
                if let Some(range) = range_of(step, day.sedation, protocol) {
                    if m < i64::from(range.min) {
                        too_short += 1;
                    } else if range.max != u32::MAX && m > i64::from(range.max) {
                        too_long += 1;
                    }
                }
            }
            minutes.sort_unstable();
            StepDuration {
                step,
                sessions: count(minutes.len()),
                median: (!minutes.is_empty()).then(|| minutes[(minutes.len() - 1) / 2]),
                shortest: minutes.first().copied(),
                longest: minutes.last().copied(),
                protocol: range_of(step, false, current),
                too_short,
                too_long,
            }
        })
        .collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The deviations of one kind over the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviationCount {
    pub kind: DeviationKind,
    pub deviations: u32,
    /// Sessions with at least one deviation of this kind.
    pub sessions: u32,
}

/// Every kind of deviation with its count, zero counts included.
pub fn deviations_by_kind(days: &[&SessionDay]) -> Vec<DeviationCount> {
    DeviationKind::ALL
        .iter()
        .map(|kind| {
            let per_day = days
                .iter()
                .map(|d| d.deviations.iter().filter(|x| x.kind == *kind).count());
            DeviationCount {
                kind: *kind,
                deviations: count(per_day.clone().sum()),
                sessions: count(per_day.filter(|n| *n > 0).count()),
            }
        })
        .collect()
}

/// What an adverse event contributes to the rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventFacts {
    pub grade: Grade,
    pub serious: bool,
    pub relatedness: Relatedness,
}

/// Adverse events against the sessions in which cells were given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdverseEventRate {
    /// Sessions of the period in which the injection was started.
    pub treated: u32,
    /// Events recorded against those sessions.
    pub events: u32,
    pub serious: u32,
    /// Possibly, probably or definitely related.
    pub related: u32,
    /// Treated sessions with at least one event.
    pub sessions_with_event: u32,
    /// Events of grade 1 to 5.
    pub by_grade: [u32; 5],
}

impl AdverseEventRate {
    /// Events per 100 treated sessions, in tenths (123 reads 12.3); none
    /// without a treated session.
    pub fn per_hundred_tenths(&self) -> Option<u64> {
        per_hundred_tenths(self.events, self.treated)
    }
}

/// `part` per 100 of `whole`, in tenths, rounded half up.
pub fn per_hundred_tenths(part: u32, whole: u32) -> Option<u64> {
    (whole > 0).then(|| (u64::from(part) * 2000 + u64::from(whole)) / (2 * u64::from(whole)))
}

/// The rate from each treated session's events (an empty list for a
/// session without any).
pub fn adverse_event_rate(sessions: &[Vec<EventFacts>]) -> AdverseEventRate {
    let mut rate = AdverseEventRate {
        treated: count(sessions.len()),
        ..AdverseEventRate::default()
    };
    for events in sessions {
        if !events.is_empty() {
            rate.sessions_with_event += 1;
        }
        for event in events {
            rate.events += 1;
            rate.serious += u32::from(event.serious);
            rate.related += u32::from(event.relatedness.is_related());
            rate.by_grade[usize::from(event.grade.get() - 1)] += 1;
        }
    }
    rate
}

code_enum!(
    /// Where a follow-up visit stands, as the report counts it.
    VisitState {
        /// Its day has not come.
        Upcoming = "upcoming",
        /// Booked and its day has passed, but nobody recorded whether the patient came.
        Unrecorded = "unrecorded",
        /// Never booked: no free time was found and the coordinator has not booked it.
        NotBooked = "not_booked",
        Attended = "attended",
        Missed = "missed",
        Cancelled = "cancelled",
    }
);

/// One follow-up visit as the report sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitFacts {
    pub offset_days: u32,
    pub due_date: NaiveDate,
    pub booked: bool,
    pub cancelled: bool,
    /// `Some(true)` attended, `Some(false)` missed, `None` not recorded.
    pub attended: Option<bool>,
}

impl VisitFacts {
    pub fn state(&self, today: NaiveDate) -> VisitState {
        match (self.cancelled, self.attended) {
            (true, _) => VisitState::Cancelled,
            (false, Some(true)) => VisitState::Attended,
            (false, Some(false)) => VisitState::Missed,
            (false, None) if self.due_date > today => VisitState::Upcoming,
            (false, None) if self.booked => VisitState::Unrecorded,
            (false, None) => VisitState::NotBooked,
        }
    }
}

/// The follow-up visits of one protocol offset (one week, six weeks...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpCompletion {
    pub offset_days: u32,
    /// Visits per [`VisitState`], in its order.
    pub by_state: Vec<(VisitState, u32)>,
}

impl FollowUpCompletion {
    pub fn of(&self, state: VisitState) -> u32 {
        self.by_state
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n)
    }

    /// Visits that fell due and were not cancelled.
    pub fn due(&self) -> u32 {
        self.by_state
            .iter()
            .filter(|(s, _)| !matches!(s, VisitState::Upcoming | VisitState::Cancelled))
            .map(|(_, n)| n)
            .sum()
    }

    /// Attended per 100 due, in tenths; none when nothing fell due.
    pub fn completion_tenths(&self) -> Option<u64> {
        per_hundred_tenths(self.of(VisitState::Attended), self.due())
    }
}

/// Follow-up visits by offset, in the offsets' order, every state counted.
pub fn follow_up_completion(visits: &[VisitFacts], today: NaiveDate) -> Vec<FollowUpCompletion> {
    let mut offsets: Vec<u32> = visits.iter().map(|v| v.offset_days).collect();
    offsets.sort_unstable();
    offsets.dedup();
    offsets
        .into_iter()
        .map(|offset| FollowUpCompletion {
            offset_days: offset,
            by_state: VisitState::ALL
                .iter()
                .map(|state| {
                    let n = visits
                        .iter()
                        .filter(|v| v.offset_days == offset && v.state(today) == *state)
                        .count();
                    (*state, count(n))
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session_day::{ChecklistItem, DayEvent, Deviation, Signed};
    use chrono::{DateTime, Duration, TimeZone, Utc};

    fn signed(at: DateTime<Utc>) -> Signed {
        Signed {
            username: "nurse".into(),
            name: "Nurse".into(),
            at,
        }
    }

    /// An autologous day whose steps take the given minutes, one after the other.
    fn day(minutes: &[(DayStep, i64)], deviations: &[DeviationKind]) -> SessionDay {
        let mut at = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
        let mut events = Vec::new();
        for item in ChecklistItem::ALL {
            events.push(DayEvent::Checked {
                item: *item,
                signed: signed(at),
            });
        }
        for (step, m) in minutes {
            events.push(DayEvent::Started {
                step: *step,
                signed: signed(at),
            });
            at += Duration::minutes(*m);
            events.push(DayEvent::Finished {
                step: *step,
                signed: signed(at),
            });
        }
        for kind in deviations {
            events.push(DayEvent::Deviation(Deviation {
                step: None,
                kind: *kind,
                reason: "r".into(),
                signed: signed(at),
            }));
        }
        SessionDay::replay(true, false, events.iter())
    }

    #[test]
    fn step_durations_give_median_extremes_and_counts_outside_the_protocol() {
        let protocol = Protocol::default();
        let days = [
            day(&[(DayStep::CheckIn, 10), (DayStep::Harvest, 20)], &[]),
            day(&[(DayStep::CheckIn, 10), (DayStep::Harvest, 40)], &[]),
            day(&[(DayStep::CheckIn, 10), (DayStep::Harvest, 50)], &[]),
            day(&[(DayStep::CheckIn, 12)], &[]),
        ];
        let pairs: Vec<_> = days.iter().map(|d| (d, &protocol)).collect();
        let rows = step_durations(&pairs, &protocol);
        let harvest = rows
            .iter()
            .find(|r| r.step == Some(DayStep::Harvest))
            .unwrap();
        assert_eq!(harvest.sessions, 3);
        assert_eq!(harvest.median, Some(40));
        assert_eq!((harvest.shortest, harvest.longest), (Some(20), Some(50)));
        assert_eq!(harvest.protocol, Some(MinuteRange { min: 30, max: 45 }));
        assert_eq!((harvest.too_short, harvest.too_long), (1, 1));
        let check_in = rows
            .iter()
            .find(|r| r.step == Some(DayStep::CheckIn))
            .unwrap();
        assert_eq!((check_in.sessions, check_in.median), (4, Some(10)));
        assert_eq!(check_in.protocol, None);
        let injection = rows
            .iter()
            .find(|r| r.step == Some(DayStep::Injection))
            .unwrap();
        assert_eq!((injection.sessions, injection.median), (0, None));
        // No session was discharged, so the whole session has no figure.
        assert_eq!(rows.last().unwrap().step, None);
        assert_eq!(rows.last().unwrap().sessions, 0);
    }

    #[test]
    fn a_whole_session_runs_from_check_in_to_discharge() {
        let protocol = Protocol::default();
        let long = day(
            &[
                (DayStep::CheckIn, 30),
                (DayStep::Harvest, 40),
                (DayStep::Processing, 50),
                (DayStep::Injection, 20),
                (DayStep::Monitoring, 40),
                (DayStep::Discharge, 10),
            ],
            &[],
        );
        let rows = step_durations(&[(&long, &protocol)], &protocol);
        let whole = rows.last().unwrap();
        assert_eq!(whole.median, Some(190));
        assert_eq!((whole.too_short, whole.too_long), (0, 1));
        let monitoring = rows
            .iter()
            .find(|r| r.step == Some(DayStep::Monitoring))
            .unwrap();
        assert_eq!((monitoring.too_short, monitoring.too_long), (0, 0));
    }

    #[test]
    fn deviations_are_counted_by_kind_with_the_sessions_they_touched() {
        let days = [
            day(&[], &[DeviationKind::TooLong, DeviationKind::TooLong]),
            day(&[], &[DeviationKind::TooLong, DeviationKind::FailedCheck]),
            day(&[], &[]),
        ];
        let refs: Vec<_> = days.iter().collect();
        let rows = deviations_by_kind(&refs);
        assert_eq!(rows.len(), DeviationKind::ALL.len());
        let of = |kind| rows.iter().find(|r| r.kind == kind).unwrap().clone();
        assert_eq!(
            (
                of(DeviationKind::TooLong).deviations,
                of(DeviationKind::TooLong).sessions
            ),
            (3, 2)
        );
        assert_eq!(of(DeviationKind::FailedCheck).deviations, 1);
        assert_eq!(of(DeviationKind::SterileBreach).deviations, 0);
    }

    #[test]
    fn the_adverse_event_rate_is_per_hundred_treated_sessions() {
        let event = |grade, serious, relatedness| EventFacts {
            grade: Grade::new(grade).unwrap(),
            serious,
            relatedness,
        };
        let sessions = vec![
            vec![
                event(1, false, Relatedness::Possible),
                event(4, true, Relatedness::NotRelated),
            ],
            vec![],
            vec![event(2, false, Relatedness::Definite)],
        ];
        let rate = adverse_event_rate(&sessions);
        assert_eq!(
            (rate.treated, rate.events, rate.serious, rate.related),
            (3, 3, 1, 2)
        );
        assert_eq!(rate.sessions_with_event, 2);
        assert_eq!(rate.by_grade, [1, 1, 0, 1, 0]);
        assert_eq!(rate.per_hundred_tenths(), Some(1000));
        assert_eq!(per_hundred_tenths(1, 3), Some(333));
        assert_eq!(per_hundred_tenths(2, 3), Some(667));
        assert_eq!(adverse_event_rate(&[]).per_hundred_tenths(), None);
    }

    #[test]
    fn follow_up_completion_counts_attended_among_the_visits_that_fell_due() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let visit = |offset, day, booked, cancelled, attended| VisitFacts {
            offset_days: offset,
            due_date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            booked,
            cancelled,
            attended,
        };
        let visits = [
            visit(7, 1, true, false, Some(true)),
            visit(7, 2, true, false, Some(false)),
            visit(7, 3, true, false, None),
            visit(7, 4, false, false, None),
            visit(7, 5, true, true, None),
            visit(7, 27, true, false, None),
            visit(42, 20, true, false, Some(true)),
        ];
        let rows = follow_up_completion(&visits, today);
        assert_eq!(
            rows.iter().map(|r| r.offset_days).collect::<Vec<_>>(),
            [7, 42]
        );
        let week = &rows[0];
        assert_eq!(week.of(VisitState::Attended), 1);
        assert_eq!(week.of(VisitState::Missed), 1);
        assert_eq!(week.of(VisitState::Unrecorded), 1);
        assert_eq!(week.of(VisitState::NotBooked), 1);
        assert_eq!(week.of(VisitState::Cancelled), 1);
        assert_eq!(week.of(VisitState::Upcoming), 1);
        assert_eq!(week.due(), 4);
        assert_eq!(week.completion_tenths(), Some(250));
        assert_eq!(rows[1].completion_tenths(), Some(1000));
    }
}
