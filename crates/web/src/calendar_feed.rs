//! A staff member's bookings as an RFC 5545 calendar feed for calendar
//! apps: one VEVENT per booked step, UTC times, escaped and folded text,
//! CRLF line ends. The feed leaves the clinic, so it names the step, the
//! resource and the site, never the patient.

use cellpath_app::scheduling::CalendarEntry;
use chrono::{DateTime, SubsecRound, Utc};

/// Longest content line, in octets, before folding (RFC 5545 §3.1).
const MAX_LINE_OCTETS: usize = 75;

/// What the feed says, already translated by the caller.
pub struct FeedText<'a> {
    /// `X-WR-CALNAME`: the calendar's name in the app.
    pub name: &'a str,
    /// The SUMMARY of an entry (step and resource).
    pub summary: &'a dyn Fn(&CalendarEntry) -> String,
}

/// The whole feed, stamped at `now`.
pub fn feed(entries: &[CalendarEntry], text: &FeedText<'_>, now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Cellpath//Staff calendar//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", escape_text(text.name)),
    ];
    for entry in entries {
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", uid(entry)),
            format!("DTSTAMP:{}", utc(now)),
            format!("DTSTART:{}", utc(entry.from)),
            format!("DTEND:{}", utc(entry.to)),
            format!("SUMMARY:{}", escape_text(&(text.summary)(entry))),
            format!("LOCATION:{}", escape_text(&entry.site_name)),
            "TRANSP:OPAQUE".to_string(),
            "END:VEVENT".to_string(),
        ]);
    }
    lines.push("END:VCALENDAR".to_string());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
        out.push_str("\r\n");
    }
    out
}

/// Stable for one session's step on one resource: rebooking the same step
/// on the same resource updates the event instead of adding another.
fn uid(entry: &CalendarEntry) -> String {
    // FNV-1a: a fixed, dependency-free digest of the resource's name.
    let resource = entry
        .resource_name
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!(
        "{}-{}-{resource:016x}@cellpath",
        entry.session_id,
        entry.step.code()
    )
}

fn utc(time: DateTime<Utc>) -> String {
    time.trunc_subsecs(0).format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped,
/// line breaks as `\n`, other control characters dropped.
fn escape_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into lines of at most 75 octets, continuation
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
        assert_eq!(escape_text("a\\b;c,d\r\ne\u{7}"), "a\\\\b\\;c\\,d\\ne");
    }

    #[test]
    fn long_lines_fold_at_75_octets_on_character_boundaries() {
        let line = format!("SUMMARY:{}", "حصاد ".repeat(30));
        let folded = fold(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= MAX_LINE_OCTETS, "{part:?}");
        }
        assert_eq!(folded.replace("\r\n ", ""), line);
    }
}
