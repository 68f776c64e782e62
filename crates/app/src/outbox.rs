//! Reminders leave through the outbox: enqueued in the transaction of the
//! change that causes them (idempotent by key), delivered by a worker with
//! retries and backoff, their status visible to staff.

use crate::{Actor, App, AppError, Result, authorize};
use cellpath_domain::outbox::{Channel, DeliveryStatus, next_attempt};
use cellpath_domain::{Action, PatientId, SiteId};
use cellpath_store::{OutboxRow, Tx};
use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

/// A message ready to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    pub id: Uuid,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// An iCalendar file to attach (email) or link (SMS).
    pub calendar: Option<String>,
}

/// A message's delivery, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub message: Outbound,
    pub patient_id: Option<PatientId>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// What the delivery worker did in one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retried: usize,
    pub given_up: usize,
}

/// Sends one message over its channel (SMTP, an SMS gateway...). An `Err`
/// is a failed attempt with the reason, retried later.
pub trait Deliver: Send + Sync {
    fn deliver<'a>(
        &'a self,
        message: &'a Outbound,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<(), String>> + Send + 'a>>;
}

/// A message to enqueue.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub site_id: SiteId,
    pub patient_id: Option<PatientId>,
    /// The same key is sent once, however often it is enqueued.
    pub dedup_key: String,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub calendar: Option<String>,
    /// Not sent before this time (a reminder the day before, say).
    pub not_before: DateTime<Utc>,
}

/// What a booking tells the reminder composer: whom, when, what to prepare.
#[derive(Debug, Clone)]
pub struct BookingNotice {
    pub patient: cellpath_domain::patient::Patient,
    pub session: cellpath_domain::plan::TreatmentSession,
    pub plan: cellpath_domain::plan::TreatmentPlan,
    pub tasks: Vec<cellpath_domain::preparation::Task>,
    /// How long the visit may last, from the protocol, in minutes.
    pub visit_minutes: u32,
    pub site_name: String,
}

/// Turns a booking into the messages to send (in the patient's language,
/// with calendar files); wired in by the binary, which owns the texts.
pub type ReminderComposer = std::sync::Arc<dyn Fn(&BookingNotice) -> Vec<NewMessage> + Send + Sync>;

/// What a discharge tells the diary reminder composer: whom, from when,
/// and the number to call.
#[derive(Debug, Clone)]
pub struct DiaryNotice {
    pub patient: cellpath_domain::patient::Patient,
    pub session: cellpath_domain::plan::TreatmentSession,
    pub site_name: String,
    /// The site's number for patients; blank until the admin sets it.
    pub site_phone: String,
}

/// Turns a discharge into the diary's daily reminders (one a day for the
/// diary's 14 days, in the patient's language); wired in by the binary.
pub type DiaryReminderComposer =
    std::sync::Arc<dyn Fn(&DiaryNotice) -> Vec<NewMessage> + Send + Sync>;

/// How long a claimed message is left to its worker before another may try.
const LEASE_SECONDS: i64 = 300;

fn outbound(row: &OutboxRow) -> Option<Outbound> {
    Some(Outbound {
        id: row.id,
        channel: Channel::parse(&row.channel)?,
        recipient: row.recipient.clone(),
        subject: row.subject.clone(),
        body: row.body.clone(),
        calendar: row.calendar.clone(),
    })
}

/// Enqueues a message in the caller's transaction; false when its key was already enqueued.
pub(crate) async fn enqueue(tx: &mut Tx, message: NewMessage, now: DateTime<Utc>) -> Result<bool> {
    let row = OutboxRow {
        id: Uuid::now_v7(),
        site_id: message.site_id.as_uuid(),
        patient_id: message.patient_id.map(|p| p.as_uuid()),
        dedup_key: message.dedup_key,
        channel: message.channel.code().to_string(),
        recipient: message.recipient,
        subject: message.subject,
        body: message.body,
        calendar: message.calendar,
        status: DeliveryStatus::Pending.code().to_string(),
        attempts: 0,
        next_attempt_at: chrono::SubsecRound::trunc_subsecs(message.not_before.max(now), 6),
        last_error: None,
        created_at: now,
        sent_at: None,
    };
    Ok(tx.enqueue(&row).await?)
}

impl App {
    /// Enqueues one message on its own (operators, integrations, tests).
    pub async fn enqueue_message(&self, message: NewMessage) -> Result<bool> {
        let mut tx = self.begin().await?;
        let inserted = enqueue(&mut tx, message, self.now()).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Delivers the messages due now, at most `limit`, each claimed first so
    /// that two workers never send the same message twice.
    pub async fn deliver_due(&self, deliver: &dyn Deliver, limit: i64) -> Result<DeliveryReport> {
        let now = self.now();
        let mut report = DeliveryReport::default();
        let due = {
            let mut tx = self.begin().await?;
            tx.due_messages(now, limit).await?
        };
        for row in due {
            let claimed = {
                let mut tx = self.begin().await?;
                let claimed = tx
                    .claim_message(
                        row.id,
                        row.next_attempt_at,
                        now + Duration::seconds(LEASE_SECONDS),
                    )
                    .await?;
                tx.commit().await?;
                claimed
            };
            if !claimed {
                continue;
            }
            let attempts = row.attempts + 1;
            let outcome = match outbound(&row) {
                Some(message) => deliver.deliver(&message).await,
                None => Err(format!("unknown channel {:?}", row.channel)),
            };
            let mut tx = self.begin().await?;
            match outcome {
                Ok(()) => {
                    tx.mark_sent(row.id, attempts, self.now()).await?;
                    report.sent += 1;
                }
                Err(error) => {
                    let next = next_attempt(attempts, self.now());
                    // The reason is kept for staff; it never holds the message text.
                    let error: String = error.chars().take(500).collect();
                    tx.mark_attempt_failed(row.id, attempts, next, &error, self.now())
                        .await?;
                    if next.is_some() {
                        report.retried += 1;
                    } else {
                        report.given_up += 1;
                    }
                }
            }
            tx.commit().await?;
        }
        Ok(report)
    }

    /// The messages of a patient with their delivery status (staff following up).
    pub async fn deliveries_of_patient(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Vec<Delivery>> {
        authorize(actor, Action::TrackPreparation)?;
        let mut tx = self.begin().await?;
        self.patient_in_scope(&mut tx, actor, patient).await?;
        let rows = tx.messages_of_patient(patient.as_uuid()).await?;
        Ok(rows.iter().filter_map(delivery).collect())
    }

    /// The latest messages of a site with their delivery status.
    pub async fn deliveries_of_site(
        &self,
        actor: &Actor,
        site: SiteId,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        authorize(actor, Action::TrackPreparation)?;
        if !actor.sites.contains(&site) {
            return Err(AppError::NotFound);
        }
        let mut tx = self.begin().await?;
        let rows = tx.messages_of_site(site.as_uuid(), limit).await?;
        Ok(rows.iter().filter_map(delivery).collect())
    }
}

fn delivery(row: &OutboxRow) -> Option<Delivery> {
    Some(Delivery {
        message: outbound(row)?,
        patient_id: row.patient_id.map(PatientId::from_uuid),
        status: DeliveryStatus::parse(&row.status)?,
        attempts: row.attempts,
        last_error: row.last_error.clone(),
        created_at: row.created_at,
        sent_at: row.sent_at,
    })
}
