//! `/api/v1` for stage 6: resources, possible starts, booking conflicts.

use crate::i18n::tr_args;
use cellpath_app::scheduling::{BookingClash, Resource, minute_of};
use cellpath_domain::Locale;
use cellpath_domain::scheduling::BusyReason;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A room, a member of staff or a piece of equipment of a site.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceOut {
    pub id: Uuid,
    pub site_id: Uuid,
    /// procedure_room, physician, nurse, lab_tech, anaesthesia, centrifuge, ultrasound, c_arm or recovery_bay.
    pub kind: String,
    pub name: String,
    /// A procedure room with fluoroscopy.
    pub fluoroscopy: bool,
    /// The staff account this resource is.
    pub user_id: Option<Uuid>,
    /// Seven characters, Monday first, `1` for a working day.
    pub work_days: String,
    /// Minutes of the day.
    pub work_start: u32,
    pub work_end: u32,
    pub break_start: Option<u32>,
    pub break_end: Option<u32>,
    pub active: bool,
    pub version: i64,
}

impl From<&Resource> for ResourceOut {
    fn from(r: &Resource) -> Self {
        ResourceOut {
            id: r.id.as_uuid(),
            site_id: r.site_id.as_uuid(),
            kind: r.kind.code().into(),
            name: r.name.clone(),
            fluoroscopy: r.fluoroscopy,
            user_id: r.user_id.map(|u| u.as_uuid()),
            work_days: r.hours.days_code(),
            work_start: r.hours.start,
            work_end: r.hours.end,
            break_start: r.hours.break_time.map(|(a, _)| a),
            break_end: r.hours.break_time.map(|(_, b)| b),
            active: r.active,
            version: r.version,
        }
    }
}

/// What takes one candidate resource at the time asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct TakenOut {
    pub resource_id: Uuid,
    pub resource: String,
    pub kind: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `booked` (another session), `off_duty`, `break` or `leave`.
    pub reason: String,
}

/// One step's need that no resource can serve at the time asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClashOut {
    pub step: String,
    pub need: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The clash in words, in the caller's language.
    pub message: String,
    /// Every candidate and what takes it; empty when the site has none of the kind.
    pub taken: Vec<TakenOut>,
}

pub fn reason_code(reason: BusyReason) -> &'static str {
    match reason {
        BusyReason::Booked(_) => "booked",
        BusyReason::OffDuty => "off_duty",
        BusyReason::Break => "break",
        BusyReason::Leave => "leave",
    }
}

/// A clash in words: "Harvest 09:00-09:45: no procedure room free (Room 1: booked 08:30-09:30)".
pub fn clash_message(locale: Locale, clash: &BookingClash) -> String {
    let hhmm = |t: DateTime<Utc>| locale.clock(minute_of(t).rem_euclid(1440));
    let taken: Vec<String> = clash
        .taken
        .iter()
        .map(|t| {
            tr_args(
                locale,
                "clash-taken",
                &[
                    ("resource", t.resource_name.clone()),
                    (
                        "reason",
                        crate::i18n::tr(
                            locale,
                            &format!("busy-{}", reason_code(t.reason).replace('_', "-")),
                        ),
                    ),
                    ("from", hhmm(t.from)),
                    ("to", hhmm(t.to)),
                ],
            )
        })
        .collect();
    let key = if taken.is_empty() {
        "clash-none"
    } else {
        "clash-line"
    };
    tr_args(
        locale,
        key,
        &[
            (
                "step",
                crate::i18n::tr(locale, &format!("slot-step-{}", clash.step.code())),
            ),
            (
                "need",
                crate::i18n::tr(locale, &format!("need-{}", clash.need.code())),
            ),
            ("from", hhmm(clash.from)),
            ("to", hhmm(clash.to)),
            ("taken", taken.join("; ")),
        ],
    )
}

pub fn clash_out(locale: Locale, clash: &BookingClash) -> ClashOut {
    ClashOut {
        step: clash.step.code().into(),
        need: clash.need.code().into(),
        from: clash.from,
        to: clash.to,
        message: clash_message(locale, clash),
        taken: clash
            .taken
            .iter()
            .map(|t| TakenOut {
                resource_id: t.resource_id.as_uuid(),
                resource: t.resource_name.clone(),
                kind: t.kind.code().into(),
                from: t.from,
                to: t.to,
                reason: reason_code(t.reason).into(),
            })
            .collect(),
    }
}
