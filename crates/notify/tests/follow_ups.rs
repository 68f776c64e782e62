//! Follow-up visits booked at discharge (on both engines, through the use
//! cases): five at the protocol's offsets on the first free times, a busy
//! physician pushing one later, no resource given twice, the reminders
//! enqueued, and a repeated discharge booking nothing more; the composer
//! writes them in the patient's language by every channel they have.

use cellpath_app::follow_ups::{FollowUp, FollowUpNotice};
use cellpath_app::session_day::{MonitoringDraft, VitalsDraft};
use cellpath_app::{App, AppConfig};
use cellpath_domain::outbox::{Channel, DeliveryStatus};
use cellpath_domain::scheduling::{NeedKey, StepCode, day_start};
use cellpath_domain::session_day::DischargeCriterion;
use cellpath_domain::{Role, SessionId};
use cellpath_notify::reminders::compose_follow_up;
use cellpath_test_support::{Administered, Backend, Clinic, both_backends, patient_draft, store};
use chrono::{Days, Duration, TimeZone, Utc};
use std::collections::HashSet;
use std::sync::Arc;

/// Monitoring done and every discharge criterion met; the discharge started.
async fn ready_to_discharge(clinic: &Clinic, session: SessionId) {
    let app = &clinic.app;
    let (nurse, physician) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician));
    let reason = "Test: recorded in one go.";
    app.finish_step(physician, session, "injection", reason)
        .await
        .expect("injected");
    app.start_step(nurse, session, "monitoring", reason)
        .await
        .expect("monitoring");
    let monitoring = MonitoringDraft {
        vitals: VitalsDraft {
            systolic: "120".into(),
            diastolic: "80".into(),
            pulse: "70".into(),
            temperature: "36.8".into(),
            spo2: "98".into(),
        },
        pain: "2".into(),
        criteria: DischargeCriterion::ALL
            .iter()
            .map(|c| c.code().to_string())
            .collect(),
    };
    app.record_monitoring(nurse, session, &monitoring)
        .await
        .expect("monitored");
    app.finish_step(nurse, session, "monitoring", reason)
        .await
        .expect("monitoring done");
    app.start_step(nurse, session, "discharge", reason)
        .await
        .expect("discharge");
}

fn booked_from(f: &FollowUp) -> i64 {
    f.booked.as_ref().expect("booked").from.timestamp() / 60
}

both_backends! {
    async fn a_discharge_books_the_protocols_follow_ups_once_on_free_times(backend: Backend) {
        let (store, db) = store(&backend).await;
        let app = App::new(store, AppConfig::default())
            .with_follow_up_reminders(Arc::new(compose_follow_up));
        let clinic = Clinic::on(app, db).await;
        let app = &clinic.app;
        let nurse = clinic.actor(Role::Nurse);
        let given: Administered = clinic.administered("Huda", "Followed", "KL-7").await;
        let session = app.session_day(nurse, given.session).await.expect("day").session;
        let session_date = session.starts_at.date_naive();
        let week_later = session_date.checked_add_days(Days::new(7)).expect("date");

        // Another patient's session takes the physician at midnight of the first follow-up's day.
        let (_, other_plan) = clinic.approved_knee_plan("Omar", "Busy").await;
        let midnight = Utc.timestamp_opt(day_start(week_later) * 60, 0).single().expect("time");
        app.schedule_session(clinic.actor(Role::Coordinator), other_plan, midnight).await.expect("other session");

        ready_to_discharge(&clinic, given.session).await;
        assert!(app.follow_ups_of_patient(nurse, given.patient.id).await.expect("none").is_empty());
        app.finish_step(nurse, given.session, "discharge", "Test.").await.expect("discharged");

        let visits = app.follow_ups_of_patient(nurse, given.patient.id).await.expect("follow-ups");
        let offsets: Vec<u32> = visits.iter().map(|f| f.offset_days).collect();
        assert_eq!(offsets, [7, 42, 91, 182, 365]);
        for f in &visits {
            assert_eq!(f.due_date, session_date.checked_add_days(Days::new(u64::from(f.offset_days))).expect("date"));
            let b = f.booked.as_ref().expect("every visit booked");
            assert_eq!(b.seen_by_need, NeedKey::Physician);
            assert_eq!(b.seen_by_name, "Dr Test");
            assert_eq!(b.room_name, "Room 2", "the room without fluoroscopy first");
            assert_eq!(b.to - b.from, Duration::minutes(30));
        }
        // Free days: the first free time is the start of the (round-the-clock) day.
        for f in &visits[1..] {
            assert_eq!(booked_from(f), day_start(f.due_date), "{f:?}");
        }
        // The week's visit waits for the physician: later that day, clear of the other session.
        let first = &visits[0];
        assert!(booked_from(first) > day_start(week_later));
        assert!(booked_from(first) < day_start(week_later) + 1440);
        let day = app.day_schedule(clinic.actor(Role::Coordinator), clinic.site, week_later).await.expect("day");
        assert!(day.overlaps.is_empty(), "no resource held twice: {:?}", day.overlaps);
        let follow_up_bookings: Vec<_> = day.bookings.iter().filter(|b| b.step == StepCode::FollowUp).collect();
        assert_eq!(follow_up_bookings.len(), 2, "the physician and the room, on the timeline");
        let physician_busy: Vec<_> = day.bookings.iter()
            .filter(|b| b.step != StepCode::FollowUp && b.need == NeedKey::Physician)
            .collect();
        assert!(!physician_busy.is_empty());
        assert!(physician_busy.iter().all(|b| b.ends_min <= booked_from(first) || b.starts_min >= booked_from(first) + 30));
        // The first free time: nothing earlier that day had both the physician and a room.
        let earliest = physician_busy.iter().filter(|b| b.starts_min <= day_start(week_later)).map(|b| b.ends_min).max();
        assert_eq!(Some(booked_from(first)), earliest.map(|e| e.max(day_start(week_later))), "{physician_busy:?}");

        // Booking over the follow-up is refused like any clash.
        let (_, third_plan) = clinic.approved_knee_plan("Sara", "Late").await;
        let at_visit = first.booked.as_ref().expect("booked").from - Duration::minutes(40);
        let clash = app.schedule_session(clinic.actor(Role::Coordinator), third_plan, at_visit).await;
        assert!(matches!(clash, Err(cellpath_app::AppError::Unavailable(_))), "{clash:?}");

        // Reminders: a confirmation and a day-before text for each (phone, no email).
        let queued = app.deliveries_of_patient(nurse, given.patient.id).await.expect("outbox");
        assert_eq!(queued.len(), 10, "{queued:?}");
        assert!(queued.iter().all(|d| d.status == DeliveryStatus::Pending && d.message.channel == Channel::Sms));
        assert!(queued.iter().all(|d| d.message.body.contains("follow-up visit")));

        // A second discharge books nothing more and sends nothing more.
        let _ = app.finish_step(nurse, given.session, "discharge", "Test.").await;
        let again = app.follow_ups_of_patient(nurse, given.patient.id).await.expect("follow-ups");
        assert_eq!(again, visits);
        assert_eq!(app.deliveries_of_patient(nurse, given.patient.id).await.expect("outbox").len(), 10);

        // The patient's own, and nobody else's.
        let other_nurse = &clinic.other_site_nurse;
        assert!(matches!(app.follow_ups_of_patient(other_nurse, given.patient.id).await, Err(cellpath_app::AppError::NotFound)));
    }
}

#[tokio::test]
async fn the_follow_up_reminders_are_in_the_patients_language_by_every_channel() {
    let clinic = Clinic::new(&Backend::Sqlite).await;
    let mut draft = patient_draft("ليلى", "حداد");
    draft.preferred_language = "ar".into();
    draft.email = "layla@example.org".into();
    let patient = clinic
        .app
        .register_patient(clinic.actor(Role::Nurse), None, &draft)
        .await
        .expect("patient");
    let from = Utc
        .with_ymd_and_hms(2026, 12, 2, 9, 0, 0)
        .single()
        .expect("time");
    let booked_at = Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("time");
    let notice = FollowUpNotice {
        site_id: patient.site_id,
        patient,
        follow_up_id: uuid::Uuid::now_v7(),
        site_name: "العيادة الرئيسية".into(),
        offset_days: 7,
        from,
        to: from + Duration::minutes(30),
        booked_at,
    };
    let messages = compose_follow_up(&notice);
    assert_eq!(
        messages.len(),
        4,
        "a confirmation and a reminder, by email and by text"
    );
    let keys: HashSet<&str> = messages.iter().map(|m| m.dedup_key.as_str()).collect();
    assert_eq!(keys.len(), 4);
    let email = messages
        .iter()
        .find(|m| m.channel == Channel::Email && m.not_before == booked_at)
        .expect("confirmation");
    assert!(
        email.subject.contains("زيارة المتابعة"),
        "{}",
        email.subject
    );
    assert!(
        email
            .calendar
            .as_deref()
            .is_some_and(|c| c.contains("BEGIN:VEVENT"))
    );
    let day_before: Vec<_> = messages
        .iter()
        .filter(|m| m.not_before == from - Duration::days(1))
        .collect();
    assert_eq!(day_before.len(), 2);
    assert!(messages.iter().all(|m| m.body.contains("المتابعة")));
}
