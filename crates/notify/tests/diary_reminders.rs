//! The symptom diary's reminders: a discharge enqueues one a day for the
//! diary's 14 days (on both engines, through the use cases), none is due
//! before its day, and the composer writes them in the patient's language
//! with the clinic's number, by every channel the patient has.

use cellpath_app::outbox::DiaryNotice;
use cellpath_app::session_day::{MonitoringDraft, VitalsDraft};
use cellpath_app::{App, AppConfig};
use cellpath_domain::outbox::{Channel, DeliveryStatus};
use cellpath_domain::plan::{SessionStatus, TreatmentSession};
use cellpath_domain::session_day::DischargeCriterion;
use cellpath_domain::{Role, SessionId};
use cellpath_notify::reminders::{DIARY_REMINDER_HOUR_UTC, compose_diary};
use cellpath_notify::{Channels, LogOnlySms, SmtpConfig, SmtpEmail};
use cellpath_test_support::smtp::SmtpSink;
use cellpath_test_support::{
    Backend, Clinic, both_backends, patient_draft, store, strip_isolation,
};
use chrono::{Duration, TimeZone, Utc};
use std::collections::HashSet;
use std::sync::Arc;

both_backends! {
    async fn a_discharge_enqueues_the_diarys_daily_reminders(backend: Backend) {
        let (store, db) = store(&backend).await;
        let app = App::new(store, AppConfig::default())
            .with_diary_reminders(Arc::new(compose_diary));
        let clinic = Clinic::on(app, db).await;
        let app = &clinic.app;
        let given = clinic.administered("Mona", "Reminded", "KL-1").await;
        let (nurse, physician) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician));
        let reason = "Test: recorded in one go.";
        app.finish_step(physician, given.session, "injection", reason).await.expect("injected");
        app.start_step(nurse, given.session, "monitoring", reason).await.expect("monitoring");
        let monitoring = MonitoringDraft {
            vitals: VitalsDraft { systolic: "120".into(), diastolic: "80".into(), pulse: "70".into(), temperature: "36.8".into(), spo2: "98".into() },
            pain: "2".into(),
            criteria: DischargeCriterion::ALL.iter().map(|c| c.code().to_string()).collect(),
        };
        app.record_monitoring(nurse, given.session, &monitoring).await.expect("monitored");
        app.finish_step(nurse, given.session, "monitoring", reason).await.expect("monitoring done");
        app.start_step(nurse, given.session, "discharge", reason).await.expect("discharge");
        let before = app.deliveries_of_patient(nurse, given.patient.id).await.expect("outbox").len();
        assert_eq!(before, 0, "nothing before the discharge");
        app.finish_step(nurse, given.session, "discharge", reason).await.expect("discharged");

        let queued = app.deliveries_of_patient(nurse, given.patient.id).await.expect("outbox");
        assert_eq!(queued.len(), 14, "a text message a day for 14 days (the patient has a phone, no email)");
        assert!(queued.iter().all(|d| d.status == DeliveryStatus::Pending && d.message.channel == Channel::Sms));
        assert!(queued.iter().all(|d| d.message.body.contains("+971 4 555 0123")), "the clinic's number in each");
        let bodies: Vec<String> = queued.iter().map(|d| strip_isolation(&d.message.body)).collect();
        assert!(bodies.iter().any(|b| b.starts_with("Day 1 after your session")), "{bodies:?}");
        assert!(bodies.iter().any(|b| b.starts_with("Day 14 after your session")), "{bodies:?}");

        // None is due yet: the first goes out tomorrow.
        let sink = SmtpSink::start();
        let config = SmtpConfig::parse(&format!("smtp://{}?tls=none&from=clinic@example.org&timeout=10", sink.addr)).expect("smtp url");
        let channels = Channels { email: SmtpEmail::new(&config).expect("smtp"), sms: LogOnlySms };
        let report = app.deliver_due(&channels, 50).await.expect("deliver");
        assert_eq!(report.sent, 0, "no reminder before its day");
    }
}

#[tokio::test]
async fn the_reminders_are_daily_in_the_patients_language_by_every_channel() {
    let clinic = Clinic::new(&Backend::Sqlite).await;
    let mut draft = patient_draft("ليلى", "حداد");
    draft.preferred_language = "ar".into();
    draft.email = "layla@example.org".into();
    let patient = clinic
        .app
        .register_patient(clinic.actor(Role::Nurse), None, &draft)
        .await
        .expect("patient");
    let starts_at = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("time");
    let session = TreatmentSession {
        id: SessionId::new(),
        plan_id: cellpath_domain::PlanId::new(),
        patient_id: patient.id,
        site_id: patient.site_id,
        number: 1,
        starts_at,
        protocol_version: 1,
        status: SessionStatus::Planned,
        version: 1,
        created_at: starts_at,
        updated_at: starts_at,
    };
    let notice = DiaryNotice {
        patient,
        session: session.clone(),
        site_name: "العيادة الرئيسية".into(),
        site_phone: "+971 4 555 0123".into(),
    };
    let messages = compose_diary(&notice);
    assert_eq!(messages.len(), 28, "an email and a text message a day");
    let keys: HashSet<&str> = messages.iter().map(|m| m.dedup_key.as_str()).collect();
    assert_eq!(
        keys.len(),
        28,
        "each sent once however often it is enqueued"
    );
    let first = starts_at.date_naive() + Duration::days(1);
    let last = starts_at.date_naive() + Duration::days(14);
    let times: Vec<_> = messages.iter().map(|m| m.not_before).collect();
    assert_eq!(
        times.iter().min().copied(),
        first
            .and_hms_opt(DIARY_REMINDER_HOUR_UTC, 0, 0)
            .map(|t| t.and_utc())
    );
    assert_eq!(
        times.iter().max().copied(),
        last.and_hms_opt(DIARY_REMINDER_HOUR_UTC, 0, 0)
            .map(|t| t.and_utc())
    );
    let email = messages
        .iter()
        .find(|m| m.channel == Channel::Email && m.dedup_key.ends_with(":3:email"))
        .expect("day 3 by email");
    assert_eq!(email.recipient, "layla@example.org");
    assert!(
        email.subject.contains("٣"),
        "Arabic digits: {}",
        email.subject
    );
    assert!(email.body.contains("يوميات الأعراض"), "{}", email.body);
    assert!(email.body.contains("+971 4 555 0123"), "{}", email.body);

    // Without a number, the reminder still says to call the clinic.
    let quiet = compose_diary(&DiaryNotice {
        site_phone: String::new(),
        ..notice
    });
    assert!(quiet.iter().all(|m| m.body.contains("اتصل بالعيادة الآن")));
    assert!(quiet.iter().all(|m| !m.body.contains("+971")));
}
