//! The symptom diary and the triage queue through the use cases, on both
//! engines: a red flag opens one alert per rule, the queue shows it, it is
//! taken and closed with a note; who may write where and when; and a few
//! thousand generated entries whose alerts all survive a restart.

use cellpath_app::{Actor, App, AppConfig, AppError, Current};
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::symptoms::{
    DiaryDraft, DiaryEntry, RedFlag, Severity, TriageContext, red_flags,
};
use cellpath_domain::{IssueCode, Role, SessionId};
use cellpath_test_support::{Backend, Clinic, both_backends, knee_plan, store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

type SharedClock = Arc<Mutex<DateTime<Utc>>>;

/// The day of every session of these tests, 09:00.
fn session_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("a time")
}

fn clock_app(store: cellpath_store::Store, clock: &SharedClock) -> App {
    let reading = clock.clone();
    App::new(store, AppConfig::default())
        .with_clock(Arc::new(move || *reading.lock().expect("clock")))
}

/// A clinic whose clock the test sets.
async fn clinic_with_clock(backend: &Backend) -> (Clinic, SharedClock) {
    let clock = Arc::new(Mutex::new(session_start() - Duration::days(7)));
    let (store, db) = store(backend).await;
    (Clinic::on(clock_app(store, &clock), db).await, clock)
}

fn set(clock: &SharedClock, at: DateTime<Utc>) {
    *clock.lock().expect("clock") = at;
}

fn spinal_plan() -> PlanDraft {
    PlanDraft {
        indication: "degenerative_disc".into(),
        target_site: "spinal_disc".into(),
        side: "midline".into(),
        spinal_level: "L4-L5".into(),
        cell_source: "bone_marrow".into(),
        guidance: "fluoroscopy".into(),
        anaesthesia: "local".into(),
        planned_sessions: "1".into(),
        ..PlanDraft::default()
    }
}

/// A patient with an approved plan and a session on `starts_at`, written
/// straight to the store (the diary does not care how it was booked).
async fn past_session(
    clinic: &Clinic,
    given: &str,
    plan: &PlanDraft,
    starts_at: DateTime<Utc>,
) -> (Patient, SessionId) {
    let (patient, plan) = clinic.approved_plan(given, "Diary", plan).await;
    let session = clinic.past_session(&patient, plan, starts_at).await;
    (patient, session)
}

fn codes<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<(String, IssueCode)> {
    match result {
        Err(AppError::Invalid(issues)) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn quiet(day: u8) -> DiaryDraft {
    DiaryDraft {
        day: day.to_string(),
        pain: vec![("knee-right".into(), "3".into())],
        swelling: "mild".into(),
        temperature: "36.9".into(),
        ..DiaryDraft::default()
    }
}

both_backends! {
    async fn a_red_flag_opens_one_alert_per_rule_taken_then_closed_with_a_note(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let (patient, session) = past_session(&clinic, "Layla", &knee_plan(), session_start()).await;
        let me = clinic.portal_account(patient.id, "layla.diary").await.actor;
        let nurse = clinic.actor(Role::Nurse);
        let physician = clinic.actor(Role::Physician);
        set(&clock, session_start() + Duration::days(1) + Duration::hours(2));

        let calm = clinic.app.record_diary_entry(&me, session, &quiet(1)).await.expect("day 1");
        assert!(calm.flags.is_empty() && !calm.call_clinic_now);
        assert!(clinic.app.triage_queue(nurse, clinic.site).await.expect("queue").is_empty());

        let red = DiaryDraft {
            temperature: "39.6".into(),
            chills: true,
            bleeding_not_stopping: true,
            // Numbness counts only after a spinal injection: not this knee.
            new_numbness_or_weakness: true,
            ..quiet(1)
        };
        let outcome = clinic.app.record_diary_entry(&me, session, &red).await.expect("red flags");
        assert!(outcome.call_clinic_now);
        let raised: Vec<&str> = outcome.flags.iter().map(|f| f.code).collect();
        assert_eq!(raised, ["bleeding-not-stopping", "fever-urgent", "chills"]);

        set(&clock, session_start() + Duration::days(1) + Duration::hours(2) + Duration::minutes(25));
        let queue = clinic.app.triage_queue(nurse, clinic.site).await.expect("queue");
        let listed: Vec<(&str, Severity, Option<&str>, i64)> = queue
            .iter()
            .map(|i| (i.alert.rule.as_str(), i.severity, i.owner_name.as_deref(), i.minutes_open))
            .collect();
        assert_eq!(listed, [
            ("bleeding-not-stopping", Severity::Urgent, None, 25),
            ("fever-urgent", Severity::Urgent, None, 25),
            ("chills", Severity::High, None, 25),
        ]);
        assert!(queue.iter().all(|i| i.alert.entry_id == outcome.entry.id));
        assert_eq!(queue[0].patient_name, patient.full_name());
        assert_eq!(queue[0].record_number, patient.record_number.as_str());
        // The other site's nurse does not see it, nor may a patient triage.
        assert!(matches!(clinic.app.triage_queue(&clinic.other_site_nurse, clinic.site).await, Err(AppError::NotFound)));
        assert!(clinic.app.triage_queue(&clinic.other_site_nurse, clinic.other_site).await.expect("their queue").is_empty());
        assert!(matches!(clinic.app.triage_queue(&me, clinic.site).await, Err(AppError::Forbidden(_))));

        let bleeding = queue[0].alert.clone();
        let taken = clinic.app.take_alert(nurse, bleeding.id, bleeding.version).await.expect("take");
        assert_eq!(taken.version, bleeding.version + 1);
        let queue = clinic.app.triage_queue(nurse, clinic.site).await.expect("queue");
        assert_eq!(queue[0].owner_name.as_deref(), Some(nurse.display_name.as_str()));

        // A stale version is a conflict that shows the alert as it is now.
        match clinic.app.take_alert(physician, bleeding.id, bleeding.version).await {
            Err(AppError::Conflict(Current::Alert(current))) => {
                assert_eq!(current.version, taken.version);
                assert_eq!(current.owner_id, Some(nurse.user_id.as_uuid()));
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert!(matches!(
            clinic.app.close_alert(nurse, bleeding.id, bleeding.version, "Called back.").await,
            Err(AppError::Conflict(_))
        ));
        // Closing needs a note.
        assert_eq!(
            codes(clinic.app.close_alert(nurse, bleeding.id, taken.version, "   ").await),
            [("closing_note".to_string(), IssueCode::Required)]
        );
        let closed = clinic
            .app
            .close_alert(nurse, bleeding.id, taken.version, "Called back: pressure held, stopped; seen tomorrow.")
            .await
            .expect("close");
        assert!(closed.closed_at.is_some());
        assert_eq!(closed.closed_by, Some(nurse.user_id.as_uuid()));
        assert!(matches!(
            clinic.app.take_alert(nurse, bleeding.id, closed.version).await,
            Err(AppError::Invalid(_))
        ));
        let queue = clinic.app.triage_queue(nurse, clinic.site).await.expect("queue");
        let left: Vec<&str> = queue.iter().map(|i| i.alert.rule.as_str()).collect();
        assert_eq!(left, ["fever-urgent", "chills"]);
        // Closing one nobody took makes the closer its owner.
        let chills = queue[1].alert.clone();
        let closed = clinic.app.close_alert(physician, chills.id, chills.version, "Reassured.").await.expect("close");
        assert_eq!(closed.owner_id, Some(physician.user_id.as_uuid()));

        // The diary shows both entries with their flags and the day's expectation.
        let diary = clinic.app.diary(nurse, session).await.expect("diary");
        assert_eq!(diary.lines.len(), 2);
        assert!(diary.lines[0].flags.is_empty());
        assert_eq!(diary.lines[1].flags, outcome.flags);
        assert_eq!(diary.lines[1].alerts.len(), 3);
        assert_eq!(diary.lines[1].expected, "diary-expect-day-1-2");
        assert_eq!(diary.lines[1].stored.entry, outcome.entry.entry);
        assert_eq!(clinic.app.diary(&me, session).await.expect("own diary").lines.len(), 2);

        // Every write and read left an audit entry.
        let mut tx = clinic.app.store().begin().await.expect("begin");
        let page = tx.audit_page(None, 500, 0).await.expect("audit");
        let entities: Vec<&str> = page.entries.iter().map(|e| e.entity.as_str()).collect();
        for entity in ["diary_entry", "triage_alert", "triage_queue", "diary"] {
            assert!(entities.contains(&entity), "{entity} audited");
        }
        assert_eq!(page.entries.iter().filter(|e| e.entity == "triage_alert" && e.action == "create").count(), 3);
    }

    async fn a_patient_writes_only_their_own_diary_and_only_in_its_two_weeks(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let (own, own_session) = past_session(&clinic, "Own", &knee_plan(), session_start()).await;
        let (_, other_session) = past_session(&clinic, "Other", &knee_plan(), session_start()).await;
        let me = clinic.portal_account(own.id, "own.diary").await.actor;
        set(&clock, session_start() + Duration::days(3));

        assert!(matches!(clinic.app.record_diary_entry(&me, other_session, &quiet(1)).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.diary(&me, other_session).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.record_diary_entry(&clinic.other_site_nurse, own_session, &quiet(1)).await, Err(AppError::NotFound)));
        let coordinator: &Actor = clinic.actor(Role::Coordinator);
        assert!(matches!(clinic.app.record_diary_entry(coordinator, own_session, &quiet(1)).await, Err(AppError::Forbidden(_))));
        // Staff of the site may write for the patient (a phone call).
        clinic.app.record_diary_entry(clinic.actor(Role::Nurse), own_session, &quiet(1)).await.expect("nurse writes");

        // Days outside 1..=14, or a day that has not come, are refused.
        for day in ["0", "15"] {
            let draft = DiaryDraft { day: day.into(), ..quiet(1) };
            assert_eq!(codes(clinic.app.record_diary_entry(&me, own_session, &draft).await), [("day".to_string(), IssueCode::OutOfRange)]);
        }
        assert_eq!(codes(clinic.app.record_diary_entry(&me, own_session, &quiet(4)).await), [("day".to_string(), IssueCode::OutOfRange)]);
        clinic.app.record_diary_entry(&me, own_session, &quiet(3)).await.expect("today");
        clinic.app.record_diary_entry(&me, own_session, &quiet(3)).await.expect("twice a day");

        // Not on the session's own day, nor after the two weeks.
        for at in [session_start() + Duration::hours(5), session_start() + Duration::days(15)] {
            set(&clock, at);
            assert_eq!(codes(clinic.app.record_diary_entry(&me, own_session, &quiet(1)).await), [("day".to_string(), IssueCode::OutOfRange)]);
        }
        set(&clock, session_start() + Duration::days(14));
        clinic.app.record_diary_entry(&me, own_session, &quiet(14)).await.expect("last day");
        assert_eq!(clinic.app.diary(&me, own_session).await.expect("diary").lines.len(), 4);
    }

    async fn new_numbness_after_a_spinal_injection_is_urgent(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let (_, session) = past_session(&clinic, "Spine", &spinal_plan(), session_start()).await;
        set(&clock, session_start() + Duration::days(2));
        let draft = DiaryDraft { new_numbness_or_weakness: true, ..quiet(2) };
        let outcome = clinic.app.record_diary_entry(clinic.actor(Role::Nurse), session, &draft).await.expect("entry");
        assert_eq!(outcome.flags, [RedFlag { code: "new-numbness-or-weakness", severity: Severity::Urgent }]);
    }

    async fn generated_diaries_open_every_alert_once_and_lose_none_on_restart(backend: Backend) {
        const SESSIONS: usize = 40;
        const PER_DAY: usize = 3;
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let nurse = clinic.actor(Role::Nurse).clone();
        let mut sessions = Vec::new();
        for n in 0..SESSIONS {
            let spinal = n % 5 == 0;
            let plan = if spinal { spinal_plan() } else { knee_plan() };
            let starts = session_start() + Duration::minutes(i64::try_from(n).expect("small") * 7);
            let (_, session) = past_session(&clinic, &format!("Gen{n}"), &plan, starts).await;
            sessions.push((session, TriageContext { spinal_injection: spinal }, Vec::<DiaryEntry>::new()));
        }
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        // (entry id, rule) of every flag the domain raises, computed here.
        let mut expected: BTreeMap<(uuid::Uuid, &'static str), Severity> = BTreeMap::new();
        let mut n_entries = 0;
        for day in 1..=14u8 {
            set(&clock, session_start() + Duration::days(i64::from(day)) + Duration::hours(8));
            for (session, context, earlier) in &mut sessions {
                for _ in 0..PER_DAY {
                    *clock.lock().expect("clock") += Duration::seconds(1);
                    let draft = random_draft(&mut rng, day);
                    let entry = draft.validate().expect("generated drafts are valid");
                    let flags = red_flags(&entry, earlier, context);
                    let outcome = clinic.app.record_diary_entry(&nurse, *session, &draft).await.expect("entry");
                    assert_eq!(outcome.flags, flags);
                    assert_eq!(outcome.entry.entry, entry);
                    for flag in &flags {
                        expected.insert((outcome.entry.id, flag.code), flag.severity);
                    }
                    earlier.push(entry);
                    n_entries += 1;
                }
            }
        }
        assert_eq!(n_entries, SESSIONS * 14 * PER_DAY);
        assert!(expected.len() > 100, "the generator raises flags ({})", expected.len());
        assert!(expected.len() < n_entries * 3, "and not on everything ({})", expected.len());

        let queue = clinic.app.triage_queue(&nurse, clinic.site).await.expect("queue");
        let mut found: BTreeMap<(uuid::Uuid, String), Severity> = BTreeMap::new();
        for item in &queue {
            let again = found.insert((item.alert.entry_id, item.alert.rule.clone()), item.severity);
            assert!(again.is_none(), "one alert per entry and rule");
        }
        let expected_keys: BTreeMap<(uuid::Uuid, String), Severity> =
            expected.iter().map(|((id, code), s)| ((*id, code.to_string()), *s)).collect();
        assert_eq!(found, expected_keys);
        for pair in queue.windows(2) {
            assert!(
                pair[0].severity > pair[1].severity
                    || (pair[0].severity == pair[1].severity && pair[0].alert.opened_at <= pair[1].alert.opened_at),
                "urgent first, then the longest open"
            );
        }

        // Restart: drop the app and its pool, connect anew to the same database.
        let Clinic { app, db, .. } = clinic;
        app.store().close().await;
        drop(app);
        let store = cellpath_store::Store::connect(&db.url).await.expect("reconnect");
        store.migrate().await.expect("migrate is a no-op");
        let app = clock_app(store, &clock);
        let after = app.triage_queue(&nurse, nurse.sites[0]).await.expect("queue after restart");
        assert_eq!(after, queue);
    }
}

/// A small deterministic generator (xorshift64*), so failures replay.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True about once in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

const LEVELS: [&str; 5] = ["", "none", "mild", "moderate", "severe"];
const SITES: [&str; 3] = ["knee-right", "knee-left", "iliac-crest"];

/// A diary entry for `day`: mostly settling symptoms, now and then a red flag.
fn random_draft(rng: &mut XorShift, day: u8) -> DiaryDraft {
    let level =
        |rng: &mut XorShift| LEVELS[usize::try_from(rng.below(5)).expect("small")].to_string();
    let mut pain = Vec::new();
    for site in SITES {
        if !rng.one_in(3) {
            let score = if rng.one_in(12) {
                7 + rng.below(4)
            } else {
                rng.below(7)
            };
            pain.push((site.to_string(), score.to_string()));
        }
    }
    let temperature = if rng.one_in(4) {
        String::new()
    } else {
        let tenths = if rng.one_in(15) {
            380 + rng.below(30)
        } else {
            360 + rng.below(20)
        };
        format!("{}.{}", tenths / 10, tenths % 10)
    };
    DiaryDraft {
        day: day.to_string(),
        pain,
        swelling: level(rng),
        redness: level(rng),
        fatigue: level(rng),
        bruising: level(rng),
        temperature,
        chills: rng.one_in(30),
        pus_or_discharge: rng.one_in(60),
        bleeding_not_stopping: rng.one_in(80),
        swelling_growing: rng.one_in(60),
        cannot_move_or_bear_weight: rng.one_in(50),
        new_numbness_or_weakness: rng.one_in(40),
        note: if rng.one_in(10) {
            "Slept badly".into()
        } else {
            String::new()
        },
    }
}
