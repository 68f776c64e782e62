//! The session day as a state machine: check-in, checklist and time-out, the
//! steps in order, their timing against the protocol, and deviations.
//!
//! What happened is a list of [`DayEvent`]s (the store keeps them append
//! only); [`SessionDay::replay`] folds them into the day's state, and the
//! transition functions say whether the next event may happen, or why not.
//! Facts that live outside the session's own events (the lab received the
//! specimen, the product was released, the bedside check passed) come in as
//! [`Facts`], so every rule here is a plain function of its arguments.

use crate::code_enum;
use crate::issue::{Issue, IssueCode, Issues};
use crate::protocol::{MinuteRange, Protocol};
use chrono::{DateTime, Utc};

code_enum!(
    /// The steps of a session day, in the order they happen.
    DayStep {
        CheckIn = "check_in",
        /// Autologous: the patient's own bone marrow or fat is drawn.
        Harvest = "harvest",
        /// Allogeneic: a released donor product is made ready.
        DonorPreparation = "donor_preparation",
        /// Autologous: the lab processes the specimen into the product.
        Processing = "processing",
        Injection = "injection",
        Monitoring = "monitoring",
        Discharge = "discharge",
    }
);

code_enum!(
    /// What check-in confirms before the first needle.
    ChecklistItem {
        /// Identity confirmed by two identifiers (name and date of birth).
        Identity = "identity",
        /// The wristband with the patient's barcode is on.
        Wristband = "wristband",
        /// A valid consent for this plan's version.
        Consent = "consent",
        /// The NSAID pause was kept.
        NsaidPause = "nsaid_pause",
        /// Fasting kept (only with sedation).
        Fasting = "fasting",
        /// Vitals taken.
        Vitals = "vitals",
        /// Allergies reviewed.
        Allergies = "allergies",
        /// The team's time-out before the first needle.
        TimeOut = "time_out",
    }
);

code_enum!(
    /// Why a step did not go as the protocol says.
    DeviationKind {
        TooLong = "too_long",
        TooShort = "too_short",
        /// A viability limit between steps was missed.
        LimitMissed = "limit_missed",
        SterileBreach = "sterile_breach",
        /// A bedside check failed.
        FailedCheck = "failed_check",
        Other = "other",
    }
);

code_enum!(
    /// What must hold before a patient goes home.
    DischargeCriterion {
        VitalsStable = "vitals_stable",
        PainControlled = "pain_controlled",
        /// No bleeding or swelling at the harvest and injection sites.
        SitesDry = "sites_dry",
        /// Walks unaided (or as before the session).
        Walking = "walking",
        /// Someone accompanies the patient home (only after sedation).
        Escort = "escort",
        /// Discharge instructions given and understood.
        InstructionsGiven = "instructions_given",
    }
);

/// The discharge criteria a session needs: an escort only after sedation.
pub fn required_discharge_criteria(sedation: bool) -> Vec<DischargeCriterion> {
    DischargeCriterion::ALL
        .iter()
        .copied()
        .filter(|c| sedation || *c != DischargeCriterion::Escort)
        .collect()
}

impl DayStep {
    /// The steps of a session, in order.
    pub fn path(autologous: bool) -> &'static [DayStep] {
        use DayStep::*;
        if autologous {
            &[
                CheckIn, Harvest, Processing, Injection, Monitoring, Discharge,
            ]
        } else {
            &[CheckIn, DonorPreparation, Injection, Monitoring, Discharge]
        }
    }
}

/// The items check-in needs: fasting only with sedation.
pub fn required_checklist(sedation: bool) -> Vec<ChecklistItem> {
    ChecklistItem::ALL
        .iter()
        .copied()
        .filter(|item| sedation || *item != ChecklistItem::Fasting)
        .collect()
}

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub username: String,
    pub name: String,
    pub at: DateTime<Utc>,
}

/// One thing that happened on the session day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayEvent {
    Checked { item: ChecklistItem, signed: Signed },
    Started { step: DayStep, signed: Signed },
    Finished { step: DayStep, signed: Signed },
    Deviation(Deviation),
}

/// A deviation from the protocol, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    pub step: Option<DayStep>,
    pub kind: DeviationKind,
    pub reason: String,
    pub signed: Signed,
}

/// Where one step stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    Waiting,
    Running { started: Signed },
    Done { started: Signed, finished: Signed },
}

impl StepState {
    pub fn started(&self) -> Option<&Signed> {
        match self {
            StepState::Waiting => None,
            StepState::Running { started } | StepState::Done { started, .. } => Some(started),
        }
    }

    pub fn finished(&self) -> Option<&Signed> {
        match self {
            StepState::Done { finished, .. } => Some(finished),
            _ => None,
        }
    }
}

/// What the session's own events cannot tell: the lab, the product, the
/// bedside check and the records of the steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// The harvest record exists (it creates the specimen).
    pub harvest_recorded: bool,
    /// The lab received this session's specimen by scan.
    pub specimen_received: bool,
    /// This session's product is released (autologous), or a released donor
    /// product is assigned to the patient (allogeneic).
    pub product_released: bool,
    /// A bedside check passed after the last failed one.
    pub bedside_passed: bool,
    pub injection_recorded: bool,
    /// The latest monitoring record meets the discharge criteria.
    pub discharge_criteria_met: bool,
}

/// Why a step may not start or finish now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotInPath(DayStep),
    AlreadyStarted(DayStep),
    NotStarted(DayStep),
    AlreadyFinished(DayStep),
    /// The step before it is not finished.
    PreviousNotFinished(DayStep),
    /// Check-in items still missing.
    Missing(Vec<ChecklistItem>),
    /// A step's record (harvest, injection) is missing.
    RecordMissing(DayStep),
    SpecimenNotReceived,
    ProductNotReleased,
    BedsideCheckNotPassed,
    DischargeCriteriaNotMet,
}

impl Refusal {
    /// The refusal as problems with fields, for forms and the API.
    pub fn issues(&self) -> Issues {
        let one = |field: &str, code| Issues(vec![Issue::new(field, code)]);
        match self {
            Refusal::NotInPath(step) => one(step.code(), IssueCode::NotApplicable),
            Refusal::AlreadyStarted(step) => one(step.code(), IssueCode::AlreadyStarted),
            Refusal::NotStarted(step) => one(step.code(), IssueCode::NotStarted),
            Refusal::AlreadyFinished(step) => one(step.code(), IssueCode::AlreadyFinished),
            Refusal::PreviousNotFinished(step) => one(step.code(), IssueCode::StepOrder),
            Refusal::Missing(items) => Issues(
                items
                    .iter()
                    .map(|item| Issue::new(item.code(), IssueCode::ChecklistMissing))
                    .collect(),
            ),
            Refusal::RecordMissing(step) => one(step.code(), IssueCode::RecordRequired),
            Refusal::SpecimenNotReceived => one("specimen", IssueCode::NotReceived),
            Refusal::ProductNotReleased => one("product", IssueCode::NotReleased),
            Refusal::BedsideCheckNotPassed => one("bedside_check", IssueCode::BedsideCheckRequired),
            Refusal::DischargeCriteriaNotMet => one("monitoring", IssueCode::CriteriaNotMet),
        }
    }
}

/// A timing that the protocol does not allow, found when a step starts or
/// finishes: it is recorded as a deviation, with a reason someone gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimingFinding {
    /// `None` for the session as a whole.
    pub step: Option<DayStep>,
    pub kind: DeviationKind,
    pub minutes: i64,
    /// The limit it crossed (minimum for too short, maximum otherwise).
    pub limit: i64,
}

/// A session day's state, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDay {
    pub autologous: bool,
    pub sedation: bool,
    pub checked: Vec<(ChecklistItem, Signed)>,
    pub steps: Vec<(DayStep, StepState)>,
    pub deviations: Vec<Deviation>,
}

impl SessionDay {
    /// A day with nothing done yet.
    pub fn new(autologous: bool, sedation: bool) -> SessionDay {
        SessionDay {
            autologous,
            sedation,
            checked: Vec::new(),
            steps: DayStep::path(autologous)
                .iter()
                .map(|step| (*step, StepState::Waiting))
                .collect(),
            deviations: Vec::new(),
        }
    }

    /// The day as its stored events tell it. Events are applied without
    /// checks: they were checked when they were recorded.
    pub fn replay<'a>(
        autologous: bool,
        sedation: bool,
        events: impl IntoIterator<Item = &'a DayEvent>,
    ) -> SessionDay {
        let mut day = SessionDay::new(autologous, sedation);
        for event in events {
            day.apply(event);
        }
        day
    }

    /// Applies one event.
    pub fn apply(&mut self, event: &DayEvent) {
        match event {
            DayEvent::Checked { item, signed } => {
                self.checked.retain(|(done, _)| done != item);
                self.checked.push((*item, signed.clone()));
            }
            DayEvent::Started { step, signed } => {
                if let Some(state) = self.state_mut(*step) {
                    *state = StepState::Running {
                        started: signed.clone(),
                    };
                }
            }
            DayEvent::Finished { step, signed } => {
                if let Some(state) = self.state_mut(*step) {
                    let started = state.started().cloned().unwrap_or_else(|| signed.clone());
                    *state = StepState::Done {
                        started,
                        finished: signed.clone(),
                    };
                }
            }
            DayEvent::Deviation(deviation) => self.deviations.push(deviation.clone()),
        }
    }

    fn state_mut(&mut self, step: DayStep) -> Option<&mut StepState> {
        self.steps
            .iter_mut()
            .find(|(s, _)| *s == step)
            .map(|(_, state)| state)
    }

    /// Where a step stands (`None` when it is not part of this day).
    pub fn state(&self, step: DayStep) -> Option<&StepState> {
        self.steps
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, state)| state)
    }

    /// The step under way or next to start; `None` when discharged.
    pub fn current(&self) -> Option<(DayStep, &StepState)> {
        self.steps
            .iter()
            .find(|(_, state)| !matches!(state, StepState::Done { .. }))
            .map(|(step, state)| (*step, state))
    }

    pub fn is_discharged(&self) -> bool {
        self.current().is_none()
    }

    /// Check-in items not yet recorded.
    pub fn missing_items(&self) -> Vec<ChecklistItem> {
        required_checklist(self.sedation)
            .into_iter()
            .filter(|item| !self.checked.iter().any(|(done, _)| done == item))
            .collect()
    }

    /// Whether a check-in item may be recorded: only before the first needle.
    pub fn may_check(&self, item: ChecklistItem) -> Result<(), Refusal> {
        if !required_checklist(self.sedation).contains(&item) {
            return Err(Refusal::Missing(Vec::new()));
        }
        match self.state(DayStep::CheckIn) {
            Some(StepState::Done { .. }) => Err(Refusal::AlreadyFinished(DayStep::CheckIn)),
            _ => Ok(()),
        }
    }

    /// Whether `step` may start now.
    pub fn may_start(&self, step: DayStep, facts: &Facts) -> Result<(), Refusal> {
        let path = DayStep::path(self.autologous);
        let position = path
            .iter()
            .position(|s| *s == step)
            .ok_or(Refusal::NotInPath(step))?;
        match self.state(step) {
            Some(StepState::Waiting) => {}
            Some(StepState::Running { .. }) => return Err(Refusal::AlreadyStarted(step)),
            _ => return Err(Refusal::AlreadyFinished(step)),
        }
        if let Some(previous) = position.checked_sub(1).map(|p| path[p])
            && !matches!(self.state(previous), Some(StepState::Done { .. }))
        {
            return Err(Refusal::PreviousNotFinished(previous));
        }
        match step {
            DayStep::Processing if !facts.specimen_received => Err(Refusal::SpecimenNotReceived),
            DayStep::Injection if !facts.product_released => Err(Refusal::ProductNotReleased),
            DayStep::Injection if !facts.bedside_passed => Err(Refusal::BedsideCheckNotPassed),
            _ => Ok(()),
        }
    }

    /// Who started `step` and when, while it runs: its records (harvest,
    /// processing, injection, monitoring) are taken only then.
    pub fn running(&self, step: DayStep) -> Result<&Signed, Refusal> {
        match self.state(step) {
            None => Err(Refusal::NotInPath(step)),
            Some(StepState::Waiting) => Err(Refusal::NotStarted(step)),
            Some(StepState::Done { .. }) => Err(Refusal::AlreadyFinished(step)),
            Some(StepState::Running { started }) => Ok(started),
        }
    }

    /// Whether `step` may finish now.
    pub fn may_finish(&self, step: DayStep, facts: &Facts) -> Result<(), Refusal> {
        match self.state(step) {
            None => return Err(Refusal::NotInPath(step)),
            Some(StepState::Waiting) => return Err(Refusal::NotStarted(step)),
            Some(StepState::Done { .. }) => return Err(Refusal::AlreadyFinished(step)),
            Some(StepState::Running { .. }) => {}
        }
        match step {
            DayStep::CheckIn => {
                let missing = self.missing_items();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(Refusal::Missing(missing))
                }
            }
            DayStep::Harvest if !facts.harvest_recorded => Err(Refusal::RecordMissing(step)),
            DayStep::Processing | DayStep::DonorPreparation if !facts.product_released => {
                Err(Refusal::ProductNotReleased)
            }
            DayStep::Injection if !facts.injection_recorded => Err(Refusal::RecordMissing(step)),
            DayStep::Monitoring if !facts.discharge_criteria_met => {
                Err(Refusal::DischargeCriteriaNotMet)
            }
            _ => Ok(()),
        }
    }

    /// The protocol's range of a step's duration, if it has one.
    pub fn range(&self, step: DayStep, protocol: &Protocol) -> Option<MinuteRange> {
        match step {
            DayStep::Harvest => Some(protocol.harvest_minutes),
            DayStep::Processing => Some(protocol.processing_minutes),
            DayStep::Injection => Some(protocol.injection_minutes),
            DayStep::Monitoring => {
                let min = if self.sedation {
                    protocol.monitoring_sedation_minutes
                } else {
                    protocol.monitoring_minutes
                };
                Some(MinuteRange { min, max: u32::MAX })
            }
            _ => None,
        }
    }

    /// Timings `step` breaks if it starts at `at`: the viability limits
    /// between harvest and processing, and processing and injection.
    pub fn timing_at_start(
        &self,
        step: DayStep,
        at: DateTime<Utc>,
        protocol: &Protocol,
    ) -> Vec<TimingFinding> {
        let lag = match step {
            DayStep::Processing => {
                Some((DayStep::Harvest, protocol.harvest_to_processing_max_minutes))
            }
            DayStep::Injection if self.autologous => Some((
                DayStep::Processing,
                protocol.processing_to_injection_max_minutes,
            )),
            _ => None,
        };
        let Some((before, limit)) = lag else {
            return Vec::new();
        };
        let Some(finished) = self.state(before).and_then(StepState::finished) else {
            return Vec::new();
        };
        let minutes = (at - finished.at).num_minutes();
        if minutes > i64::from(limit) {
            vec![TimingFinding {
                step: Some(step),
                kind: DeviationKind::LimitMissed,
                minutes,
                limit: i64::from(limit),
            }]
        } else {
            Vec::new()
        }
    }

    /// Timings `step` breaks if it finishes at `at`: its own duration, and
    /// for the last step the whole session's.
    pub fn timing_at_finish(
        &self,
        step: DayStep,
        at: DateTime<Utc>,
        protocol: &Protocol,
    ) -> Vec<TimingFinding> {
        let mut findings = Vec::new();
        if let (Some(range), Some(started)) = (
            self.range(step, protocol),
            self.state(step).and_then(StepState::started),
        ) {
            let minutes = (at - started.at).num_minutes();
            if minutes > i64::from(range.max) {
                findings.push(TimingFinding {
                    step: Some(step),
                    kind: DeviationKind::TooLong,
                    minutes,
                    limit: i64::from(range.max),
                });
            } else if minutes < i64::from(range.min) {
                findings.push(TimingFinding {
                    step: Some(step),
                    kind: DeviationKind::TooShort,
                    minutes,
                    limit: i64::from(range.min),
                });
            }
        }
        if step == DayStep::Discharge
            && let Some(first) = self.state(DayStep::CheckIn).and_then(StepState::started)
        {
            let minutes = (at - first.at).num_minutes();
            if minutes > i64::from(protocol.session_minutes.max) {
                findings.push(TimingFinding {
                    step: None,
                    kind: DeviationKind::TooLong,
                    minutes,
                    limit: i64::from(protocol.session_minutes.max),
                });
            }
        }
        findings
    }

    /// What needs someone's attention at `now`: a step running past its
    /// maximum, a viability limit about to be or already missed, a deviation.
    pub fn alerts(&self, now: DateTime<Utc>, protocol: &Protocol) -> Vec<Alert> {
        let mut alerts = Vec::new();
        if let Some((step, StepState::Running { started })) = self.current()
            && let Some(range) = self.range(step, protocol)
            && range.max != u32::MAX
            && (now - started.at).num_minutes() > i64::from(range.max)
        {
            alerts.push(Alert::Overrun(step));
        }
        if let Some((step, StepState::Waiting)) = self.current() {
            let limit = self.timing_at_start(step, now, protocol);
            if !limit.is_empty() {
                alerts.push(Alert::LimitMissed(step));
            }
        }
        if self
            .deviations
            .iter()
            .any(|d| d.kind == DeviationKind::FailedCheck)
        {
            alerts.push(Alert::FailedCheck);
        }
        if !self.deviations.is_empty() {
            alerts.push(Alert::Deviations(self.deviations.len()));
        }
        alerts
    }

    /// Minutes the current step has run (or waited since the previous one
    /// finished) at `now`, and its protocol maximum if it has one.
    pub fn time_in_step(
        &self,
        now: DateTime<Utc>,
        protocol: &Protocol,
    ) -> Option<(i64, Option<u32>)> {
        let (step, state) = self.current()?;
        let since = match state {
            StepState::Running { started } => started.at,
            _ => {
                let path = DayStep::path(self.autologous);
                let position = path.iter().position(|s| *s == step)?;
                let previous = position.checked_sub(1).map(|p| path[p])?;
                self.state(previous)?.finished()?.at
            }
        };
        let max = self
            .range(step, protocol)
            .map(|r| r.max)
            .filter(|m| *m != u32::MAX && matches!(state, StepState::Running { .. }));
        Some(((now - since).num_minutes(), max))
    }
}

/// Something on the day board that needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// The step runs past the protocol's maximum.
    Overrun(DayStep),
    /// The step has not started within the viability limit.
    LimitMissed(DayStep),
    /// A bedside check failed today.
    FailedCheck,
    /// How many deviations were recorded.
    Deviations(usize),
}

impl Alert {
    pub fn code(&self) -> &'static str {
        match self {
            Alert::Overrun(_) => "overrun",
            Alert::LimitMissed(_) => "limit_missed",
            Alert::FailedCheck => "failed_check",
            Alert::Deviations(_) => "deviations",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0)
            .single()
            .expect("a time")
            + Duration::minutes(minute)
    }

    fn signed(minute: i64) -> Signed {
        Signed {
            username: "nurse".into(),
            name: "Nurse".into(),
            at: at(minute),
        }
    }

    fn all_facts() -> Facts {
        Facts {
            harvest_recorded: true,
            specimen_received: true,
            product_released: true,
            bedside_passed: true,
            injection_recorded: true,
            discharge_criteria_met: true,
        }
    }

    /// Records an event after checking it is allowed, as the app does.
    fn start(day: &mut SessionDay, step: DayStep, minute: i64, facts: &Facts) {
        day.may_start(step, facts).expect("may start");
        day.apply(&DayEvent::Started {
            step,
            signed: signed(minute),
        });
    }

    fn finish(day: &mut SessionDay, step: DayStep, minute: i64, facts: &Facts) {
        day.may_finish(step, facts).expect("may finish");
        day.apply(&DayEvent::Finished {
            step,
            signed: signed(minute),
        });
    }

    fn checked_in(autologous: bool, sedation: bool) -> SessionDay {
        let mut day = SessionDay::new(autologous, sedation);
        start(&mut day, DayStep::CheckIn, 0, &Facts::default());
        for item in required_checklist(sedation) {
            day.may_check(item).expect("may check");
            day.apply(&DayEvent::Checked {
                item,
                signed: signed(5),
            });
        }
        finish(&mut day, DayStep::CheckIn, 10, &Facts::default());
        day
    }

    #[test]
    fn the_paths_follow_the_cell_source() {
        assert_eq!(
            DayStep::path(true),
            &[
                DayStep::CheckIn,
                DayStep::Harvest,
                DayStep::Processing,
                DayStep::Injection,
                DayStep::Monitoring,
                DayStep::Discharge
            ]
        );
        assert!(!DayStep::path(false).contains(&DayStep::Harvest));
        assert!(!DayStep::path(false).contains(&DayStep::Processing));
        assert!(DayStep::path(false).contains(&DayStep::DonorPreparation));
    }

    #[test]
    fn fasting_is_checked_only_with_sedation() {
        assert!(!required_checklist(false).contains(&ChecklistItem::Fasting));
        assert!(required_checklist(true).contains(&ChecklistItem::Fasting));
        assert!(required_checklist(false).contains(&ChecklistItem::TimeOut));
    }

    #[test]
    fn a_missing_item_blocks_check_in_and_says_which() {
        let mut day = SessionDay::new(true, true);
        start(&mut day, DayStep::CheckIn, 0, &Facts::default());
        for item in [
            ChecklistItem::Identity,
            ChecklistItem::Wristband,
            ChecklistItem::Consent,
        ] {
            day.apply(&DayEvent::Checked {
                item,
                signed: signed(1),
            });
        }
        let refusal = day
            .may_finish(DayStep::CheckIn, &Facts::default())
            .expect_err("items are missing");
        assert_eq!(
            refusal,
            Refusal::Missing(vec![
                ChecklistItem::NsaidPause,
                ChecklistItem::Fasting,
                ChecklistItem::Vitals,
                ChecklistItem::Allergies,
                ChecklistItem::TimeOut
            ])
        );
        let fields: Vec<String> = refusal.issues().0.into_iter().map(|i| i.field).collect();
        assert_eq!(
            fields,
            ["nsaid_pause", "fasting", "vitals", "allergies", "time_out"]
        );
        assert_eq!(
            day.may_start(DayStep::Harvest, &all_facts()),
            Err(Refusal::PreviousNotFinished(DayStep::CheckIn))
        );
    }

    #[test]
    fn illegal_transitions_are_refused_with_the_reason() {
        let mut day = checked_in(true, false);
        let facts = all_facts();
        let none = Facts::default();
        let cases: Vec<(Result<(), Refusal>, Refusal)> = vec![
            (
                day.may_start(DayStep::DonorPreparation, &facts),
                Refusal::NotInPath(DayStep::DonorPreparation),
            ),
            (
                day.may_start(DayStep::CheckIn, &facts),
                Refusal::AlreadyFinished(DayStep::CheckIn),
            ),
            (
                day.may_start(DayStep::Processing, &facts),
                Refusal::PreviousNotFinished(DayStep::Harvest),
            ),
            (
                day.may_finish(DayStep::Harvest, &facts),
                Refusal::NotStarted(DayStep::Harvest),
            ),
            (
                day.may_check(ChecklistItem::Vitals),
                Refusal::AlreadyFinished(DayStep::CheckIn),
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, Err(want));
        }
        start(&mut day, DayStep::Harvest, 15, &facts);
        assert_eq!(
            day.may_start(DayStep::Harvest, &facts),
            Err(Refusal::AlreadyStarted(DayStep::Harvest))
        );
        assert_eq!(
            day.may_finish(DayStep::Harvest, &none),
            Err(Refusal::RecordMissing(DayStep::Harvest))
        );
        finish(&mut day, DayStep::Harvest, 50, &facts);
        assert_eq!(
            day.may_start(DayStep::Processing, &none),
            Err(Refusal::SpecimenNotReceived)
        );
        start(&mut day, DayStep::Processing, 60, &facts);
        assert_eq!(
            day.may_finish(DayStep::Processing, &none),
            Err(Refusal::ProductNotReleased)
        );
        finish(&mut day, DayStep::Processing, 100, &facts);
        let released = Facts {
            product_released: true,
            ..Facts::default()
        };
        assert_eq!(
            day.may_start(DayStep::Injection, &released),
            Err(Refusal::BedsideCheckNotPassed)
        );
        start(&mut day, DayStep::Injection, 110, &facts);
        assert_eq!(
            day.may_finish(DayStep::Injection, &released),
            Err(Refusal::RecordMissing(DayStep::Injection))
        );
        finish(&mut day, DayStep::Injection, 130, &facts);
        start(&mut day, DayStep::Monitoring, 130, &facts);
        assert_eq!(
            day.may_finish(DayStep::Monitoring, &none),
            Err(Refusal::DischargeCriteriaNotMet)
        );
        finish(&mut day, DayStep::Monitoring, 165, &facts);
        start(&mut day, DayStep::Discharge, 166, &facts);
        finish(&mut day, DayStep::Discharge, 170, &facts);
        assert!(day.is_discharged());
        assert_eq!(day.current(), None);
    }

    #[test]
    fn an_allogeneic_day_prepares_a_donor_product() {
        let mut day = checked_in(false, true);
        let facts = all_facts();
        assert_eq!(
            day.may_start(DayStep::Harvest, &facts),
            Err(Refusal::NotInPath(DayStep::Harvest))
        );
        start(&mut day, DayStep::DonorPreparation, 12, &facts);
        assert_eq!(
            day.may_finish(DayStep::DonorPreparation, &Facts::default()),
            Err(Refusal::ProductNotReleased)
        );
        finish(&mut day, DayStep::DonorPreparation, 25, &facts);
        assert_eq!(day.current().map(|(s, _)| s), Some(DayStep::Injection));
    }

    #[test]
    fn steps_are_timed_against_the_protocol() {
        let protocol = Protocol::default();
        let facts = all_facts();
        let mut day = checked_in(true, false);
        start(&mut day, DayStep::Harvest, 15, &facts);
        // Harvest 30-45 minutes.
        assert_eq!(
            day.timing_at_finish(DayStep::Harvest, at(15 + 45), &protocol),
            vec![]
        );
        assert_eq!(
            day.timing_at_finish(DayStep::Harvest, at(15 + 46), &protocol),
            vec![TimingFinding {
                step: Some(DayStep::Harvest),
                kind: DeviationKind::TooLong,
                minutes: 46,
                limit: 45
            }]
        );
        assert_eq!(
            day.timing_at_finish(DayStep::Harvest, at(15 + 20), &protocol)[0].kind,
            DeviationKind::TooShort
        );
        finish(&mut day, DayStep::Harvest, 55, &facts);
        // Harvest to processing: at most 30 minutes.
        assert_eq!(
            day.timing_at_start(DayStep::Processing, at(85), &protocol),
            vec![]
        );
        assert_eq!(
            day.timing_at_start(DayStep::Processing, at(86), &protocol),
            vec![TimingFinding {
                step: Some(DayStep::Processing),
                kind: DeviationKind::LimitMissed,
                minutes: 31,
                limit: 30
            }]
        );
        assert_eq!(
            day.alerts(at(86), &protocol),
            vec![Alert::LimitMissed(DayStep::Processing)]
        );
        start(&mut day, DayStep::Processing, 60, &facts);
        assert_eq!(day.time_in_step(at(100), &protocol), Some((40, Some(60))));
        assert_eq!(
            day.alerts(at(121), &protocol),
            vec![Alert::Overrun(DayStep::Processing)]
        );
        finish(&mut day, DayStep::Processing, 100, &facts);
        // Processing to injection: at most 60 minutes.
        assert_eq!(
            day.timing_at_start(DayStep::Injection, at(161), &protocol)[0].kind,
            DeviationKind::LimitMissed
        );
        start(&mut day, DayStep::Injection, 110, &facts);
        finish(&mut day, DayStep::Injection, 130, &facts);
        start(&mut day, DayStep::Monitoring, 130, &facts);
        // Monitoring at least 30 minutes without sedation.
        assert_eq!(
            day.timing_at_finish(DayStep::Monitoring, at(150), &protocol)[0].kind,
            DeviationKind::TooShort
        );
        finish(&mut day, DayStep::Monitoring, 165, &facts);
        start(&mut day, DayStep::Discharge, 175, &facts);
        // The whole session: at most 3 hours from check-in.
        assert_eq!(
            day.timing_at_finish(DayStep::Discharge, at(180), &protocol),
            vec![]
        );
        assert_eq!(
            day.timing_at_finish(DayStep::Discharge, at(181), &protocol),
            vec![TimingFinding {
                step: None,
                kind: DeviationKind::TooLong,
                minutes: 181,
                limit: 180
            }]
        );
    }

    #[test]
    fn replay_gives_the_same_day_as_applying() {
        let day = checked_in(true, true);
        let mut events = Vec::new();
        events.push(DayEvent::Started {
            step: DayStep::CheckIn,
            signed: signed(0),
        });
        for (item, signed) in &day.checked {
            events.push(DayEvent::Checked {
                item: *item,
                signed: signed.clone(),
            });
        }
        events.push(DayEvent::Finished {
            step: DayStep::CheckIn,
            signed: signed(10),
        });
        events.push(DayEvent::Deviation(Deviation {
            step: Some(DayStep::Harvest),
            kind: DeviationKind::SterileBreach,
            reason: "glove torn".into(),
            signed: signed(11),
        }));
        let replayed = SessionDay::replay(true, true, &events);
        assert_eq!(replayed.checked, day.checked);
        assert_eq!(replayed.steps, day.steps);
        assert_eq!(replayed.deviations.len(), 1);
        assert_eq!(
            replayed.alerts(at(12), &Protocol::default()),
            vec![Alert::Deviations(1)]
        );
    }
}
