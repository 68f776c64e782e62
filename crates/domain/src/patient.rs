//! Patients: demographics, contact and preferred language, validated from
//! raw input into a record that can only exist when every field is right.

use crate::ids::{PatientId, SiteId};
use crate::issue::{Issue, IssueCode, Issues};
use crate::locale::Locale;
use crate::text::{self, LONG_MAX, NAME_MAX, SHORT_MAX};
use chrono::{DateTime, NaiveDate, Utc};

/// Administrative sex, as FHIR codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

impl Sex {
    pub const ALL: [Sex; 4] = [Sex::Female, Sex::Male, Sex::Other, Sex::Unknown];

    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    pub fn parse(field: &str, code: &str) -> Result<Sex, Issue> {
        if code.trim().is_empty() {
            return Err(Issue::new(field, IssueCode::Required));
        }
        Sex::ALL
            .into_iter()
            .find(|s| s.code() == code.trim())
            .ok_or_else(|| Issue::new(field, IssueCode::UnknownCode))
    }
}

/// A site-unique, human-readable record number (`CP-000123`, or the
/// clinic's own scheme): letters, digits and hyphens, at most 32.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordNumber(String);

impl RecordNumber {
    pub fn parse(field: &str, raw: &str) -> Result<RecordNumber, Issue> {
        let value = raw.trim().to_uppercase();
        if value.is_empty() {
            return Err(Issue::new(field, IssueCode::Required));
        }
        if value.len() > 32 {
            return Err(Issue {
                field: field.into(),
                code: IssueCode::TooLong,
                limit: Some(32),
            });
        }
        if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Issue::new(field, IssueCode::InvalidFormat));
        }
        Ok(RecordNumber(value))
    }

    /// The number the clinic gives when staff leave the field blank.
    pub fn generated(prefix: &str, sequence: i64) -> RecordNumber {
        RecordNumber(format!("{}-{sequence:06}", prefix.to_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number as written, with at least 6 and at most 15 digits
/// (E.164), and only digits, spaces, `+`, `-`, `(`, `)`.
pub fn phone(field: &str, raw: &str) -> Result<Option<String>, Issue> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > 32 {
        return Err(Issue {
            field: field.into(),
            code: IssueCode::TooLong,
            limit: Some(32),
        });
    }
    let allowed = value.chars().all(|c| {
        c.is_ascii_digit()
            || ('\u{0660}'..='\u{0669}').contains(&c)
            || matches!(c, '+' | ' ' | '-' | '(' | ')')
    });
    let digits = crate::search::phone_key(value).len();
    if !allowed || !(6..=15).contains(&digits) {
        return Err(Issue::new(field, IssueCode::InvalidFormat));
    }
    Ok(Some(value.to_string()))
}

fn email(field: &str, raw: &str) -> Result<Option<String>, Issue> {
    let Some(value) = text::optional(field, raw, 254)? else {
        return Ok(None);
    };
    let mut parts = value.splitn(2, '@');
    let local = parts.next().unwrap_or_default();
    let domain = parts.next().unwrap_or_default();
    if local.is_empty() || !domain.contains('.') || value.contains(char::is_whitespace) {
        return Err(Issue::new(field, IssueCode::InvalidFormat));
    }
    Ok(Some(value))
}

/// Raw demographics as typed in a form or sent to the API: every field a
/// string, so that nothing is lost before validation reports on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientDraft {
    pub record_number: String,
    pub given_name: String,
    pub family_name: String,
    pub other_script_name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub preferred_language: String,
}

/// Validated demographics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demographics {
    /// `None` asks the clinic to give the next number.
    pub record_number: Option<RecordNumber>,
    pub given_name: String,
    pub family_name: String,
    /// The name in the other script (Arabic for a Latin name, or the reverse).
    pub other_script_name: Option<String>,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub preferred_language: Locale,
}

impl PatientDraft {
    /// Validates every field, reporting all problems at once.
    pub fn validate(&self, today: NaiveDate) -> Result<Demographics, Issues> {
        let mut issues = Issues::default();
        let record_number = if self.record_number.trim().is_empty() {
            Some(None)
        } else {
            issues
                .check(RecordNumber::parse("record_number", &self.record_number))
                .map(Some)
        };
        let given_name = issues.check(text::required("given_name", &self.given_name, NAME_MAX));
        let family_name = issues.check(text::required("family_name", &self.family_name, NAME_MAX));
        let other_script_name = issues.check(text::optional(
            "other_script_name",
            &self.other_script_name,
            SHORT_MAX,
        ));
        let date_of_birth = issues.check(text::date(
            "date_of_birth",
            &self.date_of_birth,
            today,
            true,
        ));
        let sex = issues.check(Sex::parse("sex", &self.sex));
        let phone = issues.check(phone("phone", &self.phone));
        let email = issues.check(email("email", &self.email));
        let address = issues.check(text::optional("address", &self.address, LONG_MAX));
        let preferred_language = if self.preferred_language.trim().is_empty() {
            Some(Locale::En)
        } else {
            let parsed = Locale::parse(&self.preferred_language)
                .filter(|l| l.code() == self.preferred_language.trim());
            issues.check(
                parsed.ok_or_else(|| Issue::new("preferred_language", IssueCode::UnknownCode)),
            )
        };
        match (
            record_number,
            given_name,
            family_name,
            other_script_name,
            date_of_birth,
            sex,
            phone,
            email,
            address,
            preferred_language,
        ) {
            (
                Some(record_number),
                Some(given_name),
                Some(family_name),
                Some(other_script_name),
                Some(date_of_birth),
                Some(sex),
                Some(phone),
                Some(email),
                Some(address),
                Some(preferred_language),
            ) if issues.is_empty() => Ok(Demographics {
                record_number,
                given_name,
                family_name,
                other_script_name,
                date_of_birth,
                sex,
                phone,
                email,
                address,
                preferred_language,
            }),
            _ => Err(issues),
        }
    }
}

/// A patient record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    pub id: PatientId,
    pub site_id: SiteId,
    pub record_number: RecordNumber,
    pub given_name: String,
    pub family_name: String,
    pub other_script_name: Option<String>,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub preferred_language: Locale,
    /// Increases with every change; an edit names the version it started from.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Patient {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// The search key of this patient's names.
    pub fn name_key(&self) -> String {
        crate::search::name_key(&[
            &self.given_name,
            &self.family_name,
            self.other_script_name.as_deref().unwrap_or_default(),
        ])
    }

    /// The draft that fills an edit form with this record's values.
    pub fn to_draft(&self) -> PatientDraft {
        PatientDraft {
            record_number: self.record_number.as_str().to_string(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            other_script_name: self.other_script_name.clone().unwrap_or_default(),
            date_of_birth: self.date_of_birth.format("%Y-%m-%d").to_string(),
            sex: self.sex.code().to_string(),
            phone: self.phone.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
            address: self.address.clone().unwrap_or_default(),
            preferred_language: self.preferred_language.code().to_string(),
        }
    }

    /// The fields as (name, value) pairs, for the audit trail's before and after.
    pub fn audit_fields(&self) -> Vec<(&'static str, String)> {
        let d = self.to_draft();
        vec![
            ("record_number", d.record_number),
            ("given_name", d.given_name),
            ("family_name", d.family_name),
            ("other_script_name", d.other_script_name),
            ("date_of_birth", d.date_of_birth),
            ("sex", d.sex),
            ("phone", d.phone),
            ("email", d.email),
            ("address", d.address),
            ("preferred_language", d.preferred_language),
            ("version", self.version.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid")
    }

    fn good() -> PatientDraft {
        PatientDraft {
            record_number: "cp-000001".into(),
            given_name: "فاطمة".into(),
            family_name: "الزهراء".into(),
            other_script_name: "Fatimah Al-Zahra".into(),
            date_of_birth: "1975-06-01".into(),
            sex: "female".into(),
            phone: "+971 50 123 4567".into(),
            email: "f@example.org".into(),
            address: String::new(),
            preferred_language: "ar".into(),
        }
    }

    #[test]
    fn a_good_draft_validates() {
        let d = good().validate(today()).expect("valid");
        assert_eq!(
            d.record_number.as_ref().map(RecordNumber::as_str),
            Some("CP-000001")
        );
        assert_eq!(d.preferred_language, Locale::Ar);
        assert_eq!(d.address, None);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        type Edit = fn(&mut PatientDraft);
        let cases: &[(Edit, &str, IssueCode)] = &[
            (
                |d| d.given_name = String::new(),
                "given_name",
                IssueCode::Required,
            ),
            (
                |d| d.family_name = "x".repeat(101),
                "family_name",
                IssueCode::TooLong,
            ),
            (
                |d| d.date_of_birth = "2030-01-01".into(),
                "date_of_birth",
                IssueCode::DateInFuture,
            ),
            (
                |d| d.date_of_birth = "2001-02-30".into(),
                "date_of_birth",
                IssueCode::InvalidDate,
            ),
            (|d| d.sex = "f".into(), "sex", IssueCode::UnknownCode),
            (|d| d.phone = "12".into(), "phone", IssueCode::InvalidFormat),
            (
                |d| d.phone = "call me".into(),
                "phone",
                IssueCode::InvalidFormat,
            ),
            (
                |d| d.email = "nobody".into(),
                "email",
                IssueCode::InvalidFormat,
            ),
            (
                |d| d.record_number = "CP 1".into(),
                "record_number",
                IssueCode::InvalidFormat,
            ),
            (
                |d| d.preferred_language = "fr".into(),
                "preferred_language",
                IssueCode::UnknownCode,
            ),
            (
                |d| d.preferred_language = "ar-EG".into(),
                "preferred_language",
                IssueCode::UnknownCode,
            ),
        ];
        for (edit, field, code) in cases {
            let mut draft = good();
            edit(&mut draft);
            let issues = draft.validate(today()).expect_err("invalid");
            assert_eq!(issues.0.len(), 1, "{field}: {issues}");
            assert_eq!(issues.0[0].field, *field);
            assert_eq!(issues.0[0].code, *code, "{field}");
        }
    }

    #[test]
    fn all_problems_come_back_together() {
        let issues = PatientDraft::default()
            .validate(today())
            .expect_err("invalid");
        let fields: Vec<&str> = issues.0.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            ["given_name", "family_name", "date_of_birth", "sex"]
        );
        assert!(issues.0.iter().all(|i| i.code == IssueCode::Required));
    }

    #[test]
    fn a_blank_record_number_asks_for_a_generated_one() {
        let mut draft = good();
        draft.record_number = " ".into();
        assert_eq!(draft.validate(today()).expect("valid").record_number, None);
        assert_eq!(RecordNumber::generated("cp", 42).as_str(), "CP-000042");
    }
}
