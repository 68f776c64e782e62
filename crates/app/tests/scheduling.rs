//! Booking on both engines: coordinators booking at the same moment never
//! double-book a resource; clashes are explained; moving and cancelling
//! free resources; started sessions stay where they are; hours and leave
//! shape the possible starts.

use cellpath_app::scheduling::{BookingClash, ResourceDraft, find_overlaps};
use cellpath_app::{App, AppConfig, AppError};
use cellpath_domain::scheduling::{BusyReason, NeedKey, StepCode};
use cellpath_domain::{IssueCode, PlanId, Role};
use cellpath_test_support::{Backend, Clinic, both_backends};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::sync::{Arc, Mutex};

async fn approved_plans(clinic: &Clinic, n: usize) -> Vec<PlanId> {
    let mut plans = Vec::new();
    for i in 0..n {
        plans.push(
            clinic
                .approved_knee_plan("Booked", &format!("Patient{i}"))
                .await
                .1,
        );
    }
    plans
}

/// A weekday at 08:00, some weeks ahead of the real clock.
fn monday_eight() -> DateTime<Utc> {
    let mut day = (Utc::now() + Duration::days(21)).date_naive();
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Mon {
        day = day.succ_opt().expect("date");
    }
    day.and_hms_opt(8, 0, 0).expect("time").and_utc()
}

fn clashes(result: Result<impl std::fmt::Debug, AppError>) -> Vec<BookingClash> {
    match result {
        Err(AppError::Unavailable(clashes)) => clashes,
        other => panic!("expected a booking clash, got {other:?}"),
    }
}

both_backends! {
    async fn coordinators_booking_at_the_same_moment_never_double_book_a_resource(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let plans = approved_plans(&clinic, 16).await;
        let start = monday_eight();
        // Round one: eight bookings of the very same start at once. The
        // fixture has one physician, so exactly one may win.
        let mut tasks = Vec::new();
        for plan in plans.iter().take(8).copied() {
            let app = clinic.app.clone();
            let coordinator = clinic.actor(Role::Coordinator).clone();
            tasks.push(tokio::spawn(async move { app.schedule_session(&coordinator, plan, start).await }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => won += 1,
                Err(AppError::Unavailable(clashes)) => {
                    assert!(clashes.iter().any(|c| c.need == NeedKey::Physician
                        && c.taken.iter().any(|t| t.resource_name == "Dr Test"
                            && matches!(t.reason, BusyReason::Booked(_)))), "{clashes:?}");
                }
                Err(other) => panic!("a racing booking failed with {other:?}"),
            }
        }
        assert_eq!(won, 1);
        // Round two: eight more at overlapping starts spread over the morning.
        let mut tasks = Vec::new();
        for (i, plan) in plans.iter().skip(8).copied().enumerate() {
            let app = clinic.app.clone();
            let coordinator = clinic.actor(Role::Coordinator).clone();
            let at = start + Duration::minutes(100 + 35 * i as i64);
            tasks.push(tokio::spawn(async move { app.schedule_session(&coordinator, plan, at).await }));
        }
        let mut booked_now = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => booked_now += 1,
                Err(AppError::Unavailable(_)) => {}
                Err(other) => panic!("a racing booking failed with {other:?}"),
            }
        }
        assert!(booked_now >= 1);
        let day = clinic.app.day_schedule(clinic.actor(Role::Coordinator), clinic.site, start.date_naive()).await.expect("day");
        assert_eq!(day.sessions.len(), 1 + booked_now);
        assert!(find_overlaps(&day.bookings, &[]).is_empty(), "double-booked: {:?}", find_overlaps(&day.bookings, &[]));
        // Every session holds all the resources its steps need.
        assert_eq!(day.bookings.len(), day.sessions.len() * 9);
    }

    async fn a_clash_names_the_step_the_resource_and_what_takes_it(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let plans = approved_plans(&clinic, 2).await;
        let coordinator = clinic.actor(Role::Coordinator);
        let start = monday_eight();
        let first = clinic.app.schedule_session(coordinator, plans[0], start).await.expect("first");
        let found = clashes(clinic.app.schedule_session(coordinator, plans[1], start + Duration::minutes(30)).await);
        let physician = found.iter().find(|c| c.need == NeedKey::Physician).expect("physician clash");
        assert_eq!(physician.step, StepCode::Harvest);
        assert_eq!(physician.taken[0].reason, BusyReason::Booked(first.id));
        assert_eq!(physician.taken[0].from, start);
        // The possible starts of the day skip the booked morning.
        let starts = clinic.app.possible_starts(coordinator, plans[1], start.date_naive(), start.date_naive()).await.expect("starts");
        assert!(!starts.contains(&(start + Duration::minutes(30))));
        assert!(starts.iter().all(|s| *s >= start + Duration::minutes(45) || *s <= start - Duration::minutes(45)));
    }

    async fn moving_and_cancelling_free_the_resources_and_started_sessions_stay(backend: Backend) {
        let (store, db) = cellpath_test_support::store(&backend).await;
        let now = Arc::new(Mutex::new(Utc::now()));
        let clock = now.clone();
        let app = App::new(store, AppConfig::default())
            .with_clock(Arc::new(move || *clock.lock().expect("clock")));
        let clinic = Clinic::on(app, db).await;
        let plans = approved_plans(&clinic, 2).await;
        let coordinator = clinic.actor(Role::Coordinator);
        let start = monday_eight();
        let session = clinic.app.schedule_session(coordinator, plans[0], start).await.expect("book");
        clashes(clinic.app.schedule_session(coordinator, plans[1], start).await);
        let moved = clinic.app.move_session(coordinator, session.id, session.version, start + Duration::hours(4)).await.expect("move");
        assert_eq!(moved.starts_at, start + Duration::hours(4));
        // A stale version is a conflict, not a silent overwrite.
        assert!(matches!(clinic.app.move_session(coordinator, session.id, session.version, start).await, Err(AppError::Conflict(_))));
        let other = clinic.app.schedule_session(coordinator, plans[1], start).await.expect("the freed morning");
        clashes(clinic.app.move_session(coordinator, moved.id, moved.version, start + Duration::minutes(10)).await);
        clinic.app.cancel_session(coordinator, other.id, other.version).await.expect("cancel");
        let again = clinic.app.move_session(coordinator, moved.id, moved.version, start + Duration::minutes(10)).await.expect("free after cancel");
        // Once the session's time has come it is neither moved nor cancelled.
        *now.lock().expect("clock") = again.starts_at + Duration::minutes(5);
        let refused = clinic.app.move_session(coordinator, again.id, again.version, again.starts_at + Duration::days(1)).await;
        assert!(matches!(&refused, Err(AppError::Invalid(i)) if i.0[0].code == IssueCode::AlreadyStarted), "{refused:?}");
        let refused = clinic.app.cancel_session(coordinator, again.id, again.version).await;
        assert!(matches!(&refused, Err(AppError::Invalid(i)) if i.0[0].code == IssueCode::AlreadyStarted), "{refused:?}");
    }

    async fn working_hours_breaks_and_leave_shape_the_possible_starts(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let admin = clinic.actor(Role::Admin);
        let coordinator = clinic.actor(Role::Coordinator);
        let plans = approved_plans(&clinic, 1).await;
        let resources = clinic.app.resources(admin, clinic.site).await.expect("resources");
        let physician = resources.iter().find(|r| r.name == "Dr Test").expect("physician");
        let (current, username) = clinic.app.resource(admin, physician.id).await.expect("resource");
        let draft = ResourceDraft {
            work_days: "1111100".into(),
            work_start: "08:00".into(),
            work_end: "16:00".into(),
            break_start: "12:00".into(),
            break_end: "13:00".into(),
            ..ResourceDraft::of(&current, username)
        };
        clinic.app.update_resource(admin, physician.id, current.version, &draft).await.expect("hours");
        let monday = monday_eight().date_naive();
        let starts = clinic.app.possible_starts(coordinator, plans[0], monday, monday).await.expect("starts");
        let at = |h: u32, m: u32| monday.and_hms_opt(h, m, 0).expect("time").and_utc();
        assert_eq!(starts.first(), Some(&at(8, 0)));
        // Harvest needs the physician 45 minutes, injection 30 minutes after up to 90 more: nothing
        // whose harvest or injection would touch the break or run past 16:00.
        assert!(!starts.contains(&at(11, 30)));
        assert!(starts.contains(&at(13, 0)));
        assert!(starts.iter().all(|s| *s <= at(14, 15)), "{starts:?}");
        let saturday = monday + Duration::days(5);
        assert!(clinic.app.possible_starts(coordinator, plans[0], saturday, saturday).await.expect("starts").is_empty());
        clinic.app.add_leave(admin, physician.id, &monday.to_string(), &monday.to_string(), "Conference").await.expect("leave");
        assert!(clinic.app.possible_starts(coordinator, plans[0], monday, monday).await.expect("starts").is_empty());
        let found = clashes(clinic.app.schedule_session(coordinator, plans[0], at(9, 0)).await);
        assert!(found.iter().any(|c| c.taken.iter().any(|t| t.reason == BusyReason::Leave)));
        let tuesday: NaiveDate = monday + Duration::days(1);
        assert!(!clinic.app.possible_starts(coordinator, plans[0], tuesday, tuesday).await.expect("starts").is_empty());
    }

    async fn resources_are_validated_and_kept_to_their_site(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let admin = clinic.actor(Role::Admin);
        let bad = ResourceDraft {
            kind: "teleporter".into(),
            name: String::new(),
            work_days: "1111".into(),
            work_start: "25:00".into(),
            work_end: "07:00".into(),
            break_start: "12:00".into(),
            ..Default::default()
        };
        match clinic.app.add_resource(admin, clinic.site, &bad).await {
            Err(AppError::Invalid(issues)) => {
                let fields: Vec<&str> = issues.0.iter().map(|i| i.field.as_str()).collect();
                for field in ["kind", "name", "work_days", "work_start", "break_end"] {
                    assert!(fields.contains(&field), "{field} in {fields:?}");
                }
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        let duplicate = ResourceDraft {
            kind: "recovery_bay".into(),
            name: "Bay 1".into(),
            work_days: "1111100".into(),
            work_start: "07:00".into(),
            work_end: "19:00".into(),
            ..Default::default()
        };
        assert!(matches!(clinic.app.add_resource(admin, clinic.site, &duplicate).await, Err(AppError::Invalid(i)) if i.0[0].field == "name"));
        assert!(matches!(clinic.app.add_resource(clinic.actor(Role::Nurse), clinic.site, &duplicate).await, Err(AppError::Forbidden(_))));
        assert!(matches!(clinic.app.resources(&clinic.other_site_nurse, clinic.site).await, Err(AppError::NotFound)));
    }

    async fn optimising_a_day_removes_waiting_and_applying_it_rebooks_atomically(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let plans = approved_plans(&clinic, 3).await;
        let coordinator = clinic.actor(Role::Coordinator);
        let start = monday_eight();
        let first = clinic.app.schedule_session(coordinator, plans[0], start).await.expect("first");
        // Booked at 08:45 the second session's processing waits 15 minutes for the centrifuge.
        let second = clinic.app.schedule_session(coordinator, plans[1], start + Duration::minutes(45)).await.expect("second");
        let proposal = clinic.app.propose_day(coordinator, clinic.site, start.date_naive(), std::time::Duration::from_millis(500)).await.expect("proposal");
        assert_eq!(proposal.before.sessions, 2);
        assert_eq!(proposal.before.waiting_minutes, 15);
        assert_eq!(proposal.after.waiting_minutes, 0, "{proposal:?}");
        assert!(proposal.after.minutes_in_clinic < proposal.before.minutes_in_clinic);
        assert!(proposal.changes());
        assert!(proposal.not_placed.is_empty());
        let sessions: Vec<_> = proposal.sessions.iter().map(|(_, p)| p.clone()).collect();
        // The text form the apply form carries comes back whole.
        assert_eq!(cellpath_app::optimise::decode_proposal(&cellpath_app::optimise::encode_proposal(&sessions)), Some(sessions.clone()));
        // A session changed meanwhile makes the whole proposal stale.
        let moved = clinic.app.move_session(coordinator, second.id, second.version, start + Duration::hours(5)).await.expect("moved meanwhile");
        assert!(matches!(clinic.app.apply_day(coordinator, clinic.site, &sessions).await, Err(AppError::Conflict(_))));
        let day = clinic.app.day_schedule(coordinator, clinic.site, start.date_naive()).await.expect("day");
        assert!(day.sessions.iter().any(|s| s.session.id == moved.id && s.steps[0].starts_min == moved.starts_at.timestamp() / 60), "nothing half-applied");
        clinic.app.move_session(coordinator, moved.id, moved.version, start + Duration::minutes(45)).await.expect("back");
        let proposal = clinic.app.propose_day(coordinator, clinic.site, start.date_naive(), std::time::Duration::from_millis(500)).await.expect("proposal");
        let sessions: Vec<_> = proposal.sessions.iter().map(|(_, p)| p.clone()).collect();
        assert_eq!(clinic.app.apply_day(coordinator, clinic.site, &sessions).await.expect("apply"), 2);
        let day = clinic.app.day_schedule(coordinator, clinic.site, start.date_naive()).await.expect("day");
        assert_eq!(day.sessions.iter().map(|s| s.waiting()).sum::<i64>(), 0);
        assert!(find_overlaps(&day.bookings, &day.unavailable).is_empty());
        assert!(day.sessions.iter().any(|s| s.session.id == first.id));
        // A third session booked into the optimised day still finds its place.
        clinic.app.schedule_session(coordinator, plans[2], start + Duration::hours(6)).await.expect("third");
        // Nurses do not optimise.
        assert!(matches!(clinic.app.propose_day(clinic.actor(Role::Nurse), clinic.site, start.date_naive(), std::time::Duration::from_millis(100)).await, Err(AppError::Forbidden(_))));
    }
}
