//! The demo clinic for trying Cellpath: one site, one user of each role and
//! twenty patients with histories, medications, allergies and imaging.
//! Loaded only by `cellpath` without a subcommand or `cellpath demo`.

use crate::admin::NewSite;
use crate::auth::{NewUser, new_user_row};
use crate::{Actor, App, AppError, Result};
use cellpath_domain::intake::{IntakeDraft, IntakeKind};
use cellpath_domain::patient::PatientDraft;
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{PatientId, Role, SiteId};

/// The password of every demo account. Demo data only: a real clinic starts
/// empty and creates its first admin with `cellpath user add`.
pub const DEMO_PASSWORD: &str = "cellpath-demo";

/// A demo account to print for the person trying Cellpath.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub password: String,
}

/// (given, family, other script, birth date, sex, phone, language)
const PATIENTS: [(&str, &str, &str, &str, &str, &str, &str); 20] = [
    (
        "فاطمة",
        "الزهراء",
        "Fatimah Al-Zahra",
        "1961-04-12",
        "female",
        "+971 50 111 2001",
        "ar",
    ),
    (
        "Daniel",
        "Okafor",
        "",
        "1972-09-30",
        "male",
        "+44 7700 900101",
        "en",
    ),
    (
        "أحمد",
        "المنصوري",
        "Ahmed Al-Mansouri",
        "1958-01-05",
        "male",
        "+971 50 111 2003",
        "ar",
    ),
    (
        "Sarah",
        "Whitfield",
        "",
        "1980-11-17",
        "female",
        "+44 7700 900102",
        "en",
    ),
    (
        "مريم",
        "الهاشمي",
        "Maryam Al-Hashimi",
        "1969-06-21",
        "female",
        "+966 55 111 2005",
        "ar",
    ),
    (
        "Thomas",
        "Bergmann",
        "",
        "1965-03-08",
        "male",
        "+44 7700 900103",
        "en",
    ),
    (
        "إبراهيم",
        "القحطاني",
        "Ibrahim Al-Qahtani",
        "1955-12-02",
        "male",
        "+966 55 111 2007",
        "ar",
    ),
    (
        "Priya",
        "Raman",
        "",
        "1983-07-14",
        "female",
        "+44 7700 900104",
        "en",
    ),
    (
        "آمنة",
        "الكعبي",
        "Amna Al-Kaabi",
        "1974-02-27",
        "female",
        "+971 50 111 2009",
        "ar",
    ),
    (
        "James",
        "Holloway",
        "",
        "1950-10-19",
        "male",
        "+44 7700 900105",
        "en",
    ),
    (
        "Layla",
        "Haddad",
        "ليلى حداد",
        "1978-05-03",
        "female",
        "+961 3 111 211",
        "en",
    ),
    (
        "مصطفى",
        "الشامي",
        "Mostafa El-Shamy",
        "1962-08-11",
        "male",
        "+20 100 111 2012",
        "ar",
    ),
    (
        "Grace",
        "Mensah",
        "",
        "1988-01-29",
        "female",
        "+44 7700 900106",
        "en",
    ),
    (
        "يوسف",
        "البلوشي",
        "Yousuf Al-Balushi",
        "1970-04-16",
        "male",
        "+968 9111 2014",
        "ar",
    ),
    (
        "Michael",
        "O'Brien",
        "",
        "1959-09-09",
        "male",
        "+353 85 111 2015",
        "en",
    ),
    (
        "نورة",
        "العتيبي",
        "Noura Al-Otaibi",
        "1985-12-24",
        "female",
        "+966 55 111 2016",
        "ar",
    ),
    (
        "Elena",
        "Petrova",
        "",
        "1967-06-06",
        "female",
        "+44 7700 900107",
        "en",
    ),
    (
        "خالد",
        "الزعبي",
        "Khaled Al-Zoubi",
        "1953-03-31",
        "male",
        "+962 79 111 2018",
        "ar",
    ),
    (
        "Omar",
        "Farouk",
        "عمر فاروق",
        "1976-10-10",
        "male",
        "+971 50 111 2019",
        "en",
    ),
    (
        "هدى",
        "السيد",
        "Huda El-Sayed",
        "1981-08-18",
        "female",
        "+20 100 111 2020",
        "ar",
    ),
];

const CONDITIONS: [(&str, &str, &str); 6] = [
    ("Knee osteoarthritis, right", "active", "2019-03-01"),
    ("Knee osteoarthritis, left", "active", "2021-06-01"),
    ("Degenerative disc disease L4-L5", "active", "2018-09-01"),
    (
        "Rotator cuff tendinopathy, right shoulder",
        "active",
        "2022-02-01",
    ),
    ("Type 2 diabetes, poorly controlled", "active", "2015-01-01"),
    ("Hypertension", "active", "2012-05-01"),
];

const MEDICATIONS: [(&str, &str, &str); 6] = [
    ("Ibuprofen", "nsaid", "400 mg as needed"),
    ("Naproxen", "nsaid", "500 mg twice daily"),
    ("Apixaban", "anticoagulant", "5 mg twice daily"),
    ("Aspirin", "antiplatelet", "75 mg daily"),
    ("Metformin", "other", "1 g twice daily"),
    ("Semaglutide", "glp1_agonist", "1 mg weekly"),
];

const ALLERGIES: [(&str, &str, &str); 4] = [
    ("Penicillin", "severe", "Anaphylaxis"),
    ("Latex", "moderate", "Contact dermatitis"),
    ("Chlorhexidine", "mild", "Skin redness"),
    ("Lidocaine", "moderate", "Hives"),
];

const IMAGING: [(&str, &str, &str, &str); 4] = [
    (
        "xray",
        "Right knee",
        "2026-08-14",
        "Medial joint space narrowing, osteophytes (KL grade 3).",
    ),
    (
        "mri",
        "Lumbar spine",
        "2026-05-02",
        "Disc desiccation and broad-based bulge at L4-L5.",
    ),
    (
        "ultrasound",
        "Right shoulder",
        "2026-09-20",
        "Supraspinatus tendinopathy without full-thickness tear.",
    ),
    (
        "mri",
        "Left knee",
        "2025-11-03",
        "Degenerative medial meniscus tear, cartilage thinning.",
    ),
];

impl App {
    /// Loads the demo clinic into an empty database; refuses a database
    /// that already has sites.
    pub async fn load_demo(&self) -> Result<Vec<DemoAccount>> {
        if !self.list_sites().await?.is_empty() {
            return Err(AppError::Internal(
                "the database is not empty: the demo clinic loads only into an empty one".into(),
            ));
        }
        let site = self
            .add_site(
                None,
                &NewSite {
                    code: "DEMO".into(),
                    name: "Cellpath Demo Clinic".into(),
                    record_prefix: "CP".into(),
                },
            )
            .await?;
        let site_id = SiteId::from_uuid(site.id);
        let staff = [
            ("admin", "Clinic Admin", Role::Admin),
            ("physician", "Dr Salma Nasser", Role::Physician),
            ("nurse", "Nurse Rana Saleh", Role::Nurse),
            ("labtech", "Lab Tech Omar Aziz", Role::LabTech),
            ("labtech2", "Lab Tech Dina Farah", Role::LabTech),
            ("coordinator", "Coordinator Hana Yousef", Role::Coordinator),
        ];
        let mut accounts = Vec::new();
        for (username, display_name, role) in staff {
            self.add_user(
                None,
                NewUser {
                    username: username.into(),
                    display_name: display_name.into(),
                    role,
                    sites: vec![site_id],
                    password: DEMO_PASSWORD.into(),
                },
            )
            .await?;
            accounts.push(DemoAccount {
                username: username.into(),
                role,
                password: DEMO_PASSWORD.into(),
            });
        }
        // Registration and intake are done as the demo physician, so the
        // audit trail of the demo reads like a real clinic's.
        let physician = {
            let mut tx = self.begin().await?;
            let user = tx
                .user_by_username("physician")
                .await?
                .ok_or(AppError::NotFound)?;
            self.actor_of(&mut tx, &user).await?
        };
        let admin = {
            let mut tx = self.begin().await?;
            let user = tx
                .user_by_username("admin")
                .await?
                .ok_or(AppError::NotFound)?;
            self.actor_of(&mut tx, &user).await?
        };
        self.demo_resources(&admin, site_id).await?;
        let mut first_patient: Option<PatientId> = None;
        let mut registered: Vec<PatientId> = Vec::new();
        for (i, (given, family, other, dob, sex, phone, lang)) in PATIENTS.iter().enumerate() {
            let draft = PatientDraft {
                record_number: String::new(),
                given_name: (*given).into(),
                family_name: (*family).into(),
                other_script_name: (*other).into(),
                date_of_birth: (*dob).into(),
                sex: (*sex).into(),
                phone: (*phone).into(),
                email: format!("patient{}@example.org", i + 1),
                address: String::new(),
                preferred_language: (*lang).into(),
            };
            let patient = self
                .register_patient(&physician, Some(site_id), &draft)
                .await?;
            first_patient.get_or_insert(patient.id);
            registered.push(patient.id);
            self.demo_intake(&physician, patient.id, i).await?;
        }
        self.demo_plans(&physician, &registered).await?;
        self.demo_session_day(site_id, &registered).await?;
        if let Some(patient_id) = first_patient {
            self.demo_portal_user(patient_id).await?;
            accounts.push(DemoAccount {
                username: "patient".into(),
                role: Role::Patient,
                password: DEMO_PASSWORD.into(),
            });
        }
        Ok(accounts)
    }

    async fn demo_intake(&self, actor: &Actor, patient: PatientId, i: usize) -> Result<()> {
        let (name, status, onset) = CONDITIONS[i % 4];
        let add = |kind, draft| async move {
            self.add_intake(actor, patient, kind, &draft)
                .await
                .map(|_| ())
        };
        add(
            IntakeKind::Condition,
            IntakeDraft {
                name: name.into(),
                code: status.into(),
                start_date: onset.into(),
                ..Default::default()
            },
        )
        .await?;
        if i.is_multiple_of(3) {
            let (name, status, onset) = CONDITIONS[4 + i % 2];
            let category = if name.starts_with("Type 2 diabetes") {
                "uncontrolled_diabetes"
            } else {
                "other"
            };
            add(
                IntakeKind::Condition,
                IntakeDraft {
                    name: name.into(),
                    code: status.into(),
                    detail: category.into(),
                    start_date: onset.into(),
                    ..Default::default()
                },
            )
            .await?;
        }
        for offset in [0, 3] {
            let (name, class, dose) = MEDICATIONS[(i + offset) % MEDICATIONS.len()];
            add(
                IntakeKind::Medication,
                IntakeDraft {
                    name: name.into(),
                    code: class.into(),
                    detail: dose.into(),
                    start_date: "2025-01-15".into(),
                    ..Default::default()
                },
            )
            .await?;
        }
        if i.is_multiple_of(2) {
            let (substance, severity, reaction) = ALLERGIES[(i / 2) % ALLERGIES.len()];
            add(
                IntakeKind::Allergy,
                IntakeDraft {
                    name: substance.into(),
                    code: severity.into(),
                    detail: reaction.into(),
                    ..Default::default()
                },
            )
            .await?;
        }
        let (modality, region, date, findings) = IMAGING[i % IMAGING.len()];
        add(
            IntakeKind::Imaging,
            IntakeDraft {
                name: region.into(),
                code: modality.into(),
                start_date: date.into(),
                notes: findings.into(),
                ..Default::default()
            },
        )
        .await?;
        // Blood counts and weight from the pre-treatment visit.
        let taken = (self.now().date_naive() - chrono::Duration::days(21))
            .format("%Y-%m-%d")
            .to_string();
        let results = [
            (
                "Platelet count",
                "platelets",
                format!("{} 10*3/uL", 180 + 17 * i),
            ),
            ("Body weight", "body_weight", format!("{} kg", 58 + 3 * i)),
        ];
        for (test, kind, value) in results {
            add(
                IntakeKind::Result,
                IntakeDraft {
                    name: test.into(),
                    code: kind.into(),
                    detail: value,
                    start_date: taken.clone(),
                    ..Default::default()
                },
            )
            .await?;
        }
        Ok(())
    }

    /// A few plans: two approved with a session booked, one waiting for the
    /// physician's decision.
    async fn demo_plans(&self, physician: &Actor, patients: &[PatientId]) -> Result<()> {
        let plans = [
            (
                "osteoarthritis",
                "knee",
                "right",
                "",
                "bone_marrow",
                "ultrasound",
                "local",
                Some((
                    9,
                    "Antiplatelet continued on cardiology advice; NSAID paused 7 days before.",
                )),
            ),
            (
                "tendon_ligament",
                "shoulder",
                "right",
                "",
                "adipose",
                "ultrasound",
                "local",
                None,
            ),
            (
                "degenerative_disc",
                "spinal_disc",
                "midline",
                "L4-L5",
                "bone_marrow",
                "fluoroscopy",
                "sedation",
                Some((4, "Bleeding risk reviewed; imaging current.")),
            ),
        ];
        for (patient, (indication, site, side, level, source, guidance, anaesthesia, booking)) in
            patients.iter().zip(plans)
        {
            let draft = PlanDraft {
                indication: indication.into(),
                target_site: site.into(),
                side: side.into(),
                spinal_level: level.into(),
                cell_source: source.into(),
                guidance: guidance.into(),
                anaesthesia: anaesthesia.into(),
                planned_sessions: "1".into(),
                study_id: String::new(),
            };
            let plan = self.create_plan(physician, *patient, &draft, None).await?;
            if let Some((in_days, justification)) = booking {
                self.decide_plan(physician, plan.id, plan.version, true, justification)
                    .await?;
                let day = (self.now() + chrono::Duration::days(in_days)).date_naive();
                let starts = self
                    .possible_starts(physician, plan.id, day, day + chrono::Duration::days(7))
                    .await?;
                let eight = crate::scheduling::minute_of(
                    day.and_hms_opt(8, 0, 0)
                        .map(|t| t.and_utc())
                        .unwrap_or_else(|| self.now()),
                ) % 1440;
                let starts_at = starts
                    .iter()
                    .find(|t| crate::scheduling::minute_of(**t) % 1440 >= eight)
                    .or(starts.first())
                    .copied()
                    .ok_or_else(|| AppError::Internal("no free time for a demo session".into()))?;
                self.schedule_session(physician, plan.id, starts_at).await?;
            }
        }
        Ok(())
    }

    /// A day of sessions at every step, so the day board, the lab and the
    /// session pages have something live at once: one just checked in, one
    /// in harvest, one in processing, one released and waiting for the
    /// bedside check, one in monitoring, one discharged, and an allogeneic
    /// one preparing its donor lot. They are booked at the first free
    /// starts from today on.
    async fn demo_session_day(&self, site: SiteId, patients: &[PatientId]) -> Result<()> {
        use crate::lab::{DonorLotDraft, ProcessingDraft, QcDraft};
        use crate::session_day::{
            BedsideDraft, CheckDraft, HarvestDraft, InjectionDraft, MonitoringDraft, VitalsDraft,
        };
        let actor = |username: &'static str| async move {
            let mut tx = self.begin().await?;
            let user = tx
                .user_by_username(username)
                .await?
                .ok_or(AppError::NotFound)?;
            self.actor_of(&mut tx, &user).await
        };
        let (physician, nurse, lab, lab2) = (
            actor("physician").await?,
            actor("nurse").await?,
            actor("labtech").await?,
            actor("labtech2").await?,
        );
        {
            let mut tx = self.begin().await?;
            tx.set_site_labels(site, "D1234", 100, 50).await?;
            tx.set_site_phone(site, "+971 4 555 0100").await?;
            tx.commit().await?;
        }
        let reason = "Demo data: recorded in one go.";
        let vitals = VitalsDraft {
            systolic: "126".into(),
            diastolic: "80".into(),
            pulse: "70".into(),
            temperature: "36.7".into(),
            spo2: "98".into(),
        };
        let today = self.now().date_naive();
        for (stage, patient_id) in patients.iter().skip(4).take(7).enumerate() {
            let allogeneic = stage == 6;
            let draft = PlanDraft {
                indication: "osteoarthritis".into(),
                target_site: "knee".into(),
                side: if stage % 2 == 0 { "right" } else { "left" }.into(),
                spinal_level: String::new(),
                cell_source: if allogeneic {
                    "allogeneic"
                } else {
                    "bone_marrow"
                }
                .into(),
                guidance: "ultrasound".into(),
                anaesthesia: "local".into(),
                planned_sessions: "1".into(),
                study_id: String::new(),
            };
            let plan = self
                .create_plan(&physician, *patient_id, &draft, None)
                .await?;
            let plan = self
                .decide_plan(
                    &physician,
                    plan.id,
                    plan.version,
                    true,
                    "Suitable; reviewed with the patient.",
                )
                .await?;
            let consent = self
                .plan_consent(&nurse, plan.id, cellpath_domain::Locale::En)
                .await?;
            let patient = {
                let mut tx = self.begin().await?;
                tx.patient(*patient_id).await?
            };
            self.take_consent(
                &nurse,
                plan.id,
                cellpath_domain::Locale::En,
                &consent.text.hash,
                &cellpath_domain::consent::SignatureDraft {
                    typed_name: patient.full_name(),
                    witness_name: "Nurse Rana Saleh".into(),
                    confirmed: true,
                    ..Default::default()
                },
            )
            .await?;
            let starts = self
                .possible_starts(
                    &physician,
                    plan.id,
                    today,
                    today + chrono::Duration::days(7),
                )
                .await?;
            let Some(starts_at) = starts.first().copied() else {
                continue;
            };
            let session = self
                .schedule_session(&physician, plan.id, starts_at)
                .await?
                .id;
            // Check-in: every item, for all of them.
            let identity = CheckDraft {
                given_name: patient.given_name.clone(),
                family_name: patient.family_name.clone(),
                date_of_birth: patient.date_of_birth.to_string(),
                ..Default::default()
            };
            let with_vitals = CheckDraft {
                vitals: vitals.clone(),
                ..Default::default()
            };
            self.record_check(&nurse, session, "identity", &identity)
                .await?;
            self.record_check(&nurse, session, "wristband", &CheckDraft::default())
                .await?;
            if stage == 0 {
                continue;
            }
            for item in ["consent", "nsaid_pause", "allergies", "time_out"] {
                self.record_check(&nurse, session, item, &CheckDraft::default())
                    .await?;
            }
            self.record_check(&nurse, session, "vitals", &with_vitals)
                .await?;
            self.finish_step(&nurse, session, "check_in", reason)
                .await?;
            if allogeneic {
                self.start_step(&nurse, session, "donor_preparation", reason)
                    .await?;
                let lot = self
                    .receive_donor_lot(
                        &lab,
                        site,
                        &DonorLotDraft {
                            supplier: "Regional cell bank".into(),
                            supplier_lot: "RCB-2026-0417".into(),
                            description: "Allogeneic mesenchymal stromal cells".into(),
                            volume_ml: "5".into(),
                            expires_at: (self.now() + chrono::Duration::days(60))
                                .format("%Y-%m-%d %H:%M")
                                .to_string(),
                        },
                    )
                    .await?;
                self.release_donor_lot(&lab, lot.id).await?;
                continue;
            }
            self.start_step(&physician, session, "harvest", reason)
                .await?;
            let specimen = self
                .record_harvest(
                    &physician,
                    session,
                    &HarvestDraft {
                        source_site: "posterior iliac crest".into(),
                        side: "right".into(),
                        volume_ml: "60".into(),
                        anaesthetic: "lidocaine 1%".into(),
                        dose: "10 mL".into(),
                    },
                )
                .await?;
            if stage == 1 {
                continue;
            }
            self.finish_step(&physician, session, "harvest", reason)
                .await?;
            let label = self.unit_label(&lab, &specimen.id.to_string()).await?;
            self.receive_specimen(&lab, site, &label.donation_id.barcode_data())
                .await?;
            self.start_step(&lab, session, "processing", reason).await?;
            let product = self
                .record_processing(
                    &lab,
                    specimen.id,
                    &ProcessingDraft {
                        method: "density gradient centrifugation".into(),
                        centrifuge_programme: "BMAC-2".into(),
                        cabinet: "BSC-1".into(),
                        kit_lots: "KIT-24-118, KIT-24-119".into(),
                    },
                )
                .await?;
            self.record_qc(
                &lab,
                product.id,
                &QcDraft {
                    volume_ml: "8.5".into(),
                    cells_millions: "420".into(),
                    viability_percent: "93".into(),
                },
            )
            .await?;
            if stage == 2 {
                continue;
            }
            self.release_product(&lab2, product.id).await?;
            self.finish_step(&lab, session, "processing", reason)
                .await?;
            if stage == 3 {
                continue;
            }
            let wristband = self
                .session_day(&nurse, session)
                .await?
                .wristband
                .map(|w| w.to_string())
                .unwrap_or_default();
            let product_id = self
                .unit_label(&nurse, &product.id.to_string())
                .await?
                .donation_id
                .printed();
            self.bedside_check(
                &nurse,
                session,
                &BedsideDraft {
                    wristband: wristband.clone(),
                    product: product_id.clone(),
                    second_username: "physician".into(),
                    second_password: DEMO_PASSWORD.into(),
                    second_wristband: wristband,
                    second_product: product_id,
                },
            )
            .await?;
            self.start_step(&physician, session, "injection", reason)
                .await?;
            self.record_injection(
                &physician,
                session,
                &InjectionDraft {
                    guidance: "ultrasound".into(),
                    target_site: "knee".into(),
                    side: draft.side.clone(),
                    volume_ml: "8".into(),
                    note: String::new(),
                },
            )
            .await?;
            self.finish_step(&physician, session, "injection", reason)
                .await?;
            self.start_step(&nurse, session, "monitoring", reason)
                .await?;
            if stage == 4 {
                continue;
            }
            self.record_monitoring(
                &nurse,
                session,
                &MonitoringDraft {
                    vitals: vitals.clone(),
                    pain: "2".into(),
                    criteria: [
                        "vitals_stable",
                        "pain_controlled",
                        "sites_dry",
                        "walking",
                        "instructions_given",
                    ]
                    .map(String::from)
                    .to_vec(),
                },
            )
            .await?;
            self.finish_step(&nurse, session, "monitoring", reason)
                .await?;
            self.start_step(&nurse, session, "discharge", reason)
                .await?;
            self.finish_step(&nurse, session, "discharge", reason)
                .await?;
        }
        Ok(())
    }

    /// The demo site's rooms, people and equipment, Monday to Friday 07:00
    /// to 19:00 with a break at 12:30; the demo staff accounts are linked to
    /// their resources so their calendar feeds have entries.
    async fn demo_resources(&self, admin: &Actor, site: SiteId) -> Result<()> {
        let all: [(&str, &str, bool, &str); 17] = [
            ("procedure_room", "Procedure room A (fluoroscopy)", true, ""),
            ("procedure_room", "Procedure room B", false, ""),
            ("procedure_room", "Procedure room C", false, ""),
            ("physician", "Dr Salma Nasser", false, "physician"),
            ("physician", "Dr Karim Haddad", false, ""),
            ("nurse", "Nurse Rana Saleh", false, "nurse"),
            ("nurse", "Nurse Layla Fares", false, ""),
            ("lab_tech", "Omar Aziz (lab)", false, "labtech"),
            ("lab_tech", "Mona Khalil (lab)", false, ""),
            ("anaesthesia", "Dr Yusuf Amin (anaesthesia)", false, ""),
            ("centrifuge", "Centrifuge 1", false, ""),
            ("centrifuge", "Centrifuge 2", false, ""),
            ("ultrasound", "Ultrasound 1", false, ""),
            ("ultrasound", "Ultrasound 2", false, ""),
            ("c_arm", "C-arm", false, ""),
            ("recovery_bay", "Recovery bay 1", false, ""),
            ("recovery_bay", "Recovery bay 2", false, ""),
        ];
        for (kind, name, fluoroscopy, username) in all {
            self.add_resource(
                admin,
                site,
                &crate::scheduling::ResourceDraft {
                    kind: kind.into(),
                    name: name.into(),
                    fluoroscopy,
                    username: username.into(),
                    work_days: "1111100".into(),
                    work_start: "07:00".into(),
                    work_end: "19:00".into(),
                    break_start: "12:30".into(),
                    break_end: "13:00".into(),
                    active: true,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// The portal account of the first demo patient.
    async fn demo_portal_user(&self, patient_id: PatientId) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let patient = tx.patient(patient_id).await?;
        let row = new_user_row(
            "patient",
            &patient.full_name(),
            Role::Patient,
            Some(patient_id),
            DEMO_PASSWORD,
            now,
        )?;
        tx.insert_user(&row, &[]).await?;
        tx.commit().await?;
        Ok(())
    }
}
