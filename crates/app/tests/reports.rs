//! The clinic's reports and follow-up attendance through the use cases, on
//! both engines: two sessions run (one to discharge), an adverse event and
//! a kept visit are counted where they belong; who may read and record,
//! and what is refused.

use cellpath_app::{AppError, Current};
use cellpath_domain::adverse_events::AdverseEventDraft;
use cellpath_domain::reports::VisitState;
use cellpath_domain::session_day::{DayStep, DeviationKind};
use cellpath_domain::{IssueCode, Role};
use cellpath_test_support::{Backend, Clinic, TestClock, both_backends};
use chrono::{Duration, TimeZone, Utc};

fn advance(clock: &TestClock, by: Duration) {
    *clock.lock().expect("clock") += by;
}

both_backends! {
    async fn the_report_counts_steps_deviations_adverse_events_and_kept_visits(backend: Backend) {
        let start = Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).single().expect("a time");
        let (clinic, clock) = Clinic::with_clock(&backend, start).await;
        let app = &clinic.app;
        let first_day = app.now().date_naive();
        let discharged = clinic.discharged("Amal", "Haddad", "KL-1").await;
        let injected = clinic.administered("Omar", "Saleh", "KL-2").await;
        let (physician, nurse, coordinator) = (
            clinic.actor(Role::Physician),
            clinic.actor(Role::Nurse),
            clinic.actor(Role::Coordinator),
        );
        app.record_adverse_event(nurse, discharged.session, &AdverseEventDraft {
            what: "Swelling at the injection site".into(),
            onset_at: app.now().format("%Y-%m-%d %H:%M").to_string(),
            grade: "2".into(),
            serious: false,
            relatedness: "possible".into(),
            outcome: "recovering".into(),
            unit: String::new(),
        }).await.expect("adverse event");

        // The steps took no time on the test clock, so every step with a
        // protocol minimum was too short and recorded as such a deviation.
        let report = app.clinic_report(coordinator, clinic.site, first_day, first_day + Duration::days(10))
            .await.expect("report");
        assert_eq!(report.sessions, 2);
        let step = |s| report.steps.iter().find(|r| r.step == Some(s)).expect("row").clone();
        assert_eq!(step(DayStep::Harvest).sessions, 2);
        assert_eq!(step(DayStep::Harvest).median, Some(0));
        assert_eq!(step(DayStep::Harvest).too_short, 2);
        assert_eq!(step(DayStep::Monitoring).sessions, 1, "only one session was monitored");
        assert_eq!(step(DayStep::Discharge).sessions, 1);
        let mut stored_too_short = 0;
        for session in [discharged.session, injected.session] {
            let view = app.session_day(nurse, session).await.expect("day");
            stored_too_short += view.day.deviations.iter().filter(|d| d.kind == DeviationKind::TooShort).count();
        }
        let too_short = report.deviations.iter().find(|d| d.kind == DeviationKind::TooShort).expect("row");
        assert_eq!(too_short.sessions, 2);
        assert_eq!(usize::try_from(too_short.deviations).expect("count"), stored_too_short);
        assert!(too_short.deviations >= 4, "harvest and processing in both sessions at least: {too_short:?}");
        assert_eq!(report.adverse_events.treated, 2);
        assert_eq!(report.adverse_events.events, 1);
        assert_eq!(report.adverse_events.related, 1);
        assert_eq!(report.adverse_events.by_grade, [0, 1, 0, 0, 0]);
        assert_eq!(report.adverse_events.per_hundred_tenths(), Some(500));
        // The week's visit falls inside the period and has not come yet.
        assert_eq!(report.follow_ups.len(), 1);
        assert_eq!(report.follow_ups[0].offset_days, 7);
        assert_eq!(report.follow_ups[0].of(VisitState::Upcoming), 1);
        assert_eq!(report.follow_ups[0].completion_tenths(), None);

        // The visit's day has not come: it cannot be recorded yet.
        let visits = app.follow_ups_of_patient(nurse, discharged.patient.id).await.expect("visits");
        let week = visits.iter().find(|v| v.offset_days == 7).expect("week").clone();
        let early = app.record_follow_up_attendance(nurse, week.id, week.version, true).await;
        match early {
            Err(AppError::Invalid(issues)) => assert!(issues.0.iter().any(|i| i.field == "attended" && i.code == IssueCode::DateInFuture), "{issues:?}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        advance(&clock, Duration::days(9));
        let kept = app.record_follow_up_attendance(physician, week.id, week.version, true).await.expect("attended");
        assert_eq!((kept.attended, kept.version), (Some(true), week.version + 1));
        // A second clinician working from the old version is told what changed.
        match app.record_follow_up_attendance(nurse, week.id, week.version, false).await {
            Err(AppError::Conflict(Current::FollowUp(current))) => {
                assert_eq!(current.attendance.as_deref(), Some("attended"));
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let report = app.clinic_report(physician, clinic.site, first_day, first_day + Duration::days(10))
            .await.expect("report");
        assert_eq!(report.follow_ups[0].of(VisitState::Attended), 1);
        assert_eq!(report.follow_ups[0].completion_tenths(), Some(1000));

        // Nothing outside the period: a later period has no sessions.
        let later = app.clinic_report(coordinator, clinic.site, first_day + Duration::days(20), first_day + Duration::days(30))
            .await.expect("report");
        assert_eq!((later.sessions, later.adverse_events.treated), (0, 0));
        assert_eq!(later.adverse_events.per_hundred_tenths(), None);

        // Who may read, where, and a period the wrong way round.
        assert!(matches!(app.clinic_report(nurse, clinic.site, first_day, first_day).await, Err(AppError::Forbidden(_))));
        assert!(matches!(app.clinic_report(coordinator, clinic.other_site, first_day, first_day).await, Err(AppError::NotFound)));
        match app.clinic_report(coordinator, clinic.site, first_day, first_day - Duration::days(1)).await {
            Err(AppError::Invalid(issues)) => assert!(issues.0.iter().any(|i| i.field == "to" && i.code == IssueCode::DateOrder)),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(matches!(
            app.record_follow_up_attendance(&clinic.other_site_nurse, week.id, kept.version, false).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            app.record_follow_up_attendance(coordinator, week.id, kept.version, false).await,
            Err(AppError::Forbidden(_))
        ));

        // Reading the report and recording the visit are in the audit trail.
        let audit = app.audit_page(clinic.actor(Role::Admin), None, 500, 0).await.expect("audit");
        assert!(audit.entries.iter().any(|e| e.entity == "clinic_report" && e.action == "view"));
        assert!(audit.entries.iter().any(|e| e.entity == "follow_up" && e.action == "update"));
    }
}
