//! Ten thousand simulated session days with mix-ups injected at random:
//! products (with their labels) swapped between two patients of the same
//! day, the wrong patient's wristband at the bedside, an expired or an
//! unreleased product, a specimen scanned at the wrong station (the bedside,
//! another site's lab) or a product scanned where specimens are received,
//! and a donor lot assigned to someone else. Every scan goes through the
//! same domain rules the app calls; the simulation keeps the physical truth
//! (whose cells are in each tube) beside what the scans say, and asserts
//! that no patient ever receives another person's cells and that every
//! injected mix-up was refused and written to the log.

use cellpath_domain::cells::{
    self, BedsideContext, BedsideFailure, BedsideScan, UnitFacts, UnitKind, UnitStatus,
    WristbandCode,
};
use cellpath_domain::donation::{DonationId, FacilityCode};
use cellpath_domain::protocol::Protocol;
use cellpath_domain::session_day::{
    ChecklistItem, DayEvent, DayStep, Facts, SessionDay, Signed, required_checklist,
};
use cellpath_domain::{PatientId, Role, SiteId};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::HashMap;

/// A small deterministic generator (xorshift64*), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum MixUp {
    /// The tube brought to this bedside is another patient's (its label with it).
    ProductsSwapped,
    /// Another patient's wristband is scanned at this bedside.
    WrongWristband,
    /// The product waited past its viability window.
    Expired,
    /// The product was brought before its release.
    Unreleased,
    /// The specimen, not the product, is scanned at the bedside.
    SpecimenAtBedside,
    /// The specimen is scanned in at another site's lab.
    SpecimenAtOtherLab,
    /// A product is scanned where specimens are received.
    ProductAtReception,
    /// Allogeneic: a donor lot assigned to another patient is brought.
    OtherPatientsLot,
}

const MIX_UPS: [MixUp; 8] = [
    MixUp::ProductsSwapped,
    MixUp::WrongWristband,
    MixUp::Expired,
    MixUp::Unreleased,
    MixUp::SpecimenAtBedside,
    MixUp::SpecimenAtOtherLab,
    MixUp::ProductAtReception,
    MixUp::OtherPatientsLot,
];

/// A tube in the world: what its label says (the record) and whose cells
/// are really inside.
#[derive(Debug, Clone)]
struct Tube {
    facts: UnitFacts,
    contents_of: PatientId,
}

struct World {
    site: SiteId,
    other_site: SiteId,
    protocol: Protocol,
    tubes: HashMap<DonationId, Tube>,
    next_sequence: u32,
    /// What the app would write: (session number, refusal code).
    log: Vec<(usize, &'static str)>,
    /// Who received whose cells.
    given: Vec<(PatientId, PatientId)>,
}

impl World {
    fn new_id(&mut self) -> DonationId {
        self.next_sequence += 1;
        let facility = FacilityCode::parse("facility", "S1234").expect("facility");
        DonationId::new(facility, 2026, self.next_sequence).expect("id")
    }

    fn add(
        &mut self,
        kind: UnitKind,
        status: UnitStatus,
        owner: Option<PatientId>,
        assigned: Option<PatientId>,
        contents_of: PatientId,
        expires: DateTime<Utc>,
    ) -> DonationId {
        let id = self.new_id();
        let facts = UnitFacts {
            donation_id: id.clone(),
            kind,
            status,
            site_id: self.site,
            owner,
            assigned_to: assigned,
            expires_at: Some(expires),
            processed_by: Some("lab1".into()),
        };
        self.tubes.insert(id.clone(), Tube { facts, contents_of });
        id
    }

    fn lookup(&self, id: &DonationId) -> Option<UnitFacts> {
        self.tubes.get(id).map(|t| t.facts.clone())
    }
}

struct Patient {
    id: PatientId,
    wristband: WristbandCode,
    autologous: bool,
    specimen: Option<DonationId>,
    product: Option<DonationId>,
    mix_up: Option<MixUp>,
}

fn signed(at: DateTime<Utc>) -> Signed {
    Signed {
        username: "nurse1".into(),
        name: "Nurse".into(),
        at,
    }
}

#[test]
fn ten_thousand_sessions_with_mix_ups_never_give_anyone_another_persons_cells() {
    let mut rng = Rng(0x5EED_CE11_9A7E_2026);
    let mut world = World {
        site: SiteId::new(),
        other_site: SiteId::new(),
        protocol: Protocol::default(),
        tubes: HashMap::new(),
        next_sequence: 0,
        log: Vec::new(),
        given: Vec::new(),
    };
    let sessions = 10_000;
    let per_day = 8;
    let mut injected: HashMap<MixUp, usize> = HashMap::new();
    let mut blocked_sessions = 0;
    let start = Utc
        .with_ymd_and_hms(2026, 1, 5, 8, 0, 0)
        .single()
        .expect("a time");
    for day_number in 0..sessions / per_day {
        let day_start = start + Duration::days(day_number as i64);
        let base = day_number * per_day;
        // Check-in and harvest (or donor lot assignment) for the day's patients.
        let mut patients: Vec<Patient> = (0..per_day)
            .map(|n| Patient {
                id: PatientId::new(),
                wristband: WristbandCode::new(2026, (base + n + 1) as u32).expect("wristband"),
                autologous: rng.chance(70),
                specimen: None,
                product: None,
                mix_up: rng
                    .chance(12)
                    .then(|| MIX_UPS[rng.below(MIX_UPS.len() as u64) as usize]),
            })
            .collect();
        let harvested = day_start + Duration::minutes(40);
        for patient in patients.iter_mut() {
            if !patient.autologous
                && matches!(
                    patient.mix_up,
                    Some(MixUp::SpecimenAtOtherLab | MixUp::ProductAtReception)
                )
            {
                patient.mix_up = Some(MixUp::OtherPatientsLot);
            }
            if patient.autologous {
                let id = world.add(
                    UnitKind::Specimen,
                    UnitStatus::Collected,
                    Some(patient.id),
                    None,
                    patient.id,
                    harvested + Duration::minutes(30),
                );
                patient.specimen = Some(id);
            } else {
                let status = if patient.mix_up == Some(MixUp::Unreleased) {
                    UnitStatus::Quarantined
                } else {
                    UnitStatus::Released
                };
                let id = world.add(
                    UnitKind::DonorLot,
                    status,
                    None,
                    Some(patient.id),
                    patient.id,
                    day_start + Duration::days(30),
                );
                patient.product = Some(id);
            }
        }
        // The lab: receive by scan, process, release.
        let processed = harvested + Duration::minutes(45);
        for (n, patient) in patients.iter_mut().enumerate() {
            let number = base + n;
            let Some(specimen) = patient.specimen.clone() else {
                continue;
            };
            let mut station = world.site;
            if patient.mix_up == Some(MixUp::SpecimenAtOtherLab) {
                station = world.other_site;
            }
            let facts = world.lookup(&specimen).expect("specimen");
            match cells::receive_specimen(&facts, station) {
                Ok(status) => world.tubes.get_mut(&specimen).expect("tube").facts.status = status,
                Err(refusal) => {
                    assert_eq!(refusal, cells::UnitRefusal::WrongStation);
                    world.log.push((number, "wrong_station"));
                    // Taken to the right lab after the refusal.
                    let status = cells::receive_specimen(&facts, world.site)
                        .expect("the right lab receives it");
                    world.tubes.get_mut(&specimen).expect("tube").facts.status = status;
                }
            }
            let facts = world.lookup(&specimen).expect("specimen");
            let status = cells::process_specimen(&facts, world.site).expect("processed");
            world.tubes.get_mut(&specimen).expect("tube").facts.status = status;
            let expires = processed
                + Duration::minutes(i64::from(
                    world.protocol.processing_to_injection_max_minutes,
                ));
            let product = world.add(
                UnitKind::Product,
                UnitStatus::AwaitingRelease,
                Some(patient.id),
                None,
                patient.id,
                expires,
            );
            if patient.mix_up != Some(MixUp::Unreleased) {
                let qc = cells::QualityControl {
                    volume_tenth_ml: 80,
                    cells_millions: 400,
                    viability_percent: 90,
                };
                let facts = world.lookup(&product).expect("product");
                let status = cells::release_product(&facts, Some(&qc), &world.protocol, "lab2")
                    .expect("released");
                world.tubes.get_mut(&product).expect("tube").facts.status = status;
            }
            if patient.mix_up == Some(MixUp::ProductAtReception) {
                let facts = world.lookup(&product).expect("product");
                let refused = cells::receive_specimen(&facts, world.site)
                    .expect_err("a product is not received as a specimen");
                assert_eq!(refused, cells::UnitRefusal::WrongStation);
                world.log.push((number, "wrong_station"));
            }
            patient.product = Some(product);
        }
        // The bedside: what is brought, who is scanned, and the check.
        let bedside_at = processed + Duration::minutes(20);
        let day_products: Vec<(PatientId, DonationId, bool)> = patients
            .iter()
            .filter_map(|p| p.product.clone().map(|d| (p.id, d, p.autologous)))
            .collect();
        for n in 0..patients.len() {
            let number = base + n;
            let patient = &patients[n];
            let mut brought = patient
                .product
                .clone()
                .expect("a product for every patient");
            let mut wristband = patient.wristband.to_string();
            let mut now = bedside_at;
            match patient.mix_up {
                Some(MixUp::ProductsSwapped) | Some(MixUp::OtherPatientsLot) => {
                    let autologous = patient.autologous;
                    let wanted_kind = patient.mix_up == Some(MixUp::ProductsSwapped);
                    if let Some((_, other, _)) = day_products.iter().find(|(owner, _, auto)| {
                        *owner != patient.id && (*auto == autologous || !wanted_kind)
                    }) {
                        brought = other.clone();
                    } else {
                        // A day with one patient: the swap has no partner; use an earlier day's tube.
                        brought = world
                            .tubes
                            .iter()
                            .find(|(_, t)| {
                                t.contents_of != patient.id && t.facts.kind != UnitKind::Specimen
                            })
                            .map(|(id, _)| id.clone())
                            .expect("another tube");
                    }
                }
                Some(MixUp::WrongWristband) => {
                    wristband = patients[(n + 1) % patients.len()].wristband.to_string();
                }
                Some(MixUp::Expired) => {
                    now = bedside_at + Duration::hours(if patient.autologous { 2 } else { 24 * 60 })
                }
                Some(MixUp::SpecimenAtBedside) => {
                    if let Some(specimen) = patient.specimen.clone() {
                        brought = specimen;
                    } else {
                        brought = world
                            .tubes
                            .iter()
                            .find(|(_, t)| t.facts.kind == UnitKind::Specimen)
                            .map(|(id, _)| id.clone())
                            .expect("a specimen");
                    }
                }
                _ => {}
            }
            let context = BedsideContext {
                patient: patient.id,
                site: world.site,
                wristband: Some(patient.wristband.clone()),
                autologous: patient.autologous,
                now,
            };
            // Scanners type the barcode form half of the time, the printed form otherwise.
            let product_scan = if rng.chance(50) {
                brought.barcode_data()
            } else {
                format!("{}\n", brought.printed())
            };
            let first = BedsideScan {
                username: "nurse1".into(),
                role: Role::Nurse,
                wristband: wristband.clone(),
                product: product_scan.clone(),
            };
            let second = BedsideScan {
                username: "dr1".into(),
                role: Role::Physician,
                wristband,
                product: product_scan,
            };
            let expected_refusal = patient
                .mix_up
                .filter(|m| !matches!(m, MixUp::SpecimenAtOtherLab | MixUp::ProductAtReception));
            match cells::bedside_check(&context, &first, &second, |id| world.lookup(id)) {
                Ok(unit) => {
                    assert!(
                        expected_refusal.is_none(),
                        "session {number}: {expected_refusal:?} passed the bedside check"
                    );
                    let tube = world.tubes.get_mut(&unit.donation_id).expect("tube");
                    tube.facts.status = UnitStatus::Administered;
                    world.given.push((patient.id, tube.contents_of));
                }
                Err(failure) => {
                    let mix_up = expected_refusal.unwrap_or_else(|| {
                        panic!("session {number}: a clean session was blocked: {failure:?}")
                    });
                    let expected = match mix_up {
                        MixUp::WrongWristband => vec![BedsideFailure::WrongPatient],
                        MixUp::Expired => vec![BedsideFailure::Expired],
                        MixUp::Unreleased => vec![BedsideFailure::NotReleased],
                        MixUp::SpecimenAtBedside => vec![BedsideFailure::NotAProduct],
                        MixUp::ProductsSwapped | MixUp::OtherPatientsLot => vec![
                            BedsideFailure::OtherPatientsCells,
                            BedsideFailure::AlreadyAdministered,
                        ],
                        MixUp::SpecimenAtOtherLab | MixUp::ProductAtReception => vec![],
                    };
                    assert!(
                        expected.contains(&failure),
                        "session {number}: {mix_up:?} refused as {failure:?}"
                    );
                    world.log.push((number, failure.code()));
                    blocked_sessions += 1;
                }
            }
            if let Some(mix_up) = patient.mix_up {
                *injected.entry(mix_up).or_default() += 1;
            }
        }
    }
    // No patient ever received another person's cells.
    for (patient, contents) in &world.given {
        assert_eq!(
            patient, contents,
            "a patient received another person's cells"
        );
    }
    // Every injected mix-up was refused and logged, once per mix-up.
    let total_injected: usize = injected.values().sum();
    let logged_sessions: std::collections::HashSet<usize> =
        world.log.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        logged_sessions.len(),
        total_injected,
        "every mix-up is recorded"
    );
    assert_eq!(world.given.len() + blocked_sessions, sessions);
    // Every kind of mix-up was tried, many times.
    for mix_up in MIX_UPS {
        assert!(
            injected.get(&mix_up).copied().unwrap_or(0) > 50,
            "{mix_up:?} was injected too rarely: {injected:?}"
        );
    }
    // And a clean day still runs through the state machine end to end.
    let mut day = SessionDay::new(true, false);
    let facts = Facts {
        harvest_recorded: true,
        specimen_received: true,
        product_released: true,
        bedside_passed: true,
        injection_recorded: true,
        discharge_criteria_met: true,
    };
    let at = start;
    for item in required_checklist(false) {
        day.apply(&DayEvent::Checked {
            item,
            signed: signed(at),
        });
    }
    assert!(day.missing_items().is_empty());
    assert!(!required_checklist(false).contains(&ChecklistItem::Fasting));
    for step in DayStep::path(true) {
        day.may_start(*step, &facts).expect("start");
        day.apply(&DayEvent::Started {
            step: *step,
            signed: signed(at),
        });
        day.may_finish(*step, &facts).expect("finish");
        day.apply(&DayEvent::Finished {
            step: *step,
            signed: signed(at),
        });
    }
    assert!(day.is_discharged());
}
