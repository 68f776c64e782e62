//! The two catalogues (Fluent, `locales/en` and `locales/ar`) and lookups
//! that treat a missing key as an error, never as text shown to a user.

use cellpath_domain::{Issue, IssueCode, Locale};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
    };
}

static EN: LanguageIdentifier = langid!("en");
static AR: LanguageIdentifier = langid!("ar");

fn lang(locale: Locale) -> &'static LanguageIdentifier {
    match locale {
        Locale::En => &EN,
        Locale::Ar => &AR,
    }
}

/// The text of `key` in `locale`. A missing key is logged and shown as the
/// key itself (the catalogue test keeps this from reaching a release).
pub fn tr(locale: Locale, key: &str) -> String {
    LOCALES.try_lookup(lang(locale), key).unwrap_or_else(|| {
        tracing::error!(key, locale = locale.code(), "missing catalogue key");
        key.to_string()
    })
}

/// The text of `key` with placeables filled in.
pub fn tr_args(locale: Locale, key: &str, args: &[(&'static str, String)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
        .collect();
    LOCALES
        .try_lookup_with_args(lang(locale), key, &map)
        .unwrap_or_else(|| {
            tracing::error!(key, locale = locale.code(), "missing catalogue key");
            key.to_string()
        })
}

/// Whether a key exists in a locale's own catalogue (not through fallback).
pub fn has_key(locale: Locale, key: &str) -> bool {
    let args: HashMap<Cow<'static, str>, FluentValue> =
        HashMap::from([(Cow::Borrowed("limit"), FluentValue::from("1"))]);
    LOCALES
        .try_lookup_with_args(lang(locale), key, &args)
        .is_some()
}

/// The catalogue key of a validation problem.
pub fn issue_key(code: IssueCode) -> String {
    format!("issue-{}", code.as_str().replace('_', "-"))
}

/// A validation problem in the user's language.
pub fn issue_message(locale: Locale, issue: &Issue) -> String {
    let limit = issue
        .limit
        .map(|l| locale.number(i64::from(l)))
        .unwrap_or_default();
    tr_args(locale, &issue_key(issue.code), &[("limit", limit)])
}

/// The raw catalogue files of each language (every `.ftl` file of its
/// folder is loaded), for the key-parity test. A new file goes here too.
pub const CATALOGUES: [(Locale, &[&str]); 2] = [
    (
        Locale::En,
        &[
            include_str!("../locales/en/main.ftl"),
            include_str!("../locales/en/plans.ftl"),
            include_str!("../locales/en/consent.ftl"),
            include_str!("../locales/en/schedule.ftl"),
            include_str!("../locales/en/optimise.ftl"),
            include_str!("../locales/en/timeline.ftl"),
            include_str!("../locales/en/session_day.ftl"),
            include_str!("../locales/en/lab.ftl"),
            include_str!("../locales/en/diary.ftl"),
            include_str!("../locales/en/follow_ups.ftl"),
            include_str!("../locales/en/adverse.ftl"),
            include_str!("../locales/en/quest.ftl"),
            include_str!("../locales/en/reports.ftl"),
            include_str!("../locales/en/fhir_import.ftl"),
        ],
    ),
    (
        Locale::Ar,
        &[
            include_str!("../locales/ar/main.ftl"),
            include_str!("../locales/ar/plans.ftl"),
            include_str!("../locales/ar/consent.ftl"),
            include_str!("../locales/ar/schedule.ftl"),
            include_str!("../locales/ar/optimise.ftl"),
            include_str!("../locales/ar/timeline.ftl"),
            include_str!("../locales/ar/session_day.ftl"),
            include_str!("../locales/ar/lab.ftl"),
            include_str!("../locales/ar/diary.ftl"),
            include_str!("../locales/ar/follow_ups.ftl"),
            include_str!("../locales/ar/adverse.ftl"),
            include_str!("../locales/ar/quest.ftl"),
            include_str!("../locales/ar/reports.ftl"),
            include_str!("../locales/ar/fhir_import.ftl"),
        ],
    ),
];

/// The message keys defined in a language's Fluent files (terms and attributes aside).
pub fn catalogue_keys(files: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = files
        .iter()
        .flat_map(|ftl| ftl.lines())
        .filter(|line| !line.starts_with([' ', '#', '-', '\t', '.']) && line.contains(" ="))
        .filter_map(|line| line.split(" =").next())
        .map(|k| k.trim().to_string())
        .collect();
    keys.sort();
    keys
}
