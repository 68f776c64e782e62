//! Outcomes over time: when a questionnaire was answered (the follow-up
//! timepoint), which questionnaires a patient's plans call for, each
//! score's course against its baseline, and whether a patient improved by
//! the measure's minimal important change.

use crate::code_enum;
use crate::plan::TargetSite;
use crate::questionnaire::{Definition, KOOS, NRS_PAIN, ODI, Scores};
use chrono::{DateTime, NaiveDate, Utc};

code_enum!(
    /// When in the follow-up a questionnaire was answered.
    Timepoint {
        Baseline = "baseline",
        Week1 = "1w",
        Week6 = "6w",
        Month3 = "3m",
        Month6 = "6m",
        Month12 = "12m",
        Other = "other",
    }
);

/// The questionnaires a patient is asked, in a stable order: the pain NRS
/// for everyone, KOOS when a plan treats a knee, the ODI when one treats
/// the spine.
pub fn applicable(target_sites: &[TargetSite]) -> Vec<&'static str> {
    let mut codes = vec![NRS_PAIN];
    if target_sites.contains(&TargetSite::Knee) {
        codes.push(KOOS);
    }
    if target_sites.contains(&TargetSite::SpinalDisc) {
        codes.push(ODI);
    }
    codes
}

/// One answered questionnaire, as outcomes read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    pub timepoint: Timepoint,
    pub answered_at: DateTime<Utc>,
    pub scores: Scores,
}

/// One score's value at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Days since the origin (the first treatment session, else baseline).
    pub day: i64,
    pub value: f64,
    pub timepoint: Timepoint,
    pub is_baseline: bool,
}

/// One score of one questionnaire over time, against its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    pub score_code: String,
    /// The baseline value; `None` when no answer gave this score.
    pub baseline: Option<f64>,
    pub mic: f64,
    /// Oldest first.
    pub points: Vec<Point>,
}

/// The day the x axis starts: the first treatment session, else the first
/// baseline answer, else the first answer.
pub fn origin(session_days: &[NaiveDate], responses: &[Answered]) -> Option<NaiveDate> {
    session_days.iter().min().copied().or_else(|| {
        let baseline = responses
            .iter()
            .filter(|r| r.timepoint == Timepoint::Baseline)
            .map(|r| r.answered_at)
            .min();
        baseline
            .or_else(|| responses.iter().map(|r| r.answered_at).min())
            .map(|at| at.date_naive())
    })
}

/// The answer a score's baseline is taken from: the earliest answered at
/// `baseline` that gives the score, else the earliest that gives it.
fn baseline_index(responses: &[Answered], score_code: &str) -> Option<usize> {
    let giving = |r: &&(usize, &Answered)| r.1.scores.get(score_code).is_some();
    let indexed: Vec<(usize, &Answered)> = responses.iter().enumerate().collect();
    indexed
        .iter()
        .filter(giving)
        .filter(|(_, r)| r.timepoint == Timepoint::Baseline)
        .min_by_key(|(_, r)| r.answered_at)
        .or_else(|| {
            indexed
                .iter()
                .filter(giving)
                .min_by_key(|(_, r)| r.answered_at)
        })
        .map(|(idx, _)| *idx)
}

/// Each score of `definition` over time from `responses` (answers to it),
/// with days counted from `origin`.
pub fn courses(definition: &Definition, responses: &[Answered], origin: NaiveDate) -> Vec<Course> {
    let mut sorted: Vec<Answered> = responses.to_vec();
    sorted.sort_by_key(|r| r.answered_at);
    definition
        .scores()
        .iter()
        .map(|rule| {
            let base = baseline_index(&sorted, &rule.code);
            let points = sorted
                .iter()
                .enumerate()
                .filter_map(|(idx, r)| {
                    r.scores.get(&rule.code).map(|value| Point {
                        day: (r.answered_at.date_naive() - origin).num_days(),
                        value,
                        timepoint: r.timepoint,
                        is_baseline: Some(idx) == base,
                    })
                })
                .collect();
            Course {
                score_code: rule.code.clone(),
                baseline: base.and_then(|idx| sorted[idx].scores.get(&rule.code)),
                mic: rule.mic,
                points,
            }
        })
        .collect()
}

/// The baseline and the latest later value of a score, when both exist.
pub fn baseline_and_latest(responses: &[Answered], score_code: &str) -> Option<(f64, f64)> {
    let base = baseline_index(responses, score_code)?;
    let baseline_at = responses[base].answered_at;
    let baseline = responses[base].scores.get(score_code)?;
    let latest = responses
        .iter()
        .enumerate()
        .filter(|(idx, r)| *idx != base && r.answered_at >= baseline_at)
        .filter_map(|(_, r)| r.scores.get(score_code).map(|v| (r.answered_at, v)))
        .max_by_key(|(at, _)| *at)?;
    Some((baseline, latest.1))
}

/// Whether one patient improved on one score: latest against baseline by
/// the minimal important change; `None` without both.
pub fn improved(definition: &Definition, responses: &[Answered], score_code: &str) -> Option<bool> {
    let (baseline, latest) = baseline_and_latest(responses, score_code)?;
    definition.improved(score_code, baseline, latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::Score;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0)
            .single()
            .expect("date")
    }

    fn nrs(timepoint: Timepoint, day: u32, pain: f64) -> Answered {
        Answered {
            timepoint,
            answered_at: at(day),
            scores: Scores(vec![Score {
                code: "pain".into(),
                value: Some(pain),
            }]),
        }
    }

    #[test]
    fn applicable_questionnaires_follow_the_target_sites() {
        assert_eq!(applicable(&[]), [NRS_PAIN]);
        assert_eq!(applicable(&[TargetSite::Knee]), [NRS_PAIN, KOOS]);
        assert_eq!(applicable(&[TargetSite::SpinalDisc]), [NRS_PAIN, ODI]);
        assert_eq!(
            applicable(&[TargetSite::SpinalDisc, TargetSite::Knee, TargetSite::Hip]),
            [NRS_PAIN, KOOS, ODI]
        );
        assert_eq!(applicable(&[TargetSite::Shoulder]), [NRS_PAIN]);
    }

    #[test]
    fn timepoints_round_trip() {
        for tp in Timepoint::ALL {
            assert_eq!(Timepoint::parse("timepoint", tp.code()), Ok(*tp));
        }
        assert!(Timepoint::parse("timepoint", "2y").is_err());
    }

    #[test]
    fn courses_count_days_from_the_first_session_and_mark_the_baseline() {
        let definition = Definition::by_code(NRS_PAIN).expect("nrs");
        let responses = vec![
            nrs(Timepoint::Week6, 20, 4.0),
            nrs(Timepoint::Baseline, 1, 7.0),
            nrs(Timepoint::Week1, 10, 6.0),
        ];
        let session = at(3).date_naive();
        assert_eq!(origin(&[session], &responses), Some(session));
        assert_eq!(origin(&[], &responses), Some(at(1).date_naive()));
        let course = &courses(&definition, &responses, session)[0];
        assert_eq!(course.baseline, Some(7.0));
        let days: Vec<(i64, f64, bool)> = course
            .points
            .iter()
            .map(|p| (p.day, p.value, p.is_baseline))
            .collect();
        assert_eq!(days, [(-2, 7.0, true), (7, 6.0, false), (17, 4.0, false)]);
    }

    #[test]
    fn improvement_is_latest_against_baseline_by_the_mic() {
        let definition = Definition::by_code(NRS_PAIN).expect("nrs");
        let better = vec![
            nrs(Timepoint::Baseline, 1, 7.0),
            nrs(Timepoint::Week1, 8, 7.0),
            nrs(Timepoint::Week6, 20, 5.0),
        ];
        assert_eq!(improved(&definition, &better, "pain"), Some(true));
        let same = vec![
            nrs(Timepoint::Baseline, 1, 7.0),
            nrs(Timepoint::Week6, 20, 6.0),
        ];
        assert_eq!(improved(&definition, &same, "pain"), Some(false));
        let only_baseline = vec![nrs(Timepoint::Baseline, 1, 7.0)];
        assert_eq!(improved(&definition, &only_baseline, "pain"), None);
        // Without an answer marked baseline, the first answer is it.
        let unmarked = vec![
            nrs(Timepoint::Other, 1, 8.0),
            nrs(Timepoint::Month3, 30, 3.0),
        ];
        assert_eq!(improved(&definition, &unmarked, "pain"), Some(true));
    }
}
