//! A booking, end to end on both engines: scheduling a session enqueues the
//! confirmation (now) and the reminder (the day before) in the patient's
//! language; the worker delivers them over real SMTP with the session's
//! calendar file, which Python's icalendar reads back.

// Shared with the other test files; this one uses only part of it.
#[allow(dead_code)]
mod support;

use cellpath_app::{App, AppConfig};
use cellpath_domain::Role;
use cellpath_domain::outbox::DeliveryStatus;
use cellpath_domain::plan::PlanDraft;
use cellpath_notify::{Channels, LogOnlySms, SmtpConfig, SmtpEmail};
use cellpath_test_support::smtp::SmtpSink;
use cellpath_test_support::{Backend, Clinic, both_backends, patient_draft, store};
use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

both_backends! {
    async fn a_booking_sends_a_confirmation_with_its_calendar_and_a_reminder_the_day_before(backend: Backend) {
        let (store, db) = store(&backend).await;
        let clock: Arc<Mutex<DateTime<Utc>>> = Arc::new(Mutex::new(cellpath_store::now()));
        let reading = clock.clone();
        let app = App::new(store, AppConfig::default())
            .with_clock(Arc::new(move || *reading.lock().expect("clock")))
            .with_reminders(Arc::new(cellpath_notify::reminders::compose_booking));
        let clinic = Clinic::on(app, db).await;
        let app = &clinic.app;
        let (nurse, physician) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician));
        let mut draft = patient_draft("ليلى", "حداد");
        draft.preferred_language = "ar".into();
        draft.email = "layla@example.org".into();
        let patient = app.register_patient(nurse, None, &draft).await.expect("patient");
        let plan_draft = PlanDraft {
            indication: "osteoarthritis".into(),
            target_site: "knee".into(),
            side: "left".into(),
            cell_source: "bone_marrow".into(),
            guidance: "ultrasound".into(),
            anaesthesia: "sedation".into(),
            planned_sessions: "1".into(),
            ..PlanDraft::default()
        };
        let plan = app.create_plan(physician, patient.id, &plan_draft, None).await.expect("plan");
        app.decide_plan(physician, plan.id, 1, true, "reviewed").await.expect("approve");
        let starts = app.now() + Duration::days(5);
        let session = app.schedule_session(clinic.actor(Role::Coordinator), plan.id, starts).await.expect("session");

        let queued = app.deliveries_of_patient(nurse, patient.id).await.expect("outbox");
        assert_eq!(queued.len(), 4, "email and text message, now and the day before");
        assert!(queued.iter().all(|d| d.status == DeliveryStatus::Pending));

        let sink = SmtpSink::start();
        let config = SmtpConfig::parse(&format!("smtp://{}?tls=none&from=clinic@example.org&timeout=10", sink.addr)).expect("smtp url");
        let channels = Channels { email: SmtpEmail::new(&config).expect("smtp"), sms: LogOnlySms };
        let report = app.deliver_due(&channels, 50).await.expect("deliver");
        assert_eq!(report.sent, 2, "the confirmation by email and by text message");
        let mails = sink.messages().await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, ["layla@example.org"]);
        let parsed = support::run(
            r#"
import email, email.policy, icalendar, json, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
body = m.get_body(preferencelist=('plain',)).get_content()
cal = [p for p in m.walk() if p.get_content_type() == 'text/calendar'][0]
c = icalendar.Calendar.from_ical(cal.get_payload(decode=True))
print(json.dumps({'subject': str(m['subject']), 'body': body, 'events': len(list(c.walk('VEVENT'))), 'todos': len(list(c.walk('VTODO'))), 'summary': str(list(c.walk('VEVENT'))[0]['SUMMARY'])}, ensure_ascii=False))
"#,
            mails[0].data.as_bytes(),
        );
        let parsed: serde_json::Value = serde_json::from_str(&parsed).expect("json");
        let subject = parsed["subject"].as_str().unwrap_or_default();
        assert!(subject.starts_with("جلستك في"), "{subject}");
        let body = parsed["body"].as_str().unwrap_or_default();
        assert!(body.contains("ليلى") && body.contains("قبل جلستك"), "{body}");
        assert_eq!(parsed["events"], 1);
        assert!(parsed["todos"].as_u64().unwrap_or(0) >= 4, "fasting, ride and the other tasks: {parsed}");
        assert!(parsed["summary"].as_str().unwrap_or_default().contains("جلسة علاج"), "{parsed}");
        assert!(!body.contains(&session.id.to_string()));

        assert_eq!(app.deliver_due(&channels, 50).await.expect("deliver").sent, 0, "the reminder waits for the day before");
        *clock.lock().expect("clock") = starts - Duration::hours(23);
        assert_eq!(app.deliver_due(&channels, 50).await.expect("deliver").sent, 2);
        let mails = sink.messages().await;
        assert_eq!(mails.len(), 2);
    }
}
