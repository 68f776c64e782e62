//! Preparation: the dated checklist a patient follows before a treatment
//! session, and how ready a session is, so the coordinator can act before the
//! day rather than discover a missed fast or a missing MRI at check-in.
//!
//! Every due is counted back from the session's start with the protocol's
//! numbers. Times are UTC: the domain knows no time zone, so showing "the day
//! before" in the clinic's local time is the caller's business.

use crate::code_enum;
use crate::intake::{IntakeItem, MedicationClass};
use crate::plan::Plan;
use crate::protocol::Protocol;
use chrono::{DateTime, Duration, NaiveDate, Utc};

code_enum!(
    /// One task of the preparation checklist. The order here breaks ties
    /// between tasks due at the same moment, so it reads as the patient would
    /// do them.
    TaskCode {
        /// The physician has reviewed the medical history; done when the plan is approved.
        HistoryReview = "history_review",
        /// Imaging of the target area is on file and not older than the protocol allows.
        ImagingOnFile = "imaging_on_file",
        /// Stop the NSAIDs the patient takes (named in the task).
        StopNsaids = "stop_nsaids",
        /// Drink well the day before and the day of: it helps the cell harvest.
        Hydrate = "hydrate",
        /// Alcohol and smoking harm cell viability and healing.
        NoAlcoholSmoking = "no_alcohol_smoking",
        /// Sedation only: no solid food.
        FastSolids = "fast_solids",
        /// Sedation only: no clear liquids.
        FastClearLiquids = "fast_clear_liquids",
        /// Sedation only: someone drives the patient home; arranged before the day.
        ArrangeRide = "arrange_ride",
        /// Loose, comfortable clothing on the day.
        LooseClothing = "loose_clothing",
    }
);

/// Who completes a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Completion {
    /// Cellpath derives it from the chart (plan approval, imaging reports);
    /// nobody ticks it, so it cannot be ticked by mistake.
    Auto,
    /// The patient ticks it in the portal, or staff tick it for them.
    PatientTicks,
}

impl TaskCode {
    /// Who completes this task.
    pub fn completion(self) -> Completion {
        match self {
            TaskCode::HistoryReview | TaskCode::ImagingOnFile => Completion::Auto,
            _ => Completion::PatientTicks,
        }
    }
}

/// One dated task of a session's checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub code: TaskCode,
    /// The moment by which the task must be done (or begun, for a pause or a fast).
    pub due: DateTime<Utc>,
    pub completion: Completion,
    /// What the task is about, as recorded in the chart: the NSAIDs to stop.
    pub names: Vec<String>,
    /// For stopping NSAIDs: the last day they may still be taken, which is
    /// what a patient can act on more easily than a time.
    pub last_day: Option<NaiveDate>,
}

/// `starts_at` minus `lead`; dates so far back that chrono cannot hold them
/// are not clinical, so they clamp rather than fail.
fn before(starts_at: DateTime<Utc>, lead: Duration) -> DateTime<Utc> {
    starts_at
        .checked_sub_signed(lead)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn days(n: u32) -> Duration {
    Duration::days(i64::from(n))
}

fn hours(n: u32) -> Duration {
    Duration::hours(i64::from(n))
}

/// The NSAIDs the patient still takes inside the pause window, as recorded.
///
/// A medication counts when it has no stop date, or when its stop date falls
/// on or after the first day of the pause (`starts_at`'s date minus the pause
/// days): stopping then is too late, so the patient still needs the task and
/// its last day. A stop date in the future (a planned stop) is judged the same
/// way. Stopped earlier, it is history and is not named.
fn current_nsaids(
    protocol: &Protocol,
    starts_at: DateTime<Utc>,
    intake: &[IntakeItem],
) -> Vec<String> {
    let session_day = starts_at.date_naive();
    let pause_begins = session_day
        .checked_sub_signed(days(protocol.nsaid_pause_days))
        .unwrap_or(NaiveDate::MIN);
    intake
        .iter()
        .filter_map(|item| match item {
            IntakeItem::Medication {
                name,
                class: MedicationClass::Nsaid,
                stopped,
                ..
            } if stopped.is_none_or(|s| s >= pause_begins) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// Builds the checklist of a session starting at `starts_at`, in due order
/// (tasks due at the same moment keep the order of [`TaskCode`]).
///
/// The two automatic tasks are due when preparation begins: at the longest
/// lead time the protocol asks of any patient task (normally the NSAID pause,
/// whether or not this patient takes NSAIDs), because the history review is
/// what decides which pauses apply. A fasting setting of 0 hours asks for no
/// fast, so that task is left out.
pub fn checklist(
    plan: &Plan,
    protocol: &Protocol,
    starts_at: DateTime<Utc>,
    intake: &[IntakeItem],
) -> Vec<Task> {
    let sedation = plan.with_sedation();
    let task = |code: TaskCode, due: DateTime<Utc>| Task {
        code,
        due,
        completion: code.completion(),
        names: Vec::new(),
        last_day: None,
    };
    let longest_lead = [
        days(protocol.nsaid_pause_days),
        hours(protocol.no_alcohol_smoking_hours),
        days(1),
        hours(protocol.fasting_solids_hours),
        hours(protocol.fasting_clear_liquids_hours),
    ]
    .into_iter()
    .max()
    .unwrap_or_else(|| days(1));
    let preparation_begins = before(starts_at, longest_lead);

    let mut tasks = vec![
        task(TaskCode::HistoryReview, preparation_begins),
        task(TaskCode::ImagingOnFile, preparation_begins),
    ];
    let nsaids = current_nsaids(protocol, starts_at, intake);
    if !nsaids.is_empty() {
        let pause = days(protocol.nsaid_pause_days);
        tasks.push(Task {
            names: nsaids,
            last_day: Some(before(starts_at, pause + days(1)).date_naive()),
            ..task(TaskCode::StopNsaids, before(starts_at, pause))
        });
    }
    tasks.push(task(TaskCode::Hydrate, before(starts_at, days(1))));
    tasks.push(task(
        TaskCode::NoAlcoholSmoking,
        before(starts_at, hours(protocol.no_alcohol_smoking_hours)),
    ));
    if sedation {
        for (code, fast_hours) in [
            (TaskCode::FastSolids, protocol.fasting_solids_hours),
            (
                TaskCode::FastClearLiquids,
                protocol.fasting_clear_liquids_hours,
            ),
        ] {
            if fast_hours > 0 {
                tasks.push(task(code, before(starts_at, hours(fast_hours))));
            }
        }
        tasks.push(task(TaskCode::ArrangeRide, before(starts_at, days(1))));
    }
    tasks.push(task(TaskCode::LooseClothing, starts_at));
    // Stable: equal dues keep the push order, which follows `TaskCode`.
    tasks.sort_by_key(|t| t.due);
    tasks
}

/// What is known about the state of a session's tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskState {
    pub code: TaskCode,
    pub done: bool,
}

/// How ready a session is, worst first in what it asks of the coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Readiness {
    Ready,
    /// Nothing is wrong yet, but a patient task falls due soon and is not ticked.
    AtRisk,
    /// The session cannot go ahead as things stand.
    NotReady,
}

impl Readiness {
    pub fn code(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::AtRisk => "at_risk",
            Readiness::NotReady => "not_ready",
        }
    }
}

code_enum!(
    /// Why a session is not ready or at risk.
    ReadinessReason {
        PlanNotApproved = "plan_not_approved",
        ImagingMissing = "imaging_missing",
        TaskOverdue = "task_overdue",
        TaskDueSoon = "task_due_soon",
        ConsentMissing = "consent_missing",
        ConsentOutdated = "consent_outdated",
        ConsentWithdrawn = "consent_withdrawn",
    }
);

/// A session's readiness with every reason behind it, each with the task it
/// concerns when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessReport {
    pub readiness: Readiness,
    pub reasons: Vec<(ReadinessReason, Option<TaskCode>)>,
}

impl ReadinessReport {
    /// Adds a reason found outside the checklist (the consent) that keeps
    /// the session from going ahead.
    pub fn block(&mut self, reason: ReadinessReason) {
        self.readiness = Readiness::NotReady;
        self.reasons.insert(0, (reason, None));
    }
}

/// How far ahead an unticked patient task puts a session at risk: two days
/// leave the coordinator time to call the patient.
pub const DUE_SOON_HOURS: u32 = 48;

/// Judges a session's readiness at `now` from its checklist and what is known
/// of its tasks.
///
/// Not ready: the plan is not approved, or an automatic task is not done
/// (imaging not on file: `ImagingMissing`; history not reviewed:
/// `PlanNotApproved`), or a patient task is past its due and not done
/// (`TaskOverdue`). At risk: otherwise, a patient task not done falls due
/// within the next [`DUE_SOON_HOURS`] (`TaskDueSoon`; a task due exactly now
/// is still due soon, not overdue). Ready: none of these.
///
/// A task with no state is not done: silence must not read as ready. Every
/// reason is listed, the due-soon ones too when the session is already not
/// ready, so the coordinator sees all that is left in one place: the plan's
/// reason first, then the tasks' in checklist order. An unapproved plan and
/// an unreviewed history are one fact, so they give one reason.
pub fn readiness(
    tasks: &[Task],
    states: &[TaskState],
    plan_approved: bool,
    now: DateTime<Utc>,
) -> ReadinessReport {
    let done = |code: TaskCode| states.iter().any(|s| s.code == code && s.done);
    let soon = now
        .checked_add_signed(hours(DUE_SOON_HOURS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut reasons = Vec::new();
    if !plan_approved {
        reasons.push((ReadinessReason::PlanNotApproved, None));
    }
    for task in tasks.iter().filter(|t| !done(t.code)) {
        let reason = match (task.completion, task.code) {
            (Completion::Auto, TaskCode::ImagingOnFile) => Some(ReadinessReason::ImagingMissing),
            (Completion::Auto, _) if plan_approved => Some(ReadinessReason::PlanNotApproved),
            (Completion::Auto, _) => None,
            (Completion::PatientTicks, _) if task.due < now => Some(ReadinessReason::TaskOverdue),
            (Completion::PatientTicks, _) if task.due <= soon => Some(ReadinessReason::TaskDueSoon),
            (Completion::PatientTicks, _) => None,
        };
        if let Some(reason) = reason {
            reasons.push((reason, Some(task.code)));
        }
    }
    let readiness = if reasons
        .iter()
        .any(|(reason, _)| *reason != ReadinessReason::TaskDueSoon)
    {
        Readiness::NotReady
    } else if reasons.is_empty() {
        Readiness::Ready
    } else {
        Readiness::AtRisk
    };
    ReadinessReport { readiness, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanDraft;
    use TaskCode::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("an RFC 3339 time")
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    fn start() -> DateTime<Utc> {
        at("2026-12-10T08:00:00Z")
    }

    fn knee(anaesthesia: &str) -> Plan {
        PlanDraft {
            indication: "osteoarthritis".into(),
            target_site: "knee".into(),
            side: "right".into(),
            spinal_level: String::new(),
            cell_source: "bone_marrow".into(),
            guidance: "ultrasound".into(),
            anaesthesia: anaesthesia.into(),
            planned_sessions: "1".into(),
            study_id: String::new(),
        }
        .validate(&Protocol::default())
        .expect("a valid knee plan")
    }

    fn med(name: &str, class: MedicationClass, stopped: Option<&str>) -> IntakeItem {
        IntakeItem::Medication {
            name: name.into(),
            class,
            dose: None,
            started: None,
            stopped: stopped.map(day),
        }
    }

    fn ibuprofen() -> IntakeItem {
        med("Ibuprofen", MedicationClass::Nsaid, None)
    }

    #[test]
    fn checklist_dues_and_order() {
        type Case = (
            &'static str,
            &'static str,
            Protocol,
            Vec<IntakeItem>,
            Vec<(TaskCode, &'static str)>,
        );
        let cases: Vec<Case> = vec![
            (
                "local anaesthesia: no fasting, no ride",
                "local",
                Protocol::default(),
                vec![],
                vec![
                    (HistoryReview, "2026-12-03T08:00:00Z"),
                    (ImagingOnFile, "2026-12-03T08:00:00Z"),
                    (NoAlcoholSmoking, "2026-12-08T08:00:00Z"),
                    (Hydrate, "2026-12-09T08:00:00Z"),
                    (LooseClothing, "2026-12-10T08:00:00Z"),
                ],
            ),
            (
                "sedation: fasting and a ride",
                "sedation",
                Protocol::default(),
                vec![],
                vec![
                    (HistoryReview, "2026-12-03T08:00:00Z"),
                    (ImagingOnFile, "2026-12-03T08:00:00Z"),
                    (NoAlcoholSmoking, "2026-12-08T08:00:00Z"),
                    (Hydrate, "2026-12-09T08:00:00Z"),
                    (ArrangeRide, "2026-12-09T08:00:00Z"),
                    (FastSolids, "2026-12-10T02:00:00Z"),
                    (FastClearLiquids, "2026-12-10T06:00:00Z"),
                    (LooseClothing, "2026-12-10T08:00:00Z"),
                ],
            ),
            (
                "NSAIDs: stop when preparation begins, after the reviews on a tie",
                "local",
                Protocol::default(),
                vec![ibuprofen()],
                vec![
                    (HistoryReview, "2026-12-03T08:00:00Z"),
                    (ImagingOnFile, "2026-12-03T08:00:00Z"),
                    (StopNsaids, "2026-12-03T08:00:00Z"),
                    (NoAlcoholSmoking, "2026-12-08T08:00:00Z"),
                    (Hydrate, "2026-12-09T08:00:00Z"),
                    (LooseClothing, "2026-12-10T08:00:00Z"),
                ],
            ),
            (
                "fasting 0 hours: no fasting tasks, still a ride",
                "sedation",
                Protocol {
                    fasting_solids_hours: 0,
                    fasting_clear_liquids_hours: 0,
                    ..Protocol::default()
                },
                vec![],
                vec![
                    (HistoryReview, "2026-12-03T08:00:00Z"),
                    (ImagingOnFile, "2026-12-03T08:00:00Z"),
                    (NoAlcoholSmoking, "2026-12-08T08:00:00Z"),
                    (Hydrate, "2026-12-09T08:00:00Z"),
                    (ArrangeRide, "2026-12-09T08:00:00Z"),
                    (LooseClothing, "2026-12-10T08:00:00Z"),
                ],
            ),
            (
                "clear liquids 0 hours: solids only",
                "sedation",
                Protocol {
                    fasting_clear_liquids_hours: 0,
                    ..Protocol::default()
                },
                vec![],
                vec![
                    (HistoryReview, "2026-12-03T08:00:00Z"),
                    (ImagingOnFile, "2026-12-03T08:00:00Z"),
                    (NoAlcoholSmoking, "2026-12-08T08:00:00Z"),
                    (Hydrate, "2026-12-09T08:00:00Z"),
                    (ArrangeRide, "2026-12-09T08:00:00Z"),
                    (FastSolids, "2026-12-10T02:00:00Z"),
                    (LooseClothing, "2026-12-10T08:00:00Z"),
                ],
            ),
            (
                "ordered by due, not by code: long abstinence, short pause",
                "local",
                Protocol {
                    nsaid_pause_days: 1,
                    no_alcohol_smoking_hours: 336,
                    ..Protocol::default()
                },
                vec![ibuprofen()],
                vec![
                    (HistoryReview, "2026-11-26T08:00:00Z"),
                    (ImagingOnFile, "2026-11-26T08:00:00Z"),
                    (NoAlcoholSmoking, "2026-11-26T08:00:00Z"),
                    (StopNsaids, "2026-12-09T08:00:00Z"),
                    (Hydrate, "2026-12-09T08:00:00Z"),
                    (LooseClothing, "2026-12-10T08:00:00Z"),
                ],
            ),
        ];
        for (label, anaesthesia, protocol, intake, expected) in cases {
            let tasks = checklist(&knee(anaesthesia), &protocol, start(), &intake);
            let got: Vec<(TaskCode, DateTime<Utc>)> =
                tasks.iter().map(|t| (t.code, t.due)).collect();
            let expected: Vec<(TaskCode, DateTime<Utc>)> =
                expected.into_iter().map(|(c, due)| (c, at(due))).collect();
            assert_eq!(got, expected, "{label}");
            for task in &tasks {
                assert_eq!(task.completion, task.code.completion(), "{label}");
                if task.code != StopNsaids {
                    assert!(task.names.is_empty() && task.last_day.is_none(), "{label}");
                }
            }
        }
    }

    #[test]
    fn only_the_automatic_tasks_are_derived() {
        let auto: Vec<TaskCode> = TaskCode::ALL
            .iter()
            .copied()
            .filter(|c| c.completion() == Completion::Auto)
            .collect();
        assert_eq!(auto, [HistoryReview, ImagingOnFile]);
    }

    #[test]
    fn the_nsaid_task_names_what_the_patient_takes_now() {
        use MedicationClass::{Anticoagulant, Nsaid};
        type Case = (
            &'static str,
            Vec<IntakeItem>,
            Option<(&'static [&'static str], &'static str)>,
        );
        let cases: Vec<Case> = vec![
            (
                "current NSAIDs only: not a stopped one, not an anticoagulant",
                vec![
                    ibuprofen(),
                    med("Naproxen", Nsaid, Some("2026-01-01")),
                    med("Warfarin", Anticoagulant, None),
                    med("Diclofenac", Nsaid, None),
                ],
                Some((&["Ibuprofen", "Diclofenac"], "2026-12-02")),
            ),
            ("no medications", vec![], None),
            (
                "an anticoagulant is not an NSAID",
                vec![med("Warfarin", Anticoagulant, None)],
                None,
            ),
            (
                "stopped the day before the pause begins",
                vec![med("Naproxen", Nsaid, Some("2026-12-02"))],
                None,
            ),
            (
                "stopped on the first day of the pause: still taking it inside it",
                vec![med("Naproxen", Nsaid, Some("2026-12-03"))],
                Some((&["Naproxen"], "2026-12-02")),
            ),
            (
                "a planned stop after the session",
                vec![med("Naproxen", Nsaid, Some("2026-12-20"))],
                Some((&["Naproxen"], "2026-12-02")),
            ),
        ];
        for (label, intake, expected) in cases {
            let tasks = checklist(&knee("local"), &Protocol::default(), start(), &intake);
            let got = tasks
                .iter()
                .find(|t| t.code == StopNsaids)
                .map(|t| (t.names.clone(), t.last_day));
            let expected = expected.map(|(names, last)| {
                (
                    names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
                    Some(day(last)),
                )
            });
            assert_eq!(got, expected, "{label}");
        }
    }

    #[test]
    fn readiness_rules() {
        use ReadinessReason::*;
        type Case = (
            &'static str,
            bool,
            &'static [TaskCode],
            &'static str,
            Readiness,
            Vec<(ReadinessReason, Option<TaskCode>)>,
        );
        // Sedation with NSAIDs: every task, dues as in `checklist_dues_and_order`.
        let tasks = checklist(
            &knee("sedation"),
            &Protocol::default(),
            start(),
            &[ibuprofen()],
        );
        let cases: Vec<Case> = vec![
            (
                "all done",
                true,
                &[],
                "2026-12-09T09:00:00Z",
                Readiness::Ready,
                vec![],
            ),
            (
                "plan not approved",
                false,
                &[],
                "2026-12-01T08:00:00Z",
                Readiness::NotReady,
                vec![(PlanNotApproved, None)],
            ),
            (
                "plan approved but the review not recorded",
                true,
                &[HistoryReview],
                "2026-12-01T08:00:00Z",
                Readiness::NotReady,
                vec![(PlanNotApproved, Some(HistoryReview))],
            ),
            (
                "imaging missing",
                true,
                &[ImagingOnFile],
                "2026-12-01T08:00:00Z",
                Readiness::NotReady,
                vec![(ImagingMissing, Some(ImagingOnFile))],
            ),
            (
                "overdue untick",
                true,
                &[Hydrate],
                "2026-12-09T10:00:00Z",
                Readiness::NotReady,
                vec![(TaskOverdue, Some(Hydrate))],
            ),
            (
                "due within 48 hours",
                true,
                &[LooseClothing],
                "2026-12-08T09:00:00Z",
                Readiness::AtRisk,
                vec![(TaskDueSoon, Some(LooseClothing))],
            ),
            (
                "due in exactly 48 hours",
                true,
                &[LooseClothing],
                "2026-12-08T08:00:00Z",
                Readiness::AtRisk,
                vec![(TaskDueSoon, Some(LooseClothing))],
            ),
            (
                "due in 49 hours",
                true,
                &[LooseClothing],
                "2026-12-08T07:00:00Z",
                Readiness::Ready,
                vec![],
            ),
            (
                "due right now is soon, not overdue",
                true,
                &[StopNsaids],
                "2026-12-03T08:00:00Z",
                Readiness::AtRisk,
                vec![(TaskDueSoon, Some(StopNsaids))],
            ),
            (
                "several reasons together, the plan's first",
                false,
                &[HistoryReview, ImagingOnFile, StopNsaids, FastSolids],
                "2026-12-09T09:00:00Z",
                Readiness::NotReady,
                vec![
                    (PlanNotApproved, None),
                    (ImagingMissing, Some(ImagingOnFile)),
                    (TaskOverdue, Some(StopNsaids)),
                    (TaskDueSoon, Some(FastSolids)),
                ],
            ),
        ];
        for (label, plan_approved, not_done, now, readiness_expected, reasons) in cases {
            let states: Vec<TaskState> = tasks
                .iter()
                .map(|t| TaskState {
                    code: t.code,
                    done: !not_done.contains(&t.code),
                })
                .collect();
            let report = readiness(&tasks, &states, plan_approved, at(now));
            assert_eq!(
                report,
                ReadinessReport {
                    readiness: readiness_expected,
                    reasons,
                },
                "{label}"
            );
        }
    }

    #[test]
    fn a_task_with_no_state_is_not_done() {
        let tasks = checklist(&knee("local"), &Protocol::default(), start(), &[]);
        let report = readiness(&tasks, &[], true, at("2026-12-09T09:00:00Z"));
        assert_eq!(report.readiness, Readiness::NotReady);
        assert_eq!(
            report.reasons,
            [
                (ReadinessReason::PlanNotApproved, Some(HistoryReview)),
                (ReadinessReason::ImagingMissing, Some(ImagingOnFile)),
                (ReadinessReason::TaskOverdue, Some(NoAlcoholSmoking)),
                (ReadinessReason::TaskOverdue, Some(Hydrate)),
                (ReadinessReason::TaskDueSoon, Some(LooseClothing)),
            ]
        );
    }

    #[test]
    fn codes_are_stable() {
        let codes: Vec<&str> = [Readiness::Ready, Readiness::AtRisk, Readiness::NotReady]
            .into_iter()
            .map(Readiness::code)
            .collect();
        assert_eq!(codes, ["ready", "at_risk", "not_ready"]);
        for code in TaskCode::ALL {
            assert_eq!(TaskCode::parse("task", code.code()), Ok(*code));
        }
        for reason in ReadinessReason::ALL {
            assert_eq!(ReadinessReason::parse("reason", reason.code()), Ok(*reason));
        }
    }
}
