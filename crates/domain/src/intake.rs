//! The intake lists of a patient's chart: conditions, medications (with the
//! classes that suitability screening looks at), allergies and imaging reports.

use crate::ids::{ItemId, PatientId, SiteId};
use crate::issue::{Issue, IssueCode, Issues};
use crate::text::{self, LONG_MAX, SHORT_MAX};
use chrono::{DateTime, NaiveDate, Utc};

/// Declares a closed set of codes with its parse and code functions.
#[macro_export]
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(field: &str, raw: &str) -> Result<$name, $crate::issue::Issue> {
                match raw.trim() {
                    $($code => Ok($name::$variant),)+
                    "" => Err($crate::issue::Issue::new(field, $crate::issue::IssueCode::Required)),
                    _ => Err($crate::issue::Issue::new(field, $crate::issue::IssueCode::UnknownCode)),
                }
            }
        }
    };
}

code_enum!(
    /// Clinical status of a condition.
    ConditionStatus { Active = "active", Inactive = "inactive", Remission = "remission", Resolved = "resolved" }
);
code_enum!(
    /// What a condition means for suitability screening.
    ConditionCategory {
        Other = "other",
        Infection = "infection",
        Malignancy = "malignancy",
        Pregnancy = "pregnancy",
        Breastfeeding = "breastfeeding",
        BleedingDisorder = "bleeding_disorder",
        UncontrolledDiabetes = "uncontrolled_diabetes",
    }
);
code_enum!(
    /// The medication classes that screening rules look at.
    MedicationClass {
        Nsaid = "nsaid",
        Anticoagulant = "anticoagulant",
        Antiplatelet = "antiplatelet",
        SystemicSteroid = "systemic_steroid",
        Glp1Agonist = "glp1_agonist",
        Other = "other",
    }
);
code_enum!(
    /// How severe an allergic reaction is.
    AllergySeverity { Mild = "mild", Moderate = "moderate", Severe = "severe" }
);
code_enum!(
    /// Imaging modality of a report (reports only; no pixels are stored).
    ImagingModality { Xray = "xray", Mri = "mri", Ultrasound = "ultrasound" }
);

code_enum!(
    /// What a test result measures: the results suitability and the session
    /// day look at (bleeding, infection, sedation, pain), or another one.
    ResultKind {
        Platelets = "platelets",
        Haemoglobin = "haemoglobin",
        Leukocytes = "leukocytes",
        Inr = "inr",
        Hba1c = "hba1c",
        BodyWeight = "body_weight",
        BodyHeight = "body_height",
        Bmi = "bmi",
        Temperature = "temperature",
        PainScore = "pain_score",
        Other = "other",
    }
);

impl ResultKind {
    /// The LOINC codes of each kind (the first is the one written out).
    const LOINC: [(ResultKind, &'static [&'static str]); 10] = [
        (ResultKind::Platelets, &["777-3", "26515-7"]),
        (ResultKind::Haemoglobin, &["718-7"]),
        (ResultKind::Leukocytes, &["6690-2", "26464-8"]),
        (ResultKind::Inr, &["6301-6", "34714-6"]),
        (ResultKind::Hba1c, &["4548-4"]),
        (ResultKind::BodyWeight, &["29463-7"]),
        (ResultKind::BodyHeight, &["8302-2"]),
        (ResultKind::Bmi, &["39156-5"]),
        (ResultKind::Temperature, &["8310-5", "8331-1"]),
        (ResultKind::PainScore, &["72514-3"]),
    ];

    /// The kind's LOINC code, `None` for other results.
    pub fn loinc(self) -> Option<&'static str> {
        ResultKind::LOINC
            .iter()
            .find(|(kind, _)| *kind == self)
            .map(|(_, codes)| codes[0])
    }

    /// The kind a LOINC code is, when Cellpath keeps such results.
    pub fn from_loinc(code: &str) -> Option<ResultKind> {
        ResultKind::LOINC
            .iter()
            .find(|(_, codes)| codes.contains(&code))
            .map(|(kind, _)| *kind)
    }

    /// A vital sign (measured at the bedside) rather than a laboratory result.
    pub fn is_vital_sign(self) -> bool {
        matches!(
            self,
            ResultKind::BodyWeight
                | ResultKind::BodyHeight
                | ResultKind::Bmi
                | ResultKind::Temperature
                | ResultKind::PainScore
        )
    }
}

/// Which intake list an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntakeKind {
    Condition,
    Medication,
    Allergy,
    Imaging,
    /// Test results and measurements (laboratory, vital signs).
    Result,
}

impl IntakeKind {
    pub const ALL: [IntakeKind; 5] = [
        IntakeKind::Condition,
        IntakeKind::Medication,
        IntakeKind::Allergy,
        IntakeKind::Imaging,
        IntakeKind::Result,
    ];

    /// The URL segment and catalogue stem of the list.
    pub fn slug(self) -> &'static str {
        match self {
            IntakeKind::Condition => "conditions",
            IntakeKind::Medication => "medications",
            IntakeKind::Allergy => "allergies",
            IntakeKind::Imaging => "imaging-reports",
            IntakeKind::Result => "results",
        }
    }

    pub fn from_slug(slug: &str) -> Option<IntakeKind> {
        IntakeKind::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

/// Raw fields of any intake entry, as typed; which ones matter depends on the kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeDraft {
    /// Condition name, medication name, allergy substance, or imaging region.
    pub name: String,
    /// Condition status, medication class, allergy severity, or imaging modality.
    pub code: String,
    /// Medication dose, or allergy reaction.
    pub detail: String,
    /// Onset, medication start, or imaging date.
    pub start_date: String,
    /// Medication stop date.
    pub end_date: String,
    /// Notes, or imaging findings.
    pub notes: String,
}

/// A validated intake entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeItem {
    Condition {
        name: String,
        status: ConditionStatus,
        category: ConditionCategory,
        onset: Option<NaiveDate>,
        notes: Option<String>,
    },
    Medication {
        name: String,
        class: MedicationClass,
        dose: Option<String>,
        started: Option<NaiveDate>,
        stopped: Option<NaiveDate>,
    },
    Allergy {
        substance: String,
        reaction: Option<String>,
        severity: AllergySeverity,
    },
    Imaging {
        modality: ImagingModality,
        region: String,
        performed_on: NaiveDate,
        findings: Option<String>,
    },
    Result {
        /// The test as the laboratory or the chart names it.
        test: String,
        kind: ResultKind,
        /// The value with its unit, as reported (`152 10*3/uL`).
        value: String,
        taken_on: NaiveDate,
        notes: Option<String>,
    },
}

impl IntakeItem {
    pub fn kind(&self) -> IntakeKind {
        match self {
            IntakeItem::Condition { .. } => IntakeKind::Condition,
            IntakeItem::Medication { .. } => IntakeKind::Medication,
            IntakeItem::Allergy { .. } => IntakeKind::Allergy,
            IntakeItem::Imaging { .. } => IntakeKind::Imaging,
            IntakeItem::Result { .. } => IntakeKind::Result,
        }
    }

    /// Field names of each kind, as forms and the API spell them.
    pub fn field_names(kind: IntakeKind) -> [&'static str; 6] {
        match kind {
            IntakeKind::Condition => ["name", "status", "category", "onset", "", "notes"],
            IntakeKind::Medication => ["name", "class", "dose", "started", "stopped", ""],
            IntakeKind::Allergy => ["substance", "severity", "reaction", "", "", ""],
            IntakeKind::Imaging => ["region", "modality", "", "performed_on", "", "findings"],
            IntakeKind::Result => ["test", "kind", "value", "taken_on", "", "notes"],
        }
    }

    /// Validates a draft as an entry of `kind`, reporting every problem.
    pub fn validate(
        kind: IntakeKind,
        draft: &IntakeDraft,
        today: NaiveDate,
    ) -> Result<IntakeItem, Issues> {
        let mut issues = Issues::default();
        let [name_f, code_f, detail_f, start_f, end_f, notes_f] = IntakeItem::field_names(kind);
        let name = issues.check(text::required(name_f, &draft.name, SHORT_MAX));
        let item = match kind {
            IntakeKind::Condition => {
                let status = issues.check(ConditionStatus::parse(code_f, &draft.code));
                let category = if draft.detail.trim().is_empty() {
                    Some(ConditionCategory::Other)
                } else {
                    issues.check(ConditionCategory::parse(detail_f, &draft.detail))
                };
                let onset =
                    issues.check(text::optional_date(start_f, &draft.start_date, today, true));
                let notes = issues.check(text::optional(notes_f, &draft.notes, LONG_MAX));
                match (name, status, category, onset, notes) {
                    (Some(name), Some(status), Some(category), Some(onset), Some(notes)) => {
                        Some(IntakeItem::Condition {
                            name,
                            status,
                            category,
                            onset,
                            notes,
                        })
                    }
                    _ => None,
                }
            }
            IntakeKind::Medication => {
                let class = issues.check(MedicationClass::parse(code_f, &draft.code));
                let dose = issues.check(text::optional(detail_f, &draft.detail, SHORT_MAX));
                let started =
                    issues.check(text::optional_date(start_f, &draft.start_date, today, true));
                let stopped =
                    issues.check(text::optional_date(end_f, &draft.end_date, today, false));
                if let (Some(Some(s)), Some(Some(e))) = (started, stopped)
                    && e < s
                {
                    issues.push(Issue::new(end_f, IssueCode::DateOrder));
                }
                match (name, class, dose, started, stopped) {
                    (Some(name), Some(class), Some(dose), Some(started), Some(stopped)) => {
                        Some(IntakeItem::Medication {
                            name,
                            class,
                            dose,
                            started,
                            stopped,
                        })
                    }
                    _ => None,
                }
            }
            IntakeKind::Allergy => {
                let severity = issues.check(AllergySeverity::parse(code_f, &draft.code));
                let reaction = issues.check(text::optional(detail_f, &draft.detail, SHORT_MAX));
                match (name, severity, reaction) {
                    (Some(substance), Some(severity), Some(reaction)) => {
                        Some(IntakeItem::Allergy {
                            substance,
                            reaction,
                            severity,
                        })
                    }
                    _ => None,
                }
            }
            IntakeKind::Imaging => {
                let modality = issues.check(ImagingModality::parse(code_f, &draft.code));
                let performed_on =
                    issues.check(text::date(start_f, &draft.start_date, today, true));
                let findings = issues.check(text::optional(notes_f, &draft.notes, LONG_MAX));
                match (name, modality, performed_on, findings) {
                    (Some(region), Some(modality), Some(performed_on), Some(findings)) => {
                        Some(IntakeItem::Imaging {
                            modality,
                            region,
                            performed_on,
                            findings,
                        })
                    }
                    _ => None,
                }
            }
            IntakeKind::Result => {
                let kind = issues.check(ResultKind::parse(code_f, &draft.code));
                let value = issues.check(text::required(detail_f, &draft.detail, SHORT_MAX));
                let taken_on = issues.check(text::date(start_f, &draft.start_date, today, true));
                let notes = issues.check(text::optional(notes_f, &draft.notes, LONG_MAX));
                match (name, kind, value, taken_on, notes) {
                    (Some(test), Some(kind), Some(value), Some(taken_on), Some(notes)) => {
                        Some(IntakeItem::Result {
                            test,
                            kind,
                            value,
                            taken_on,
                            notes,
                        })
                    }
                    _ => None,
                }
            }
        };
        match item {
            Some(item) if issues.is_empty() => Ok(item),
            _ => Err(issues),
        }
    }

    /// The draft that fills an edit form with this entry's values.
    pub fn to_draft(&self) -> IntakeDraft {
        let date = |d: &Option<NaiveDate>| {
            d.map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        };
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        match self {
            IntakeItem::Condition {
                name,
                status,
                category,
                onset,
                notes,
            } => IntakeDraft {
                name: name.clone(),
                code: status.code().into(),
                detail: category.code().into(),
                start_date: date(onset),
                notes: text(notes),
                ..IntakeDraft::default()
            },
            IntakeItem::Medication {
                name,
                class,
                dose,
                started,
                stopped,
            } => IntakeDraft {
                name: name.clone(),
                code: class.code().into(),
                detail: text(dose),
                start_date: date(started),
                end_date: date(stopped),
                ..IntakeDraft::default()
            },
            IntakeItem::Allergy {
                substance,
                reaction,
                severity,
            } => IntakeDraft {
                name: substance.clone(),
                code: severity.code().into(),
                detail: text(reaction),
                ..IntakeDraft::default()
            },
            IntakeItem::Imaging {
                modality,
                region,
                performed_on,
                findings,
            } => IntakeDraft {
                name: region.clone(),
                code: modality.code().into(),
                start_date: date(&Some(*performed_on)),
                notes: text(findings),
                ..IntakeDraft::default()
            },
            IntakeItem::Result {
                test,
                kind,
                value,
                taken_on,
                notes,
            } => IntakeDraft {
                name: test.clone(),
                code: kind.code().into(),
                detail: value.clone(),
                start_date: date(&Some(*taken_on)),
                notes: text(notes),
                ..IntakeDraft::default()
            },
        }
    }

    /// The fields as (name, value) pairs, for the audit trail's before and after.
    pub fn audit_fields(&self) -> Vec<(&'static str, String)> {
        let draft = self.to_draft();
        let values = [
            draft.name,
            draft.code,
            draft.detail,
            draft.start_date,
            draft.end_date,
            draft.notes,
        ];
        IntakeItem::field_names(self.kind())
            .into_iter()
            .zip(values)
            .filter(|(name, _)| !name.is_empty())
            .collect()
    }
}

/// An intake entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeEntry {
    pub id: ItemId,
    pub patient_id: PatientId,
    pub site_id: SiteId,
    pub item: IntakeItem,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid")
    }

    fn draft(name: &str, code: &str, detail: &str, start: &str, end: &str) -> IntakeDraft {
        IntakeDraft {
            name: name.into(),
            code: code.into(),
            detail: detail.into(),
            start_date: start.into(),
            end_date: end.into(),
            notes: String::new(),
        }
    }

    #[test]
    fn intake_rules() {
        type Case = (
            IntakeKind,
            IntakeDraft,
            &'static [(&'static str, IssueCode)],
        );
        let cases: &[Case] = &[
            (
                IntakeKind::Medication,
                draft("Ibuprofen", "nsaid", "400 mg", "2026-01-01", ""),
                &[],
            ),
            (
                IntakeKind::Medication,
                draft("Ibuprofen", "painkiller", "", "", ""),
                &[("class", IssueCode::UnknownCode)],
            ),
            (
                IntakeKind::Medication,
                draft("Warfarin", "anticoagulant", "", "2026-05-01", "2026-04-01"),
                &[("stopped", IssueCode::DateOrder)],
            ),
            (
                IntakeKind::Medication,
                draft("", "", "", "2099-01-01", ""),
                &[
                    ("name", IssueCode::Required),
                    ("class", IssueCode::Required),
                    ("started", IssueCode::DateInFuture),
                ],
            ),
            (
                IntakeKind::Condition,
                draft("Knee osteoarthritis", "active", "", "2020-01-01", ""),
                &[],
            ),
            (
                IntakeKind::Condition,
                draft("Knee", "cured", "", "", ""),
                &[("status", IssueCode::UnknownCode)],
            ),
            (
                IntakeKind::Allergy,
                draft("Penicillin", "severe", "rash", "", ""),
                &[],
            ),
            (
                IntakeKind::Allergy,
                draft("Latex", "deadly", "", "", ""),
                &[("severity", IssueCode::UnknownCode)],
            ),
            (
                IntakeKind::Imaging,
                draft("Right knee", "mri", "", "2026-06-01", ""),
                &[],
            ),
            (
                IntakeKind::Imaging,
                draft("Right knee", "ct", "", "", ""),
                &[
                    ("modality", IssueCode::UnknownCode),
                    ("performed_on", IssueCode::Required),
                ],
            ),
        ];
        for (kind, draft, expected) in cases {
            let got = IntakeItem::validate(*kind, draft, today());
            let got: Vec<(String, IssueCode)> = match got {
                Ok(item) => {
                    assert_eq!(item.kind(), *kind);
                    assert_eq!(&item.to_draft().name, &draft.name);
                    vec![]
                }
                Err(issues) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
            };
            let expected: Vec<(String, IssueCode)> =
                expected.iter().map(|(f, c)| (f.to_string(), *c)).collect();
            assert_eq!(got, expected, "{kind:?} {draft:?}");
        }
    }

    #[test]
    fn slugs_round_trip() {
        for kind in IntakeKind::ALL {
            assert_eq!(IntakeKind::from_slug(kind.slug()), Some(kind));
        }
    }
}
