//! Calendar files (iCalendar, RFC 5545) for a treatment session and the
//! dated preparation tasks before it, attached to reminder emails.
//!
//! Written by hand rather than with the `icalendar` crate: we need one
//! VEVENT and a few VTODOs, and the two details that matter here (folding at
//! 75 octets on UTF-8 character boundaries, so Arabic summaries stay valid,
//! and UTC `Z` times only) are easier to guarantee and test in the hundred
//! lines below than to confirm in a dependency. The Python `icalendar` parser
//! reads the output back in the tests.

use chrono::{DateTime, SubsecRound, Utc};

/// The longest content line, in octets, before it is folded (RFC 5545 §3.1).
const MAX_LINE_OCTETS: usize = 75;

/// A VCALENDAR (METHOD:PUBLISH) with one VEVENT for the session and one
/// VTODO, due at its time, for each dated task. `uid` identifies the session
/// (the same UID on a later file updates the event in the patient's
/// calendar); the tasks get `{uid}-task-{n}`. Empty `location` or
/// `description` leave the property out. DTSTAMP is the time of the call.
pub fn session_calendar(
    uid: &str,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    summary: &str,
    location: &str,
    description: &str,
    tasks: &[(DateTime<Utc>, String)],
) -> String {
    let stamp = utc(Utc::now());
    let mut out = String::new();
    let mut line = |name: &str, value: &str| {
        out.push_str(&fold(&format!("{name}:{value}")));
        out.push_str("\r\n");
    };
    line("BEGIN", "VCALENDAR");
    line("PRODID", "-//Cellpath//Cellpath clinic//EN");
    line("VERSION", "2.0");
    line("CALSCALE", "GREGORIAN");
    line("METHOD", "PUBLISH");
    line("BEGIN", "VEVENT");
    line("UID", &escape_text(uid));
    line("DTSTAMP", &stamp);
    line("DTSTART", &utc(starts));
    line("DTEND", &utc(ends));
    line("SUMMARY", &escape_text(summary));
    if !location.is_empty() {
        line("LOCATION", &escape_text(location));
    }
    if !description.is_empty() {
        line("DESCRIPTION", &escape_text(description));
    }
    line("END", "VEVENT");
    for (n, (due, task)) in tasks.iter().enumerate() {
        line("BEGIN", "VTODO");
        line("UID", &escape_text(&format!("{uid}-task-{}", n + 1)));
        line("DTSTAMP", &stamp);
        line("DUE", &utc(*due));
        line("SUMMARY", &escape_text(task));
        line("END", "VTODO");
    }
    line("END", "VCALENDAR");
    out
}

/// A DATE-TIME in UTC ("form #2" of RFC 5545 §3.3.5), whole seconds.
fn utc(time: DateTime<Utc>) -> String {
    time.trunc_subsecs(0).format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped,
/// line breaks as `\n`, other control characters (not allowed) dropped.
fn escape_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into lines of at most 75 octets, the continuation
/// lines starting with one space, never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 64 * 3);
    let mut octets = 0;
    for c in line.chars() {
        if octets + c.len_utf8() > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            octets = 1;
        }
        out.push(c);
        octets += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a\\b;c,d\r\ne\nf\u{7}"),
            "a\\\\b\\;c\\,d\\ne\\nf"
        );
    }

    #[test]
    fn long_arabic_lines_fold_on_character_boundaries() {
        let line = format!("SUMMARY:{}", "جلسة العلاج بالخلايا الجذعية ".repeat(6));
        let folded = fold(&line);
        for physical in folded.split("\r\n") {
            assert!(
                physical.len() <= MAX_LINE_OCTETS,
                "{} octets",
                physical.len()
            );
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn short_lines_are_left_alone() {
        assert_eq!(fold("VERSION:2.0"), "VERSION:2.0");
        let exact = "X".repeat(MAX_LINE_OCTETS);
        assert_eq!(fold(&exact), exact);
        assert_eq!(
            fold(&"X".repeat(MAX_LINE_OCTETS + 1)),
            format!("{exact}\r\n X")
        );
    }

    #[test]
    fn times_are_utc_whole_seconds() {
        let time = DateTime::from_timestamp(1_800_000_000, 123_456_789).expect("time");
        assert_eq!(utc(time), "20270115T080000Z");
    }

    #[test]
    fn the_calendar_has_an_event_and_a_todo_per_task() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let ics = session_calendar(
            "session-1@cellpath",
            start,
            start + chrono::Duration::hours(3),
            "Session",
            "",
            "Bring your ID",
            &[
                (start - chrono::Duration::days(7), "Stop NSAIDs".into()),
                (start - chrono::Duration::hours(6), "Start fasting".into()),
            ],
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nPRODID:"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "CRLF only");
        assert_eq!(ics.matches("BEGIN:VTODO").count(), 2);
        assert!(ics.contains("DTSTART:20270115T080000Z\r\n"));
        assert!(ics.contains("DUE:20270108T080000Z\r\n"));
        assert!(!ics.contains("LOCATION"), "empty location left out");
    }
}
