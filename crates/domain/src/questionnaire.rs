//! Follow-up questionnaires (patient-reported outcomes) as data, and their
//! scoring: the pain NRS for everyone, KOOS for the knee, the Oswestry
//! Disability Index for the back.
//!
//! A [`Definition`] is plain data: its items, the answers each item allows,
//! which items are required and how its scores are computed. A clinic that
//! holds a licence for another instrument (WOMAC, an Oxford score) loads it
//! with [`Definition::new`], with its own scoring rule, instead of Cellpath
//! shipping it as code. The shipped item texts are short neutral paraphrases
//! of what each item asks about, not any instrument's published wording.
//!
//! Scores are rounded to one decimal (half away from zero), the precision at
//! which they are reported and charted. [`ScoreRule::improved`] compares
//! those rounded values to the tenth, so the rule decides on what the chart
//! shows and never on a floating-point remainder.

use crate::issue::{Issue, IssueCode, Issues};
use crate::locale::Locale;
use crate::text::western_digits;
use std::collections::{BTreeMap, BTreeSet};

/// The code of the shipped pain numeric rating scale.
pub const NRS_PAIN: &str = "nrs-pain";
/// The code of the shipped Knee injury and Osteoarthritis Outcome Score.
pub const KOOS: &str = "koos";
/// The code of the shipped Oswestry Disability Index.
pub const ODI: &str = "odi";

/// Minimal important change of the pain NRS, in points of 0-10: a starting
/// point the clinic can change ([`Definition::with_mic`]); two points is the
/// change most studies of chronic pain find patients notice.
pub const NRS_MIC: f64 = 2.0;
/// Minimal important change of each KOOS subscale, in points of 0-100 (the
/// KOOS authors suggest 8-10; 10 is the cautious end).
pub const KOOS_MIC: f64 = 10.0;
/// Minimal important change of the ODI, in percentage points.
pub const ODI_MIC: f64 = 10.0;
/// The ODI is scored when at least this many of its ten sections are
/// answered. The index is computed over the answered sections, so one or two
/// left out (the sex-life section is often skipped) still give a fair
/// percentage; with three or more missing it would describe a different
/// questionnaire, and the score is `None`.
pub const ODI_MIN_SECTIONS: usize = 8;

/// Longest code of a definition, an item or a score.
const CODE_MAX: usize = 40;

/// A text in both of Cellpath's languages. Questionnaire texts travel with
/// their definition (a clinic's own instrument brings its own), so they are
/// data here rather than keys of the web layer's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub en: String,
    pub ar: String,
}

impl Text {
    pub fn new(en: impl Into<String>, ar: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            ar: ar.into(),
        }
    }

    /// The text in the given language.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.en,
            Locale::Ar => &self.ar,
        }
    }
}

/// One answer an item offers: the value that is scored, and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerOption {
    pub value: i64,
    pub label: Text,
}

/// The answers an item accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answers {
    /// One of these labelled values (a Likert scale).
    Options(Vec<AnswerOption>),
    /// Any whole number from `min` to `max`, both included (a 0-10 scale).
    Range { min: i64, max: i64 },
}

impl Answers {
    /// Whether `value` is one of the answers.
    pub fn allows(&self, value: i64) -> bool {
        match self {
            Answers::Options(options) => options.iter().any(|o| o.value == value),
            Answers::Range { min, max } => (*min..=*max).contains(&value),
        }
    }

    /// The lowest and the highest answer; `None` when there are no options.
    pub fn bounds(&self) -> Option<(i64, i64)> {
        match self {
            Answers::Options(options) => {
                let min = options.iter().map(|o| o.value).min()?;
                let max = options.iter().map(|o| o.value).max()?;
                Some((min, max))
            }
            Answers::Range { min, max } => Some((*min, *max)),
        }
    }
}

/// One question of a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable code the answers are keyed by (`P1`, `pain`).
    pub code: String,
    pub text: Text,
    pub answers: Answers,
    /// The questionnaire cannot be saved without an answer to it. Items a
    /// scoring rule tolerates missing (KOOS, ODI) are not required.
    pub required: bool,
}

/// How a score is computed from the answered items of its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// The sum of the answers (one item: its answer, as for the NRS).
    Sum,
    /// The mean of the answers.
    Mean,
    /// The answers as a percentage of the most they could have been, over
    /// the answered items only: sum(answer - lowest) / sum(highest - lowest)
    /// x 100. With answers from 0 this is the ODI's
    /// sum / (5 x sections answered) x 100.
    PercentOfMaximum,
    /// 100 minus [`Method::PercentOfMaximum`]: KOOS's
    /// 100 - mean x 25 for items scored 0-4, where 100 means no problems.
    InvertedPercentOfMaximum,
}

/// Which way a score moves when the patient gets better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Better {
    Higher,
    Lower,
}

/// One score of a questionnaire and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRule {
    /// Stable code of the score (`pain`, `adl`, `odi`); unique within its
    /// definition, not across definitions (the NRS and KOOS both have `pain`).
    pub code: String,
    pub title: Text,
    /// The items it is computed from.
    pub items: Vec<String>,
    pub method: Method,
    /// The fewest answered items that give a score; fewer give `None`.
    pub min_answered: usize,
    /// Minimal important change, in the score's own units: the smallest
    /// change from baseline that counts as a real improvement.
    pub mic: f64,
    pub better: Better,
}

impl ScoreRule {
    /// Whether the score moved from `baseline` to `latest` by at least the
    /// minimal important change, in the direction that means better.
    /// Compared to the tenth, as scores are rounded.
    pub fn improved(&self, baseline: f64, latest: f64) -> bool {
        let change = match self.better {
            Better::Higher => latest - baseline,
            Better::Lower => baseline - latest,
        };
        tenths(change) >= tenths(self.mic)
    }
}

fn tenths(value: f64) -> f64 {
    (value * 10.0).round()
}

fn round_one_decimal(value: f64) -> f64 {
    tenths(value) / 10.0
}

/// A questionnaire: its items and its scoring. One that exists has been
/// checked by [`Definition::new`] (or is one Cellpath ships, which a test
/// checks the same way).
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    code: String,
    title: Text,
    items: Vec<Item>,
    scores: Vec<ScoreRule>,
}

impl Definition {
    /// Checks a definition, reporting every problem with its path (`code`,
    /// `title.ar`, `items.3.code`, `items.3.answers.0.label.en`,
    /// `scores.1.items.2`, `scores.1.min_answered`...): codes present, of
    /// letters, digits, `-` and `_`, and unique; every text in both
    /// languages; at least two answers per item, with distinct values; each
    /// score over known, distinct items, with `min_answered` between one and
    /// its number of items and a positive minimal important change.
    pub fn new(
        code: impl Into<String>,
        title: Text,
        items: Vec<Item>,
        scores: Vec<ScoreRule>,
    ) -> Result<Definition, Issues> {
        let definition = Definition {
            code: code.into().trim().to_string(),
            title,
            items,
            scores,
        };
        definition.problems().into_result(|| definition)
    }

    /// A shipped definition by its code (`nrs-pain`, `koos`, `odi`).
    pub fn by_code(code: &str) -> Option<Definition> {
        match code.trim() {
            NRS_PAIN => Some(nrs_pain()),
            KOOS => Some(koos()),
            ODI => Some(odi()),
            _ => None,
        }
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn title(&self) -> &Text {
        &self.title
    }

    /// The items, in the order they are asked.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.code == code)
    }

    /// The score rules, in the order scores are reported.
    pub fn scores(&self) -> &[ScoreRule] {
        &self.scores
    }

    pub fn score_rule(&self, code: &str) -> Option<&ScoreRule> {
        self.scores.iter().find(|rule| rule.code == code)
    }

    /// The same definition with another minimal important change for one
    /// score: the shipped values are starting points a clinic may change.
    pub fn with_mic(mut self, score_code: &str, mic: f64) -> Result<Definition, Issue> {
        let field = format!("scores.{score_code}.mic");
        if !(mic.is_finite() && mic > 0.0) {
            return Err(Issue::new(field, IssueCode::OutOfRange));
        }
        match self.scores.iter_mut().find(|rule| rule.code == score_code) {
            Some(rule) => {
                rule.mic = mic;
                Ok(self)
            }
            None => Err(Issue::new(field, IssueCode::UnknownCode)),
        }
    }

    /// Whether a score of this questionnaire improved from baseline by at
    /// least its minimal important change; `None` for an unknown score code.
    pub fn improved(&self, score_code: &str, baseline: f64, latest: f64) -> Option<bool> {
        self.score_rule(score_code)
            .map(|rule| rule.improved(baseline, latest))
    }

    fn problems(&self) -> Issues {
        let mut issues = Issues::default();
        check_code(&mut issues, "code", &self.code);
        check_text(&mut issues, "title", &self.title);
        if self.items.is_empty() {
            issues.add("items", IssueCode::Required);
        }
        let mut item_codes = BTreeSet::new();
        for (idx, item) in self.items.iter().enumerate() {
            let path = format!("items.{idx}");
            check_code(&mut issues, &format!("{path}.code"), &item.code);
            if !item.code.is_empty() && !item_codes.insert(item.code.as_str()) {
                issues.add(&format!("{path}.code"), IssueCode::Duplicate);
            }
            check_text(&mut issues, &format!("{path}.text"), &item.text);
            check_answers_definition(&mut issues, &format!("{path}.answers"), &item.answers);
        }
        if self.scores.is_empty() {
            issues.add("scores", IssueCode::Required);
        }
        let mut score_codes = BTreeSet::new();
        for (idx, rule) in self.scores.iter().enumerate() {
            let path = format!("scores.{idx}");
            check_code(&mut issues, &format!("{path}.code"), &rule.code);
            if !rule.code.is_empty() && !score_codes.insert(rule.code.as_str()) {
                issues.add(&format!("{path}.code"), IssueCode::Duplicate);
            }
            check_text(&mut issues, &format!("{path}.title"), &rule.title);
            if rule.items.is_empty() {
                issues.add(&format!("{path}.items"), IssueCode::Required);
            }
            let mut seen = BTreeSet::new();
            for (item_idx, item_code) in rule.items.iter().enumerate() {
                let item_path = format!("{path}.items.{item_idx}");
                if !item_codes.contains(item_code.as_str()) {
                    issues.add(&item_path, IssueCode::UnknownCode);
                } else if !seen.insert(item_code.as_str()) {
                    issues.add(&item_path, IssueCode::Duplicate);
                }
            }
            if rule.min_answered == 0 || rule.min_answered > rule.items.len() {
                issues.push(Issue {
                    field: format!("{path}.min_answered"),
                    code: IssueCode::OutOfRange,
                    limit: u32::try_from(rule.items.len()).ok(),
                });
            }
            if !(rule.mic.is_finite() && rule.mic > 0.0) {
                issues.add(&format!("{path}.mic"), IssueCode::OutOfRange);
            }
        }
        issues
    }
}

fn check_code(issues: &mut Issues, field: &str, code: &str) {
    if code.trim().is_empty() {
        issues.add(field, IssueCode::Required);
    } else if code.chars().count() > CODE_MAX {
        issues.push(Issue {
            field: field.to_string(),
            code: IssueCode::TooLong,
            limit: u32::try_from(CODE_MAX).ok(),
        });
    } else if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        issues.add(field, IssueCode::InvalidFormat);
    }
}

fn check_text(issues: &mut Issues, path: &str, text: &Text) {
    if text.en.trim().is_empty() {
        issues.add(&format!("{path}.en"), IssueCode::Required);
    }
    if text.ar.trim().is_empty() {
        issues.add(&format!("{path}.ar"), IssueCode::Required);
    }
}

fn check_answers_definition(issues: &mut Issues, path: &str, answers: &Answers) {
    match answers {
        Answers::Options(options) => {
            if options.len() < 2 {
                issues.add(path, IssueCode::Required);
            }
            let mut values = BTreeSet::new();
            for (idx, option) in options.iter().enumerate() {
                if !values.insert(option.value) {
                    issues.add(&format!("{path}.{idx}.value"), IssueCode::Duplicate);
                }
                check_text(issues, &format!("{path}.{idx}.label"), &option.label);
            }
        }
        Answers::Range { min, max } => {
            if min >= max {
                issues.add(path, IssueCode::OutOfRange);
            }
        }
    }
}

/// The shipped questionnaires: the pain NRS, KOOS and the ODI.
pub fn definitions() -> Vec<Definition> {
    vec![nrs_pain(), koos(), odi()]
}

/// One computed score: `None` when too few of its items were answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub code: String,
    pub value: Option<f64>,
}

/// The scores of one completed questionnaire, in the definition's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores(pub Vec<Score>);

impl Scores {
    /// The value of a score; `None` when it is not valid or not one of these.
    pub fn get(&self, code: &str) -> Option<f64> {
        self.0
            .iter()
            .find(|score| score.code == code)
            .and_then(|score| score.value)
    }
}

/// Scores a completed questionnaire. Answers are keyed by item code; an item
/// left out is unanswered. Every problem is reported at once, each with the
/// field `answers.ITEM`: an item the definition does not have
/// (`UnknownCode`), an answer it does not offer (`OutOfRange`, with the
/// highest answer as the limit) and a required item left out (`Required`).
pub fn score(definition: &Definition, answers: &BTreeMap<String, i64>) -> Result<Scores, Issues> {
    check_answers(definition, answers, &BTreeSet::new()).into_result(|| {
        Scores(
            definition
                .scores
                .iter()
                .map(|rule| Score {
                    code: rule.code.clone(),
                    value: compute(definition, rule, answers),
                })
                .collect(),
        )
    })
}

/// Reads a questionnaire form's answers (item code, typed value) into the
/// answers [`score`] takes, reporting every problem at once: besides those
/// [`score`] reports, a value that is not a whole number (`InvalidFormat`)
/// and an item given twice (`Duplicate`). A blank value is unanswered.
/// Arabic-Indic digits are read like Western ones.
pub fn read_answers(
    definition: &Definition,
    raw: &[(String, String)],
) -> Result<BTreeMap<String, i64>, Issues> {
    let mut issues = Issues::default();
    let mut answers = BTreeMap::new();
    let mut given = BTreeSet::new();
    let mut unreadable = BTreeSet::new();
    for (code, value) in raw {
        let code = code.trim();
        let value = value.trim();
        let field = format!("answers.{code}");
        if definition.item(code).is_none() {
            issues.add(&field, IssueCode::UnknownCode);
            continue;
        }
        if value.is_empty() {
            continue;
        }
        if !given.insert(code.to_string()) {
            issues.add(&field, IssueCode::Duplicate);
            continue;
        }
        match western_digits(value).parse::<i64>() {
            Ok(number) => {
                answers.insert(code.to_string(), number);
            }
            Err(_) => {
                issues.add(&field, IssueCode::InvalidFormat);
                unreadable.insert(code.to_string());
            }
        }
    }
    issues
        .0
        .extend(check_answers(definition, &answers, &unreadable).0);
    issues.into_result(|| answers)
}

/// Every problem of a set of answers; items in `reported` already have one.
fn check_answers(
    definition: &Definition,
    answers: &BTreeMap<String, i64>,
    reported: &BTreeSet<String>,
) -> Issues {
    let mut issues = Issues::default();
    for (code, value) in answers {
        let field = format!("answers.{code}");
        match definition.item(code) {
            None => issues.add(&field, IssueCode::UnknownCode),
            Some(item) if !item.answers.allows(*value) => issues.push(Issue {
                field,
                code: IssueCode::OutOfRange,
                limit: item
                    .answers
                    .bounds()
                    .and_then(|(_, max)| u32::try_from(max).ok()),
            }),
            Some(_) => {}
        }
    }
    for item in &definition.items {
        if item.required && !answers.contains_key(&item.code) && !reported.contains(&item.code) {
            issues.add(&format!("answers.{}", item.code), IssueCode::Required);
        }
    }
    issues
}

/// One score from checked answers, rounded to one decimal.
fn compute(
    definition: &Definition,
    rule: &ScoreRule,
    answers: &BTreeMap<String, i64>,
) -> Option<f64> {
    let answered: Vec<(f64, (f64, f64))> = rule
        .items
        .iter()
        .filter_map(|code| {
            let value = answers.get(code)?;
            let (min, max) = definition.item(code)?.answers.bounds()?;
            Some((*value as f64, (min as f64, max as f64)))
        })
        .collect();
    if answered.is_empty() || answered.len() < rule.min_answered {
        return None;
    }
    let sum: f64 = answered.iter().map(|(value, _)| value).sum();
    let raw = match rule.method {
        Method::Sum => sum,
        Method::Mean => sum / answered.len() as f64,
        Method::PercentOfMaximum | Method::InvertedPercentOfMaximum => {
            let got: f64 = answered.iter().map(|(value, (min, _))| value - min).sum();
            let span: f64 = answered.iter().map(|(_, (min, max))| max - min).sum();
            if span <= 0.0 {
                return None;
            }
            let percent = got / span * 100.0;
            if rule.method == Method::InvertedPercentOfMaximum {
                100.0 - percent
            } else {
                percent
            }
        }
    };
    Some(round_one_decimal(raw))
}

// The shipped definitions. Their texts are short paraphrases of what each
// item is about, written for Cellpath; a clinic that prefers an
// instrument's published wording loads it as its own definition.

fn text(en: &str, ar: &str) -> Text {
    Text::new(en, ar)
}

fn options(labels: &[(&str, &str)]) -> Answers {
    Answers::Options(
        labels
            .iter()
            .zip(0..)
            .map(|((en, ar), value)| AnswerOption {
                value,
                label: text(en, ar),
            })
            .collect(),
    )
}

fn nrs_pain() -> Definition {
    Definition {
        code: NRS_PAIN.into(),
        title: text("Pain rating (0-10)", "تقييم الألم (0-10)"),
        items: vec![Item {
            code: "pain".into(),
            text: text(
                "Your usual pain over the past week, from 0 (no pain) to 10 (the worst pain you can imagine)",
                "ألمك المعتاد خلال الأسبوع الماضي، من 0 (لا ألم) إلى 10 (أسوأ ألم يمكن تخيّله)",
            ),
            answers: Answers::Range { min: 0, max: 10 },
            required: true,
        }],
        scores: vec![ScoreRule {
            code: "pain".into(),
            title: text("Pain", "الألم"),
            items: vec!["pain".into()],
            method: Method::Sum,
            min_answered: 1,
            mic: NRS_MIC,
            better: Better::Lower,
        }],
    }
}

/// The five KOOS answers, from no problem (0) to extreme (4).
const KOOS_LABELS: [(&str, &str); 5] = [
    ("None", "لا يوجد"),
    ("Mild", "خفيف"),
    ("Moderate", "متوسط"),
    ("Severe", "شديد"),
    ("Extreme", "شديد جدًا"),
];

/// KOOS items by subscale: (score code, title, items (code, en, ar)).
type Subscale = (
    &'static str,
    (&'static str, &'static str),
    &'static [(&'static str, &'static str, &'static str)],
);

const KOOS_SUBSCALES: [Subscale; 5] = [
    (
        "symptoms",
        ("Symptoms", "الأعراض"),
        &[
            ("S1", "Swelling in your knee", "تورّم في ركبتك"),
            (
                "S2",
                "Grinding or clicking when your knee moves",
                "احتكاك أو طقطقة عند تحريك ركبتك",
            ),
            (
                "S3",
                "Your knee catching or locking",
                "تعلّق ركبتك أو انغلاقها",
            ),
            (
                "S4",
                "Trouble straightening your knee fully",
                "صعوبة في فرد ركبتك بالكامل",
            ),
            (
                "S5",
                "Trouble bending your knee fully",
                "صعوبة في ثني ركبتك بالكامل",
            ),
            (
                "S6",
                "Knee stiffness when you first wake up",
                "تيبّس الركبة عند الاستيقاظ",
            ),
            (
                "S7",
                "Knee stiffness later in the day, after sitting or resting",
                "تيبّس الركبة لاحقًا في اليوم بعد الجلوس أو الراحة",
            ),
        ],
    ),
    (
        "pain",
        ("Pain", "الألم"),
        &[
            ("P1", "Knee pain in general", "ألم الركبة بوجه عام"),
            (
                "P2",
                "Pain when twisting or turning on your knee",
                "ألم عند الالتفاف أو الدوران على ركبتك",
            ),
            (
                "P3",
                "Pain when straightening your knee fully",
                "ألم عند فرد ركبتك بالكامل",
            ),
            (
                "P4",
                "Pain when bending your knee fully",
                "ألم عند ثني ركبتك بالكامل",
            ),
            (
                "P5",
                "Pain when walking on flat ground",
                "ألم عند المشي على أرض مستوية",
            ),
            (
                "P6",
                "Pain on stairs, going up or down",
                "ألم عند صعود الدرج أو نزوله",
            ),
            ("P7", "Pain at night in bed", "ألم ليلًا في السرير"),
            (
                "P8",
                "Pain when sitting or lying down",
                "ألم عند الجلوس أو الاستلقاء",
            ),
            ("P9", "Pain when standing", "ألم عند الوقوف"),
        ],
    ),
    (
        "adl",
        ("Daily living", "الأنشطة اليومية"),
        &[
            ("A1", "Difficulty going down stairs", "صعوبة في نزول الدرج"),
            ("A2", "Difficulty going up stairs", "صعوبة في صعود الدرج"),
            (
                "A3",
                "Difficulty getting up from sitting",
                "صعوبة في النهوض من الجلوس",
            ),
            ("A4", "Difficulty standing", "صعوبة في الوقوف"),
            (
                "A5",
                "Difficulty bending down to pick something up",
                "صعوبة في الانحناء لالتقاط شيء",
            ),
            (
                "A6",
                "Difficulty walking on flat ground",
                "صعوبة في المشي على أرض مستوية",
            ),
            (
                "A7",
                "Difficulty getting in or out of a car",
                "صعوبة في ركوب السيارة أو النزول منها",
            ),
            ("A8", "Difficulty going shopping", "صعوبة في التسوّق"),
            ("A9", "Difficulty putting on socks", "صعوبة في لبس الجوارب"),
            (
                "A10",
                "Difficulty getting out of bed",
                "صعوبة في النهوض من السرير",
            ),
            ("A11", "Difficulty taking off socks", "صعوبة في خلع الجوارب"),
            (
                "A12",
                "Difficulty turning over in bed",
                "صعوبة في التقلّب في السرير",
            ),
            (
                "A13",
                "Difficulty getting in or out of the bath",
                "صعوبة في دخول حوض الاستحمام أو الخروج منه",
            ),
            ("A14", "Difficulty sitting", "صعوبة في الجلوس"),
            (
                "A15",
                "Difficulty getting on or off the toilet",
                "صعوبة في الجلوس على المرحاض أو القيام عنه",
            ),
            (
                "A16",
                "Difficulty with heavy housework",
                "صعوبة في الأعمال المنزلية الثقيلة",
            ),
            (
                "A17",
                "Difficulty with light housework",
                "صعوبة في الأعمال المنزلية الخفيفة",
            ),
        ],
    ),
    (
        "sport",
        ("Sport and recreation", "الرياضة والترفيه"),
        &[
            ("SP1", "Difficulty squatting", "صعوبة في القرفصاء"),
            ("SP2", "Difficulty running", "صعوبة في الجري"),
            ("SP3", "Difficulty jumping", "صعوبة في القفز"),
            (
                "SP4",
                "Difficulty twisting or turning on your knee",
                "صعوبة في الالتفاف أو الدوران على ركبتك",
            ),
            ("SP5", "Difficulty kneeling", "صعوبة في الجثو على الركبتين"),
        ],
    ),
    (
        "qol",
        (
            "Knee-related quality of life",
            "جودة الحياة المتعلقة بالركبة",
        ),
        &[
            (
                "Q1",
                "How much your knee problem is on your mind",
                "مدى انشغالك بمشكلة ركبتك",
            ),
            (
                "Q2",
                "How much you have changed how you live to protect your knee",
                "مدى تغييرك لنمط حياتك لحماية ركبتك",
            ),
            (
                "Q3",
                "How much you lack confidence in your knee",
                "مدى قلة ثقتك بركبتك",
            ),
            (
                "Q4",
                "How much trouble your knee gives you overall",
                "مدى المتاعب التي تسببها لك ركبتك إجمالًا",
            ),
        ],
    ),
];

fn koos() -> Definition {
    let mut items = Vec::new();
    let mut scores = Vec::new();
    for (code, (title_en, title_ar), subscale_items) in KOOS_SUBSCALES {
        for (item_code, en, ar) in subscale_items {
            items.push(Item {
                code: (*item_code).into(),
                text: text(en, ar),
                answers: options(&KOOS_LABELS),
                required: false,
            });
        }
        scores.push(ScoreRule {
            code: code.into(),
            title: text(title_en, title_ar),
            items: subscale_items
                .iter()
                .map(|(item_code, _, _)| (*item_code).into())
                .collect(),
            method: Method::InvertedPercentOfMaximum,
            // Valid when at least half of the subscale is answered.
            min_answered: subscale_items.len().div_ceil(2),
            mic: KOOS_MIC,
            better: Better::Higher,
        });
    }
    Definition {
        code: KOOS.into(),
        title: text(
            "Knee injury and Osteoarthritis Outcome Score (KOOS)",
            "مقياس نتائج إصابة الركبة والفُصال العظمي (KOOS)",
        ),
        items,
        scores,
    }
}

/// The ten ODI sections: what each asks about.
const ODI_SECTIONS: [(&str, &str); 10] = [
    ("Pain intensity", "شدة الألم"),
    (
        "Personal care, such as washing and dressing",
        "العناية الشخصية، مثل الاغتسال وارتداء الملابس",
    ),
    ("Lifting", "رفع الأشياء"),
    ("Walking", "المشي"),
    ("Sitting", "الجلوس"),
    ("Standing", "الوقوف"),
    ("Sleeping", "النوم"),
    ("Sex life, if it applies", "الحياة الجنسية، إن كانت تنطبق"),
    ("Social life", "الحياة الاجتماعية"),
    ("Travelling", "السفر والتنقّل"),
];

/// The six ODI answers, from no limitation (0) to the worst (5), in
/// general words rather than each section's published statements.
const ODI_LABELS: [(&str, &str); 6] = [
    ("No problem", "لا مشكلة"),
    ("Very mild", "خفيف جدًا"),
    ("Moderate", "متوسط"),
    ("Fairly severe", "شديد إلى حدّ ما"),
    ("Very severe", "شديد جدًا"),
    (
        "Cannot do it at all, or the worst",
        "لا أستطيع ذلك إطلاقًا، أو الأسوأ",
    ),
];

fn odi() -> Definition {
    let items: Vec<Item> = ODI_SECTIONS
        .iter()
        .zip(1..)
        .map(|((en, ar), number)| Item {
            code: format!("{number}"),
            text: text(en, ar),
            answers: options(&ODI_LABELS),
            required: false,
        })
        .collect();
    let section_codes = items.iter().map(|item| item.code.clone()).collect();
    Definition {
        code: ODI.into(),
        title: text(
            "Oswestry Disability Index (ODI)",
            "مؤشر أوسويستري للإعاقة (ODI)",
        ),
        items,
        scores: vec![ScoreRule {
            code: "odi".into(),
            title: text("Disability (%)", "الإعاقة (%)"),
            items: section_codes,
            method: Method::PercentOfMaximum,
            min_answered: ODI_MIN_SECTIONS,
            mic: ODI_MIC,
            better: Better::Lower,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOLERANCE: f64 = 1e-9;

    fn shipped(code: &str) -> Definition {
        Definition::by_code(code).expect("shipped")
    }

    fn answers(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs
            .iter()
            .map(|(code, value)| ((*code).to_string(), *value))
            .collect()
    }

    /// The items `prefix1..=prefixN` all answered with `value`.
    fn all(prefix: &str, n: usize, value: i64) -> Vec<(String, i64)> {
        (1..=n).map(|i| (format!("{prefix}{i}"), value)).collect()
    }

    fn scored(definition: &Definition, pairs: Vec<(String, i64)>) -> Scores {
        score(definition, &pairs.into_iter().collect()).expect("valid answers")
    }

    fn assert_close(got: Option<f64>, expected: Option<f64>, what: &str) {
        match (got, expected) {
            (Some(g), Some(e)) => assert!((g - e).abs() < TOLERANCE, "{what}: {g} != {e}"),
            _ => assert_eq!(got, expected, "{what}"),
        }
    }

    fn koos_all(value: i64) -> Vec<(String, i64)> {
        [
            all("S", 7, value),
            all("P", 9, value),
            all("A", 17, value),
            all("SP", 5, value),
            all("Q", 4, value),
        ]
        .concat()
    }

    #[test]
    fn nrs_is_the_answer_itself() {
        let nrs = shipped(NRS_PAIN);
        for value in 0..=10 {
            let scores = score(&nrs, &answers(&[("pain", value)])).expect("valid");
            assert_close(scores.get("pain"), Some(value as f64), "nrs");
        }
        // NRS 7 -> 7.
        assert_eq!(
            score(&nrs, &answers(&[("pain", 7)])),
            Ok(Scores(vec![Score {
                code: "pain".into(),
                value: Some(7.0)
            }]))
        );
    }

    #[test]
    fn nrs_pain_is_required() {
        let nrs = shipped(NRS_PAIN);
        assert_eq!(
            score(&nrs, &BTreeMap::new()),
            Err(Issues(vec![Issue::new(
                "answers.pain",
                IssueCode::Required
            )]))
        );
    }

    #[test]
    fn koos_all_none_is_100_and_all_extreme_is_0() {
        let koos = shipped(KOOS);
        // Every answer 0: mean 0, 100 - 0 x 25 = 100.
        let best = scored(&koos, koos_all(0));
        // Every answer 4: mean 4, 100 - 4 x 25 = 0.
        let worst = scored(&koos, koos_all(4));
        // Every answer 2: mean 2, 100 - 2 x 25 = 50.
        let middle = scored(&koos, koos_all(2));
        for code in ["symptoms", "pain", "adl", "sport", "qol"] {
            assert_close(best.get(code), Some(100.0), code);
            assert_close(worst.get(code), Some(0.0), code);
            assert_close(middle.get(code), Some(50.0), code);
        }
        let codes: Vec<&str> = best.0.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes, ["symptoms", "pain", "adl", "sport", "qol"]);
    }

    #[test]
    fn koos_worked_examples() {
        let koos = shipped(KOOS);
        type Case = (&'static str, &'static [(&'static str, i64)], Option<f64>);
        let cases: &[Case] = &[
            // Symptoms, all seven: 1,1,1,1,1,1,2 -> mean 8/7 = 1.142857...,
            // 100 - 28.571... = 71.428... -> 71.4.
            (
                "symptoms",
                &[
                    ("S1", 1),
                    ("S2", 1),
                    ("S3", 1),
                    ("S4", 1),
                    ("S5", 1),
                    ("S6", 1),
                    ("S7", 2),
                ],
                Some(71.4),
            ),
            // Symptoms, 4 of 7 answered (at least half): mean 1 -> 75.
            (
                "symptoms",
                &[("S1", 1), ("S2", 1), ("S3", 1), ("S4", 1)],
                Some(75.0),
            ),
            // Symptoms, 3 of 7 answered (fewer than half): no score.
            ("symptoms", &[("S1", 1), ("S2", 1), ("S3", 1)], None),
            // Pain, 5 of 9: 2,2,1,1,0 -> mean 1.2, 100 - 30 = 70.
            (
                "pain",
                &[("P1", 2), ("P2", 2), ("P3", 1), ("P4", 1), ("P5", 0)],
                Some(70.0),
            ),
            // Pain, 4 of 9: no score.
            ("pain", &[("P1", 2), ("P2", 2), ("P3", 1), ("P4", 1)], None),
            // Quality of life, exactly half (2 of 4): 2,3 -> mean 2.5,
            // 100 - 62.5 = 37.5.
            ("qol", &[("Q1", 2), ("Q2", 3)], Some(37.5)),
            // Quality of life, 1 of 4: no score.
            ("qol", &[("Q1", 2)], None),
            // Sport, 3 of 5: 4,4,3 -> mean 11/3 = 3.666..., 100 - 91.666... = 8.333... -> 8.3.
            ("sport", &[("SP1", 4), ("SP2", 4), ("SP3", 3)], Some(8.3)),
            // Sport, 2 of 5: no score.
            ("sport", &[("SP1", 4), ("SP2", 4)], None),
            // Nothing answered: no score.
            ("sport", &[], None),
        ];
        for (code, pairs, expected) in cases {
            let scores = score(&koos, &answers(pairs)).expect("valid");
            assert_close(scores.get(code), *expected, &format!("{code} {pairs:?}"));
        }
    }

    #[test]
    fn koos_adl_needs_nine_of_seventeen() {
        let koos = shipped(KOOS);
        // 9 of 17 answered, all 1: mean 1 -> 75.
        assert_close(
            scored(&koos, all("A", 9, 1)).get("adl"),
            Some(75.0),
            "9 of 17",
        );
        // 8 of 17: fewer than half.
        assert_close(scored(&koos, all("A", 8, 1)).get("adl"), None, "8 of 17");
    }

    #[test]
    fn koos_half_rule_for_every_subscale() {
        let koos = shipped(KOOS);
        for rule in koos.scores() {
            let n = rule.items.len();
            let half_up = n.div_ceil(2);
            let take = |count: usize| -> Vec<(String, i64)> {
                rule.items
                    .iter()
                    .take(count)
                    .map(|code| (code.clone(), 0))
                    .collect()
            };
            assert_close(
                scored(&koos, take(half_up)).get(&rule.code),
                Some(100.0),
                &rule.code,
            );
            assert_close(
                scored(&koos, take(half_up - 1)).get(&rule.code),
                None,
                &rule.code,
            );
            assert!(2 * half_up >= n && 2 * (half_up - 1) < n, "{}", rule.code);
        }
    }

    #[test]
    fn odi_worked_examples() {
        let odi = shipped(ODI);
        let sections = |values: &[i64]| -> Vec<(String, i64)> {
            values
                .iter()
                .zip(1..)
                .map(|(value, n)| (format!("{n}"), *value))
                .collect()
        };
        type Case = (&'static [i64], Option<f64>);
        let cases: &[Case] = &[
            // 10 sections summing 20: 20 / (5 x 10) x 100 = 40.
            (&[2, 2, 2, 2, 2, 2, 2, 2, 2, 2], Some(40.0)),
            (&[5, 5, 0, 0, 4, 1, 2, 3, 0, 0], Some(40.0)),
            // 8 sections summing 16: 16 / (5 x 8) x 100 = 40.
            (&[2, 2, 2, 2, 2, 2, 2, 2], Some(40.0)),
            // 9 sections summing 13: 13 / 45 x 100 = 28.888... -> 28.9.
            (&[1, 1, 1, 2, 2, 2, 1, 1, 2], Some(28.9)),
            // 7 sections: fewer than the minimum of 8.
            (&[2, 2, 2, 2, 2, 2, 2], None),
            (&[], None),
            (&[0; 10], Some(0.0)),
            (&[5; 10], Some(100.0)),
        ];
        for (values, expected) in cases {
            let scores = scored(&odi, sections(values));
            assert_close(scores.get("odi"), *expected, &format!("{values:?}"));
        }
        // Which sections are missing does not matter: 8 answered of 10,
        // leaving out 3 and 8.
        let skipping: Vec<(String, i64)> = [1, 2, 4, 5, 6, 7, 9, 10]
            .iter()
            .map(|n| (format!("{n}"), 2))
            .collect();
        assert_close(
            scored(&odi, skipping).get("odi"),
            Some(40.0),
            "3 and 8 left out",
        );
    }

    #[test]
    fn every_problem_is_collected() {
        let koos = shipped(KOOS);
        let given = answers(&[("S1", 5), ("X9", 1), ("P1", -1), ("P2", 4), ("", 0)]);
        let issues = score(&koos, &given).expect_err("problems");
        assert_eq!(
            issues,
            Issues(vec![
                Issue::new("answers.", IssueCode::UnknownCode),
                Issue {
                    field: "answers.P1".into(),
                    code: IssueCode::OutOfRange,
                    limit: Some(4)
                },
                Issue {
                    field: "answers.S1".into(),
                    code: IssueCode::OutOfRange,
                    limit: Some(4)
                },
                Issue::new("answers.X9", IssueCode::UnknownCode),
            ])
        );
        let nrs = shipped(NRS_PAIN);
        let issues = score(&nrs, &answers(&[("pain", 11), ("mood", 3)])).expect_err("problems");
        assert_eq!(
            issues,
            Issues(vec![
                Issue::new("answers.mood", IssueCode::UnknownCode),
                Issue {
                    field: "answers.pain".into(),
                    code: IssueCode::OutOfRange,
                    limit: Some(10)
                },
            ])
        );
    }

    #[test]
    fn reading_a_form() {
        let odi = shipped(ODI);
        let raw = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(c, v)| ((*c).to_string(), (*v).to_string()))
                .collect()
        };
        // Arabic-Indic digits and blanks (unanswered).
        assert_eq!(
            read_answers(&odi, &raw(&[("1", "٣"), ("2", " 2 "), ("3", "")])),
            Ok(answers(&[("1", 3), ("2", 2)]))
        );
        let issues = read_answers(
            &odi,
            &raw(&[
                ("1", "two"),
                ("2", "6"),
                ("2", "1"),
                ("11", "1"),
                ("4", "1"),
                ("4", "2"),
            ]),
        )
        .expect_err("problems");
        assert_eq!(
            issues,
            Issues(vec![
                Issue::new("answers.1", IssueCode::InvalidFormat),
                Issue::new("answers.2", IssueCode::Duplicate),
                Issue::new("answers.11", IssueCode::UnknownCode),
                Issue::new("answers.4", IssueCode::Duplicate),
                Issue {
                    field: "answers.2".into(),
                    code: IssueCode::OutOfRange,
                    limit: Some(5)
                },
            ])
        );
        // A required item typed wrong is reported once, as unreadable.
        let nrs = shipped(NRS_PAIN);
        assert_eq!(
            read_answers(&nrs, &raw(&[("pain", "7.5")])),
            Err(Issues(vec![Issue::new(
                "answers.pain",
                IssueCode::InvalidFormat
            )]))
        );
        assert_eq!(
            read_answers(&nrs, &raw(&[("pain", "")])),
            Err(Issues(vec![Issue::new(
                "answers.pain",
                IssueCode::Required
            )]))
        );
    }

    #[test]
    fn improvement_goes_by_direction_and_mic() {
        let nrs = shipped(NRS_PAIN);
        let koos = shipped(KOOS);
        let odi = shipped(ODI);
        type Case<'a> = (&'a Definition, &'static str, f64, f64, bool);
        let cases: &[Case] = &[
            // NRS: lower is better, by at least 2.
            (&nrs, "pain", 7.0, 5.0, true),
            (&nrs, "pain", 7.0, 6.0, false),
            (&nrs, "pain", 5.0, 7.0, false),
            (&nrs, "pain", 7.0, 0.0, true),
            // KOOS: higher is better, by at least 10.
            (&koos, "pain", 53.6, 63.6, true),
            (&koos, "pain", 53.6, 63.5, false),
            (&koos, "adl", 60.0, 50.0, false),
            (&koos, "qol", 37.5, 100.0, true),
            // ODI: lower is better, by at least 10 percentage points.
            (&odi, "odi", 40.0, 30.0, true),
            (&odi, "odi", 40.0, 30.1, false),
            (&odi, "odi", 30.0, 40.0, false),
        ];
        for (definition, code, baseline, latest, expected) in cases {
            assert_eq!(
                definition.improved(code, *baseline, *latest),
                Some(*expected),
                "{} {code} {baseline} -> {latest}",
                definition.code()
            );
        }
        assert_eq!(koos.improved("unknown", 0.0, 100.0), None);
    }

    #[test]
    fn mic_can_be_changed() {
        let koos = shipped(KOOS).with_mic("pain", 8.0).expect("valid");
        assert_eq!(koos.improved("pain", 50.0, 58.0), Some(true));
        assert_eq!(koos.improved("adl", 50.0, 58.0), Some(false));
        assert_eq!(
            shipped(KOOS).with_mic("pain", 0.0),
            Err(Issue::new("scores.pain.mic", IssueCode::OutOfRange))
        );
        assert_eq!(
            shipped(KOOS).with_mic("mood", 5.0),
            Err(Issue::new("scores.mood.mic", IssueCode::UnknownCode))
        );
    }

    #[test]
    fn shipped_mics_and_directions() {
        let expected: &[(&str, &str, f64, Better)] = &[
            (NRS_PAIN, "pain", 2.0, Better::Lower),
            (KOOS, "symptoms", 10.0, Better::Higher),
            (KOOS, "pain", 10.0, Better::Higher),
            (KOOS, "adl", 10.0, Better::Higher),
            (KOOS, "sport", 10.0, Better::Higher),
            (KOOS, "qol", 10.0, Better::Higher),
            (ODI, "odi", 10.0, Better::Lower),
        ];
        for (definition, code, mic, better) in expected {
            let definition = shipped(definition);
            let rule = definition.score_rule(code).expect("score");
            assert_eq!((rule.mic, rule.better), (*mic, *better), "{code}");
        }
    }

    #[test]
    fn shipped_definitions_are_well_formed() {
        let all = definitions();
        let codes: Vec<&str> = all.iter().map(Definition::code).collect();
        assert_eq!(codes, [NRS_PAIN, KOOS, ODI]);
        for definition in &all {
            // The same checks a clinic's own definition goes through.
            let checked = Definition::new(
                definition.code.clone(),
                definition.title.clone(),
                definition.items.clone(),
                definition.scores.clone(),
            );
            assert_eq!(checked.as_ref(), Ok(definition), "{}", definition.code());
            assert_eq!(
                Definition::by_code(definition.code()).as_ref(),
                Some(definition)
            );

            let mut item_codes = BTreeSet::new();
            for item in definition.items() {
                assert!(item_codes.insert(item.code.as_str()), "{}", item.code);
                assert!(!item.text.en.trim().is_empty(), "{}", item.code);
                assert!(!item.text.ar.trim().is_empty(), "{}", item.code);
                assert!(
                    item.text
                        .ar
                        .chars()
                        .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                    "{} is in Arabic script",
                    item.code
                );
                if let Answers::Options(options) = &item.answers {
                    for option in options {
                        assert!(!option.label.get(Locale::En).trim().is_empty());
                        assert!(!option.label.get(Locale::Ar).trim().is_empty());
                    }
                }
            }
            // Every item belongs to exactly one score here.
            let mut scored_items: Vec<&str> = definition
                .scores()
                .iter()
                .flat_map(|rule| rule.items.iter().map(String::as_str))
                .collect();
            scored_items.sort_unstable();
            assert_eq!(scored_items, item_codes.into_iter().collect::<Vec<_>>());
        }
        assert_eq!(Definition::by_code("womac"), None);
    }

    #[test]
    fn shipped_item_lists() {
        let codes = |definition: &Definition| -> Vec<String> {
            definition.items().iter().map(|i| i.code.clone()).collect()
        };
        let koos = shipped(KOOS);
        assert_eq!(codes(&koos).len(), 42);
        let expected: Vec<String> = koos_all(0).into_iter().map(|(code, _)| code).collect();
        assert_eq!(codes(&koos), expected);
        let sizes: Vec<(&str, usize, usize)> = koos
            .scores()
            .iter()
            .map(|r| (r.code.as_str(), r.items.len(), r.min_answered))
            .collect();
        assert_eq!(
            sizes,
            [
                ("symptoms", 7, 4),
                ("pain", 9, 5),
                ("adl", 17, 9),
                ("sport", 5, 3),
                ("qol", 4, 2)
            ]
        );
        for item in koos.items() {
            assert_eq!(item.answers.bounds(), Some((0, 4)), "{}", item.code);
            let Answers::Options(options) = &item.answers else {
                panic!("{} has labelled answers", item.code);
            };
            let labels: Vec<&str> = options.iter().map(|o| o.label.en.as_str()).collect();
            assert_eq!(labels, ["None", "Mild", "Moderate", "Severe", "Extreme"]);
        }
        let odi = shipped(ODI);
        assert_eq!(
            codes(&odi),
            (1..=10).map(|n| n.to_string()).collect::<Vec<_>>()
        );
        for item in odi.items() {
            assert_eq!(item.answers.bounds(), Some((0, 5)), "{}", item.code);
        }
        let nrs = shipped(NRS_PAIN);
        assert_eq!(codes(&nrs), ["pain"]);
        assert_eq!(nrs.items()[0].answers, Answers::Range { min: 0, max: 10 });
    }

    #[test]
    fn a_clinics_own_definition_is_checked() {
        let likert = options(&[("No", "لا"), ("Yes", "نعم")]);
        let good = Definition::new(
            "own-score",
            text("Own score", "مقياس خاص"),
            vec![
                Item {
                    code: "q1".into(),
                    text: text("First", "الأول"),
                    answers: likert.clone(),
                    required: true,
                },
                Item {
                    code: "q2".into(),
                    text: text("Second", "الثاني"),
                    answers: Answers::Range { min: 1, max: 5 },
                    required: false,
                },
            ],
            vec![ScoreRule {
                code: "total".into(),
                title: text("Total", "المجموع"),
                items: vec!["q1".into(), "q2".into()],
                method: Method::Sum,
                min_answered: 1,
                mic: 1.0,
                better: Better::Higher,
            }],
        )
        .expect("valid");
        let scores = score(&good, &answers(&[("q1", 1), ("q2", 4)])).expect("valid");
        assert_close(scores.get("total"), Some(5.0), "sum");

        let bad = Definition::new(
            "",
            text("Own", " "),
            vec![
                Item {
                    code: "q1".into(),
                    text: text("First", ""),
                    answers: options(&[("Only", "فقط")]),
                    required: false,
                },
                Item {
                    code: "q1".into(),
                    text: text("Again", "مجددًا"),
                    answers: Answers::Range { min: 3, max: 3 },
                    required: false,
                },
                Item {
                    code: "q 3".into(),
                    text: text("Third", "الثالث"),
                    answers: likert,
                    required: false,
                },
            ],
            vec![ScoreRule {
                code: "total".into(),
                title: text("Total", "المجموع"),
                items: vec!["q1".into(), "q1".into(), "q9".into()],
                method: Method::Mean,
                min_answered: 4,
                mic: f64::NAN,
                better: Better::Higher,
            }],
        )
        .expect_err("problems");
        let found: Vec<(&str, IssueCode)> = bad
            .0
            .iter()
            .map(|issue| (issue.field.as_str(), issue.code))
            .collect();
        assert_eq!(
            found,
            [
                ("code", IssueCode::Required),
                ("title.ar", IssueCode::Required),
                ("items.0.text.ar", IssueCode::Required),
                ("items.0.answers", IssueCode::Required),
                ("items.1.code", IssueCode::Duplicate),
                ("items.1.answers", IssueCode::OutOfRange),
                ("items.2.code", IssueCode::InvalidFormat),
                ("scores.0.items.1", IssueCode::Duplicate),
                ("scores.0.items.2", IssueCode::UnknownCode),
                ("scores.0.min_answered", IssueCode::OutOfRange),
                ("scores.0.mic", IssueCode::OutOfRange),
            ]
        );
    }

    #[test]
    fn scores_are_rounded_to_one_decimal() {
        assert_eq!(round_one_decimal(71.428_571), 71.4);
        assert_eq!(round_one_decimal(8.333_333), 8.3);
        assert_eq!(round_one_decimal(28.888_888), 28.9);
        assert_eq!(round_one_decimal(0.05), 0.1);
        assert_eq!(round_one_decimal(100.0), 100.0);
    }
}
