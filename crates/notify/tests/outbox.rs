//! The outbox delivering over real SMTP to a local sink, on both engines:
//! an Arabic reminder with its calendar file arrives intact; a server that
//! refuses makes the outbox retry after its backoff, and the stored reason
//! never names the recipient.

mod support;

use cellpath_app::outbox::{DeliveryReport, NewMessage};
use cellpath_app::{App, AppConfig};
use cellpath_domain::outbox::{Channel, DeliveryStatus};
use cellpath_domain::{PatientId, Role};
use cellpath_notify::{Channels, LogOnlySms, SmtpConfig, SmtpEmail, session_calendar};
use cellpath_test_support::smtp::SmtpSink;
use cellpath_test_support::{Backend, Clinic, both_backends, patient_draft, store};
use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

const RECIPIENT: &str = "layla.haddad@example.org";
const ARABIC_BODY: &str = "مرحباً ليلى،\nموعد جلستك يوم الثلاثاء الساعة ١٠:٣٠ صباحاً.\n. سطر يبدأ بنقطة\nلا تتناولي مضادات الالتهاب.";
const ARABIC_SUMMARY: &str = "جلسة العلاج بالخلايا الجذعية للركبة اليسرى في العيادة الرئيسية";

/// Parses a raw email with python's `email` package: the decoded subject and
/// each leaf part's media type, parameters, file name and decoded text.
const READ_EMAIL: &str = r#"
import email, email.policy, json, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
parts = []
for part in m.walk():
    if part.is_multipart():
        continue
    payload = part.get_payload(decode=True)
    parts.append({
        'type': part.get_content_type(),
        'params': {k.lower(): v for k, v in part.get_params()[1:]},
        'filename': part.get_filename(),
        'text': payload.decode(part.get_content_charset() or 'utf-8'),
    })
print(json.dumps({'subject': str(m['subject']), 'to': str(m['to']), 'message_id': str(m['message-id']), 'parts': parts}, ensure_ascii=False))
"#;

async fn clinic_with_clock(backend: &Backend) -> (Clinic, Arc<Mutex<DateTime<Utc>>>) {
    let (store, db) = store(backend).await;
    let clock = Arc::new(Mutex::new(cellpath_store::now()));
    let reading = clock.clone();
    let app = App::new(store, AppConfig::default())
        .with_clock(Arc::new(move || *reading.lock().expect("clock")));
    (Clinic::on(app, db).await, clock)
}

fn channels(sink: &SmtpSink) -> Channels<SmtpEmail, LogOnlySms> {
    let config = SmtpConfig::parse(&format!(
        "smtp://{}?tls=none&from=Cellpath%20%3Cclinic@example.org%3E&timeout=10",
        sink.addr
    ))
    .expect("smtp url");
    Channels {
        email: SmtpEmail::new(&config).expect("smtp sender"),
        sms: LogOnlySms,
    }
}

async fn patient(clinic: &Clinic) -> PatientId {
    clinic
        .app
        .register_patient(
            clinic.actor(Role::Coordinator),
            None,
            &patient_draft("Layla", "Haddad"),
        )
        .await
        .expect("patient")
        .id
}

fn reminder(
    clinic: &Clinic,
    patient: PatientId,
    key: &str,
    calendar: Option<String>,
) -> NewMessage {
    NewMessage {
        site_id: clinic.site,
        patient_id: Some(patient),
        dedup_key: key.into(),
        channel: Channel::Email,
        recipient: RECIPIENT.into(),
        subject: "تذكير: جلستك يوم الثلاثاء".into(),
        body: ARABIC_BODY.into(),
        calendar,
        not_before: clinic.app.now(),
    }
}

both_backends! {
    async fn an_arabic_reminder_arrives_with_its_calendar(backend: Backend) {
        let (clinic, _) = clinic_with_clock(&backend).await;
        let patient = patient(&clinic).await;
        let sink = SmtpSink::start();
        let starts = clinic.app.now() + Duration::days(7);
        let ics = session_calendar(
            "session-1@cellpath.example",
            starts,
            starts + Duration::hours(3),
            ARABIC_SUMMARY,
            "Main clinic",
            "",
            &[(starts - Duration::hours(6), "ابدأ الصيام".to_string())],
        );
        clinic.app.enqueue_message(reminder(&clinic, patient, "booking:1", Some(ics.clone()))).await.expect("enqueue");
        // An SMS in the same pass goes to the log-only gateway.
        let mut sms = reminder(&clinic, patient, "booking:1:sms", None);
        sms.channel = Channel::Sms;
        sms.recipient = "+971 50 555 0101".into();
        clinic.app.enqueue_message(sms).await.expect("enqueue sms");

        let report = clinic.app.deliver_due(&channels(&sink), 10).await.expect("deliver");
        assert_eq!(report, DeliveryReport { sent: 2, retried: 0, given_up: 0 });

        let received = sink.messages().await;
        assert_eq!(received.len(), 1, "one email; the SMS went to the log");
        assert_eq!(received[0].from, "clinic@example.org");
        assert_eq!(received[0].to, vec![RECIPIENT.to_string()]);
        let parsed: serde_json::Value =
            serde_json::from_str(&support::run(READ_EMAIL, received[0].data.as_bytes())).expect("JSON");
        assert_eq!(parsed["subject"], "تذكير: جلستك يوم الثلاثاء");
        let parts = parsed["parts"].as_array().expect("parts");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0]["type"], "text/plain");
        assert_eq!(parts[0]["text"].as_str().map(|t| t.replace("\r\n", "\n")).as_deref(), Some(ARABIC_BODY));
        assert_eq!(parts[1]["type"], "text/calendar");
        assert_eq!(parts[1]["params"]["method"], "PUBLISH");
        assert_eq!(parts[1]["params"]["charset"].as_str().map(str::to_ascii_uppercase).as_deref(), Some("UTF-8"));
        assert_eq!(parts[1]["filename"], "session.ics");
        let attached = parts[1]["text"].as_str().expect("calendar text");
        assert_eq!(attached, ics, "the calendar arrives byte for byte");
        let calendar: serde_json::Value =
            serde_json::from_str(&support::run(support::READ_CALENDAR, attached.as_bytes())).expect("JSON");
        assert_eq!(calendar["events"][0]["summary"], ARABIC_SUMMARY);
        assert_eq!(calendar["todos"].as_array().map(Vec::len), Some(1));

        let deliveries = clinic.app.deliveries_of_patient(clinic.actor(Role::Coordinator), patient).await.expect("status");
        assert!(deliveries.iter().all(|d| d.status == DeliveryStatus::Sent && d.attempts == 1));
    }

    async fn a_refusing_server_makes_the_outbox_retry_after_its_backoff(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let patient = patient(&clinic).await;
        let sink = SmtpSink::start();
        sink.refuse_next_mail(1);
        clinic.app.enqueue_message(reminder(&clinic, patient, "booking:2", None)).await.expect("enqueue");
        let channels = channels(&sink);

        let report = clinic.app.deliver_due(&channels, 10).await.expect("deliver");
        assert_eq!(report, DeliveryReport { sent: 0, retried: 1, given_up: 0 });
        let deliveries = clinic.app.deliveries_of_patient(clinic.actor(Role::Coordinator), patient).await.expect("status");
        assert_eq!((deliveries[0].status, deliveries[0].attempts), (DeliveryStatus::Pending, 1));
        let reason = deliveries[0].last_error.clone().expect("a reason is kept");
        assert_eq!(reason, "smtp transient error 421");
        assert!(sink.messages().await.is_empty());

        // Not before the backoff has passed.
        assert_eq!(clinic.app.deliver_due(&channels, 10).await.expect("deliver"), DeliveryReport::default());
        *clock.lock().expect("clock") += Duration::minutes(2);
        let report = clinic.app.deliver_due(&channels, 10).await.expect("deliver");
        assert_eq!(report, DeliveryReport { sent: 1, retried: 0, given_up: 0 });
        assert_eq!(sink.messages().await.len(), 1);
        let deliveries = clinic.app.deliveries_of_patient(clinic.actor(Role::Coordinator), patient).await.expect("status");
        assert_eq!((deliveries[0].status, deliveries[0].attempts), (DeliveryStatus::Sent, 2));
    }

    async fn a_refusal_quoting_the_recipient_is_stored_without_it(backend: Backend) {
        let (clinic, _) = clinic_with_clock(&backend).await;
        let patient = patient(&clinic).await;
        let sink = SmtpSink::start();
        sink.reject_next_rcpt(1);
        clinic.app.enqueue_message(reminder(&clinic, patient, "booking:3", None)).await.expect("enqueue");
        let report = clinic.app.deliver_due(&channels(&sink), 10).await.expect("deliver");
        assert_eq!(report.retried, 1);
        let deliveries = clinic.app.deliveries_of_patient(clinic.actor(Role::Coordinator), patient).await.expect("status");
        let reason = deliveries[0].last_error.clone().expect("a reason is kept");
        assert_eq!(reason, "smtp permanent error 550");
        assert!(!reason.contains(RECIPIENT) && !reason.contains("layla"));
    }
}
