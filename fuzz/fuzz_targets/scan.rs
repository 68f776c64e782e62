//! What a scanner or a person types into a scan field: donation
//! identifiers (printed and barcode forms), wristband codes, facility codes,
//! record numbers, the patient search box, and the bedside check that reads
//! four scans. Nothing may panic, and what parses prints back to a form that
//! parses to the same value.
#![no_main]

use cellpath_domain::adverse_events::parse_unit;
use cellpath_domain::cells::{
    BedsideContext, BedsideScan, UnitFacts, UnitKind, UnitStatus, WristbandCode, bedside_check,
};
use cellpath_domain::donation::{
    DonationId, FacilityCode, IdError, mod37_2_character, mod37_2_check_value,
};
use cellpath_domain::patient::RecordNumber;
use cellpath_domain::search::SearchQuery;
use cellpath_domain::{PatientId, Role, SiteId};
use chrono::{DateTime, Duration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Text fields reach the parsers as UTF-8 (the extractors refuse the rest).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    donation_id(text);
    wristband(text);
    if let Ok(facility) = FacilityCode::parse("facility", text) {
        assert_eq!(
            FacilityCode::parse("facility", facility.as_str()),
            Ok(facility.clone())
        );
    }
    if let Ok(record) = RecordNumber::parse("record_number", text) {
        assert_eq!(
            RecordNumber::parse("record_number", record.as_str()),
            Ok(record.clone())
        );
    }
    let _ = SearchQuery::parse(text);
    match (parse_unit("unit", text), DonationId::parse(text)) {
        (Ok(Some(unit)), Ok(id)) => assert_eq!(unit, id),
        (Ok(None), parsed) => assert_eq!(parsed, Err(IdError::Empty)),
        (Ok(Some(_)), Err(e)) => panic!("parse_unit accepted what parse refused: {e:?}"),
        (Err(_), parsed) => assert!(parsed.is_err()),
    }
    // Four scans separated by U+001F: two people, each a wristband and a product.
    let scans: Vec<&str> = text.splitn(4, '\u{1f}').collect();
    if let [w1, p1, w2, p2] = scans[..] {
        bedside(w1, p1, w2, p2);
    }
});

fn donation_id(text: &str) {
    match DonationId::parse(text) {
        Ok(id) => {
            let printed = id.printed();
            assert_eq!(printed.len(), 14);
            assert_eq!(id.to_string(), printed);
            assert_eq!(DonationId::parse(&printed), Ok(id.clone()));
            assert_eq!(id.barcode_data().len(), 16);
            assert_eq!(DonationId::parse(&id.barcode_data()), Ok(id.clone()));
            assert_eq!(DonationId::from_body(&id.body()), Some(id.clone()));
            let check = mod37_2_check_value(&id.body()).map(mod37_2_character);
            assert_eq!(check, Some(id.check_character()));
            // What was typed is one of the two forms, give or take case,
            // surrounding whitespace and the space before the check character.
            let typed: String = text.trim().to_ascii_uppercase().replace(' ', "");
            assert!(typed == printed || typed == id.barcode_data(), "{text:?}");
        }
        Err(IdError::InvalidCharacter { position }) => {
            assert!(position >= 1 && position <= text.trim().chars().count());
        }
        Err(IdError::WrongCheck { expected, found }) => assert_ne!(expected, found),
        Err(IdError::WrongFlag { expected, found }) => assert_ne!(expected, found),
        Err(_) => {}
    }
}

fn wristband(text: &str) {
    let Some(code) = WristbandCode::parse(text) else {
        return;
    };
    assert_eq!(code.as_str().len(), 10);
    assert_eq!(WristbandCode::parse(code.as_str()).as_ref(), Some(&code));
    assert_eq!(
        WristbandCode::parse(&code.as_str().to_lowercase()).as_ref(),
        Some(&code)
    );
    let year: i32 = code.as_str()[1..3].parse().unwrap_or(-1);
    let sequence: u32 = code.as_str()[3..9].parse().unwrap_or(0);
    if sequence > 0 {
        assert_eq!(WristbandCode::new(2000 + year, sequence), Some(code));
    }
}

fn bedside(w1: &str, p1: &str, w2: &str, p2: &str) {
    let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
    let patient = PatientId::new();
    let site = SiteId::new();
    let context = BedsideContext {
        patient,
        site,
        wristband: WristbandCode::new(2026, 41),
        autologous: true,
        now,
    };
    let scan = |username: &str, role, wristband: &str, product: &str| BedsideScan {
        username: username.into(),
        role,
        wristband: wristband.into(),
        product: product.into(),
    };
    let first = scan("nurse1", Role::Nurse, w1, p1);
    let second = scan("physician1", Role::Physician, w2, p2);
    let result = bedside_check(&context, &first, &second, |id| {
        Some(UnitFacts {
            donation_id: id.clone(),
            kind: UnitKind::Product,
            status: UnitStatus::Released,
            site_id: site,
            owner: Some(patient),
            assigned_to: None,
            expires_at: Some(now + Duration::minutes(30)),
            processed_by: Some("lab1".into()),
        })
    });
    if let Ok(unit) = result {
        // Only the printed wristband and two matching, readable product scans pass.
        assert_eq!(WristbandCode::parse(w1), context.wristband);
        assert_eq!(WristbandCode::parse(w2), context.wristband);
        assert_eq!(DonationId::parse(p1).ok(), Some(unit.donation_id.clone()));
        assert_eq!(DonationId::parse(p2).ok(), Some(unit.donation_id));
    }
}
