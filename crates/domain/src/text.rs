//! Bounded text fields, date parsing and the reading of typed digits,
//! shared by every form.

use crate::issue::{Issue, IssueCode};
use chrono::NaiveDate;

/// Longest name part.
pub const NAME_MAX: usize = 100;
/// Longest short free text (a dose, a region, a reaction).
pub const SHORT_MAX: usize = 200;
/// Longest long free text (findings, notes, an address).
pub const LONG_MAX: usize = 4000;

/// A required single-line text of at most `max` characters, trimmed.
pub fn required(field: &str, raw: &str, max: usize) -> Result<String, Issue> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    bounded(field, value, max)
}

/// An optional text: blank becomes `None`.
pub fn optional(field: &str, raw: &str, max: usize) -> Result<Option<String>, Issue> {
    let value = raw.trim();
    if value.is_empty() {
        Ok(None)
    } else {
        bounded(field, value, max).map(Some)
    }
}

fn bounded(field: &str, value: &str, max: usize) -> Result<String, Issue> {
    if value.chars().count() > max {
        return Err(Issue {
            field: field.to_string(),
            code: IssueCode::TooLong,
            limit: u32::try_from(max).ok(),
        });
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Issue::new(field, IssueCode::InvalidFormat));
    }
    Ok(value.to_string())
}

/// A calendar date in ISO form (`YYYY-MM-DD`), not after `today` when `not_future`.
pub fn date(
    field: &str,
    raw: &str,
    today: NaiveDate,
    not_future: bool,
) -> Result<NaiveDate, Issue> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| Issue::new(field, IssueCode::InvalidDate))?;
    if parsed.year_ce().1 < 1900 {
        return Err(Issue::new(field, IssueCode::OutOfRange));
    }
    if not_future && parsed > today {
        return Err(Issue::new(field, IssueCode::DateInFuture));
    }
    Ok(parsed)
}

/// An optional date: blank becomes `None`.
pub fn optional_date(
    field: &str,
    raw: &str,
    today: NaiveDate,
    not_future: bool,
) -> Result<Option<NaiveDate>, Issue> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        date(field, raw, today, not_future).map(Some)
    }
}

/// The text with Arabic-Indic and Persian digits as ASCII digits, and the
/// Arabic decimal separator and a decimal comma as a point: what a patient
/// types on an Arabic keyboard reads like the same number typed in English.
pub fn western_digits(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from_digit(u32::from(c) - 0x0660, 10).unwrap_or(c),
            '\u{06F0}'..='\u{06F9}' => char::from_digit(u32::from(c) - 0x06F0, 10).unwrap_or(c),
            '\u{066B}' | ',' => '.',
            other => other,
        })
        .collect()
}

use chrono::Datelike;

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid")
    }

    #[test]
    fn text_rules() {
        let cases: &[(&str, usize, Result<&str, IssueCode>)] = &[
            ("  Amal ", 10, Ok("Amal")),
            ("", 10, Err(IssueCode::Required)),
            ("   ", 10, Err(IssueCode::Required)),
            ("abcdefghijk", 10, Err(IssueCode::TooLong)),
            ("أمل", 3, Ok("أمل")),
            ("a\u{0}b", 10, Err(IssueCode::InvalidFormat)),
        ];
        for (raw, max, expected) in cases {
            let got = required("f", raw, *max);
            match expected {
                Ok(v) => assert_eq!(got.as_deref(), Ok(*v), "{raw:?}"),
                Err(code) => assert_eq!(got.map_err(|i| i.code), Err(*code), "{raw:?}"),
            }
        }
    }

    #[test]
    fn date_rules() {
        type Case = (&'static str, Result<(i32, u32, u32), IssueCode>);
        let cases: &[Case] = &[
            ("1980-02-29", Ok((1980, 2, 29))),
            ("1981-02-29", Err(IssueCode::InvalidDate)),
            ("2026-11-25", Ok((2026, 11, 25))),
            ("2026-11-26", Err(IssueCode::DateInFuture)),
            ("25/11/1980", Err(IssueCode::InvalidDate)),
            ("1850-01-01", Err(IssueCode::OutOfRange)),
            ("", Err(IssueCode::Required)),
        ];
        for (raw, expected) in cases {
            let got = date("d", raw, today(), true).map_err(|i| i.code);
            let expected =
                expected.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("valid"));
            assert_eq!(got, expected, "{raw:?}");
        }
    }

    #[test]
    fn arabic_digits_read_as_western() {
        assert_eq!(western_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(western_digits("۳۸٫۲"), "38.2");
        assert_eq!(western_digits("38,2"), "38.2");
        assert_eq!(western_digits("abc"), "abc");
    }
}
