//! Adverse events after a session: what happened, when, how bad (a grade in
//! the CTCAE style, 1 to 5), whether it is serious, how likely the treatment
//! caused it and how it ended; optionally the product or donor lot the
//! patient received, so a lookback from a kit lot or a product finds it.
//!
//! The grade's labels are neutral (mild, moderate, severe, life-threatening,
//! death) and say nothing of a particular CTCAE term. Three rules tie the
//! answers together, following ICH E2A: a grade 4 or 5 event is serious; a
//! grade 5 event ended in death and a death is a grade 5 event.

use crate::code_enum;
use crate::donation::{DonationId, IdError};
use crate::issue::{Issue, IssueCode, Issues};
use crate::text::{self, LONG_MAX};
use chrono::{DateTime, NaiveDateTime, Utc};

/// The highest grade: death.
pub const GRADE_MAX: u8 = 5;

/// How bad an event is, 1 (mild) to 5 (death), in the CTCAE style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grade(u8);

impl Grade {
    /// The grade, when it is within 1..=5.
    pub fn new(grade: u8) -> Option<Grade> {
        (1..=GRADE_MAX).contains(&grade).then_some(Grade(grade))
    }

    pub fn parse(field: &str, raw: &str) -> Result<Grade, Issue> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Issue::new(field, IssueCode::Required));
        }
        let number: i64 = value
            .parse()
            .map_err(|_| Issue::new(field, IssueCode::InvalidFormat))?;
        u8::try_from(number).ok().and_then(Grade::new).ok_or(Issue {
            field: field.to_string(),
            code: IssueCode::OutOfRange,
            limit: Some(u32::from(GRADE_MAX)),
        })
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The neutral label's code: `mild`, `moderate`, `severe`,
    /// `life_threatening` or `death`.
    pub fn label(self) -> &'static str {
        match self.0 {
            1 => "mild",
            2 => "moderate",
            3 => "severe",
            4 => "life_threatening",
            _ => "death",
        }
    }
}

code_enum!(
    /// How likely the treatment caused the event.
    Relatedness {
        NotRelated = "not_related",
        Unlikely = "unlikely",
        Possible = "possible",
        Probable = "probable",
        Definite = "definite",
    }
);

impl Relatedness {
    /// Possible, probable or definite: counted as related in reports.
    pub fn is_related(self) -> bool {
        matches!(
            self,
            Relatedness::Possible | Relatedness::Probable | Relatedness::Definite
        )
    }
}

code_enum!(
    /// How the event ended, or where it stands.
    Outcome {
        Recovered = "recovered",
        Recovering = "recovering",
        NotRecovered = "not_recovered",
        RecoveredWithSequelae = "recovered_with_sequelae",
        Fatal = "fatal",
        Unknown = "unknown",
    }
);

/// An adverse event as typed in a form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdverseEventDraft {
    /// What happened, in the clinician's words.
    pub what: String,
    /// When it began: `YYYY-MM-DD HH:MM` (or with a `T`), or RFC 3339.
    pub onset_at: String,
    /// `1` to `5`.
    pub grade: String,
    pub serious: bool,
    /// A [`Relatedness`] code.
    pub relatedness: String,
    /// An [`Outcome`] code.
    pub outcome: String,
    /// The product or donor lot the patient received, printed or barcode
    /// form; blank for none named.
    pub unit: String,
}

/// A valid adverse event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdverseEvent {
    pub what: String,
    pub onset_at: DateTime<Utc>,
    pub grade: Grade,
    pub serious: bool,
    pub relatedness: Relatedness,
    pub outcome: Outcome,
    pub unit: Option<DonationId>,
}

/// A moment: `YYYY-MM-DD HH:MM` (a `T` may stand for the space, seconds
/// may follow) on the clinic's clock, or RFC 3339 with an offset.
fn parse_moment(field: &str, raw: &str) -> Result<DateTime<Utc>, Issue> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    if let Ok(moment) = DateTime::parse_from_rfc3339(value) {
        return Ok(moment.with_timezone(&Utc));
    }
    let spaced = value.replace('T', " ");
    ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(&spaced, format).ok())
        .map(|t| t.and_utc())
        .ok_or_else(|| Issue::new(field, IssueCode::InvalidDate))
}

/// A product or donor lot identifier, printed or barcode form; blank is none.
pub fn parse_unit(field: &str, raw: &str) -> Result<Option<DonationId>, Issue> {
    match DonationId::parse(raw) {
        Ok(id) => Ok(Some(id)),
        Err(IdError::Empty) => Ok(None),
        Err(IdError::WrongCheck { .. } | IdError::WrongFlag { .. }) => {
            Err(Issue::new(field, IssueCode::WrongCheckCharacter))
        }
        Err(_) => Err(Issue::new(field, IssueCode::InvalidFormat)),
    }
}

impl AdverseEventDraft {
    /// Checks every field at once against `now`: the onset may not be in
    /// the future, and grade, seriousness and outcome must agree.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<AdverseEvent, Issues> {
        let mut issues = Issues::default();
        let what = issues.check(text::required("what", &self.what, LONG_MAX));
        let onset_at = issues.check(parse_moment("onset_at", &self.onset_at).and_then(|t| {
            if t > now {
                Err(Issue::new("onset_at", IssueCode::DateInFuture))
            } else {
                Ok(t)
            }
        }));
        let grade = issues.check(Grade::parse("grade", &self.grade));
        let relatedness = issues.check(Relatedness::parse("relatedness", &self.relatedness));
        let outcome = issues.check(Outcome::parse("outcome", &self.outcome));
        let unit = issues.check(parse_unit("unit", &self.unit));
        if let Some(grade) = grade {
            if grade.get() >= 4 && !self.serious {
                issues.add("serious", IssueCode::Inconsistent);
            }
            match outcome {
                Some(Outcome::Fatal) if grade.get() != GRADE_MAX => {
                    issues.add("grade", IssueCode::Inconsistent);
                }
                Some(outcome) if outcome != Outcome::Fatal && grade.get() == GRADE_MAX => {
                    issues.add("outcome", IssueCode::Inconsistent);
                }
                _ => {}
            }
        }
        match (what, onset_at, grade, relatedness, outcome, unit) {
            (
                Some(what),
                Some(onset_at),
                Some(grade),
                Some(relatedness),
                Some(outcome),
                Some(unit),
            ) if issues.is_empty() => Ok(AdverseEvent {
                what,
                onset_at,
                grade,
                serious: self.serious,
                relatedness,
                outcome,
                unit,
            }),
            _ => Err(issues),
        }
    }
}

/// Whether a kit lot typed for a lookback is one of a processing record's
/// comma-separated kit lots: exact on each lot, trimmed, ignoring case.
pub fn kit_lot_matches(recorded_lots: &str, query: &str) -> bool {
    let wanted = query.trim().to_lowercase();
    !wanted.is_empty()
        && recorded_lots
            .split(',')
            .any(|lot| lot.trim().to_lowercase() == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).single().unwrap()
    }

    fn draft() -> AdverseEventDraft {
        AdverseEventDraft {
            what: "Swelling at the injection site".into(),
            onset_at: "2026-05-04 09:30".into(),
            grade: "2".into(),
            serious: false,
            relatedness: "probable".into(),
            outcome: "recovering".into(),
            unit: String::new(),
        }
    }

    fn codes(result: Result<AdverseEvent, Issues>) -> Vec<(String, IssueCode)> {
        result
            .unwrap_err()
            .0
            .into_iter()
            .map(|i| (i.field, i.code))
            .collect()
    }

    #[test]
    fn a_complete_draft_is_an_event() {
        let event = draft().validate(now()).unwrap();
        assert_eq!(event.what, "Swelling at the injection site");
        assert_eq!(
            event.onset_at,
            Utc.with_ymd_and_hms(2026, 5, 4, 9, 30, 0).single().unwrap()
        );
        assert_eq!(event.grade.get(), 2);
        assert_eq!(event.grade.label(), "moderate");
        assert_eq!(event.relatedness, Relatedness::Probable);
        assert!(event.relatedness.is_related());
        assert_eq!(event.outcome, Outcome::Recovering);
        assert_eq!(event.unit, None);
    }

    #[test]
    fn onset_forms() {
        for (raw, expected) in [
            ("2026-05-04 09:30", (9, 30, 0)),
            ("2026-05-04T09:30", (9, 30, 0)),
            ("2026-05-04T09:30:15", (9, 30, 15)),
            ("2026-05-04T11:30:00+02:00", (9, 30, 0)),
            ("2026-05-04T09:30:00Z", (9, 30, 0)),
        ] {
            let (h, m, s) = expected;
            assert_eq!(
                parse_moment("onset_at", raw),
                Ok(Utc.with_ymd_and_hms(2026, 5, 4, h, m, s).single().unwrap()),
                "{raw}"
            );
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = AdverseEventDraft {
            what: "  ".into(),
            onset_at: "2026-05-04 12:01".into(),
            grade: "6".into(),
            serious: false,
            relatedness: "maybe".into(),
            outcome: String::new(),
            unit: "G123498654321X".into(),
        };
        assert_eq!(
            codes(bad.validate(now())),
            [
                ("what".to_string(), IssueCode::Required),
                ("onset_at".to_string(), IssueCode::DateInFuture),
                ("grade".to_string(), IssueCode::OutOfRange),
                ("relatedness".to_string(), IssueCode::UnknownCode),
                ("outcome".to_string(), IssueCode::Required),
                ("unit".to_string(), IssueCode::WrongCheckCharacter),
            ]
        );
    }

    #[test]
    fn grades() {
        for (raw, expected) in [
            ("1", Ok(1)),
            (" 5 ", Ok(5)),
            ("0", Err(IssueCode::OutOfRange)),
            ("6", Err(IssueCode::OutOfRange)),
            ("-1", Err(IssueCode::OutOfRange)),
            ("2.5", Err(IssueCode::InvalidFormat)),
            ("", Err(IssueCode::Required)),
        ] {
            assert_eq!(
                Grade::parse("grade", raw)
                    .map(Grade::get)
                    .map_err(|i| i.code),
                expected,
                "{raw:?}"
            );
        }
        let labels: Vec<&str> = (1..=5).filter_map(Grade::new).map(Grade::label).collect();
        assert_eq!(
            labels,
            ["mild", "moderate", "severe", "life_threatening", "death"]
        );
    }

    #[test]
    fn grade_seriousness_and_outcome_agree() {
        let case = |grade: &str, serious: bool, outcome: &str| {
            AdverseEventDraft {
                grade: grade.into(),
                serious,
                outcome: outcome.into(),
                ..draft()
            }
            .validate(now())
            .map(|_| ())
            .map_err(|issues| {
                issues
                    .0
                    .into_iter()
                    .map(|i| (i.field, i.code))
                    .collect::<Vec<_>>()
            })
        };
        let inconsistent = |field: &str| Err(vec![(field.to_string(), IssueCode::Inconsistent)]);
        assert_eq!(case("3", false, "recovered"), Ok(()));
        assert_eq!(case("3", true, "recovered"), Ok(()));
        assert_eq!(case("4", true, "not_recovered"), Ok(()));
        assert_eq!(case("4", false, "not_recovered"), inconsistent("serious"));
        assert_eq!(case("5", true, "fatal"), Ok(()));
        assert_eq!(case("5", true, "recovered"), inconsistent("outcome"));
        assert_eq!(case("3", true, "fatal"), inconsistent("grade"));
    }

    #[test]
    fn a_named_unit_is_read_in_either_form() {
        let id = DonationId::parse("G123498654321H").unwrap();
        for raw in [
            id.printed(),
            id.barcode_data(),
            format!(" {}\n", id.printed()),
        ] {
            let event = AdverseEventDraft {
                unit: raw.clone(),
                ..draft()
            }
            .validate(now())
            .unwrap();
            assert_eq!(event.unit, Some(id.clone()), "{raw:?}");
        }
        assert_eq!(
            parse_unit("unit", "not an id").map_err(|i| i.code),
            Err(IssueCode::InvalidFormat)
        );
    }

    #[test]
    fn relatedness_and_outcome_codes_round_trip() {
        for r in Relatedness::ALL {
            assert_eq!(Relatedness::parse("r", r.code()), Ok(*r));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse("o", o.code()), Ok(*o));
        }
        assert_eq!(Relatedness::ALL.len(), 5);
        assert_eq!(Outcome::ALL.len(), 6);
    }

    #[test]
    fn kit_lots_match_exactly_on_each_lot() {
        for (recorded, query, expected) in [
            ("KL-2201, KL-2202", "KL-2202", true),
            ("KL-2201, KL-2202", " kl-2201 ", true),
            ("KL-2201,KL-2202", "KL-220", false),
            ("KL-22010", "KL-2201", false),
            ("KL-2201", "", false),
            ("", "", false),
            ("A, , B", "b", true),
        ] {
            assert_eq!(
                kit_lot_matches(recorded, query),
                expected,
                "{recorded:?} {query:?}"
            );
        }
    }
}
