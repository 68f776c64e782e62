//! The cells' chain of identity: specimens, products and donor lots, their
//! release, and the bedside check that lets only a patient's own (or
//! assigned) released product through.
//!
//! A unit's life is a state machine ([`UnitStatus`]); every transition is a
//! function that returns the next status or a refusal with its reason. The
//! bedside check ([`bedside_check`]) is the last gate before a needle: it
//! has no override, and whatever it refuses is recorded by the caller.

use crate::code_enum;
use crate::donation::{DonationId, IdError, mod37_2_character, mod37_2_check_value};
use crate::issue::{Issue, IssueCode};
use crate::{PatientId, Role, SiteId};
use chrono::{DateTime, Utc};

code_enum!(
    /// What a labelled unit is.
    UnitKind {
        /// What the harvest drew, before processing.
        Specimen = "specimen",
        /// What processing made of a specimen: the patient's own cells.
        Product = "product",
        /// A donor product received from a supplier (allogeneic).
        DonorLot = "donor_lot",
    }
);

code_enum!(
    /// Where a unit stands.
    UnitStatus {
        /// Specimen: drawn and labelled at the bedside.
        Collected = "collected",
        /// Specimen: received in the lab by scan.
        Received = "received",
        /// Specimen: processed into a product.
        Processed = "processed",
        /// Product: processed and tested, waiting for a second person's release.
        AwaitingRelease = "awaiting_release",
        /// Donor lot: received, not yet released.
        Quarantined = "quarantined",
        Released = "released",
        Rejected = "rejected",
        /// Given to the patient.
        Administered = "administered",
    }
);

code_enum!(
    /// The product types a label names.
    ProductType {
        BoneMarrowAspirate = "bone_marrow_aspirate",
        Lipoaspirate = "lipoaspirate",
        BoneMarrowConcentrate = "bone_marrow_concentrate",
        StromalVascularFraction = "stromal_vascular_fraction",
        DonorCells = "donor_cells",
    }
);

/// What the chain of identity knows of one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFacts {
    pub donation_id: DonationId,
    pub kind: UnitKind,
    pub status: UnitStatus,
    pub site_id: SiteId,
    /// Whose cells these are (specimens and products).
    pub owner: Option<PatientId>,
    /// The patient a donor lot is assigned to.
    pub assigned_to: Option<PatientId>,
    /// Until when the cells may be given.
    pub expires_at: Option<DateTime<Utc>>,
    /// Who processed it (a product), so that someone else releases it.
    pub processed_by: Option<String>,
}

/// Why a unit may not move on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRefusal {
    /// Scanned at a station where it does not belong (wrong kind, site or step).
    WrongStation,
    /// Not in the status this step needs.
    WrongStatus(UnitStatus),
    /// The person who processed a product may not also release it.
    SecondPersonRequired,
    /// Quality control does not meet the release criteria.
    CriteriaNotMet,
    Expired,
    /// A donor lot already assigned to another patient.
    AssignedElsewhere,
}

impl UnitRefusal {
    pub fn issue(self, field: &str) -> Issue {
        Issue::new(
            field,
            match self {
                UnitRefusal::WrongStation => IssueCode::WrongStation,
                UnitRefusal::WrongStatus(UnitStatus::Quarantined | UnitStatus::AwaitingRelease) => {
                    IssueCode::NotReleased
                }
                UnitRefusal::WrongStatus(_) => IssueCode::WrongStation,
                UnitRefusal::SecondPersonRequired => IssueCode::SecondPersonRequired,
                UnitRefusal::CriteriaNotMet => IssueCode::CriteriaNotMet,
                UnitRefusal::Expired => IssueCode::Expired,
                UnitRefusal::AssignedElsewhere => IssueCode::OtherPatientsCells,
            },
        )
    }
}

/// The lab receives a specimen by scan, at the site it was drawn.
pub fn receive_specimen(unit: &UnitFacts, lab_site: SiteId) -> Result<UnitStatus, UnitRefusal> {
    if unit.kind != UnitKind::Specimen || unit.site_id != lab_site {
        return Err(UnitRefusal::WrongStation);
    }
    match unit.status {
        UnitStatus::Collected => Ok(UnitStatus::Received),
        other => Err(UnitRefusal::WrongStatus(other)),
    }
}

/// A received specimen can be processed into a product.
pub fn process_specimen(unit: &UnitFacts, lab_site: SiteId) -> Result<UnitStatus, UnitRefusal> {
    if unit.kind != UnitKind::Specimen || unit.site_id != lab_site {
        return Err(UnitRefusal::WrongStation);
    }
    match unit.status {
        UnitStatus::Received => Ok(UnitStatus::Processed),
        other => Err(UnitRefusal::WrongStatus(other)),
    }
}

/// Quality control of a processed product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualityControl {
    /// Volume in tenths of a millilitre.
    pub volume_tenth_ml: u32,
    /// Nucleated cells, in millions.
    pub cells_millions: u32,
    /// Viable cells, in percent.
    pub viability_percent: u32,
}

impl QualityControl {
    /// Which release criteria of the protocol the values miss, by field.
    pub fn misses(&self, protocol: &crate::protocol::Protocol) -> Vec<&'static str> {
        let mut misses = Vec::new();
        if self.volume_tenth_ml < protocol.release_min_volume_ml * 10 {
            misses.push("volume_ml");
        }
        if self.cells_millions < protocol.release_min_cells_millions {
            misses.push("cells_millions");
        }
        if self.viability_percent < protocol.release_min_viability_percent {
            misses.push("viability_percent");
        }
        misses
    }
}

/// A second person releases a product that passed quality control.
pub fn release_product(
    unit: &UnitFacts,
    qc: Option<&QualityControl>,
    protocol: &crate::protocol::Protocol,
    releaser: &str,
) -> Result<UnitStatus, UnitRefusal> {
    if unit.kind != UnitKind::Product {
        return Err(UnitRefusal::WrongStation);
    }
    if unit.status != UnitStatus::AwaitingRelease {
        return Err(UnitRefusal::WrongStatus(unit.status));
    }
    if unit.processed_by.as_deref() == Some(releaser) {
        return Err(UnitRefusal::SecondPersonRequired);
    }
    match qc {
        Some(qc) if qc.misses(protocol).is_empty() => Ok(UnitStatus::Released),
        _ => Err(UnitRefusal::CriteriaNotMet),
    }
}

/// A donor lot leaves quarantine.
pub fn release_donor_lot(unit: &UnitFacts, now: DateTime<Utc>) -> Result<UnitStatus, UnitRefusal> {
    if unit.kind != UnitKind::DonorLot {
        return Err(UnitRefusal::WrongStation);
    }
    if unit.status != UnitStatus::Quarantined {
        return Err(UnitRefusal::WrongStatus(unit.status));
    }
    if unit.expires_at.is_some_and(|e| e <= now) {
        return Err(UnitRefusal::Expired);
    }
    Ok(UnitStatus::Released)
}

/// A released donor lot is assigned to one patient.
pub fn assign_donor_lot(
    unit: &UnitFacts,
    patient: PatientId,
    site: SiteId,
    now: DateTime<Utc>,
) -> Result<(), UnitRefusal> {
    if unit.kind != UnitKind::DonorLot || unit.site_id != site {
        return Err(UnitRefusal::WrongStation);
    }
    if unit.status != UnitStatus::Released {
        return Err(UnitRefusal::WrongStatus(unit.status));
    }
    if unit.expires_at.is_some_and(|e| e <= now) {
        return Err(UnitRefusal::Expired);
    }
    match unit.assigned_to {
        Some(other) if other != patient => Err(UnitRefusal::AssignedElsewhere),
        _ => Ok(()),
    }
}

/// The code on a patient's wristband for one session day: `W`, the year's
/// two digits, a six-digit sequence and a MOD 37-2 check character
/// (`W26000123K`). It holds no name and no record number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WristbandCode(String);

impl WristbandCode {
    pub fn new(year: i32, sequence: u32) -> Option<WristbandCode> {
        if !(1..=999_999).contains(&sequence) {
            return None;
        }
        let body = format!("W{:02}{:06}", year.rem_euclid(100), sequence);
        let check = mod37_2_character(mod37_2_check_value(&body)?);
        Some(WristbandCode(format!("{body}{check}")))
    }

    /// What a scanner sends (trailing Enter trimmed); `None` if the check
    /// character does not match.
    pub fn parse(raw: &str) -> Option<WristbandCode> {
        let raw = raw.trim().to_ascii_uppercase();
        let (body, check) = raw.split_at_checked(9)?;
        let valid = raw.len() == 10
            && body.starts_with('W')
            && body[1..].bytes().all(|b| b.is_ascii_digit())
            && mod37_2_check_value(body).map(mod37_2_character) == check.chars().next();
        valid.then_some(WristbandCode(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for WristbandCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One person's scans at the bedside, as the scanner typed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedsideScan {
    pub username: String,
    pub role: Role,
    pub wristband: String,
    pub product: String,
}

/// What the bedside check compares the scans with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedsideContext {
    pub patient: PatientId,
    pub site: SiteId,
    /// The wristband printed at this session's check-in.
    pub wristband: Option<WristbandCode>,
    pub autologous: bool,
    pub now: DateTime<Utc>,
}

/// Why the bedside check blocks the injection. There is no override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BedsideFailure {
    /// The same person scanned twice: two people must check.
    SamePersonTwice,
    /// Only physicians and nurses do the bedside check.
    NotQualified,
    /// The two people's scans differ.
    ScansDiffer,
    /// The wristband cannot be read (check character wrong), or none was printed.
    WristbandUnreadable,
    /// The wristband is not this session's patient.
    WrongPatient,
    /// The product label cannot be read.
    ProductUnreadable(IdError),
    UnknownProduct,
    /// A specimen (not a product) was scanned at the bedside.
    NotAProduct,
    /// Another patient's cells, or a donor lot assigned to someone else.
    OtherPatientsCells,
    NotReleased,
    Expired,
    AlreadyAdministered,
}

impl BedsideFailure {
    pub fn code(&self) -> &'static str {
        match self {
            BedsideFailure::SamePersonTwice => "same_person_twice",
            BedsideFailure::NotQualified => "not_qualified",
            BedsideFailure::ScansDiffer => "scans_differ",
            BedsideFailure::WristbandUnreadable => "wristband_unreadable",
            BedsideFailure::WrongPatient => "wrong_patient",
            BedsideFailure::ProductUnreadable(_) => "product_unreadable",
            BedsideFailure::UnknownProduct => "unknown_product",
            BedsideFailure::NotAProduct => "not_a_product",
            BedsideFailure::OtherPatientsCells => "other_patients_cells",
            BedsideFailure::NotReleased => "not_released",
            BedsideFailure::Expired => "expired",
            BedsideFailure::AlreadyAdministered => "already_administered",
        }
    }

    /// The failure as a problem with the field at fault.
    pub fn issue(&self) -> Issue {
        let (field, code) = match self {
            BedsideFailure::SamePersonTwice => ("second_username", IssueCode::SecondPersonRequired),
            BedsideFailure::NotQualified => ("second_username", IssueCode::NotQualified),
            BedsideFailure::ScansDiffer => ("second_product", IssueCode::ScansDiffer),
            BedsideFailure::WristbandUnreadable => ("wristband", IssueCode::WrongCheckCharacter),
            BedsideFailure::WrongPatient => ("wristband", IssueCode::WrongPatient),
            BedsideFailure::ProductUnreadable(_) => ("product", IssueCode::WrongCheckCharacter),
            BedsideFailure::UnknownProduct => ("product", IssueCode::UnknownIdentifier),
            BedsideFailure::NotAProduct => ("product", IssueCode::WrongStation),
            BedsideFailure::OtherPatientsCells => ("product", IssueCode::OtherPatientsCells),
            BedsideFailure::NotReleased => ("product", IssueCode::NotReleased),
            BedsideFailure::Expired => ("product", IssueCode::Expired),
            BedsideFailure::AlreadyAdministered => ("product", IssueCode::WrongStation),
        };
        Issue::new(field, code)
    }
}

/// Whether a role may sign a bedside check.
pub fn may_check_at_bedside(role: Role) -> bool {
    matches!(role, Role::Physician | Role::Nurse)
}

/// The bedside check: two qualified people scan the wristband and the
/// product label; it passes only for the patient's own released product
/// (autologous) or a released donor product assigned to this patient
/// (allogeneic), within its viability window. `lookup` finds a unit by its
/// identifier. On success, the product that may be given.
pub fn bedside_check(
    context: &BedsideContext,
    first: &BedsideScan,
    second: &BedsideScan,
    lookup: impl Fn(&DonationId) -> Option<UnitFacts>,
) -> Result<UnitFacts, BedsideFailure> {
    if first.username == second.username {
        return Err(BedsideFailure::SamePersonTwice);
    }
    if !may_check_at_bedside(first.role) || !may_check_at_bedside(second.role) {
        return Err(BedsideFailure::NotQualified);
    }
    let wristbands = (
        WristbandCode::parse(&first.wristband),
        WristbandCode::parse(&second.wristband),
    );
    let (Some(wristband), Some(wristband_again)) = wristbands else {
        return Err(BedsideFailure::WristbandUnreadable);
    };
    let products = (
        DonationId::parse(&first.product).map_err(BedsideFailure::ProductUnreadable)?,
        DonationId::parse(&second.product).map_err(BedsideFailure::ProductUnreadable)?,
    );
    if wristband != wristband_again || products.0 != products.1 {
        return Err(BedsideFailure::ScansDiffer);
    }
    match &context.wristband {
        None => return Err(BedsideFailure::WristbandUnreadable),
        Some(expected) if *expected != wristband => return Err(BedsideFailure::WrongPatient),
        Some(_) => {}
    }
    let unit = lookup(&products.0).ok_or(BedsideFailure::UnknownProduct)?;
    let whose = match unit.kind {
        UnitKind::Specimen => return Err(BedsideFailure::NotAProduct),
        UnitKind::Product => unit.owner,
        UnitKind::DonorLot => unit.assigned_to,
    };
    if whose != Some(context.patient) {
        return Err(BedsideFailure::OtherPatientsCells);
    }
    if context.autologous != (unit.kind == UnitKind::Product) || unit.site_id != context.site {
        return Err(BedsideFailure::OtherPatientsCells);
    }
    match unit.status {
        UnitStatus::Released => {}
        UnitStatus::Administered => return Err(BedsideFailure::AlreadyAdministered),
        _ => return Err(BedsideFailure::NotReleased),
    }
    match unit.expires_at {
        Some(expires) if expires > context.now => Ok(unit),
        _ => Err(BedsideFailure::Expired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::donation::FacilityCode;
    use crate::protocol::Protocol;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0)
            .single()
            .expect("a time")
    }

    fn id(sequence: u32) -> DonationId {
        let facility = FacilityCode::parse("facility", "G1234").expect("facility");
        DonationId::new(facility, 2026, sequence).expect("id")
    }

    struct World {
        site: SiteId,
        patient: PatientId,
        other: PatientId,
        units: Vec<UnitFacts>,
    }

    impl World {
        fn new() -> World {
            let site = SiteId::new();
            let patient = PatientId::new();
            let other = PatientId::new();
            let unit = |n, kind, status, owner, assigned_to, expires_at| UnitFacts {
                donation_id: id(n),
                kind,
                status,
                site_id: site,
                owner,
                assigned_to,
                expires_at,
                processed_by: Some("lab1".into()),
            };
            let soon = Some(now() + Duration::minutes(30));
            let past = Some(now() - Duration::minutes(1));
            World {
                site,
                patient,
                other,
                units: vec![
                    unit(
                        1,
                        UnitKind::Product,
                        UnitStatus::Released,
                        Some(patient),
                        None,
                        soon,
                    ),
                    unit(
                        2,
                        UnitKind::Product,
                        UnitStatus::Released,
                        Some(other),
                        None,
                        soon,
                    ),
                    unit(
                        3,
                        UnitKind::Product,
                        UnitStatus::AwaitingRelease,
                        Some(patient),
                        None,
                        soon,
                    ),
                    unit(
                        4,
                        UnitKind::Product,
                        UnitStatus::Released,
                        Some(patient),
                        None,
                        past,
                    ),
                    unit(
                        5,
                        UnitKind::Specimen,
                        UnitStatus::Received,
                        Some(patient),
                        None,
                        None,
                    ),
                    unit(
                        6,
                        UnitKind::DonorLot,
                        UnitStatus::Released,
                        None,
                        Some(patient),
                        soon,
                    ),
                    unit(
                        7,
                        UnitKind::DonorLot,
                        UnitStatus::Released,
                        None,
                        Some(other),
                        soon,
                    ),
                    unit(
                        8,
                        UnitKind::DonorLot,
                        UnitStatus::Quarantined,
                        None,
                        Some(patient),
                        soon,
                    ),
                    unit(
                        9,
                        UnitKind::Product,
                        UnitStatus::Administered,
                        Some(patient),
                        None,
                        soon,
                    ),
                ],
            }
        }

        fn check(
            &self,
            autologous: bool,
            wristband: &str,
            product: &str,
            second_user: (&str, Role),
        ) -> Result<UnitFacts, BedsideFailure> {
            let context = BedsideContext {
                patient: self.patient,
                site: self.site,
                wristband: WristbandCode::new(2026, 41),
                autologous,
                now: now(),
            };
            let scan = |username: &str, role| BedsideScan {
                username: username.into(),
                role,
                wristband: wristband.into(),
                product: product.into(),
            };
            bedside_check(
                &context,
                &scan("nurse1", Role::Nurse),
                &scan(second_user.0, second_user.1),
                |wanted| {
                    self.units
                        .iter()
                        .find(|u| u.donation_id == *wanted)
                        .cloned()
                },
            )
        }
    }

    #[test]
    fn the_wristband_code_carries_a_check_character() {
        let code = WristbandCode::new(2026, 41).expect("code");
        assert_eq!(&code.as_str()[..9], "W26000041");
        assert_eq!(
            WristbandCode::parse(&format!("{code}\n")),
            Some(code.clone())
        );
        let mut wrong = code.as_str().to_string();
        let last = wrong.pop().expect("a check character");
        wrong.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(WristbandCode::parse(&wrong), None);
        assert_eq!(WristbandCode::parse("W2600004"), None);
        assert_eq!(WristbandCode::new(2026, 0), None);
    }

    #[test]
    fn the_bedside_check_passes_only_the_patients_own_released_product() {
        let world = World::new();
        let band = WristbandCode::new(2026, 41).expect("code").to_string();
        let other_band = WristbandCode::new(2026, 42).expect("code").to_string();
        let doctor = ("dr1", Role::Physician);
        let printed = |n: u32| id(n).printed();
        // (autologous, wristband scan, product scan, second person, outcome)
        type Case<'a> = (
            bool,
            String,
            String,
            (&'a str, Role),
            Result<u32, BedsideFailure>,
        );
        let cases: Vec<Case> = vec![
            (true, band.clone(), printed(1), doctor, Ok(1)),
            (true, band.clone(), id(1).barcode_data(), doctor, Ok(1)),
            (
                true,
                band.clone(),
                printed(2),
                doctor,
                Err(BedsideFailure::OtherPatientsCells),
            ),
            (
                true,
                band.clone(),
                printed(3),
                doctor,
                Err(BedsideFailure::NotReleased),
            ),
            (
                true,
                band.clone(),
                printed(4),
                doctor,
                Err(BedsideFailure::Expired),
            ),
            (
                true,
                band.clone(),
                printed(5),
                doctor,
                Err(BedsideFailure::NotAProduct),
            ),
            (
                true,
                band.clone(),
                printed(9),
                doctor,
                Err(BedsideFailure::AlreadyAdministered),
            ),
            (
                true,
                band.clone(),
                printed(99),
                doctor,
                Err(BedsideFailure::UnknownProduct),
            ),
            (
                true,
                other_band.clone(),
                printed(1),
                doctor,
                Err(BedsideFailure::WrongPatient),
            ),
            (
                true,
                "W260000410".into(),
                printed(1),
                doctor,
                Err(BedsideFailure::WristbandUnreadable),
            ),
            (
                true,
                band.clone(),
                printed(1),
                ("nurse1", Role::Nurse),
                Err(BedsideFailure::SamePersonTwice),
            ),
            (
                true,
                band.clone(),
                printed(1),
                ("lab1", Role::LabTech),
                Err(BedsideFailure::NotQualified),
            ),
            (
                true,
                band.clone(),
                printed(6),
                doctor,
                Err(BedsideFailure::OtherPatientsCells),
            ),
            (false, band.clone(), printed(6), doctor, Ok(6)),
            (
                false,
                band.clone(),
                printed(7),
                doctor,
                Err(BedsideFailure::OtherPatientsCells),
            ),
            (
                false,
                band.clone(),
                printed(8),
                doctor,
                Err(BedsideFailure::NotReleased),
            ),
            (
                false,
                band.clone(),
                printed(1),
                doctor,
                Err(BedsideFailure::OtherPatientsCells),
            ),
        ];
        for (autologous, wristband, product, second, want) in cases {
            let got = world
                .check(autologous, &wristband, &product, second)
                .map(|unit| unit.donation_id.sequence());
            assert_eq!(got, want, "{product} with {wristband}");
        }
        let mut unreadable = printed(1);
        unreadable.pop();
        unreadable.push('0');
        assert!(matches!(
            world.check(true, &band, &unreadable, doctor),
            Err(BedsideFailure::ProductUnreadable(_))
        ));
    }

    #[test]
    fn the_two_peoples_scans_must_agree() {
        let world = World::new();
        let context = BedsideContext {
            patient: world.patient,
            site: world.site,
            wristband: WristbandCode::new(2026, 41),
            autologous: true,
            now: now(),
        };
        let band = WristbandCode::new(2026, 41).expect("code").to_string();
        let first = BedsideScan {
            username: "nurse1".into(),
            role: Role::Nurse,
            wristband: band.clone(),
            product: id(1).printed(),
        };
        let second = BedsideScan {
            username: "dr1".into(),
            role: Role::Physician,
            wristband: band,
            product: id(2).printed(),
        };
        let found = bedside_check(&context, &first, &second, |wanted| {
            world
                .units
                .iter()
                .find(|u| u.donation_id == *wanted)
                .cloned()
        });
        assert_eq!(found, Err(BedsideFailure::ScansDiffer));
        assert_ne!(world.other, world.patient);
    }

    #[test]
    fn units_move_through_the_lab_in_order() {
        let world = World::new();
        let mut specimen = world.units[4].clone();
        specimen.status = UnitStatus::Collected;
        assert_eq!(
            receive_specimen(&specimen, world.site),
            Ok(UnitStatus::Received)
        );
        assert_eq!(
            receive_specimen(&specimen, SiteId::new()),
            Err(UnitRefusal::WrongStation)
        );
        assert_eq!(
            receive_specimen(&world.units[0], world.site),
            Err(UnitRefusal::WrongStation)
        );
        assert_eq!(
            process_specimen(&specimen, world.site),
            Err(UnitRefusal::WrongStatus(UnitStatus::Collected))
        );
        specimen.status = UnitStatus::Received;
        assert_eq!(
            process_specimen(&specimen, world.site),
            Ok(UnitStatus::Processed)
        );

        let protocol = Protocol::default();
        let product = world.units[2].clone();
        let good = QualityControl {
            volume_tenth_ml: 80,
            cells_millions: 400,
            viability_percent: 92,
        };
        let poor = QualityControl {
            viability_percent: 60,
            volume_tenth_ml: 5,
            ..good
        };
        assert_eq!(
            release_product(&product, Some(&good), &protocol, "lab2"),
            Ok(UnitStatus::Released)
        );
        assert_eq!(
            release_product(&product, Some(&good), &protocol, "lab1"),
            Err(UnitRefusal::SecondPersonRequired)
        );
        assert_eq!(
            release_product(&product, Some(&poor), &protocol, "lab2"),
            Err(UnitRefusal::CriteriaNotMet)
        );
        assert_eq!(
            poor.misses(&protocol),
            vec!["volume_ml", "viability_percent"]
        );
        assert_eq!(
            release_product(&product, None, &protocol, "lab2"),
            Err(UnitRefusal::CriteriaNotMet)
        );

        let quarantined = world.units[7].clone();
        assert_eq!(
            release_donor_lot(&quarantined, now()),
            Ok(UnitStatus::Released)
        );
        assert_eq!(
            assign_donor_lot(&quarantined, world.patient, world.site, now()),
            Err(UnitRefusal::WrongStatus(UnitStatus::Quarantined))
        );
        assert_eq!(
            assign_donor_lot(&world.units[5], world.patient, world.site, now()),
            Ok(())
        );
        assert_eq!(
            assign_donor_lot(&world.units[6], world.patient, world.site, now()),
            Err(UnitRefusal::AssignedElsewhere)
        );
    }
}
