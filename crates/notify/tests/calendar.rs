//! The session calendar read back by an independent parser (python
//! `icalendar`): an Arabic summary longer than one line, escaped text, one
//! VTODO per dated task.

mod support;

use cellpath_notify::session_calendar;
use chrono::{DateTime, Duration, Utc};

#[test]
fn an_arabic_session_round_trips_through_python_icalendar() {
    let starts: DateTime<Utc> = "2027-03-09T06:30:00Z".parse().expect("time");
    let ends = starts + Duration::hours(4);
    let summary = "جلسة العلاج بالخلايا الجذعية للركبة اليسرى مع التخدير الموضعي والتصوير الفلوري";
    assert!(summary.len() > 75, "the summary must need folding");
    let description =
        "Bring your ID; a companion, please.\nلا تتناول الطعام بعد منتصف الليل، شكراً\\";
    let tasks = vec![
        (
            starts - Duration::days(7),
            "أوقف الإيبوبروفين (Ibuprofen)".to_string(),
        ),
        (
            starts - Duration::hours(6),
            "ابدأ الصيام عن الطعام الصلب".to_string(),
        ),
        (
            starts - Duration::hours(2),
            "Stop clear liquids, then no more drinks".to_string(),
        ),
    ];
    let ics = session_calendar(
        "session-0192@cellpath.example",
        starts,
        ends,
        summary,
        "Main clinic, room 3",
        description,
        &tasks,
    );
    for line in ics.split_terminator("\r\n") {
        assert!(line.len() <= 75, "line of {} octets: {line}", line.len());
        assert!(!line.contains('\n'), "bare LF in {line:?}");
    }
    let parsed: serde_json::Value =
        serde_json::from_str(&support::run(support::READ_CALENDAR, ics.as_bytes()))
            .expect("python printed JSON");
    assert_eq!(parsed["method"], "PUBLISH");
    assert_eq!(parsed["version"], "2.0");
    let event = &parsed["events"][0];
    assert_eq!(parsed["events"].as_array().map(Vec::len), Some(1));
    assert_eq!(event["summary"], summary);
    assert_eq!(event["uid"], "session-0192@cellpath.example");
    assert_eq!(event["location"], "Main clinic, room 3");
    assert_eq!(event["description"], description);
    assert_eq!(event["start"], "2027-03-09T06:30:00+00:00");
    assert_eq!(event["end"], "2027-03-09T10:30:00+00:00");
    let todos = parsed["todos"].as_array().expect("todos");
    assert_eq!(todos.len(), tasks.len());
    for (todo, (due, text)) in todos.iter().zip(&tasks) {
        assert_eq!(todo["summary"], text.as_str());
        assert_eq!(
            todo["due"],
            due.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
        );
    }
}
