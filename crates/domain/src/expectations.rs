//! What to expect: the patient's own session timeline, built from their
//! plan and the protocol (with or without a harvest, with or without
//! sedation), and the clinic's answers to common questions.

use crate::locale::Locale;
use crate::plan::Plan;
use crate::protocol::{MinuteRange, Protocol};

/// One step of the session day as the patient lives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepCode {
    CheckIn,
    /// Cells drawn from the patient (bone marrow or fat), under local anaesthetic.
    Harvest,
    /// The donor product is prepared (no harvest).
    DonorPreparation,
    /// The lab prepares the cells while the patient rests.
    Processing,
    Injection,
    Monitoring,
    GoHome,
}

impl StepCode {
    pub fn code(self) -> &'static str {
        match self {
            StepCode::CheckIn => "check_in",
            StepCode::Harvest => "harvest",
            StepCode::DonorPreparation => "donor_preparation",
            StepCode::Processing => "processing",
            StepCode::Injection => "injection",
            StepCode::Monitoring => "monitoring",
            StepCode::GoHome => "go_home",
        }
    }
}

/// A step with how long it usually takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineStep {
    pub code: StepCode,
    pub minutes: MinuteRange,
}

/// The patient's day and the days after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub steps: Vec<TimelineStep>,
    /// Whole visit, summed from the steps.
    pub total: MinuteRange,
    pub sedation: bool,
    /// Fasting before sedation (solids, clear liquids), in hours.
    pub fasting_hours: Option<(u32, u32)>,
    /// Someone must drive the patient home (sedation).
    pub needs_ride: bool,
    /// Recovery advice, as codes of the catalogue, in the order they apply.
    pub recovery: Vec<&'static str>,
}

/// Minutes of check-in (identity, checklist, time-out).
const CHECK_IN_MINUTES: MinuteRange = MinuteRange { min: 15, max: 30 };

/// Builds the timeline of a plan's session under a protocol.
pub fn session_timeline(plan: &Plan, protocol: &Protocol) -> Timeline {
    let sedation = plan.with_sedation();
    let mut steps = vec![TimelineStep {
        code: StepCode::CheckIn,
        minutes: CHECK_IN_MINUTES,
    }];
    if plan.cell_source.is_autologous() {
        steps.push(TimelineStep {
            code: StepCode::Harvest,
            minutes: protocol.harvest_minutes,
        });
    } else {
        let prep = protocol.donor_preparation_minutes;
        steps.push(TimelineStep {
            code: StepCode::DonorPreparation,
            minutes: MinuteRange {
                min: prep,
                max: prep,
            },
        });
    }
    if plan.cell_source.is_autologous() {
        steps.push(TimelineStep {
            code: StepCode::Processing,
            minutes: protocol.processing_minutes,
        });
    }
    steps.push(TimelineStep {
        code: StepCode::Injection,
        minutes: protocol.injection_minutes,
    });
    let monitoring = if sedation {
        protocol.monitoring_sedation_minutes
    } else {
        protocol.monitoring_minutes
    };
    steps.push(TimelineStep {
        code: StepCode::Monitoring,
        minutes: MinuteRange {
            min: monitoring,
            max: monitoring,
        },
    });
    steps.push(TimelineStep {
        code: StepCode::GoHome,
        minutes: MinuteRange { min: 0, max: 0 },
    });
    let total = steps
        .iter()
        .fold(MinuteRange { min: 0, max: 0 }, |acc, s| MinuteRange {
            min: acc.min + s.minutes.min,
            max: acc.max + s.minutes.max,
        });
    let mut recovery = vec![
        "ice_first_day",
        "hydration",
        "no_nsaids",
        "no_strenuous_week",
        "daily_activity_days",
        "work_days",
        "physical_therapy",
    ];
    if plan.cell_source.is_autologous() {
        recovery.insert(0, "harvest_site_care");
    }
    Timeline {
        steps,
        total,
        sedation,
        fasting_hours: sedation.then_some((
            protocol.fasting_solids_hours,
            protocol.fasting_clear_liquids_hours,
        )),
        needs_ride: sedation,
        recovery,
    }
}

/// The common questions the portal answers; the clinic edits each answer.
pub const QUESTIONS: [&str; 6] = [
    "what_to_wear",
    "will_i_be_asleep",
    "does_it_hurt",
    "when_can_i_work",
    "how_many_sessions",
    "who_to_call",
];

/// The neutral starting answer to a common question, for the clinic to edit.
pub fn starting_answer(question: &str, locale: Locale) -> Option<(&'static str, &'static str)> {
    let answer = match (question, locale) {
        ("what_to_wear", Locale::En) => (
            "What should I wear?",
            "Loose, comfortable clothing that gives easy access to the treated area.",
        ),
        ("what_to_wear", Locale::Ar) => (
            "ماذا أرتدي؟",
            "ملابس فضفاضة ومريحة تتيح الوصول بسهولة إلى المنطقة المعالَجة.",
        ),
        ("will_i_be_asleep", Locale::En) => (
            "Will I be asleep?",
            "Most sessions use a local anaesthetic and you stay awake. If your plan includes light sedation, the clinic explains the fasting rules and you need someone to take you home.",
        ),
        ("will_i_be_asleep", Locale::Ar) => (
            "هل سأكون نائمًا؟",
            "تُجرى معظم الجلسات بتخدير موضعي وتبقى مستيقظًا. إذا تضمنت خطتك تخديرًا خفيفًا، تشرح لك العيادة قواعد الصيام وتحتاج إلى من يوصلك إلى المنزل.",
        ),
        ("does_it_hurt", Locale::En) => (
            "Does it hurt?",
            "The areas are numbed. Some soreness or bruising afterwards is common and usually settles within days.",
        ),
        ("does_it_hurt", Locale::Ar) => (
            "هل هو مؤلم؟",
            "تُخدَّر المناطق. من الشائع الشعور ببعض الألم أو الكدمات بعد ذلك، وغالبًا ما تزول خلال أيام.",
        ),
        ("when_can_i_work", Locale::En) => (
            "When can I go back to work?",
            "Many people return to work within 24 to 48 hours and to daily activity in 1 to 2 days; avoid strenuous activity for about a week. Ask the clinic about your own case.",
        ),
        ("when_can_i_work", Locale::Ar) => (
            "متى أعود إلى العمل؟",
            "يعود كثيرون إلى العمل خلال ٢٤ إلى ٤٨ ساعة وإلى نشاطهم اليومي خلال يوم أو يومين؛ تجنب المجهود الشاق نحو أسبوع. اسأل العيادة عن حالتك.",
        ),
        ("how_many_sessions", Locale::En) => (
            "How many sessions will I need?",
            "Your plan states the number of sessions planned for you; your physician reviews it at follow-up.",
        ),
        ("how_many_sessions", Locale::Ar) => (
            "كم جلسة سأحتاج؟",
            "تذكر خطتك عدد الجلسات المخطط لها؛ ويراجعها طبيبك في المتابعة.",
        ),
        ("who_to_call", Locale::En) => (
            "Who do I call if something worries me?",
            "Call the clinic at any time. If you have a fever, pain that keeps rising, or bleeding that does not stop, call at once.",
        ),
        ("who_to_call", Locale::Ar) => (
            "بمن أتصل إذا أقلقني شيء؟",
            "اتصل بالعيادة في أي وقت. إذا أصبت بحمى أو ألم يتزايد أو نزيف لا يتوقف، فاتصل فورًا.",
        ),
        _ => return None,
    };
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanDraft;

    fn plan(source: &str, anaesthesia: &str) -> Plan {
        PlanDraft {
            indication: "osteoarthritis".into(),
            target_site: "knee".into(),
            side: "left".into(),
            spinal_level: String::new(),
            cell_source: source.into(),
            guidance: "ultrasound".into(),
            anaesthesia: anaesthesia.into(),
            planned_sessions: "1".into(),
            study_id: String::new(),
        }
        .validate(&Protocol::default())
        .expect("valid plan")
    }

    fn codes(t: &Timeline) -> Vec<&'static str> {
        t.steps.iter().map(|s| s.code.code()).collect()
    }

    #[test]
    fn timelines_follow_the_plan() {
        let p = Protocol::default();
        let local = session_timeline(&plan("bone_marrow", "local"), &p);
        assert_eq!(
            codes(&local),
            [
                "check_in",
                "harvest",
                "processing",
                "injection",
                "monitoring",
                "go_home"
            ]
        );
        assert_eq!(
            (local.total.min, local.total.max),
            (15 + 30 + 30 + 15 + 30, 30 + 45 + 60 + 30 + 30)
        );
        assert_eq!(
            (local.sedation, local.needs_ride, local.fasting_hours),
            (false, false, None)
        );
        assert_eq!(local.recovery[0], "harvest_site_care");

        let sedated = session_timeline(&plan("adipose", "sedation"), &p);
        assert_eq!(sedated.fasting_hours, Some((6, 2)));
        assert!(sedated.needs_ride);
        assert_eq!(
            sedated.steps[4].minutes.min, 60,
            "monitoring is longer after sedation"
        );

        let donor = session_timeline(&plan("allogeneic", "local"), &p);
        assert_eq!(
            codes(&donor),
            [
                "check_in",
                "donor_preparation",
                "injection",
                "monitoring",
                "go_home"
            ]
        );
        assert!(!donor.recovery.contains(&"harvest_site_care"));
    }

    #[test]
    fn every_question_has_a_starting_answer_in_both_languages() {
        for q in QUESTIONS {
            for locale in Locale::ALL {
                assert!(starting_answer(q, locale).is_some(), "{q} {locale}");
            }
        }
        assert!(starting_answer("unknown", Locale::En).is_none());
    }
}
