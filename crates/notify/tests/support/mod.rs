//! Runs the independent Python parsers (`email`, `icalendar`) over files the
//! crate produced; shared by the test files with `mod support;`.

use std::process::Command;

/// Runs `script` with `python3 -c`, the file holding `content` as its
/// argument, and returns what it printed.
pub fn run(script: &str, content: &[u8]) -> String {
    let check = Command::new("python3")
        .args(["-c", "import icalendar"])
        .output();
    match check {
        Ok(output) if output.status.success() => {}
        _ => panic!("these tests need python3 with the icalendar package: pip install icalendar"),
    }
    let file = tempfile::NamedTempFile::new().expect("temporary file");
    std::fs::write(file.path(), content).expect("write temporary file");
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(file.path())
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("python printed UTF-8")
}

/// Parses an iCalendar file with python `icalendar`: the VEVENT's summary,
/// location, description, start and end, and every VTODO's summary and due
/// time, as JSON.
pub const READ_CALENDAR: &str = r#"
import icalendar, json, sys
c = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
events = [e for e in c.walk('VEVENT')]
todos = [t for t in c.walk('VTODO')]
print(json.dumps({
    'method': str(c.get('METHOD')),
    'version': str(c.get('VERSION')),
    'events': [{
        'uid': str(e.get('UID')),
        'summary': str(e.get('SUMMARY')),
        'location': str(e.get('LOCATION', '')),
        'description': str(e.get('DESCRIPTION', '')),
        'start': e.decoded('DTSTART').isoformat(),
        'end': e.decoded('DTEND').isoformat(),
    } for e in events],
    'todos': [{'summary': str(t.get('SUMMARY')), 'due': t.decoded('DUE').isoformat()} for t in todos],
}, ensure_ascii=False))
"#;
