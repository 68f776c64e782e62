//! The two languages Cellpath speaks, and how dates and numbers look in each.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// A user-facing language. Arabic is written right to left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    Ar,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ar];

    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ar => "ar",
        }
    }

    /// Parses a language code (`en`, `ar`, `ar-EG`...).
    pub fn parse(code: &str) -> Option<Locale> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "ar" => Some(Locale::Ar),
            _ => None,
        }
    }

    /// The best match of an `Accept-Language` header, by quality weight.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(Locale, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(locale) = Locale::parse(tag)
                && best.is_none_or(|(_, q)| quality > q)
            {
                best = Some((locale, quality));
            }
        }
        best.map(|(l, _)| l)
    }

    /// Text direction for HTML's `dir` attribute.
    pub fn dir(self) -> &'static str {
        match self {
            Locale::En => "ltr",
            Locale::Ar => "rtl",
        }
    }

    /// A whole number written with this locale's digits.
    pub fn number(self, n: i64) -> String {
        self.digits(&n.to_string())
    }

    /// `HH:MM` of a minute of the day (`0..=1440`, so the day's end reads
    /// `24:00`), in this locale's digits.
    pub fn clock(self, minute_of_day: i64) -> String {
        let m = minute_of_day.clamp(0, 1440);
        self.digits(&format!("{:02}:{:02}", m / 60, m % 60))
    }

    /// Replaces ASCII digits by this locale's digits (Arabic-Indic in Arabic).
    pub fn digits(self, text: &str) -> String {
        match self {
            Locale::En => text.to_string(),
            Locale::Ar => text
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) if c.is_ascii_digit() => char::from_u32(0x0660 + d).unwrap_or(c),
                    _ => c,
                })
                .collect(),
        }
    }

    /// A date as people of this locale write it: `3 Mar 1980`, `٣ مارس ١٩٨٠`.
    pub fn date(self, date: NaiveDate) -> String {
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const AR: [&str; 12] = [
            "يناير",
            "فبراير",
            "مارس",
            "أبريل",
            "مايو",
            "يونيو",
            "يوليو",
            "أغسطس",
            "سبتمبر",
            "أكتوبر",
            "نوفمبر",
            "ديسمبر",
        ];
        let month_idx = date.month0() as usize;
        match self {
            Locale::En => format!("{} {} {}", date.day(), EN[month_idx], date.year()),
            Locale::Ar => self.digits(&format!("{} {} {}", date.day(), AR[month_idx], date.year())),
        }
    }

    /// A date and time (UTC) in this locale, minutes precision.
    pub fn date_time(self, at: chrono::DateTime<chrono::Utc>) -> String {
        let time = at.format("%H:%M").to_string();
        format!("{} {}", self.date(at.date_naive()), self.digits(&time))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_highest_quality_known_language() {
        let cases = [
            ("ar-EG,ar;q=0.9,en;q=0.8", Some(Locale::Ar)),
            ("en-GB,en;q=0.9", Some(Locale::En)),
            ("fr-FR,ar;q=0.5,en;q=0.7", Some(Locale::En)),
            ("fr, de", None),
            ("", None),
        ];
        for (header, expected) in cases {
            assert_eq!(Locale::from_accept_language(header), expected, "{header}");
        }
    }

    #[test]
    fn dates_and_numbers_follow_the_locale() {
        let d = NaiveDate::from_ymd_opt(1980, 3, 3).expect("valid");
        assert_eq!(Locale::En.date(d), "3 Mar 1980");
        assert_eq!(Locale::Ar.date(d), "٣ مارس ١٩٨٠");
        assert_eq!(Locale::Ar.number(2026), "٢٠٢٦");
        assert_eq!(Locale::En.number(2026), "2026");
        assert_eq!(Locale::En.clock(7 * 60 + 5), "07:05");
        assert_eq!(Locale::En.clock(1440), "24:00");
        assert_eq!(Locale::Ar.clock(750), "١٢:٣٠");
    }
}
