//! Treatment plans: what is treated, where, with which cells, under which
//! guidance and anaesthesia. Contradictions are refused with their reasons.

use crate::code_enum;
use crate::issue::{Issue, IssueCode, Issues};
use crate::protocol::Protocol;
use crate::text::{self, SHORT_MAX};

code_enum!(
    /// What the plan treats. Neurological and cardiac indications are only
    /// planned inside a registered clinical study.
    Indication {
        Osteoarthritis = "osteoarthritis",
        TendonLigament = "tendon_ligament",
        DegenerativeDisc = "degenerative_disc",
        SkinAgeing = "skin_ageing",
        HairLoss = "hair_loss",
        Neurological = "neurological",
        Cardiac = "cardiac",
    }
);
code_enum!(
    /// Where the cells go.
    TargetSite {
        Knee = "knee",
        Hip = "hip",
        Shoulder = "shoulder",
        Tendon = "tendon",
        SpinalDisc = "spinal_disc",
        Face = "face",
        Scalp = "scalp",
        Systemic = "systemic",
    }
);
code_enum!(
    /// Which side of the body.
    Side { Left = "left", Right = "right", Both = "both", Midline = "midline" }
);
code_enum!(
    /// Where the cells come from.
    CellSource {
        /// Autologous bone marrow from the iliac crest ("the hip").
        BoneMarrow = "bone_marrow",
        /// Autologous adipose tissue from the abdomen.
        Adipose = "adipose",
        /// A released donor product.
        Allogeneic = "allogeneic",
    }
);
code_enum!(
    /// How the injection is guided.
    Guidance { Ultrasound = "ultrasound", Fluoroscopy = "fluoroscopy", NoGuidance = "none" }
);
code_enum!(
    /// Anaesthesia of the injection.
    Anaesthesia { Local = "local", Sedation = "sedation" }
);

impl Indication {
    /// Indications that need a registered clinical study identifier.
    pub fn needs_study(self) -> bool {
        matches!(self, Indication::Neurological | Indication::Cardiac)
    }

    /// Target sites that fit this indication.
    pub fn sites(self) -> &'static [TargetSite] {
        use TargetSite::*;
        match self {
            Indication::Osteoarthritis => &[Knee, Hip, Shoulder],
            Indication::TendonLigament => &[Tendon, Shoulder, Knee],
            Indication::DegenerativeDisc => &[SpinalDisc],
            Indication::SkinAgeing => &[Face],
            Indication::HairLoss => &[Scalp],
            Indication::Neurological | Indication::Cardiac => &[Systemic, SpinalDisc],
        }
    }
}

impl TargetSite {
    pub fn is_skin(self) -> bool {
        matches!(self, TargetSite::Face | TargetSite::Scalp)
    }

    /// Sites with a left and a right.
    pub fn is_paired(self) -> bool {
        matches!(
            self,
            TargetSite::Knee | TargetSite::Hip | TargetSite::Shoulder | TargetSite::Tendon
        )
    }
}

impl CellSource {
    /// Whether the patient's own cells are harvested on the session day.
    pub fn is_autologous(self) -> bool {
        self != CellSource::Allogeneic
    }
}

/// A plan as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanDraft {
    pub indication: String,
    pub target_site: String,
    pub side: String,
    /// Spinal level (`L4-L5`) for a disc.
    pub spinal_level: String,
    pub cell_source: String,
    pub guidance: String,
    pub anaesthesia: String,
    pub planned_sessions: String,
    /// Registered clinical study identifier (required for neurological and cardiac indications).
    pub study_id: String,
}

/// A plan that holds together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub indication: Indication,
    pub target_site: TargetSite,
    pub side: Side,
    pub spinal_level: Option<String>,
    pub cell_source: CellSource,
    pub guidance: Guidance,
    pub anaesthesia: Anaesthesia,
    pub planned_sessions: u32,
    pub study_id: Option<String>,
}

/// Most sessions one plan may hold.
pub const SESSIONS_MAX: u32 = 10;

impl PlanDraft {
    /// Validates the fields and the plan as a whole under `protocol`.
    pub fn validate(&self, protocol: &Protocol) -> Result<Plan, Issues> {
        let mut issues = Issues::default();
        let indication = issues.check(Indication::parse("indication", &self.indication));
        let target_site = issues.check(TargetSite::parse("target_site", &self.target_site));
        let side = issues.check(Side::parse("side", &self.side));
        let spinal_level = issues.check(text::optional("spinal_level", &self.spinal_level, 16));
        let cell_source = issues.check(CellSource::parse("cell_source", &self.cell_source));
        let guidance = issues.check(Guidance::parse("guidance", &self.guidance));
        let anaesthesia = issues.check(Anaesthesia::parse("anaesthesia", &self.anaesthesia));
        let study_id = issues.check(text::optional("study_id", &self.study_id, SHORT_MAX));
        let planned_sessions = match self.planned_sessions.trim().parse::<u32>() {
            Ok(n) if (1..=SESSIONS_MAX).contains(&n) => Some(n),
            Ok(_) => {
                issues.push(Issue {
                    field: "planned_sessions".into(),
                    code: IssueCode::OutOfRange,
                    limit: Some(SESSIONS_MAX),
                });
                None
            }
            Err(_) if self.planned_sessions.trim().is_empty() => {
                issues.add("planned_sessions", IssueCode::Required);
                None
            }
            Err(_) => {
                issues.add("planned_sessions", IssueCode::InvalidFormat);
                None
            }
        };
        let (
            Some(indication),
            Some(target_site),
            Some(side),
            Some(spinal_level),
            Some(cell_source),
            Some(guidance),
            Some(anaesthesia),
            Some(study_id),
            Some(planned_sessions),
        ) = (
            indication,
            target_site,
            side,
            spinal_level,
            cell_source,
            guidance,
            anaesthesia,
            study_id,
            planned_sessions,
        )
        else {
            return Err(issues);
        };
        let plan = Plan {
            indication,
            target_site,
            side,
            spinal_level,
            cell_source,
            guidance,
            anaesthesia,
            planned_sessions,
            study_id,
        };
        for refusal in plan.contradictions(protocol) {
            issues.push(refusal);
        }
        issues.into_result(|| plan)
    }
}

impl Plan {
    /// Every reason this plan cannot be carried out as written.
    pub fn contradictions(&self, protocol: &Protocol) -> Vec<Issue> {
        let mut out = Vec::new();
        if self.indication.needs_study() && self.study_id.is_none() {
            out.push(Issue::new("study_id", IssueCode::StudyRequired));
        }
        if !self.indication.sites().contains(&self.target_site) {
            out.push(Issue::new("target_site", IssueCode::SiteMismatch));
        }
        if self.target_site == TargetSite::SpinalDisc && self.guidance != Guidance::Fluoroscopy {
            out.push(Issue::new("guidance", IssueCode::NeedsFluoroscopy));
        }
        if self.target_site.is_skin() && self.guidance != Guidance::NoGuidance {
            out.push(Issue::new("guidance", IssueCode::NoGuidanceForSkin));
        }
        if self.anaesthesia == Anaesthesia::Sedation && protocol.fasting_solids_hours == 0 {
            out.push(Issue::new("anaesthesia", IssueCode::SedationNeedsFasting));
        }
        if self.target_site.is_paired()
            && !matches!(self.side, Side::Left | Side::Right | Side::Both)
        {
            out.push(Issue::new("side", IssueCode::SiteMismatch));
        }
        if self.target_site == TargetSite::SpinalDisc && self.spinal_level.is_none() {
            out.push(Issue::new("spinal_level", IssueCode::Required));
        }
        out
    }

    /// Whether the patient fasts and needs a ride home.
    pub fn with_sedation(&self) -> bool {
        self.anaesthesia == Anaesthesia::Sedation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knee() -> PlanDraft {
        PlanDraft {
            indication: "osteoarthritis".into(),
            target_site: "knee".into(),
            side: "right".into(),
            spinal_level: String::new(),
            cell_source: "bone_marrow".into(),
            guidance: "ultrasound".into(),
            anaesthesia: "local".into(),
            planned_sessions: "1".into(),
            study_id: String::new(),
        }
    }

    #[test]
    fn contradictions_are_refused_with_their_reasons() {
        type Edit = fn(&mut PlanDraft);
        let no_fasting = Protocol {
            fasting_solids_hours: 0,
            fasting_clear_liquids_hours: 0,
            ..Protocol::default()
        };
        type Case<'a> = (Edit, &'a Protocol, &'a [(&'a str, IssueCode)]);
        let cases: &[Case] = &[
            (|_| {}, &Protocol::default(), &[]),
            (
                |d| {
                    d.indication = "degenerative_disc".into();
                    d.target_site = "spinal_disc".into();
                    d.side = "midline".into();
                    d.spinal_level = "L4-L5".into();
                },
                &Protocol::default(),
                &[("guidance", IssueCode::NeedsFluoroscopy)],
            ),
            (
                |d| {
                    d.indication = "degenerative_disc".into();
                    d.target_site = "spinal_disc".into();
                    d.side = "midline".into();
                    d.guidance = "fluoroscopy".into();
                },
                &Protocol::default(),
                &[("spinal_level", IssueCode::Required)],
            ),
            (
                |d| {
                    d.indication = "hair_loss".into();
                    d.target_site = "scalp".into();
                    d.side = "midline".into();
                    d.cell_source = "adipose".into();
                },
                &Protocol::default(),
                &[("guidance", IssueCode::NoGuidanceForSkin)],
            ),
            (
                |d| {
                    d.indication = "skin_ageing".into();
                    d.target_site = "face".into();
                    d.side = "midline".into();
                    d.guidance = "none".into();
                },
                &Protocol::default(),
                &[],
            ),
            (
                |d| d.anaesthesia = "sedation".into(),
                &no_fasting,
                &[("anaesthesia", IssueCode::SedationNeedsFasting)],
            ),
            (
                |d| d.anaesthesia = "sedation".into(),
                &Protocol::default(),
                &[],
            ),
            (
                |d| {
                    d.indication = "neurological".into();
                    d.target_site = "systemic".into();
                    d.side = "midline".into();
                    d.guidance = "none".into();
                },
                &Protocol::default(),
                &[("study_id", IssueCode::StudyRequired)],
            ),
            (
                |d| {
                    d.indication = "cardiac".into();
                    d.target_site = "systemic".into();
                    d.side = "midline".into();
                    d.guidance = "none".into();
                    d.study_id = "NCT01234567".into();
                },
                &Protocol::default(),
                &[],
            ),
            (
                |d| d.target_site = "scalp".into(),
                &Protocol::default(),
                &[
                    ("target_site", IssueCode::SiteMismatch),
                    ("guidance", IssueCode::NoGuidanceForSkin),
                ],
            ),
            (
                |d| d.side = "midline".into(),
                &Protocol::default(),
                &[("side", IssueCode::SiteMismatch)],
            ),
            (
                |d| d.planned_sessions = "0".into(),
                &Protocol::default(),
                &[("planned_sessions", IssueCode::OutOfRange)],
            ),
            (
                |d| d.cell_source = "stem".into(),
                &Protocol::default(),
                &[("cell_source", IssueCode::UnknownCode)],
            ),
        ];
        for (i, (edit, protocol, expected)) in cases.iter().enumerate() {
            let mut draft = knee();
            edit(&mut draft);
            let got: Vec<(String, IssueCode)> = match draft.validate(protocol) {
                Ok(_) => vec![],
                Err(issues) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
            };
            let expected: Vec<(String, IssueCode)> =
                expected.iter().map(|(f, c)| (f.to_string(), *c)).collect();
            assert_eq!(got, expected, "case {i}: {draft:?}");
        }
    }
}

code_enum!(
    /// Where a plan stands: written, then decided by the physician.
    PlanStatus { Draft = "draft", Approved = "approved", Declined = "declined" }
);

/// The physician's signed suitability decision, with the screening it was made on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Go ahead (approve) or not (decline).
    pub proceed: bool,
    /// The screening outcome when the decision was signed.
    pub outcome: crate::screening::Outcome,
    /// The findings when the decision was signed: code and the names behind it.
    pub findings: Vec<(crate::screening::FindingCode, Vec<String>)>,
    /// Required to go ahead over a finding that needs review.
    pub justification: Option<String>,
    pub decided_by: String,
    pub decided_at: chrono::DateTime<chrono::Utc>,
}

/// A plan as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreatmentPlan {
    pub id: crate::PlanId,
    pub patient_id: crate::PatientId,
    pub site_id: crate::SiteId,
    pub plan: Plan,
    /// The earlier plan this one repeats.
    pub previous_plan_id: Option<crate::PlanId>,
    pub status: PlanStatus,
    pub decision: Option<Decision>,
    pub created_by: String,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Plan {
    /// The plan's fields as (name, code) pairs, for forms, the API and the audit trail.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("indication", self.indication.code().to_string()),
            ("target_site", self.target_site.code().to_string()),
            ("side", self.side.code().to_string()),
            (
                "spinal_level",
                self.spinal_level.clone().unwrap_or_default(),
            ),
            ("cell_source", self.cell_source.code().to_string()),
            ("guidance", self.guidance.code().to_string()),
            ("anaesthesia", self.anaesthesia.code().to_string()),
            ("planned_sessions", self.planned_sessions.to_string()),
            ("study_id", self.study_id.clone().unwrap_or_default()),
        ]
    }
}

/// Why a decision cannot be signed as asked.
pub fn check_decision(
    outcome: crate::screening::Outcome,
    proceed: bool,
    justification: &str,
) -> Result<Option<String>, Issues> {
    use crate::screening::Outcome;
    let mut issues = Issues::default();
    let justification = issues.check(text::optional(
        "justification",
        justification,
        crate::text::LONG_MAX,
    ));
    if proceed {
        match outcome {
            Outcome::NotEligible => issues.add("proceed", IssueCode::NotEligible),
            Outcome::NeedsReview if justification.as_ref().is_none_or(|j| j.is_none()) => {
                issues.add("justification", IssueCode::Required)
            }
            _ => {}
        }
    }
    match justification {
        Some(j) if issues.is_empty() => Ok(j),
        _ => Err(issues),
    }
}

code_enum!(
    /// Where a planned session stands.
    SessionStatus { Planned = "planned", Cancelled = "cancelled" }
);

/// One session of a plan, on a date, under the protocol version in force
/// when it was booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreatmentSession {
    pub id: crate::SessionId,
    pub plan_id: crate::PlanId,
    pub patient_id: crate::PatientId,
    pub site_id: crate::SiteId,
    /// 1 for the first session of the plan, 2 for the next...
    pub number: i64,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub protocol_version: i64,
    pub status: SessionStatus,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
