//! Invariants over arbitrary input: validation and search folding never
//! panic, folding is stable, ids print back the same.

use cellpath_domain::intake::{IntakeDraft, IntakeItem, IntakeKind};
use cellpath_domain::patient::PatientDraft;
use cellpath_domain::search::{SearchQuery, fold, name_key};
use cellpath_domain::{Locale, PatientId};
use chrono::NaiveDate;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid")
}

proptest! {
    #[test]
    fn folding_is_idempotent(text in "\\PC{0,40}") {
        let once = fold(&text);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn every_name_word_is_a_searchable_prefix(words in proptest::collection::vec("[a-zA-Zء-ي]{1,12}", 1..4)) {
        let parts: Vec<&str> = words.iter().map(String::as_str).collect();
        let key = name_key(&parts);
        for word in &words {
            let folded = fold(word);
            if !folded.is_empty() {
                prop_assert!(key.contains(&format!(" {folded}")), "{key:?} lacks {folded:?}");
            }
        }
    }

    #[test]
    fn validation_and_query_parsing_never_panic(fields in proptest::collection::vec("\\PC{0,30}", 10), query in "\\PC{0,60}", header in "\\PC{0,60}") {
        let draft = PatientDraft {
            record_number: fields[0].clone(),
            given_name: fields[1].clone(),
            family_name: fields[2].clone(),
            other_script_name: fields[3].clone(),
            date_of_birth: fields[4].clone(),
            sex: fields[5].clone(),
            phone: fields[6].clone(),
            email: fields[7].clone(),
            address: fields[8].clone(),
            preferred_language: fields[9].clone(),
        };
        let _ = draft.validate(today());
        for kind in IntakeKind::ALL {
            let intake = IntakeDraft {
                name: fields[0].clone(),
                code: fields[1].clone(),
                detail: fields[2].clone(),
                start_date: fields[3].clone(),
                end_date: fields[4].clone(),
                notes: fields[5].clone(),
            };
            let _ = IntakeItem::validate(kind, &intake, today());
        }
        let _ = SearchQuery::parse(&query);
        let _ = Locale::from_accept_language(&header);
    }

    #[test]
    fn a_valid_intake_entry_round_trips_through_its_draft(name in "[A-Za-z][A-Za-z ]{0,20}", day in 1u32..28) {
        let draft = IntakeDraft {
            name: name.clone(),
            code: "nsaid".into(),
            detail: "400 mg".into(),
            start_date: format!("2025-03-{day:02}"),
            ..IntakeDraft::default()
        };
        let item = IntakeItem::validate(IntakeKind::Medication, &draft, today()).expect("valid");
        let again = IntakeItem::validate(IntakeKind::Medication, &item.to_draft(), today()).expect("valid");
        prop_assert_eq!(item, again);
    }
}

#[test]
fn ids_print_back_the_same() {
    for _ in 0..100 {
        let id = PatientId::new();
        assert_eq!(id.to_string().parse::<PatientId>().expect("parses"), id);
    }
}
