//! Follow-up visits after a session: the days they fall due under the
//! protocol, the visit as a one-step booking (who sees the patient and a
//! room), and the first free time for it on a site's calendars.

use crate::protocol::Protocol;
use crate::scheduling::{
    Calendar, GRID_MINUTES, Need, NeedKey, PlacedStep, ResourceKind, SessionTemplate, StepCode,
    StepTemplate, day_start, place,
};
use chrono::{Days, NaiveDate};

/// A follow-up is booked on its day or, when nothing is free, on one of
/// this many following days; after that it waits for the coordinator.
pub const SEARCH_DAYS: u32 = 7;

/// One follow-up as the protocol asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpDue {
    /// Days after the session (the protocol's setting, and the visit's identity).
    pub offset_days: u32,
    pub date: NaiveDate,
}

/// The follow-ups of a session held on `session_date`, in order.
pub fn due_dates(session_date: NaiveDate, protocol: &Protocol) -> Vec<FollowUpDue> {
    protocol
        .follow_up_days
        .iter()
        .filter_map(|days| {
            session_date
                .checked_add_days(Days::new(u64::from(*days)))
                .map(|date| FollowUpDue {
                    offset_days: *days,
                    date,
                })
        })
        .collect()
}

/// The need filled by whoever sees the patient.
pub fn seen_by_need(protocol: &Protocol) -> NeedKey {
    match protocol.follow_up_seen_by {
        ResourceKind::Nurse => NeedKey::Nurse,
        _ => NeedKey::Physician,
    }
}

/// A follow-up visit as a chain of one step: the protocol's length, with
/// who sees the patient and a room.
pub fn template(protocol: &Protocol) -> SessionTemplate {
    SessionTemplate {
        steps: vec![StepTemplate {
            step: StepCode::FollowUp,
            minutes: protocol.follow_up_minutes,
            needs: vec![
                Need {
                    key: seen_by_need(protocol),
                    kind: protocol.follow_up_seen_by,
                    fluoroscopy: false,
                },
                Need {
                    key: NeedKey::Room,
                    kind: ResourceKind::ProcedureRoom,
                    fluoroscopy: false,
                },
            ],
        }],
        lags: vec![],
        same_physician: false,
    }
}

/// The first free time for a follow-up on `date` or the `SEARCH_DAYS`
/// after it, no earlier than `not_before` (epoch minutes), on the
/// five-minute grid. `preferred` (the physician who treated the patient)
/// is given the visit when free; rooms without fluoroscopy are taken
/// before the one procedures need it for.
pub fn first_free<K: Clone + PartialEq>(
    template: &SessionTemplate,
    calendars: &[Calendar<K>],
    date: NaiveDate,
    not_before: i64,
    preferred: Option<&K>,
) -> Option<PlacedStep<K>> {
    let mut ordered: Vec<Calendar<K>> = calendars.to_vec();
    ordered.sort_by_key(|c| (preferred != Some(&c.key), c.fluoroscopy));
    let minutes = i64::from(template.steps.first()?.minutes);
    for day in 0..=SEARCH_DAYS {
        let midnight = day_start(date.checked_add_days(Days::new(u64::from(day)))?);
        let mut at = midnight.max(not_before);
        at += (GRID_MINUTES - at.rem_euclid(GRID_MINUTES)) % GRID_MINUTES;
        while at + minutes <= midnight + 1440 {
            if let Ok(mut placed) = place(template, &ordered, at)
                && let Some(step) = placed.pop()
            {
                return Some(step);
            }
            at += GRID_MINUTES;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduling::{Busy, BusyReason};

    fn calendar(key: &'static str, kind: ResourceKind, busy: Vec<Busy>) -> Calendar<&'static str> {
        Calendar {
            key,
            kind,
            fluoroscopy: false,
            busy,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn the_protocol_books_a_week_six_weeks_three_six_and_twelve_months_on() {
        let due = due_dates(date(2026, 1, 10), &Protocol::default());
        let dates: Vec<NaiveDate> = due.iter().map(|d| d.date).collect();
        assert_eq!(
            dates,
            [
                date(2026, 1, 17),
                date(2026, 2, 21),
                date(2026, 4, 11),
                date(2026, 7, 11),
                date(2027, 1, 10)
            ]
        );
    }

    #[test]
    fn a_busy_physician_pushes_the_visit_to_the_next_free_time_and_leave_to_the_next_day() {
        let protocol = Protocol::default();
        let template = template(&protocol);
        let day = date(2026, 3, 2);
        let midnight = day_start(day);
        let open = |from: i64, to: i64| {
            vec![
                Busy {
                    from: midnight - 1440,
                    to: midnight + from,
                    reason: BusyReason::OffDuty,
                },
                Busy {
                    from: midnight + to,
                    to: midnight + 1440 + from,
                    reason: BusyReason::OffDuty,
                },
            ]
        };
        let room = calendar("room", ResourceKind::ProcedureRoom, open(480, 1020));
        let mut busy_doctor = open(480, 1020);
        busy_doctor.push(Busy {
            from: midnight + 480,
            to: midnight + 545,
            reason: BusyReason::OffDuty,
        });
        let doctor = calendar("dr", ResourceKind::Physician, busy_doctor);
        let placed = first_free(&template, &[room.clone(), doctor], day, 0, None).expect("free");
        assert_eq!(placed.from, midnight + 545);
        assert_eq!(placed.to, midnight + 575);
        assert!(placed.resources.contains(&(NeedKey::Physician, "dr")));
        assert!(placed.resources.contains(&(NeedKey::Room, "room")));

        let away = calendar(
            "dr",
            ResourceKind::Physician,
            vec![Busy {
                from: midnight - 1440,
                to: midnight + 1440 + 600,
                reason: BusyReason::Leave,
            }],
        );
        let placed = first_free(&template, &[room.clone(), away], day, 0, None).expect("free");
        assert_eq!(placed.from, midnight + 1440 + 600);

        let never = calendar(
            "dr",
            ResourceKind::Physician,
            vec![Busy {
                from: midnight - 1440,
                to: midnight + 30 * 1440,
                reason: BusyReason::Leave,
            }],
        );
        assert_eq!(first_free(&template, &[room, never], day, 0, None), None);
    }

    #[test]
    fn the_treating_physician_is_preferred_and_the_plain_room_before_fluoroscopy() {
        let template = template(&Protocol::default());
        let day = date(2026, 3, 2);
        let mut c_arm_room = calendar("room-1", ResourceKind::ProcedureRoom, vec![]);
        c_arm_room.fluoroscopy = true;
        let calendars = [
            c_arm_room,
            calendar("dr-a", ResourceKind::Physician, vec![]),
            calendar("dr-b", ResourceKind::Physician, vec![]),
            calendar("room-2", ResourceKind::ProcedureRoom, vec![]),
        ];
        let placed = first_free(&template, &calendars, day, 0, Some(&"dr-b")).expect("free");
        assert!(placed.resources.contains(&(NeedKey::Physician, "dr-b")));
        assert!(placed.resources.contains(&(NeedKey::Room, "room-2")));
        assert_eq!(placed.from, day_start(day));
    }
}
