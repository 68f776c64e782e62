//! The outbox on both engines: idempotent enqueue, retries with backoff
//! until given up, and two workers never sending one message twice.

use cellpath_app::outbox::{Deliver, DeliveryReport, NewMessage, Outbound};
use cellpath_app::{App, AppConfig};
use cellpath_domain::Role;
use cellpath_domain::outbox::{Channel, DeliveryStatus};
use cellpath_test_support::{Backend, Clinic, both_backends, patient_draft, store};
use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// A channel that records what it was given and fails while told to.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<Outbound>>,
    failures_left: Mutex<u32>,
}

impl Deliver for Recorder {
    fn deliver<'a>(
        &'a self,
        message: &'a Outbound,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let mut failures = self.failures_left.lock().expect("lock");
            if *failures > 0 {
                *failures -= 1;
                return Err("421 service not available".into());
            }
            self.sent.lock().expect("lock").push(message.clone());
            Ok(())
        })
    }
}

async fn clinic_with_clock(backend: &Backend) -> (Clinic, Arc<Mutex<DateTime<Utc>>>) {
    let (store, db) = store(backend).await;
    let clock = Arc::new(Mutex::new(cellpath_store::now()));
    let reading = clock.clone();
    let app = App::new(store, AppConfig::default())
        .with_clock(Arc::new(move || *reading.lock().expect("clock")));
    (Clinic::on(app, db).await, clock)
}

fn message(clinic: &Clinic, key: &str, not_before: DateTime<Utc>) -> NewMessage {
    NewMessage {
        site_id: clinic.site,
        patient_id: None,
        dedup_key: key.into(),
        channel: Channel::Email,
        recipient: "patient@example.org".into(),
        subject: "Your session".into(),
        body: "See you on Tuesday.".into(),
        calendar: None,
        not_before,
    }
}

both_backends! {
    async fn enqueuing_is_idempotent_and_waits_for_its_time(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let now = clinic.app.now();
        assert!(clinic.app.enqueue_message(message(&clinic, "booking:1", now)).await.expect("enqueue"));
        assert!(!clinic.app.enqueue_message(message(&clinic, "booking:1", now)).await.expect("enqueue again"));
        assert!(clinic.app.enqueue_message(message(&clinic, "reminder:1", now + Duration::days(1))).await.expect("later"));
        let channel = Recorder::default();
        let report = clinic.app.deliver_due(&channel, 100).await.expect("deliver");
        assert_eq!(report, DeliveryReport { sent: 1, retried: 0, given_up: 0 });
        *clock.lock().expect("clock") += Duration::days(1);
        assert_eq!(clinic.app.deliver_due(&channel, 100).await.expect("deliver").sent, 1);
        assert_eq!(clinic.app.deliver_due(&channel, 100).await.expect("deliver").sent, 0, "nothing is sent twice");
        let subjects: Vec<String> = channel.sent.lock().expect("lock").iter().map(|m| m.subject.clone()).collect();
        assert_eq!(subjects.len(), 2);
    }

    async fn failed_deliveries_back_off_then_give_up_visibly(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let patient = clinic.app.register_patient(clinic.actor(Role::Coordinator), None, &patient_draft("Mail", "Fails")).await.expect("patient");
        let mut m = message(&clinic, "booking:fails", clinic.app.now());
        m.patient_id = Some(patient.id);
        clinic.app.enqueue_message(m).await.expect("enqueue");
        let channel = Recorder::default();
        *channel.failures_left.lock().expect("lock") = 100;
        let mut retried = 0;
        for _ in 0..8 {
            let report = clinic.app.deliver_due(&channel, 10).await.expect("deliver");
            retried += report.retried;
            // Not due again until its backoff has passed.
            assert_eq!(clinic.app.deliver_due(&channel, 10).await.expect("deliver"), DeliveryReport::default());
            *clock.lock().expect("clock") += Duration::hours(7);
            if report.given_up == 1 {
                break;
            }
        }
        assert_eq!(retried, 7);
        let deliveries = clinic.app.deliveries_of_patient(clinic.actor(Role::Coordinator), patient.id).await.expect("status");
        assert_eq!(deliveries.len(), 1);
        assert_eq!((deliveries[0].status, deliveries[0].attempts), (DeliveryStatus::Failed, 8));
        assert_eq!(deliveries[0].last_error.as_deref(), Some("421 service not available"));
        assert!(matches!(clinic.app.deliveries_of_patient(clinic.actor(Role::LabTech), patient.id).await, Err(cellpath_app::AppError::Forbidden(_))));
    }

    async fn two_workers_never_send_a_message_twice(backend: Backend) {
        let (clinic, _) = clinic_with_clock(&backend).await;
        for n in 0..20 {
            clinic.app.enqueue_message(message(&clinic, &format!("bulk:{n}"), clinic.app.now())).await.expect("enqueue");
        }
        let channel = Arc::new(Recorder::default());
        let (a, b) = (clinic.app.clone(), clinic.app.clone());
        let (ca, cb) = (channel.clone(), channel.clone());
        let first = tokio::spawn(async move { a.deliver_due(&*ca, 100).await.expect("deliver") });
        let second = tokio::spawn(async move { b.deliver_due(&*cb, 100).await.expect("deliver") });
        let (first, second) = (first.await.expect("task"), second.await.expect("task"));
        assert_eq!(first.sent + second.sent, 20);
        let sent = channel.sent.lock().expect("lock");
        let mut ids: Vec<_> = sent.iter().map(|m| m.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20, "each message delivered exactly once");
    }
}
