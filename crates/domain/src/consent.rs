//! Consent: versioned texts per procedure (cell source) and language, and
//! the patient's signature on the exact text shown. A consent is valid for
//! a plan when it was signed on the current version of its text and not
//! withdrawn; a new version of the text asks for consent again.

use crate::issue::{Issue, IssueCode, Issues};
use crate::locale::Locale;
use crate::plan::CellSource;
use crate::text::{self, LONG_MAX, NAME_MAX, SHORT_MAX};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Longest consent text.
pub const BODY_MAX: usize = 50_000;
/// Largest drawn signature (a PNG data URL).
pub const SIGNATURE_MAX: usize = 200_000;

/// A consent text as the admin writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateDraft {
    pub procedure: String,
    pub locale: String,
    pub title: String,
    pub body: String,
}

/// A validated consent text, before it gets its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateText {
    pub procedure: CellSource,
    pub locale: Locale,
    pub title: String,
    pub body: String,
}

impl TemplateDraft {
    pub fn validate(&self) -> Result<TemplateText, Issues> {
        let mut issues = Issues::default();
        let procedure = issues.check(CellSource::parse("procedure", &self.procedure));
        let locale = issues.check(
            Locale::parse(&self.locale)
                .filter(|l| l.code() == self.locale.trim())
                .ok_or_else(|| Issue::new("locale", IssueCode::UnknownCode)),
        );
        let title = issues.check(text::required("title", &self.title, SHORT_MAX));
        let body = issues.check(text::required("body", &self.body, BODY_MAX));
        match (procedure, locale, title, body) {
            (Some(procedure), Some(locale), Some(title), Some(body)) if issues.is_empty() => {
                Ok(TemplateText {
                    procedure,
                    locale,
                    title,
                    body,
                })
            }
            _ => Err(issues),
        }
    }
}

/// The exact text shown to the patient: title and body, joined as displayed.
pub fn shown_text(title: &str, body: &str) -> String {
    format!("{title}\n\n{body}")
}

/// The SHA-256 of the text shown, hex-encoded: proof of what was signed.
pub fn text_hash(shown: &str) -> String {
    hex::encode(Sha256::digest(shown.as_bytes()))
}

/// Where the patient signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedVia {
    /// In their own portal.
    Portal,
    /// On a staff member's device at the clinic.
    StaffDevice,
}

impl SignedVia {
    pub fn code(self) -> &'static str {
        match self {
            SignedVia::Portal => "portal",
            SignedVia::StaffDevice => "staff_device",
        }
    }

    pub fn parse(code: &str) -> Option<SignedVia> {
        [SignedVia::Portal, SignedVia::StaffDevice]
            .into_iter()
            .find(|v| v.code() == code)
    }
}

/// A signature as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureDraft {
    /// The patient types their full name.
    pub typed_name: String,
    /// Optional drawn signature, a `data:image/png;base64,...` URL.
    pub drawn_signature: String,
    pub witness_name: String,
    /// The interpreter's name and language, where one was used.
    pub interpreter_name: String,
    pub interpreter_language: String,
    /// The patient confirms they read and understood the text.
    pub confirmed: bool,
}

/// A validated signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub typed_name: String,
    pub drawn_signature: Option<String>,
    pub witness_name: Option<String>,
    pub interpreter_name: Option<String>,
    pub interpreter_language: Option<String>,
}

impl SignatureDraft {
    /// Validates the signature. The product asks for a witness; at a staff
    /// device the witness is required, in the portal it is not available.
    pub fn validate(&self, via: SignedVia) -> Result<Signature, Issues> {
        let mut issues = Issues::default();
        let typed_name = issues.check(text::required("typed_name", &self.typed_name, NAME_MAX * 2));
        let drawn_signature = issues.check(drawn(&self.drawn_signature));
        let witness_name = match via {
            SignedVia::StaffDevice => issues
                .check(text::required("witness_name", &self.witness_name, NAME_MAX * 2).map(Some)),
            SignedVia::Portal => issues.check(text::optional(
                "witness_name",
                &self.witness_name,
                NAME_MAX * 2,
            )),
        };
        let interpreter_name = issues.check(text::optional(
            "interpreter_name",
            &self.interpreter_name,
            NAME_MAX * 2,
        ));
        let interpreter_language = issues.check(text::optional(
            "interpreter_language",
            &self.interpreter_language,
            SHORT_MAX,
        ));
        if matches!(interpreter_name, Some(Some(_))) && matches!(interpreter_language, Some(None)) {
            issues.add("interpreter_language", IssueCode::Required);
        }
        if !self.confirmed {
            issues.add("confirmed", IssueCode::Required);
        }
        match (
            typed_name,
            drawn_signature,
            witness_name,
            interpreter_name,
            interpreter_language,
        ) {
            (
                Some(typed_name),
                Some(drawn_signature),
                Some(witness_name),
                Some(interpreter_name),
                Some(interpreter_language),
            ) if issues.is_empty() => Ok(Signature {
                typed_name,
                drawn_signature,
                witness_name,
                interpreter_name,
                interpreter_language,
            }),
            _ => Err(issues),
        }
    }
}

fn drawn(raw: &str) -> Result<Option<String>, Issue> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > SIGNATURE_MAX {
        return Err(Issue {
            field: "drawn_signature".into(),
            code: IssueCode::TooLong,
            limit: u32::try_from(SIGNATURE_MAX).ok(),
        });
    }
    let Some(data) = value.strip_prefix("data:image/png;base64,") else {
        return Err(Issue::new("drawn_signature", IssueCode::InvalidFormat));
    };
    if data.is_empty()
        || !data
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return Err(Issue::new("drawn_signature", IssueCode::InvalidFormat));
    }
    Ok(Some(value.to_string()))
}

/// A withdrawal's reason (optional, free text).
pub fn withdrawal_reason(raw: &str) -> Result<Option<String>, Issues> {
    text::optional("reason", raw, LONG_MAX).map_err(|i| Issues(vec![i]))
}

/// Where a plan's consent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentState {
    /// Signed on the current text and not withdrawn.
    Valid,
    /// Never signed.
    Missing,
    /// Signed on an earlier version of the text: ask again.
    Outdated,
    /// Withdrawn by the patient: nothing that follows may go ahead.
    Withdrawn,
}

impl ConsentState {
    pub fn code(self) -> &'static str {
        match self {
            ConsentState::Valid => "valid",
            ConsentState::Missing => "missing",
            ConsentState::Outdated => "outdated",
            ConsentState::Withdrawn => "withdrawn",
        }
    }
}

/// A signed consent, as far as its validity goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedConsent {
    pub template_version: i64,
    pub signed_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// The state of a plan's consent given its signatures (any order) and the
/// current version of its text.
pub fn consent_state(signed: &[SignedConsent], current_version: i64) -> ConsentState {
    let Some(latest) = signed.iter().max_by_key(|c| c.signed_at) else {
        return ConsentState::Missing;
    };
    if latest.withdrawn_at.is_some() {
        ConsentState::Withdrawn
    } else if latest.template_version < current_version {
        ConsentState::Outdated
    } else {
        ConsentState::Valid
    }
}

/// The neutral starting text of a procedure in a language, for the clinic to edit.
pub fn starting_text(procedure: CellSource, locale: Locale) -> (String, String) {
    let (title, source) = match (locale, procedure) {
        (Locale::En, CellSource::BoneMarrow) => (
            "Consent: treatment with your own bone marrow cells",
            "a small amount of bone marrow is drawn from the back of the hip bone (iliac crest) under local anaesthetic",
        ),
        (Locale::En, CellSource::Adipose) => (
            "Consent: treatment with your own fat tissue cells",
            "a small amount of fat tissue is drawn from the abdomen under local anaesthetic",
        ),
        (Locale::En, CellSource::Allogeneic) => (
            "Consent: treatment with a donor cell product",
            "a donor cell product released by the laboratory is used; no cells are taken from you",
        ),
        (Locale::Ar, CellSource::BoneMarrow) => (
            "موافقة: العلاج بخلايا نخاع العظم الخاصة بك",
            "تُسحب كمية صغيرة من نخاع العظم من الجزء الخلفي لعظم الورك (العُرف الحرقفي) تحت تخدير موضعي",
        ),
        (Locale::Ar, CellSource::Adipose) => (
            "موافقة: العلاج بخلايا النسيج الدهني الخاص بك",
            "تُسحب كمية صغيرة من النسيج الدهني من البطن تحت تخدير موضعي",
        ),
        (Locale::Ar, CellSource::Allogeneic) => (
            "موافقة: العلاج بمنتج خلوي من متبرع",
            "يُستخدم منتج خلوي من متبرع أجازه المختبر؛ لا تؤخذ منك أي خلايا",
        ),
    };
    let body = match locale {
        Locale::En => format!(
            "This is a starting text. The clinic replaces it with its own wording before use.\n\n\
             1. The procedure. {source}; the cells are prepared in the clinic's laboratory and injected into the treated area, usually with image guidance.\n\n\
             2. How the cells are handled. They are labelled with an identifier that is checked at every step, and at the bedside before the injection.\n\n\
             3. Risks. Pain, bruising, swelling or infection at the injection site and, where cells are drawn, at the harvest site; reactions to the anaesthetic; the treatment may not help.\n\n\
             4. Alternatives. Other treatments for this condition, including no treatment, have been discussed with you.\n\n\
             5. Evidence and regulatory status. The clinic explains the current evidence for this use and its regulatory status.\n\n\
             6. Follow-up. You will be asked to keep a symptom diary and to attend follow-up visits and questionnaires.\n\n\
             7. Your right to withdraw. You may withdraw your consent at any time before the treatment, without affecting your other care."
        ),
        Locale::Ar => format!(
            "هذا نص مبدئي. تستبدله العيادة بصياغتها الخاصة قبل الاستخدام.\n\n\
             ١. الإجراء. {source}؛ تُحضَّر الخلايا في مختبر العيادة وتُحقن في المنطقة المعالَجة، عادةً بتوجيه التصوير.\n\n\
             ٢. كيف تُعامَل الخلايا. توضع عليها علامة بمعرّف يُتحقق منه في كل خطوة، وعند السرير قبل الحقن.\n\n\
             ٣. المخاطر. ألم أو كدمات أو تورم أو عدوى في موضع الحقن، وفي موضع السحب حيث تُسحب الخلايا؛ تفاعلات مع المخدر؛ وقد لا يفيد العلاج.\n\n\
             ٤. البدائل. نوقشت معك علاجات أخرى لهذه الحالة، بما في ذلك عدم العلاج.\n\n\
             ٥. الأدلة والوضع التنظيمي. توضح العيادة الأدلة الحالية لهذا الاستخدام ووضعه التنظيمي.\n\n\
             ٦. المتابعة. سيُطلب منك تدوين يوميات الأعراض وحضور زيارات المتابعة والاستبيانات.\n\n\
             ٧. حقك في الانسحاب. يمكنك سحب موافقتك في أي وقت قبل العلاج دون أن يؤثر ذلك على رعايتك الأخرى."
        ),
    };
    (title.to_string(), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).expect("time")
    }

    #[test]
    fn consent_states() {
        let signed = |version, minute, withdrawn: Option<i64>| SignedConsent {
            template_version: version,
            signed_at: at(minute),
            withdrawn_at: withdrawn.map(at),
        };
        let cases: Vec<(Vec<SignedConsent>, i64, ConsentState)> = vec![
            (vec![], 1, ConsentState::Missing),
            (vec![signed(1, 0, None)], 1, ConsentState::Valid),
            (vec![signed(1, 0, None)], 2, ConsentState::Outdated),
            (
                vec![signed(1, 0, None), signed(2, 10, None)],
                2,
                ConsentState::Valid,
            ),
            (vec![signed(2, 0, Some(5))], 2, ConsentState::Withdrawn),
            (
                vec![signed(2, 0, Some(5)), signed(2, 10, None)],
                2,
                ConsentState::Valid,
            ),
        ];
        for (i, (signed, current, expected)) in cases.iter().enumerate() {
            assert_eq!(consent_state(signed, *current), *expected, "case {i}");
        }
    }

    #[test]
    fn signatures_are_checked() {
        let good = SignatureDraft {
            typed_name: "Fatimah Al-Zahra".into(),
            drawn_signature: "data:image/png;base64,iVBORw0KGgo=".into(),
            witness_name: "Nurse Rana".into(),
            interpreter_name: String::new(),
            interpreter_language: String::new(),
            confirmed: true,
        };
        assert!(good.validate(SignedVia::StaffDevice).is_ok());
        type Edit = fn(&mut SignatureDraft);
        type Case<'a> = (Edit, SignedVia, &'a [(&'a str, IssueCode)]);
        let cases: &[Case] = &[
            (
                |d| d.witness_name = String::new(),
                SignedVia::StaffDevice,
                &[("witness_name", IssueCode::Required)],
            ),
            (|d| d.witness_name = String::new(), SignedVia::Portal, &[]),
            (
                |d| d.typed_name = " ".into(),
                SignedVia::Portal,
                &[("typed_name", IssueCode::Required)],
            ),
            (
                |d| d.drawn_signature = "<svg onload=alert(1)>".into(),
                SignedVia::Portal,
                &[("drawn_signature", IssueCode::InvalidFormat)],
            ),
            (
                |d| d.drawn_signature = String::new(),
                SignedVia::Portal,
                &[],
            ),
            (
                |d| d.interpreter_name = "Omar".into(),
                SignedVia::StaffDevice,
                &[("interpreter_language", IssueCode::Required)],
            ),
            (
                |d| d.confirmed = false,
                SignedVia::Portal,
                &[("confirmed", IssueCode::Required)],
            ),
        ];
        for (i, (edit, via, expected)) in cases.iter().enumerate() {
            let mut draft = good.clone();
            edit(&mut draft);
            let got: Vec<(String, IssueCode)> = match draft.validate(*via) {
                Ok(_) => vec![],
                Err(issues) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
            };
            let expected: Vec<(String, IssueCode)> =
                expected.iter().map(|(f, c)| (f.to_string(), *c)).collect();
            assert_eq!(got, expected, "case {i}");
        }
    }

    #[test]
    fn the_hash_covers_the_exact_text() {
        let a = text_hash(&shown_text("Title", "Body"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, text_hash(&shown_text("Title", "Body")));
        assert_ne!(a, text_hash(&shown_text("Title", "Body.")));
    }

    #[test]
    fn every_procedure_has_a_starting_text_in_both_languages() {
        for procedure in CellSource::ALL {
            for locale in Locale::ALL {
                let (title, body) = starting_text(*procedure, locale);
                let draft = TemplateDraft {
                    procedure: procedure.code().into(),
                    locale: locale.code().into(),
                    title,
                    body,
                };
                assert!(draft.validate().is_ok(), "{procedure:?} {locale}");
            }
        }
    }
}
