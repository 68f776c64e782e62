//! Suitability screening: data-driven rules over the intake that prepare
//! the physician's decision. Each finding has a stable code and the names
//! of what caused it; the outcome is eligible, needs review or not eligible.

use crate::code_enum;
use crate::intake::{ConditionCategory, ConditionStatus, IntakeItem, MedicationClass};
use crate::plan::{Indication, TargetSite};
use crate::protocol::Protocol;
use crate::search::fold;
use chrono::{Days, Months, NaiveDate};

code_enum!(
    /// Why screening flags a patient.
    FindingCode {
        NsaidPause = "nsaid_pause",
        BleedingRisk = "bleeding_risk",
        RecentSteroid = "recent_steroid",
        ActiveInfection = "active_infection",
        Malignancy = "malignancy",
        Pregnancy = "pregnancy",
        Breastfeeding = "breastfeeding",
        BleedingDisorder = "bleeding_disorder",
        UncontrolledDiabetes = "uncontrolled_diabetes",
        ImagingMissing = "imaging_missing",
        ImagingStale = "imaging_stale",
        StudyRequired = "study_required",
    }
);

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something to do before the session (pause a medication); no review.
    Action,
    /// The physician decides, and going ahead needs a written justification.
    Review,
    /// The plan cannot go ahead.
    Exclusion,
}

/// The screening's overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Eligible,
    NeedsReview,
    NotEligible,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Eligible => "eligible",
            Outcome::NeedsReview => "needs_review",
            Outcome::NotEligible => "not_eligible",
        }
    }
}

/// One reason screening raised, with what caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    /// The medications or conditions behind the finding, as recorded.
    pub names: Vec<String>,
    /// A date that explains it: the last day to take an NSAID, the date of stale imaging.
    pub date: Option<NaiveDate>,
}

/// How far back a medication counts.
#[derive(Debug, Clone, Copy)]
enum Window {
    /// Taken now (not stopped before today).
    Current,
    /// Taken within the protocol's steroid look-back.
    SteroidLookback,
}

/// The medication rules, as data.
const MEDICATION_RULES: [(MedicationClass, FindingCode, Severity, Window); 4] = [
    (
        MedicationClass::Nsaid,
        FindingCode::NsaidPause,
        Severity::Action,
        Window::Current,
    ),
    (
        MedicationClass::Anticoagulant,
        FindingCode::BleedingRisk,
        Severity::Review,
        Window::Current,
    ),
    (
        MedicationClass::Antiplatelet,
        FindingCode::BleedingRisk,
        Severity::Review,
        Window::Current,
    ),
    (
        MedicationClass::SystemicSteroid,
        FindingCode::RecentSteroid,
        Severity::Review,
        Window::SteroidLookback,
    ),
];

/// The condition rules, as data: which categories count, and in which statuses.
const CONDITION_RULES: [(ConditionCategory, FindingCode, Severity, &[ConditionStatus]); 6] = [
    (
        ConditionCategory::Infection,
        FindingCode::ActiveInfection,
        Severity::Review,
        &[ConditionStatus::Active],
    ),
    (
        ConditionCategory::Malignancy,
        FindingCode::Malignancy,
        Severity::Review,
        &[ConditionStatus::Active, ConditionStatus::Remission],
    ),
    (
        ConditionCategory::Pregnancy,
        FindingCode::Pregnancy,
        Severity::Review,
        &[ConditionStatus::Active],
    ),
    (
        ConditionCategory::Breastfeeding,
        FindingCode::Breastfeeding,
        Severity::Review,
        &[ConditionStatus::Active],
    ),
    (
        ConditionCategory::BleedingDisorder,
        FindingCode::BleedingDisorder,
        Severity::Review,
        &[
            ConditionStatus::Active,
            ConditionStatus::Remission,
            ConditionStatus::Inactive,
        ],
    ),
    (
        ConditionCategory::UncontrolledDiabetes,
        FindingCode::UncontrolledDiabetes,
        Severity::Review,
        &[ConditionStatus::Active],
    ),
];

/// Words that name each target site in an imaging report's region (folded, both languages).
fn region_words(site: TargetSite) -> &'static [&'static str] {
    match site {
        TargetSite::Knee => &["knee", "ركبه"],
        TargetSite::Hip => &["hip", "ورك"],
        TargetSite::Shoulder => &["shoulder", "كتف"],
        TargetSite::Tendon => &["tendon", "achilles", "elbow", "shoulder", "knee", "وتر"],
        TargetSite::SpinalDisc => &[
            "spine", "lumbar", "cervical", "thoracic", "disc", "عمود", "فقر", "قطني",
        ],
        TargetSite::Face | TargetSite::Scalp | TargetSite::Systemic => &[],
    }
}

/// What a screening looks at: the proposed treatment.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub indication: Indication,
    pub target_site: TargetSite,
    pub study_id: Option<String>,
    /// The planned session date, when known (the NSAID pause counts back from it).
    pub session_date: Option<NaiveDate>,
}

/// The result: every finding, and the outcome they lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
}

/// Screens a proposal against the patient's intake entries (all kinds).
pub fn screen(
    proposal: &Proposal,
    intake: &[IntakeItem],
    protocol: &Protocol,
    today: NaiveDate,
) -> Screening {
    let medications = intake;
    let imaging = intake;
    let mut findings: Vec<Finding> = Vec::new();
    if proposal.indication.needs_study()
        && proposal
            .study_id
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
    {
        findings.push(Finding {
            code: FindingCode::StudyRequired,
            severity: Severity::Exclusion,
            names: vec![],
            date: None,
        });
    }
    let steroid_since = today
        .checked_sub_days(Days::new(u64::from(protocol.steroid_lookback_days)))
        .unwrap_or(today);
    for (class, code, severity, window) in MEDICATION_RULES {
        let names: Vec<String> = medications
            .iter()
            .filter_map(|m| match m {
                IntakeItem::Medication {
                    name,
                    class: c,
                    stopped,
                    ..
                } if *c == class => {
                    let counts = match window {
                        Window::Current => stopped.is_none_or(|s| s >= today),
                        Window::SteroidLookback => stopped.is_none_or(|s| s >= steroid_since),
                    };
                    counts.then(|| name.clone())
                }
                _ => None,
            })
            .collect();
        if names.is_empty() {
            continue;
        }
        let date = (code == FindingCode::NsaidPause)
            .then(|| {
                proposal.session_date.and_then(|d| {
                    d.checked_sub_days(Days::new(u64::from(protocol.nsaid_pause_days) + 1))
                })
            })
            .flatten();
        match findings.iter_mut().find(|f| f.code == code) {
            Some(existing) => existing.names.extend(names),
            None => findings.push(Finding {
                code,
                severity,
                names,
                date,
            }),
        }
    }
    for (category, code, severity, statuses) in CONDITION_RULES {
        let names: Vec<String> = intake
            .iter()
            .filter_map(|item| match item {
                IntakeItem::Condition {
                    name,
                    status,
                    category: c,
                    ..
                } if *c == category && statuses.contains(status) => Some(name.clone()),
                _ => None,
            })
            .collect();
        if !names.is_empty() {
            findings.push(Finding {
                code,
                severity,
                names,
                date: None,
            });
        }
    }
    let words = region_words(proposal.target_site);
    if !words.is_empty() {
        let latest = imaging
            .iter()
            .filter_map(|i| match i {
                IntakeItem::Imaging {
                    region,
                    performed_on,
                    ..
                } => {
                    let region = fold(region);
                    words
                        .iter()
                        .any(|w| region.contains(w))
                        .then_some(*performed_on)
                }
                _ => None,
            })
            .max();
        let oldest_allowed = today
            .checked_sub_months(Months::new(protocol.imaging_max_age_months))
            .unwrap_or(today);
        match latest {
            None => findings.push(Finding {
                code: FindingCode::ImagingMissing,
                severity: Severity::Review,
                names: vec![],
                date: None,
            }),
            Some(date) if date < oldest_allowed => findings.push(Finding {
                code: FindingCode::ImagingStale,
                severity: Severity::Review,
                names: vec![],
                date: Some(date),
            }),
            Some(_) => {}
        }
    }
    let outcome = match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Exclusion) => Outcome::NotEligible,
        Some(Severity::Review) => Outcome::NeedsReview,
        Some(Severity::Action) | None => Outcome::Eligible,
    };
    Screening { outcome, findings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn today() -> NaiveDate {
        day("2026-11-25")
    }

    fn med(name: &str, class: MedicationClass, stopped: Option<&str>) -> IntakeItem {
        IntakeItem::Medication {
            name: name.into(),
            class,
            dose: None,
            started: None,
            stopped: stopped.map(day),
        }
    }

    fn mri(region: &str, date: &str) -> IntakeItem {
        IntakeItem::Imaging {
            modality: crate::intake::ImagingModality::Mri,
            region: region.into(),
            performed_on: day(date),
            findings: None,
        }
    }

    fn knee() -> Proposal {
        Proposal {
            indication: Indication::Osteoarthritis,
            target_site: TargetSite::Knee,
            study_id: None,
            session_date: Some(day("2026-12-10")),
        }
    }

    fn condition(name: &str, category: ConditionCategory, status: ConditionStatus) -> IntakeItem {
        IntakeItem::Condition {
            name: name.into(),
            status,
            category,
            onset: None,
            notes: None,
        }
    }

    fn codes(s: &Screening) -> Vec<FindingCode> {
        s.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn screening_rules() {
        let recent_knee = vec![mri("Right knee", "2026-09-01")];
        type Case = (
            Vec<IntakeItem>,
            Vec<IntakeItem>,
            Vec<IntakeItem>,
            Outcome,
            Vec<FindingCode>,
        );
        let cases: Vec<Case> = vec![
            (
                vec![],
                vec![],
                recent_knee.clone(),
                Outcome::Eligible,
                vec![],
            ),
            (
                vec![med("Ibuprofen", MedicationClass::Nsaid, None)],
                vec![],
                recent_knee.clone(),
                Outcome::Eligible,
                vec![FindingCode::NsaidPause],
            ),
            (
                vec![med("Ibuprofen", MedicationClass::Nsaid, Some("2026-01-01"))],
                vec![],
                recent_knee.clone(),
                Outcome::Eligible,
                vec![],
            ),
            (
                vec![
                    med("Apixaban", MedicationClass::Anticoagulant, None),
                    med("Aspirin", MedicationClass::Antiplatelet, None),
                ],
                vec![],
                recent_knee.clone(),
                Outcome::NeedsReview,
                vec![FindingCode::BleedingRisk],
            ),
            (
                vec![med(
                    "Prednisolone",
                    MedicationClass::SystemicSteroid,
                    Some("2026-11-20"),
                )],
                vec![],
                recent_knee.clone(),
                Outcome::NeedsReview,
                vec![FindingCode::RecentSteroid],
            ),
            (
                vec![med(
                    "Prednisolone",
                    MedicationClass::SystemicSteroid,
                    Some("2026-10-01"),
                )],
                vec![],
                recent_knee.clone(),
                Outcome::Eligible,
                vec![],
            ),
            (
                vec![],
                vec![
                    condition(
                        "Cellulitis",
                        ConditionCategory::Infection,
                        ConditionStatus::Active,
                    ),
                    condition(
                        "Breast cancer",
                        ConditionCategory::Malignancy,
                        ConditionStatus::Remission,
                    ),
                    condition(
                        "Old infection",
                        ConditionCategory::Infection,
                        ConditionStatus::Resolved,
                    ),
                ],
                recent_knee.clone(),
                Outcome::NeedsReview,
                vec![FindingCode::ActiveInfection, FindingCode::Malignancy],
            ),
            (
                vec![],
                vec![],
                vec![],
                Outcome::NeedsReview,
                vec![FindingCode::ImagingMissing],
            ),
            (
                vec![],
                vec![],
                vec![mri("Lumbar spine", "2026-09-01")],
                Outcome::NeedsReview,
                vec![FindingCode::ImagingMissing],
            ),
            (
                vec![],
                vec![],
                vec![mri("Right knee", "2026-04-01")],
                Outcome::NeedsReview,
                vec![FindingCode::ImagingStale],
            ),
            (
                vec![],
                vec![],
                vec![mri("الركبة اليمنى", "2026-10-01")],
                Outcome::Eligible,
                vec![],
            ),
        ];
        for (i, (meds, conds, imaging, outcome, expected)) in cases.iter().enumerate() {
            let intake: Vec<IntakeItem> =
                meds.iter().chain(conds).chain(imaging).cloned().collect();
            let s = screen(&knee(), &intake, &Protocol::default(), today());
            assert_eq!(
                (s.outcome, codes(&s)),
                (*outcome, expected.clone()),
                "case {i}"
            );
        }
    }

    #[test]
    fn findings_name_the_medications_and_the_last_day_of_an_nsaid() {
        let meds = vec![
            med("Ibuprofen", MedicationClass::Nsaid, None),
            med("Naproxen", MedicationClass::Nsaid, None),
            med("Warfarin", MedicationClass::Anticoagulant, None),
        ];
        let mut intake = meds;
        intake.push(mri("Right knee", "2026-09-01"));
        let s = screen(&knee(), &intake, &Protocol::default(), today());
        assert_eq!(s.outcome, Outcome::NeedsReview);
        let nsaid = &s.findings[0];
        assert_eq!(nsaid.names, ["Ibuprofen", "Naproxen"]);
        // Session on 10 Dec, pause 7 days: the last day to take them is 2 Dec.
        assert_eq!(nsaid.date, Some(day("2026-12-02")));
        assert_eq!(s.findings[1].names, ["Warfarin"]);
    }

    #[test]
    fn neurological_and_cardiac_need_a_study() {
        for indication in [Indication::Neurological, Indication::Cardiac] {
            let mut proposal = Proposal {
                indication,
                target_site: TargetSite::Systemic,
                study_id: None,
                session_date: None,
            };
            assert_eq!(
                screen(&proposal, &[], &Protocol::default(), today()).outcome,
                Outcome::NotEligible
            );
            proposal.study_id = Some("NCT01234567".into());
            assert_eq!(
                screen(&proposal, &[], &Protocol::default(), today()).outcome,
                Outcome::Eligible
            );
        }
    }
}
