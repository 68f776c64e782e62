//! The messages a booking sends: a confirmation now, with the session and
//! its preparation tasks as a calendar file, and a reminder the day before;
//! by email when the patient has an address, by text message when they have
//! a phone number; in the patient's preferred language.

use crate::calendar::session_calendar;
use cellpath_app::follow_ups::FollowUpNotice;
use cellpath_app::outbox::{BookingNotice, DiaryNotice, NewMessage};
use cellpath_domain::outbox::Channel;
use cellpath_domain::preparation::Completion;
use cellpath_domain::symptoms::DIARY_DAYS;
use cellpath_web::i18n::{tr, tr_args};
use chrono::Duration;

/// The messages of a booking (wired into the app with `App::with_reminders`).
pub fn compose_booking(notice: &BookingNotice) -> Vec<NewMessage> {
    let locale = notice.patient.preferred_language;
    let session = &notice.session;
    let when = locale.date_time(session.starts_at);
    let name = notice.patient.given_name.clone();
    let args = |extra: Vec<(&'static str, String)>| {
        let mut all = vec![
            ("name", name.clone()),
            ("when", when.clone()),
            ("site", notice.site_name.clone()),
        ];
        all.extend(extra);
        all
    };
    let tasks: Vec<(chrono::DateTime<chrono::Utc>, String)> = notice
        .tasks
        .iter()
        .filter(|t| t.completion == Completion::PatientTicks)
        .map(|t| {
            let key = format!("task-{}", t.code.code().replace('_', "-"));
            (
                t.due,
                tr_args(locale, &key, &[("names", t.names.join(", "))]),
            )
        })
        .collect();
    let task_lines: Vec<String> = tasks
        .iter()
        .map(|(due, text)| format!("- {}: {text}", locale.date_time(*due)))
        .collect();
    let summary = tr_args(locale, "reminder-calendar-summary", &args(vec![]));
    let calendar = session_calendar(
        &format!("{}@cellpath", session.id),
        session.starts_at,
        session.starts_at + Duration::minutes(i64::from(notice.visit_minutes)),
        &summary,
        &notice.site_name,
        &task_lines.join("\n"),
        &tasks,
    );
    let body = format!(
        "{}\n\n{}\n{}\n\n{}",
        tr_args(locale, "reminder-booking-body", &args(vec![])),
        tr(locale, "reminder-tasks-heading"),
        task_lines.join("\n"),
        tr(locale, "reminder-call-clinic"),
    );
    let day_before = session.starts_at - Duration::days(1);
    let mut out = Vec::new();
    let base = |channel: Channel, kind: &str, recipient: String| NewMessage {
        site_id: notice.session.site_id,
        patient_id: Some(notice.patient.id),
        dedup_key: format!("session:{}:{kind}:{}", session.id, channel.code()),
        channel,
        recipient,
        subject: String::new(),
        body: String::new(),
        calendar: None,
        not_before: notice.session.created_at,
    };
    if let Some(email) = &notice.patient.email {
        out.push(NewMessage {
            subject: tr_args(locale, "reminder-booking-subject", &args(vec![])),
            body: body.clone(),
            calendar: Some(calendar.clone()),
            ..base(Channel::Email, "booked", email.clone())
        });
        out.push(NewMessage {
            subject: tr_args(locale, "reminder-day-before-subject", &args(vec![])),
            body: tr_args(locale, "reminder-day-before-body", &args(vec![])),
            not_before: day_before,
            ..base(Channel::Email, "day-before", email.clone())
        });
    }
    if let Some(phone) = &notice.patient.phone {
        out.push(NewMessage {
            body: tr_args(locale, "reminder-sms-booked", &args(vec![])),
            ..base(Channel::Sms, "booked", phone.clone())
        });
        out.push(NewMessage {
            body: tr_args(locale, "reminder-sms-day-before", &args(vec![])),
            not_before: day_before,
            ..base(Channel::Sms, "day-before", phone.clone())
        });
    }
    out
}

/// The hour (UTC) a diary reminder is sent on each of its days: late
/// afternoon in the Gulf and early evening in Europe, when the day's
/// symptoms can be told. Sites keep no time zone yet.
pub const DIARY_REMINDER_HOUR_UTC: u32 = 15;

/// The symptom diary's daily reminders from a discharge (wired into the app
/// with `App::with_diary_reminders`): one for each of the diary's 14 days,
/// by email and by text message as the patient can be reached, in their
/// language, each saying what to do at once about a red flag.
pub fn compose_diary(notice: &DiaryNotice) -> Vec<NewMessage> {
    let locale = notice.patient.preferred_language;
    let session = &notice.session;
    let call = if notice.site_phone.is_empty() {
        tr(locale, "reminder-diary-call")
    } else {
        tr_args(
            locale,
            "reminder-diary-call-on",
            &[("phone", notice.site_phone.clone())],
        )
    };
    let mut out = Vec::new();
    for day in 1..=DIARY_DAYS {
        let Some(at) = session
            .starts_at
            .date_naive()
            .checked_add_days(chrono::Days::new(u64::from(day)))
            .and_then(|date| date.and_hms_opt(DIARY_REMINDER_HOUR_UTC, 0, 0))
        else {
            continue;
        };
        let args = [
            ("name", notice.patient.given_name.clone()),
            ("day", locale.number(i64::from(day))),
            ("site", notice.site_name.clone()),
        ];
        let base = |channel: Channel, recipient: &str| NewMessage {
            site_id: session.site_id,
            patient_id: Some(notice.patient.id),
            dedup_key: format!("diary:{}:{day}:{}", session.id, channel.code()),
            channel,
            recipient: recipient.to_string(),
            subject: String::new(),
            body: String::new(),
            calendar: None,
            not_before: at.and_utc(),
        };
        if let Some(email) = &notice.patient.email {
            out.push(NewMessage {
                subject: tr_args(locale, "reminder-diary-subject", &args),
                body: format!(
                    "{}\n\n{call}",
                    tr_args(locale, "reminder-diary-body", &args)
                ),
                ..base(Channel::Email, email)
            });
        }
        if let Some(phone) = &notice.patient.phone {
            out.push(NewMessage {
                body: format!("{} {call}", tr_args(locale, "reminder-sms-diary", &args)),
                ..base(Channel::Sms, phone)
            });
        }
    }
    out
}

/// The messages of a booked follow-up visit (wired into the app with
/// `App::with_follow_up_reminders`): a confirmation now, with the visit as a
/// calendar file by email, and a reminder the day before; by email and by
/// text message as the patient can be reached, in their language.
pub fn compose_follow_up(notice: &FollowUpNotice) -> Vec<NewMessage> {
    let locale = notice.patient.preferred_language;
    let args = [
        ("name", notice.patient.given_name.clone()),
        ("when", locale.date_time(notice.from)),
        ("site", notice.site_name.clone()),
        ("days", locale.number(i64::from(notice.offset_days))),
    ];
    let summary = tr_args(locale, "reminder-follow-up-calendar-summary", &args);
    let calendar = session_calendar(
        &format!("follow-up-{}@cellpath", notice.follow_up_id),
        notice.from,
        notice.to,
        &summary,
        &notice.site_name,
        "",
        &[],
    );
    let day_before = notice.from - Duration::days(1);
    let base = |channel: Channel, kind: &str, recipient: &str| NewMessage {
        site_id: notice.site_id,
        patient_id: Some(notice.patient.id),
        dedup_key: format!(
            "follow-up:{}:{kind}:{}",
            notice.follow_up_id,
            channel.code()
        ),
        channel,
        recipient: recipient.to_string(),
        subject: String::new(),
        body: String::new(),
        calendar: None,
        not_before: notice.booked_at,
    };
    let mut out = Vec::new();
    if let Some(email) = &notice.patient.email {
        out.push(NewMessage {
            subject: tr_args(locale, "reminder-follow-up-subject", &args),
            body: format!(
                "{}\n\n{}",
                tr_args(locale, "reminder-follow-up-body", &args),
                tr(locale, "reminder-call-clinic"),
            ),
            calendar: Some(calendar),
            ..base(Channel::Email, "booked", email)
        });
        out.push(NewMessage {
            subject: tr_args(locale, "reminder-follow-up-day-before-subject", &args),
            body: tr_args(locale, "reminder-follow-up-day-before-body", &args),
            not_before: day_before,
            ..base(Channel::Email, "day-before", email)
        });
    }
    if let Some(phone) = &notice.patient.phone {
        out.push(NewMessage {
            body: tr_args(locale, "reminder-sms-follow-up", &args),
            ..base(Channel::Sms, "booked", phone)
        });
        out.push(NewMessage {
            body: tr_args(locale, "reminder-sms-follow-up-day-before", &args),
            not_before: day_before,
            ..base(Channel::Sms, "day-before", phone)
        });
    }
    out
}
