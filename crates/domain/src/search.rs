//! Search keys: names are folded so that a search ignores case, diacritics
//! and the usual Arabic spelling variants (alef forms, hamza seats, taa
//! marbuta, alef maqsura), and phone numbers are reduced to their digits.

use chrono::NaiveDate;

/// Folds one character of a name for searching; `None` drops it.
fn fold_char(c: char) -> Option<char> {
    match c {
        // Arabic diacritics (tashkeel), superscript alef, and tatweel.
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => None,
        // Alef with madda, hamza above or below, wasla: plain alef.
        'آ' | 'أ' | 'إ' | 'ٱ' => Some('ا'),
        // Hamza on waw or yaa seats and bare hamza.
        'ؤ' => Some('و'),
        'ئ' | 'ى' | 'ی' => Some('ي'),
        'ء' => None,
        // Taa marbuta is written and typed as haa.
        'ة' => Some('ه'),
        // Persian kaf is often typed for Arabic kaf.
        'ک' => Some('ك'),
        _ => Some(c),
    }
}

/// Arabic-Indic and extended Arabic-Indic digits as ASCII.
fn ascii_digit(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => char::from_u32(c as u32 - 0x0660 + u32::from(b'0')).unwrap_or(c),
        '\u{06F0}'..='\u{06F9}' => char::from_u32(c as u32 - 0x06F0 + u32::from(b'0')).unwrap_or(c),
        _ => c,
    }
}

/// The search form of a piece of text: lower case, Latin accents kept (rare
/// in this clinic's names), Arabic variants folded, whitespace collapsed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        let c = ascii_digit(c);
        if c.is_whitespace() || c == '-' || c == '\'' || c == '.' || c == ',' {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        if let Some(folded) = fold_char(c) {
            for lower in folded.to_lowercase() {
                out.push(lower);
            }
            last_space = false;
        }
    }
    out.trim_end().to_string()
}

/// The stored search key of a patient: every name word, space-delimited on
/// both ends so that a prefix search of any word is `LIKE '% word%'`.
pub fn name_key(parts: &[&str]) -> String {
    let words: Vec<String> = parts
        .iter()
        .map(|p| fold(p))
        .filter(|w| !w.is_empty())
        .collect();
    format!(" {} ", words.join(" "))
}

/// Only the digits of a phone number (Arabic-Indic digits included).
pub fn phone_key(phone: &str) -> String {
    phone
        .chars()
        .map(ascii_digit)
        .filter(char::is_ascii_digit)
        .collect()
}

/// What a search box's text is taken to mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    /// Nothing to search: list everything the user may see.
    All,
    /// A date of birth.
    BirthDate(NaiveDate),
    /// Digits: a phone number or a record number prefix.
    Number { digits: String, record: String },
    /// Words of a name (each a folded prefix), or a record number.
    Text { words: Vec<String>, record: String },
}

impl SearchQuery {
    pub fn parse(raw: &str) -> SearchQuery {
        // Control characters (NUL included) can never match a stored key.
        let trimmed: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .map(ascii_digit)
            .collect();
        if trimmed.is_empty() {
            return SearchQuery::All;
        }
        if let Ok(date) = NaiveDate::parse_from_str(&trimmed, "%Y-%m-%d") {
            return SearchQuery::BirthDate(date);
        }
        let record = trimmed.to_uppercase();
        let digits = phone_key(&trimmed);
        let only_phone_chars = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
        if only_phone_chars && !digits.is_empty() {
            return SearchQuery::Number { digits, record };
        }
        let words: Vec<String> = fold(&trimmed)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if words.is_empty() {
            return SearchQuery::All;
        }
        SearchQuery::Text { words, record }
    }
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE ... ESCAPE '\'`.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_spelling_variants_fold_to_one_key() {
        let same = [
            ("أحمد", "احمد"),
            ("إبراهيم", "ابراهيم"),
            ("آمنة", "امنه"),
            ("فاطمة", "فاطمه"),
            ("مصطفى", "مصطفي"),
            ("مُحَمَّد", "محمد"),
            ("عـــلي", "علي"),
            ("لؤي", "لوي"),
            ("هنائي", "هنايي"),
            ("AHMED", "ahmed"),
        ];
        for (a, b) in same {
            assert_eq!(fold(a), fold(b), "{a} vs {b}");
        }
        assert_ne!(fold("أحمد"), fold("محمد"));
    }

    #[test]
    fn name_key_allows_a_prefix_of_any_word() {
        let key = name_key(&["Fatimah", "Al-Zahra", "فاطمة الزهراء"]);
        assert_eq!(key, " fatimah al zahra فاطمه الزهرا ");
        assert!(key.contains(" zah"));
        assert!(key.contains(&format!(" {}", fold("فاطمة"))));
    }

    #[test]
    fn queries_are_classified() {
        let cases = [
            ("", SearchQuery::All),
            ("\u{0}", SearchQuery::All),
            (
                "1980-03-03",
                SearchQuery::BirthDate(NaiveDate::from_ymd_opt(1980, 3, 3).expect("valid")),
            ),
            (
                "+971 50 123",
                SearchQuery::Number {
                    digits: "97150123".into(),
                    record: "+971 50 123".into(),
                },
            ),
            (
                "٠٥٠١٢",
                SearchQuery::Number {
                    digits: "05012".into(),
                    record: "05012".into(),
                },
            ),
            (
                "Fat al",
                SearchQuery::Text {
                    words: vec!["fat".into(), "al".into()],
                    record: "FAT AL".into(),
                },
            ),
            (
                "cp-00",
                SearchQuery::Text {
                    words: vec!["cp".into(), "00".into()],
                    record: "CP-00".into(),
                },
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(SearchQuery::parse(raw), expected, "{raw}");
        }
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
