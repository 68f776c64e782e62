//! The symptom diary of the two weeks after a session, what is expected on
//! each day, and the red-flag rules that put an entry in the clinic's triage
//! queue and tell the patient to call the clinic now.
//!
//! The rules are a table ([`RULES`]): each has a stable code, a severity and
//! a predicate over the entry, the session's earlier entries and a little
//! context, so a test can run every rule on its own and the triage queue can
//! name the rule that fired. Which rule is urgent rather than high is a
//! clinical starting point for the clinic's medical lead to review: fever of
//! 39.4 °C or more, bleeding that does not stop, a swelling that keeps
//! growing, and new numbness or weakness after a spinal injection are urgent;
//! the rest are high.

use crate::issue::{Issue, IssueCode, Issues};
use crate::text::{self, LONG_MAX, western_digits};
use std::collections::BTreeMap;
use std::fmt;

/// The diary covers the first two weeks after the session.
pub const DIARY_DAYS: u8 = 14;
/// Fever, in tenths of a degree Celsius: 38.0 °C.
pub const FEVER_TENTHS: i16 = 380;
/// Urgent fever, in tenths of a degree Celsius: 39.4 °C.
pub const URGENT_FEVER_TENTHS: i16 = 394;
/// Pain at or above this, at any site, is a red flag.
pub const SEVERE_PAIN: u8 = 7;
/// From this day on (past 72 hours) pain, swelling or redness should be
/// settling: rising is a red flag. Day 3 ends 72 hours after the session.
pub const SETTLING_FROM_DAY: u8 = 4;

/// Longest site code.
const SITE_MAX: usize = 40;

/// A whole number typed in a form, Arabic-Indic digits read as Western.
fn whole_number(field: &str, raw: &str) -> Result<i64, Issue> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    western_digits(value)
        .parse::<i64>()
        .map_err(|_| Issue::new(field, IssueCode::InvalidFormat))
}

fn out_of_range(field: &str, max: u8) -> Issue {
    Issue {
        field: field.to_string(),
        code: IssueCode::OutOfRange,
        limit: Some(u32::from(max)),
    }
}

/// A day of the diary: day 1 is the first day after the session, day 14 the
/// last the diary covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DiaryDay(u8);

impl DiaryDay {
    /// The day, when it is within 1..=14.
    pub fn new(day: u8) -> Option<DiaryDay> {
        (1..=DIARY_DAYS).contains(&day).then_some(DiaryDay(day))
    }

    pub fn parse(field: &str, raw: &str) -> Result<DiaryDay, Issue> {
        let number = whole_number(field, raw)?;
        u8::try_from(number)
            .ok()
            .and_then(DiaryDay::new)
            .ok_or_else(|| out_of_range(field, DIARY_DAYS))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// Pain on the 0-10 numeric scale: 0 none, 10 the worst imaginable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PainScore(u8);

impl PainScore {
    pub const MAX: u8 = 10;

    /// The score, when it is within 0..=10.
    pub fn new(value: u8) -> Option<PainScore> {
        (value <= PainScore::MAX).then_some(PainScore(value))
    }

    pub fn parse(field: &str, raw: &str) -> Result<PainScore, Issue> {
        let number = whole_number(field, raw)?;
        u8::try_from(number)
            .ok()
            .and_then(PainScore::new)
            .ok_or_else(|| out_of_range(field, PainScore::MAX))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// Where pain is felt: a harvest or injection site of the session
/// (`knee-left`, `iliac-crest`). Lowercase letters, digits, `-` and `_`,
/// at most 40; the plan names the sites, the diary asks about each.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SiteCode(String);

impl SiteCode {
    pub fn parse(field: &str, raw: &str) -> Result<SiteCode, Issue> {
        let value = raw.trim().to_ascii_lowercase();
        if value.is_empty() {
            return Err(Issue::new(field, IssueCode::Required));
        }
        if value.chars().count() > SITE_MAX {
            return Err(Issue {
                field: field.to_string(),
                code: IssueCode::TooLong,
                limit: u32::try_from(SITE_MAX).ok(),
            });
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(Issue::new(field, IssueCode::InvalidFormat));
        }
        Ok(SiteCode(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Body temperature in degrees Celsius, to the tenth, from 34.0 to 43.0:
/// anything outside is a typing mistake or a Fahrenheit reading, not a
/// temperature to triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Temperature(i16);

impl Temperature {
    /// 34.0 °C, in tenths.
    pub const MIN_TENTHS: i16 = 340;
    /// 43.0 °C, in tenths.
    pub const MAX_TENTHS: i16 = 430;

    /// The temperature from tenths of a degree (`385` is 38.5 °C), when it
    /// is within range.
    pub fn from_tenths(tenths: i16) -> Option<Temperature> {
        (Temperature::MIN_TENTHS..=Temperature::MAX_TENTHS)
            .contains(&tenths)
            .then_some(Temperature(tenths))
    }

    /// Reads a typed temperature (`38.2`, `38,2`, `٣٨٫٢`), rounded to the
    /// tenth as a thermometer shows it.
    pub fn parse(field: &str, raw: &str) -> Result<Temperature, Issue> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Issue::new(field, IssueCode::Required));
        }
        let celsius = western_digits(value)
            .parse::<f64>()
            .ok()
            .filter(|c| c.is_finite())
            .ok_or_else(|| Issue::new(field, IssueCode::InvalidFormat))?;
        let tenths = (celsius * 10.0).round();
        if !(f64::from(Temperature::MIN_TENTHS)..=f64::from(Temperature::MAX_TENTHS))
            .contains(&tenths)
        {
            return Err(Issue::new(field, IssueCode::OutOfRange));
        }
        // Within 340..=430, so the conversion is exact.
        Ok(Temperature(tenths as i16))
    }

    pub fn tenths(self) -> i16 {
        self.0
    }

    pub fn celsius(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

impl fmt::Display for Temperature {
    /// `38.5`: always one decimal, the unit left to the page.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// How much of something (swelling, redness, fatigue, bruising) the patient
/// has, ordered from none to severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    #[default]
    None,
    Mild,
    Moderate,
    Severe,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::None, Level::Mild, Level::Moderate, Level::Severe];

    pub fn code(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Mild => "mild",
            Level::Moderate => "moderate",
            Level::Severe => "severe",
        }
    }

    /// Reads a level's code. A blank answer is `none`: the diary form starts
    /// every level at none, so blank means the patient left it there.
    pub fn parse(field: &str, raw: &str) -> Result<Level, Issue> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(Level::None);
        }
        Level::ALL
            .into_iter()
            .find(|level| level.code() == value)
            .ok_or_else(|| Issue::new(field, IssueCode::UnknownCode))
    }
}

/// One day's diary entry, valid by construction (see [`DiaryDraft`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryEntry {
    pub day: DiaryDay,
    /// Pain at each site the patient reported; a site left out is unreported.
    pub pain: BTreeMap<SiteCode, PainScore>,
    pub swelling: Level,
    pub redness: Level,
    pub fatigue: Level,
    pub bruising: Level,
    /// `None` when the patient did not take it.
    pub temperature: Option<Temperature>,
    pub chills: bool,
    /// Pus or discharge at a harvest or injection site.
    pub pus_or_discharge: bool,
    /// Bleeding at a site that does not stop with pressure.
    pub bleeding_not_stopping: bool,
    /// A swelling that keeps growing.
    pub swelling_growing: bool,
    /// Unable to move, or bear weight on, the treated joint.
    pub cannot_move_or_bear_weight: bool,
    /// New numbness or weakness (a red flag after a spinal injection).
    pub new_numbness_or_weakness: bool,
    /// Anything else, in the patient's words.
    pub note: Option<String>,
}

impl DiaryEntry {
    /// The highest pain reported at any site.
    pub fn max_pain(&self) -> Option<PainScore> {
        self.pain.values().copied().max()
    }
}

/// A diary entry as typed in the form or sent to the API: every value a
/// string, so that nothing is lost before validation reports on it. The yes
/// or no questions are checkboxes, which cannot be malformed, so they are
/// plain booleans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiaryDraft {
    pub day: String,
    /// (site code, pain 0-10); a blank pain is unreported.
    pub pain: Vec<(String, String)>,
    pub swelling: String,
    pub redness: String,
    pub fatigue: String,
    pub bruising: String,
    /// Degrees Celsius; blank when not taken.
    pub temperature: String,
    pub chills: bool,
    pub pus_or_discharge: bool,
    pub bleeding_not_stopping: bool,
    pub swelling_growing: bool,
    pub cannot_move_or_bear_weight: bool,
    pub new_numbness_or_weakness: bool,
    pub note: String,
}

impl DiaryDraft {
    /// Validates every field, reporting all problems at once. Pain problems
    /// name the site (`pain.knee-left`); a site code that is not one
    /// (`pain`, `InvalidFormat`) cannot name itself.
    pub fn validate(&self) -> Result<DiaryEntry, Issues> {
        let mut issues = Issues::default();
        let day = issues.check(DiaryDay::parse("day", &self.day));
        let mut pain = BTreeMap::new();
        for (raw_site, raw_pain) in &self.pain {
            let Some(site) = issues.check(SiteCode::parse("pain", raw_site)) else {
                continue;
            };
            let field = format!("pain.{site}");
            if raw_pain.trim().is_empty() {
                continue;
            }
            if pain.contains_key(&site) {
                issues.add(&field, IssueCode::Duplicate);
                continue;
            }
            if let Some(score) = issues.check(PainScore::parse(&field, raw_pain)) {
                pain.insert(site, score);
            }
        }
        let swelling = issues.check(Level::parse("swelling", &self.swelling));
        let redness = issues.check(Level::parse("redness", &self.redness));
        let fatigue = issues.check(Level::parse("fatigue", &self.fatigue));
        let bruising = issues.check(Level::parse("bruising", &self.bruising));
        let temperature = if self.temperature.trim().is_empty() {
            Some(None)
        } else {
            issues
                .check(Temperature::parse("temperature", &self.temperature))
                .map(Some)
        };
        let note = issues.check(text::optional("note", &self.note, LONG_MAX));
        match (day, swelling, redness, fatigue, bruising, temperature, note) {
            (
                Some(day),
                Some(swelling),
                Some(redness),
                Some(fatigue),
                Some(bruising),
                Some(temperature),
                Some(note),
            ) if issues.is_empty() => Ok(DiaryEntry {
                day,
                pain,
                swelling,
                redness,
                fatigue,
                bruising,
                temperature,
                chills: self.chills,
                pus_or_discharge: self.pus_or_discharge,
                bleeding_not_stopping: self.bleeding_not_stopping,
                swelling_growing: self.swelling_growing,
                cannot_move_or_bear_weight: self.cannot_move_or_bear_weight,
                new_numbness_or_weakness: self.new_numbness_or_weakness,
                note,
            }),
            _ => Err(issues),
        }
    }
}

/// What is expected around a day of the diary, as a stable key; the web
/// layer holds the texts in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayExpectation {
    /// Days 1-2: tiredness for 24-48 hours; mild pain, swelling and bruising
    /// at the harvest and injection sites.
    FirstDays,
    /// Days 3-7: pain and swelling settling, bruising fading; no strenuous
    /// activity for about a week.
    Settling,
    /// Days 8-14: mostly settled; back to usual activity and physical
    /// therapy as prescribed.
    Settled,
}

impl DayExpectation {
    pub const ALL: [DayExpectation; 3] = [
        DayExpectation::FirstDays,
        DayExpectation::Settling,
        DayExpectation::Settled,
    ];

    /// The catalogue key of the text.
    pub fn key(self) -> &'static str {
        match self {
            DayExpectation::FirstDays => "diary-expect-day-1-2",
            DayExpectation::Settling => "diary-expect-day-3-7",
            DayExpectation::Settled => "diary-expect-day-8-14",
        }
    }
}

/// What is expected on a day of the diary.
pub fn expected_on(day: DiaryDay) -> DayExpectation {
    match day.get() {
        ..=2 => DayExpectation::FirstDays,
        3..=7 => DayExpectation::Settling,
        _ => DayExpectation::Settled,
    }
}

/// How soon the clinic must act on a red flag; the most urgent is greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Call the patient back today.
    High,
    /// Call the patient back now; the patient may need emergency care.
    Urgent,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Urgent => "urgent",
        }
    }
}

/// What the diary alone cannot tell about the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TriageContext {
    /// The session injected at the spine (a disc, a facet, epidural).
    pub spinal_injection: bool,
}

/// Whether a rule fires for an entry, given the session's earlier entries.
pub type Predicate = fn(&DiaryEntry, &[DiaryEntry], &TriageContext) -> bool;

/// One red-flag rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable code: stored with the alert and keyed in the catalogue.
    pub code: &'static str,
    pub severity: Severity,
    pub raised: Predicate,
}

/// Every red-flag rule. Codes are unique (a test checks). The two fever
/// rules do not overlap, so one temperature raises at most one of them.
pub const RULES: &[Rule] = &[
    Rule {
        code: "fever",
        severity: Severity::High,
        raised: |entry, _, _| {
            entry
                .temperature
                .is_some_and(|t| (FEVER_TENTHS..URGENT_FEVER_TENTHS).contains(&t.tenths()))
        },
    },
    Rule {
        code: "fever-urgent",
        severity: Severity::Urgent,
        raised: |entry, _, _| {
            entry
                .temperature
                .is_some_and(|t| t.tenths() >= URGENT_FEVER_TENTHS)
        },
    },
    Rule {
        code: "chills",
        severity: Severity::High,
        raised: |entry, _, _| entry.chills,
    },
    Rule {
        code: "pain-severe",
        severity: Severity::High,
        raised: |entry, _, _| entry.max_pain().is_some_and(|p| p.get() >= SEVERE_PAIN),
    },
    Rule {
        code: "pain-rising",
        severity: Severity::High,
        raised: |entry, earlier, _| {
            settling_expected(entry)
                && previous(entry, earlier).is_some_and(|before| {
                    entry
                        .pain
                        .iter()
                        .any(|(site, pain)| before.pain.get(site).is_some_and(|then| pain > then))
                })
        },
    },
    Rule {
        code: "swelling-rising",
        severity: Severity::High,
        raised: |entry, earlier, _| {
            settling_expected(entry)
                && previous(entry, earlier).is_some_and(|before| entry.swelling > before.swelling)
        },
    },
    Rule {
        code: "redness-rising",
        severity: Severity::High,
        raised: |entry, earlier, _| {
            settling_expected(entry)
                && previous(entry, earlier).is_some_and(|before| entry.redness > before.redness)
        },
    },
    Rule {
        code: "pus-or-discharge",
        severity: Severity::High,
        raised: |entry, _, _| entry.pus_or_discharge,
    },
    Rule {
        code: "bleeding-not-stopping",
        severity: Severity::Urgent,
        raised: |entry, _, _| entry.bleeding_not_stopping,
    },
    Rule {
        code: "swelling-growing",
        severity: Severity::Urgent,
        raised: |entry, _, _| entry.swelling_growing,
    },
    Rule {
        code: "cannot-move-or-bear-weight",
        severity: Severity::High,
        raised: |entry, _, _| entry.cannot_move_or_bear_weight,
    },
    Rule {
        code: "new-numbness-or-weakness",
        severity: Severity::Urgent,
        raised: |entry, _, context| context.spinal_injection && entry.new_numbness_or_weakness,
    },
];

/// Past 72 hours, pain, swelling and redness should settle.
fn settling_expected(entry: &DiaryEntry) -> bool {
    entry.day.get() >= SETTLING_FROM_DAY
}

/// The entry before this one: the latest earlier day; of several entries for
/// that day, the last given. Entries of the same or later days are not
/// "before" (an entry edited after later days were written).
fn previous<'a>(entry: &DiaryEntry, earlier: &'a [DiaryEntry]) -> Option<&'a DiaryEntry> {
    earlier
        .iter()
        .filter(|before| before.day < entry.day)
        .max_by_key(|before| before.day)
}

/// A rule by its code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.code == code)
}

/// A raised red flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RedFlag {
    pub code: &'static str,
    pub severity: Severity,
}

/// The red flags an entry raises, given the session's earlier entries (in
/// the order they were written): each rule at most once, the most severe
/// first, then by code.
pub fn red_flags(
    entry: &DiaryEntry,
    earlier: &[DiaryEntry],
    context: &TriageContext,
) -> Vec<RedFlag> {
    let mut flags: Vec<RedFlag> = RULES
        .iter()
        .filter(|rule| (rule.raised)(entry, earlier, context))
        .map(|rule| RedFlag {
            code: rule.code,
            severity: rule.severity,
        })
        .collect();
    flags.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(b.code)));
    flags.dedup();
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn day(n: u8) -> DiaryDay {
        DiaryDay::new(n).expect("valid day")
    }

    fn site(code: &str) -> SiteCode {
        SiteCode::parse("site", code).expect("valid site")
    }

    fn pain(value: u8) -> PainScore {
        PainScore::new(value).expect("valid pain")
    }

    fn celsius(tenths: i16) -> Option<Temperature> {
        Some(Temperature::from_tenths(tenths).expect("valid temperature"))
    }

    /// An entry that raises nothing on its own: mild pain at the knee, mild
    /// swelling and redness, normal temperature, every yes or no question no.
    fn quiet(n: u8) -> DiaryEntry {
        DiaryEntry {
            day: day(n),
            pain: BTreeMap::from([(site("knee-left"), pain(3))]),
            swelling: Level::Mild,
            redness: Level::Mild,
            fatigue: Level::Mild,
            bruising: Level::Mild,
            temperature: celsius(370),
            chills: false,
            pus_or_discharge: false,
            bleeding_not_stopping: false,
            swelling_growing: false,
            cannot_move_or_bear_weight: false,
            new_numbness_or_weakness: false,
            note: None,
        }
    }

    fn with_pain(mut entry: DiaryEntry, value: u8) -> DiaryEntry {
        entry.pain.insert(site("knee-left"), pain(value));
        entry
    }

    fn codes(flags: &[RedFlag]) -> Vec<&'static str> {
        flags.iter().map(|flag| flag.code).collect()
    }

    const SPINAL: TriageContext = TriageContext {
        spinal_injection: true,
    };
    const NOT_SPINAL: TriageContext = TriageContext {
        spinal_injection: false,
    };

    #[test]
    fn each_rule_at_its_boundary() {
        type Case = (
            &'static str,
            DiaryEntry,
            Vec<DiaryEntry>,
            TriageContext,
            &'static [&'static str],
        );
        let cases: Vec<Case> = vec![
            ("quiet", quiet(5), vec![quiet(4)], SPINAL, &[]),
            (
                "no temperature",
                DiaryEntry {
                    temperature: None,
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &[],
            ),
            // Fever: 38.0 high, 39.4 urgent, never both.
            (
                "37.9",
                DiaryEntry {
                    temperature: celsius(379),
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &[],
            ),
            (
                "38.0",
                DiaryEntry {
                    temperature: celsius(380),
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &["fever"],
            ),
            (
                "39.3",
                DiaryEntry {
                    temperature: celsius(393),
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &["fever"],
            ),
            (
                "39.4",
                DiaryEntry {
                    temperature: celsius(394),
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &["fever-urgent"],
            ),
            (
                "39.5",
                DiaryEntry {
                    temperature: celsius(395),
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &["fever-urgent"],
            ),
            (
                "43.0",
                DiaryEntry {
                    temperature: celsius(430),
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &["fever-urgent"],
            ),
            (
                "chills",
                DiaryEntry {
                    chills: true,
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &["chills"],
            ),
            // Pain: 7 or more at any site.
            ("pain 6", with_pain(quiet(2), 6), vec![], NOT_SPINAL, &[]),
            (
                "pain 7",
                with_pain(quiet(2), 7),
                vec![],
                NOT_SPINAL,
                &["pain-severe"],
            ),
            (
                "pain 10",
                with_pain(quiet(2), 10),
                vec![],
                NOT_SPINAL,
                &["pain-severe"],
            ),
            (
                "pain 7 at a second site",
                {
                    let mut entry = quiet(2);
                    entry.pain.insert(site("iliac-crest"), pain(7));
                    entry
                },
                vec![],
                NOT_SPINAL,
                &["pain-severe"],
            ),
            // Rising: only from day 4 (past 72 hours), against the entry before.
            (
                "pain rising on day 3",
                with_pain(quiet(3), 5),
                vec![quiet(2)],
                NOT_SPINAL,
                &[],
            ),
            (
                "pain rising on day 4",
                with_pain(quiet(4), 5),
                vec![quiet(3)],
                NOT_SPINAL,
                &["pain-rising"],
            ),
            (
                "pain the same on day 4",
                quiet(4),
                vec![quiet(3)],
                NOT_SPINAL,
                &[],
            ),
            (
                "pain falling on day 4",
                with_pain(quiet(4), 2),
                vec![quiet(3)],
                NOT_SPINAL,
                &[],
            ),
            (
                "pain rising with no entry before",
                with_pain(quiet(6), 5),
                vec![],
                NOT_SPINAL,
                &[],
            ),
            (
                "pain at a site not reported before",
                {
                    let mut entry = quiet(6);
                    entry.pain.insert(site("iliac-crest"), pain(5));
                    entry
                },
                vec![quiet(5)],
                NOT_SPINAL,
                &[],
            ),
            (
                "against the latest earlier day, not the first",
                with_pain(quiet(6), 4),
                vec![with_pain(quiet(1), 6), with_pain(quiet(5), 2)],
                NOT_SPINAL,
                &["pain-rising"],
            ),
            (
                "settling since a bad first day",
                with_pain(quiet(6), 4),
                vec![with_pain(quiet(1), 2), with_pain(quiet(5), 6)],
                NOT_SPINAL,
                &[],
            ),
            (
                "later days are not before",
                with_pain(quiet(4), 4),
                vec![with_pain(quiet(3), 4), with_pain(quiet(6), 1)],
                NOT_SPINAL,
                &[],
            ),
            (
                "of two entries for the day before, the last",
                with_pain(quiet(4), 4),
                vec![with_pain(quiet(3), 6), with_pain(quiet(3), 3)],
                NOT_SPINAL,
                &["pain-rising"],
            ),
            (
                "swelling rising on day 3",
                DiaryEntry {
                    swelling: Level::Moderate,
                    ..quiet(3)
                },
                vec![quiet(2)],
                NOT_SPINAL,
                &[],
            ),
            (
                "swelling rising on day 4",
                DiaryEntry {
                    swelling: Level::Moderate,
                    ..quiet(4)
                },
                vec![quiet(3)],
                NOT_SPINAL,
                &["swelling-rising"],
            ),
            (
                "redness rising on day 3",
                DiaryEntry {
                    redness: Level::Severe,
                    ..quiet(3)
                },
                vec![quiet(2)],
                NOT_SPINAL,
                &[],
            ),
            (
                "redness rising on day 4",
                DiaryEntry {
                    redness: Level::Severe,
                    ..quiet(4)
                },
                vec![quiet(3)],
                NOT_SPINAL,
                &["redness-rising"],
            ),
            (
                "fatigue and bruising rising are not red flags",
                DiaryEntry {
                    fatigue: Level::Severe,
                    bruising: Level::Severe,
                    ..quiet(9)
                },
                vec![quiet(8)],
                NOT_SPINAL,
                &[],
            ),
            (
                "pus",
                DiaryEntry {
                    pus_or_discharge: true,
                    ..quiet(5)
                },
                vec![],
                NOT_SPINAL,
                &["pus-or-discharge"],
            ),
            (
                "bleeding",
                DiaryEntry {
                    bleeding_not_stopping: true,
                    ..quiet(1)
                },
                vec![],
                NOT_SPINAL,
                &["bleeding-not-stopping"],
            ),
            (
                "growing swelling",
                DiaryEntry {
                    swelling_growing: true,
                    ..quiet(1)
                },
                vec![],
                NOT_SPINAL,
                &["swelling-growing"],
            ),
            (
                "cannot bear weight",
                DiaryEntry {
                    cannot_move_or_bear_weight: true,
                    ..quiet(1)
                },
                vec![],
                NOT_SPINAL,
                &["cannot-move-or-bear-weight"],
            ),
            (
                "numbness after a spinal injection",
                DiaryEntry {
                    new_numbness_or_weakness: true,
                    ..quiet(1)
                },
                vec![],
                SPINAL,
                &["new-numbness-or-weakness"],
            ),
            (
                "numbness after another injection",
                DiaryEntry {
                    new_numbness_or_weakness: true,
                    ..quiet(1)
                },
                vec![],
                NOT_SPINAL,
                &[],
            ),
        ];
        for (name, entry, earlier, context, expected) in &cases {
            assert_eq!(
                codes(&red_flags(entry, earlier, context)),
                *expected,
                "{name}"
            );
        }
    }

    #[test]
    fn flags_come_most_severe_first_then_by_code() {
        let entry = DiaryEntry {
            temperature: celsius(395),
            chills: true,
            bleeding_not_stopping: true,
            pus_or_discharge: true,
            ..with_pain(quiet(5), 8)
        };
        let flags = red_flags(&entry, &[quiet(4)], &NOT_SPINAL);
        assert_eq!(
            flags,
            [
                RedFlag {
                    code: "bleeding-not-stopping",
                    severity: Severity::Urgent
                },
                RedFlag {
                    code: "fever-urgent",
                    severity: Severity::Urgent
                },
                RedFlag {
                    code: "chills",
                    severity: Severity::High
                },
                RedFlag {
                    code: "pain-rising",
                    severity: Severity::High
                },
                RedFlag {
                    code: "pain-severe",
                    severity: Severity::High
                },
                RedFlag {
                    code: "pus-or-discharge",
                    severity: Severity::High
                },
            ]
        );
    }

    #[test]
    fn rules_have_unique_codes_that_look_them_up() {
        let unique: BTreeSet<&str> = RULES.iter().map(|rule| rule.code).collect();
        assert_eq!(unique.len(), RULES.len());
        for code in unique {
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{code}"
            );
            assert_eq!(rule(code).map(|r| r.code), Some(code));
        }
        assert!(rule("headache").is_none());
        assert_eq!(
            rule("fever-urgent").map(|r| r.severity),
            Some(Severity::Urgent)
        );
        assert_eq!(rule("fever").map(|r| r.severity), Some(Severity::High));
        assert!(Severity::Urgent > Severity::High);
    }

    #[test]
    fn what_to_expect_by_day() {
        let expected = [
            (1, "diary-expect-day-1-2"),
            (2, "diary-expect-day-1-2"),
            (3, "diary-expect-day-3-7"),
            (7, "diary-expect-day-3-7"),
            (8, "diary-expect-day-8-14"),
            (14, "diary-expect-day-8-14"),
        ];
        for (n, key) in expected {
            assert_eq!(expected_on(day(n)).key(), key, "day {n}");
        }
        let every_day: BTreeSet<&str> = (1..=DIARY_DAYS)
            .map(|n| expected_on(day(n)).key())
            .collect();
        let every_key: BTreeSet<&str> = DayExpectation::ALL.iter().map(|e| e.key()).collect();
        assert_eq!(every_day, every_key);
    }

    #[test]
    fn bounded_values() {
        assert_eq!(DiaryDay::new(0), None);
        assert_eq!(DiaryDay::new(1).map(DiaryDay::get), Some(1));
        assert_eq!(DiaryDay::new(14).map(DiaryDay::get), Some(14));
        assert_eq!(DiaryDay::new(15), None);
        assert_eq!(PainScore::new(10).map(PainScore::get), Some(10));
        assert_eq!(PainScore::new(11), None);
        assert_eq!(Temperature::from_tenths(339), None);
        assert_eq!(Temperature::from_tenths(431), None);

        let day_cases: &[(&str, Result<u8, IssueCode>)] = &[
            ("1", Ok(1)),
            (" 14 ", Ok(14)),
            ("١٢", Ok(12)),
            ("0", Err(IssueCode::OutOfRange)),
            ("15", Err(IssueCode::OutOfRange)),
            ("-3", Err(IssueCode::OutOfRange)),
            ("300", Err(IssueCode::OutOfRange)),
            ("two", Err(IssueCode::InvalidFormat)),
            ("", Err(IssueCode::Required)),
        ];
        for (raw, expected) in day_cases {
            let got = DiaryDay::parse("day", raw)
                .map(DiaryDay::get)
                .map_err(|i| i.code);
            assert_eq!(got, *expected, "{raw:?}");
        }

        let temperature_cases: &[(&str, Result<i16, IssueCode>)] = &[
            ("38", Ok(380)),
            ("38.0", Ok(380)),
            ("37,9", Ok(379)),
            ("٣٩٫٤", Ok(394)),
            ("34.0", Ok(340)),
            ("43", Ok(430)),
            ("33.9", Err(IssueCode::OutOfRange)),
            ("43.1", Err(IssueCode::OutOfRange)),
            ("100.4", Err(IssueCode::OutOfRange)),
            ("warm", Err(IssueCode::InvalidFormat)),
            ("NaN", Err(IssueCode::InvalidFormat)),
            ("inf", Err(IssueCode::InvalidFormat)),
            ("", Err(IssueCode::Required)),
        ];
        for (raw, expected) in temperature_cases {
            let got = Temperature::parse("temperature", raw)
                .map(Temperature::tenths)
                .map_err(|i| i.code);
            assert_eq!(got, *expected, "{raw:?}");
        }
        let t = Temperature::from_tenths(385).expect("valid");
        assert_eq!(t.to_string(), "38.5");
        assert!((t.celsius() - 38.5).abs() < 1e-9);
        assert_eq!(
            Temperature::from_tenths(400).map(|t| t.to_string()),
            Some("40.0".into())
        );

        let site_cases: &[(&str, Result<&str, IssueCode>)] = &[
            ("knee-left", Ok("knee-left")),
            (" Iliac_Crest ", Ok("iliac_crest")),
            ("", Err(IssueCode::Required)),
            ("knee left", Err(IssueCode::InvalidFormat)),
            ("ركبة", Err(IssueCode::InvalidFormat)),
            (&"k".repeat(41), Err(IssueCode::TooLong)),
        ];
        for (raw, expected) in site_cases {
            let got = SiteCode::parse("site", raw).map_err(|i| i.code);
            assert_eq!(
                got.as_ref().map(SiteCode::as_str).map_err(|c| *c),
                *expected,
                "{raw:?}"
            );
        }

        assert_eq!(Level::parse("swelling", ""), Ok(Level::None));
        assert_eq!(Level::parse("swelling", " moderate "), Ok(Level::Moderate));
        assert_eq!(
            Level::parse("swelling", "huge"),
            Err(Issue::new("swelling", IssueCode::UnknownCode))
        );
        for level in Level::ALL {
            assert_eq!(Level::parse("level", level.code()), Ok(level));
        }
    }

    #[test]
    fn a_draft_becomes_an_entry() {
        let draft = DiaryDraft {
            day: "4".into(),
            pain: vec![
                ("knee-left".into(), "5".into()),
                ("iliac-crest".into(), "٢".into()),
                ("knee-right".into(), " ".into()),
            ],
            swelling: "mild".into(),
            redness: "".into(),
            fatigue: "moderate".into(),
            bruising: "severe".into(),
            temperature: "37.8".into(),
            chills: true,
            note: "  Slept badly ".into(),
            ..DiaryDraft::default()
        };
        let entry = draft.validate().expect("valid");
        assert_eq!(entry.day, day(4));
        assert_eq!(
            entry.pain,
            BTreeMap::from([(site("knee-left"), pain(5)), (site("iliac-crest"), pain(2))])
        );
        assert_eq!(
            (entry.swelling, entry.redness, entry.fatigue, entry.bruising),
            (Level::Mild, Level::None, Level::Moderate, Level::Severe)
        );
        assert_eq!(entry.temperature, celsius(378));
        assert!(entry.chills && !entry.pus_or_discharge);
        assert_eq!(entry.note.as_deref(), Some("Slept badly"));
        assert_eq!(entry.max_pain(), Some(pain(5)));

        let no_temperature = DiaryDraft {
            day: "1".into(),
            ..DiaryDraft::default()
        };
        let entry = no_temperature.validate().expect("valid");
        assert_eq!((entry.temperature, entry.max_pain()), (None, None));
    }

    #[test]
    fn a_draft_reports_every_problem() {
        let draft = DiaryDraft {
            day: "15".into(),
            pain: vec![
                ("knee-left".into(), "11".into()),
                ("knee left".into(), "3".into()),
                ("hip".into(), "2".into()),
                ("hip".into(), "4".into()),
                ("ankle".into(), "a lot".into()),
            ],
            swelling: "big".into(),
            redness: "mild".into(),
            fatigue: "tired".into(),
            bruising: "".into(),
            temperature: "101.3".into(),
            note: "a\u{0}b".into(),
            ..DiaryDraft::default()
        };
        let found: Vec<(String, IssueCode)> = draft
            .validate()
            .expect_err("problems")
            .0
            .into_iter()
            .map(|issue| (issue.field, issue.code))
            .collect();
        let expected: Vec<(String, IssueCode)> = [
            ("day", IssueCode::OutOfRange),
            ("pain.knee-left", IssueCode::OutOfRange),
            ("pain", IssueCode::InvalidFormat),
            ("pain.hip", IssueCode::Duplicate),
            ("pain.ankle", IssueCode::InvalidFormat),
            ("swelling", IssueCode::UnknownCode),
            ("fatigue", IssueCode::UnknownCode),
            ("temperature", IssueCode::OutOfRange),
            ("note", IssueCode::InvalidFormat),
        ]
        .into_iter()
        .map(|(field, code)| (field.to_string(), code))
        .collect();
        assert_eq!(found, expected);
        assert_eq!(
            DiaryDraft::default().validate(),
            Err(Issues(vec![Issue::new("day", IssueCode::Required)]))
        );
    }

    // Properties over random diaries.

    const SITES: [&str; 3] = ["knee-left", "knee-right", "iliac-crest"];

    fn any_level() -> impl Strategy<Value = Level> {
        prop::sample::select(Level::ALL.to_vec())
    }

    /// Any entry, with every yes or no answer as given.
    fn any_entry_with(
        flags: impl Strategy<Value = [bool; 6]>,
        max_pain: u8,
        max_tenths: i16,
    ) -> impl Strategy<Value = DiaryEntry> {
        (
            1..=DIARY_DAYS,
            prop::collection::btree_map(prop::sample::select(SITES.to_vec()), 0..=max_pain, 0..=3),
            (any_level(), any_level(), any_level(), any_level()),
            prop::option::of(Temperature::MIN_TENTHS..=max_tenths),
            flags,
        )
            .prop_map(
                |(n, pains, (swelling, redness, fatigue, bruising), tenths, flags)| {
                    let [
                        chills,
                        pus_or_discharge,
                        bleeding_not_stopping,
                        swelling_growing,
                        cannot_move_or_bear_weight,
                        new_numbness_or_weakness,
                    ] = flags;
                    DiaryEntry {
                        day: day(n),
                        pain: pains.into_iter().map(|(s, p)| (site(s), pain(p))).collect(),
                        swelling,
                        redness,
                        fatigue,
                        bruising,
                        temperature: tenths.and_then(Temperature::from_tenths),
                        chills,
                        pus_or_discharge,
                        bleeding_not_stopping,
                        swelling_growing,
                        cannot_move_or_bear_weight,
                        new_numbness_or_weakness,
                        note: None,
                    }
                },
            )
    }

    fn any_entry() -> impl Strategy<Value = DiaryEntry> {
        any_entry_with(any::<[bool; 6]>(), PainScore::MAX, Temperature::MAX_TENTHS)
    }

    /// An entry with nothing alarming on its own: every yes or no answer no,
    /// no temperature or one below 38.0, every pain below 7.
    fn calm_entry() -> impl Strategy<Value = DiaryEntry> {
        any_entry_with(Just([false; 6]), SEVERE_PAIN - 1, FEVER_TENTHS - 1)
    }

    /// Rising since the entry before, written out separately from the rules:
    /// the entry before is the last given of the latest earlier day.
    fn rising_oracle(entry: &DiaryEntry, earlier: &[DiaryEntry]) -> bool {
        if entry.day.get() < 4 {
            return false;
        }
        let mut before: Option<&DiaryEntry> = None;
        for candidate in earlier {
            if candidate.day < entry.day && before.is_none_or(|b| candidate.day >= b.day) {
                before = Some(candidate);
            }
        }
        let Some(before) = before else {
            return false;
        };
        let pain_rose =
            SITES.iter().any(
                |s| match (entry.pain.get(&site(s)), before.pain.get(&site(s))) {
                    (Some(now), Some(then)) => now.get() > then.get(),
                    _ => false,
                },
            );
        pain_rose || entry.swelling > before.swelling || entry.redness > before.redness
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// No rule twice, most severe first then by code, and a fever
        /// always raises exactly one fever flag: the urgent one from 39.4.
        #[test]
        fn flags_are_unique_ordered_and_one_per_fever(
            entry in any_entry(),
            earlier in prop::collection::vec(any_entry(), 0..5),
            spinal_injection in any::<bool>(),
        ) {
            let flags = red_flags(&entry, &earlier, &TriageContext { spinal_injection });
            let unique: BTreeSet<&str> = flags.iter().map(|f| f.code).collect();
            prop_assert_eq!(unique.len(), flags.len());
            for pair in flags.windows(2) {
                prop_assert!(
                    pair[0].severity > pair[1].severity
                        || (pair[0].severity == pair[1].severity && pair[0].code < pair[1].code),
                    "{:?}", flags
                );
            }
            let fevers: Vec<&str> = flags
                .iter()
                .map(|f| f.code)
                .filter(|code| code.starts_with("fever"))
                .collect();
            match entry.temperature.map(Temperature::tenths) {
                Some(t) if t >= URGENT_FEVER_TENTHS => prop_assert_eq!(fevers, ["fever-urgent"]),
                Some(t) if t >= FEVER_TENTHS => prop_assert_eq!(fevers, ["fever"]),
                _ => prop_assert!(fevers.is_empty()),
            }
            prop_assert_eq!(
                flags.iter().any(|f| f.code == "pain-severe"),
                entry.max_pain().is_some_and(|p| p.get() >= 7)
            );
        }

        /// A calm entry raises nothing exactly when nothing is rising.
        #[test]
        fn a_calm_entry_raises_nothing_unless_rising(
            entry in calm_entry(),
            earlier in prop::collection::vec(any_entry(), 0..5),
            spinal_injection in any::<bool>(),
        ) {
            let flags = red_flags(&entry, &earlier, &TriageContext { spinal_injection });
            prop_assert_eq!(flags.is_empty(), !rising_oracle(&entry, &earlier), "{:?}", flags);
            for flag in &flags {
                prop_assert!(flag.code.ends_with("-rising"), "{:?}", flag);
            }
        }
    }
}
