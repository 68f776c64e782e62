//! The clinic protocol: every number of the journey is a setting with the
//! default of the product's protocol, editable per site and versioned (a
//! session keeps the version in force when it was booked).

use crate::issue::{Issue, IssueCode, Issues};
use crate::scheduling::ResourceKind;

/// A duration range in minutes, `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinuteRange {
    pub min: u32,
    pub max: u32,
}

/// One site's protocol settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    /// Days before the session that NSAIDs stop.
    pub nsaid_pause_days: u32,
    /// Imaging of the target area must be at most this many months old.
    pub imaging_max_age_months: u32,
    /// Fasting before sedation: solids, then clear liquids (hours).
    pub fasting_solids_hours: u32,
    pub fasting_clear_liquids_hours: u32,
    /// No alcohol and no smoking for this many hours before.
    pub no_alcohol_smoking_hours: u32,
    /// Systemic steroids within this many days are a finding for review.
    pub steroid_lookback_days: u32,
    pub harvest_minutes: MinuteRange,
    pub processing_minutes: MinuteRange,
    pub injection_minutes: MinuteRange,
    pub donor_preparation_minutes: u32,
    pub monitoring_minutes: u32,
    pub monitoring_sedation_minutes: u32,
    /// Whole session, check-in to discharge.
    pub session_minutes: MinuteRange,
    /// Cells must reach processing within this many minutes of the harvest...
    pub harvest_to_processing_max_minutes: u32,
    /// ...and the injection within this many minutes of processing.
    pub processing_to_injection_max_minutes: u32,
    /// Follow-up visits, in days after the session.
    pub follow_up_days: Vec<u32>,
    /// How long a follow-up visit is booked for (minutes).
    pub follow_up_minutes: u32,
    /// Who sees the patient at a follow-up: a physician or a nurse.
    pub follow_up_seen_by: ResourceKind,
    /// A processed product is released only with at least this volume (mL),
    pub release_min_volume_ml: u32,
    /// this many nucleated cells (millions),
    pub release_min_cells_millions: u32,
    /// and this share of viable cells (percent).
    pub release_min_viability_percent: u32,
}

impl Default for Protocol {
    fn default() -> Self {
        Protocol {
            nsaid_pause_days: 7,
            imaging_max_age_months: 6,
            fasting_solids_hours: 6,
            fasting_clear_liquids_hours: 2,
            no_alcohol_smoking_hours: 48,
            steroid_lookback_days: 14,
            harvest_minutes: MinuteRange { min: 30, max: 45 },
            processing_minutes: MinuteRange { min: 30, max: 60 },
            injection_minutes: MinuteRange { min: 15, max: 30 },
            donor_preparation_minutes: 15,
            monitoring_minutes: 30,
            monitoring_sedation_minutes: 60,
            session_minutes: MinuteRange { min: 90, max: 180 },
            harvest_to_processing_max_minutes: 30,
            processing_to_injection_max_minutes: 60,
            // One week, six weeks, three, six and twelve months.
            follow_up_days: vec![7, 42, 91, 182, 365],
            follow_up_minutes: 30,
            follow_up_seen_by: ResourceKind::Physician,
            release_min_volume_ml: 1,
            release_min_cells_millions: 1,
            release_min_viability_percent: 70,
        }
    }
}

/// Names of the settings as forms, the API and the audit trail spell them.
pub const SETTING_NAMES: [&str; 26] = [
    "nsaid_pause_days",
    "imaging_max_age_months",
    "fasting_solids_hours",
    "fasting_clear_liquids_hours",
    "no_alcohol_smoking_hours",
    "steroid_lookback_days",
    "harvest_min_minutes",
    "harvest_max_minutes",
    "processing_min_minutes",
    "processing_max_minutes",
    "injection_min_minutes",
    "injection_max_minutes",
    "donor_preparation_minutes",
    "monitoring_minutes",
    "monitoring_sedation_minutes",
    "session_min_minutes",
    "session_max_minutes",
    "harvest_to_processing_max_minutes",
    "processing_to_injection_max_minutes",
    "release_min_volume_ml",
    "release_min_cells_millions",
    "release_min_viability_percent",
    "follow_up_days",
    "follow_up_minutes",
    "follow_up_seen_by",
    "version_note",
];

/// Who may see a patient at a follow-up visit.
pub const FOLLOW_UP_SEEN_BY: [ResourceKind; 2] = [ResourceKind::Physician, ResourceKind::Nurse];

impl Protocol {
    /// The settings as (name, value) pairs, the follow-up days comma-separated.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let n = |v: u32| v.to_string();
        vec![
            ("nsaid_pause_days", n(self.nsaid_pause_days)),
            ("imaging_max_age_months", n(self.imaging_max_age_months)),
            ("fasting_solids_hours", n(self.fasting_solids_hours)),
            (
                "fasting_clear_liquids_hours",
                n(self.fasting_clear_liquids_hours),
            ),
            ("no_alcohol_smoking_hours", n(self.no_alcohol_smoking_hours)),
            ("steroid_lookback_days", n(self.steroid_lookback_days)),
            ("harvest_min_minutes", n(self.harvest_minutes.min)),
            ("harvest_max_minutes", n(self.harvest_minutes.max)),
            ("processing_min_minutes", n(self.processing_minutes.min)),
            ("processing_max_minutes", n(self.processing_minutes.max)),
            ("injection_min_minutes", n(self.injection_minutes.min)),
            ("injection_max_minutes", n(self.injection_minutes.max)),
            (
                "donor_preparation_minutes",
                n(self.donor_preparation_minutes),
            ),
            ("monitoring_minutes", n(self.monitoring_minutes)),
            (
                "monitoring_sedation_minutes",
                n(self.monitoring_sedation_minutes),
            ),
            ("session_min_minutes", n(self.session_minutes.min)),
            ("session_max_minutes", n(self.session_minutes.max)),
            (
                "harvest_to_processing_max_minutes",
                n(self.harvest_to_processing_max_minutes),
            ),
            (
                "processing_to_injection_max_minutes",
                n(self.processing_to_injection_max_minutes),
            ),
            ("release_min_volume_ml", n(self.release_min_volume_ml)),
            (
                "release_min_cells_millions",
                n(self.release_min_cells_millions),
            ),
            (
                "release_min_viability_percent",
                n(self.release_min_viability_percent),
            ),
            (
                "follow_up_days",
                self.follow_up_days
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("follow_up_minutes", n(self.follow_up_minutes)),
            (
                "follow_up_seen_by",
                self.follow_up_seen_by.code().to_string(),
            ),
        ]
    }

    /// Reads settings from (name, value) pairs, reporting every problem.
    /// A missing setting keeps its default, so older stored versions still load.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Protocol, Issues> {
        let mut protocol = Protocol::default();
        let mut issues = Issues::default();
        for (name, raw) in fields {
            if name == "follow_up_days" {
                match parse_days(raw) {
                    Ok(days) => protocol.follow_up_days = days,
                    Err(code) => issues.add(name, code),
                }
                continue;
            }
            if name == "follow_up_seen_by" {
                match ResourceKind::parse(name, raw) {
                    Ok(kind) if FOLLOW_UP_SEEN_BY.contains(&kind) => {
                        protocol.follow_up_seen_by = kind
                    }
                    Ok(_) => issues.add(name, IssueCode::UnknownCode),
                    Err(issue) => issues.push(issue),
                }
                continue;
            }
            if name == "version_note" {
                continue;
            }
            let min = if name.starts_with("fasting_") { 0 } else { 1 };
            let Some((slot, max)) = protocol.slot(name) else {
                issues.add(name, IssueCode::UnknownCode);
                continue;
            };
            match raw.trim().parse::<u32>() {
                Ok(value) if (min..=max).contains(&value) => *slot = value,
                Ok(_) => issues.push(Issue {
                    field: name.into(),
                    code: IssueCode::OutOfRange,
                    limit: Some(max),
                }),
                Err(_) if raw.trim().is_empty() => issues.add(name, IssueCode::Required),
                Err(_) => issues.add(name, IssueCode::InvalidFormat),
            }
        }
        protocol.check_ranges(&mut issues);
        issues.into_result(|| protocol)
    }

    /// The setting behind a name, with its largest sensible value.
    fn slot(&mut self, name: &str) -> Option<(&mut u32, u32)> {
        Some(match name {
            "nsaid_pause_days" => (&mut self.nsaid_pause_days, 60),
            "imaging_max_age_months" => (&mut self.imaging_max_age_months, 60),
            "fasting_solids_hours" => (&mut self.fasting_solids_hours, 24),
            "fasting_clear_liquids_hours" => (&mut self.fasting_clear_liquids_hours, 24),
            "no_alcohol_smoking_hours" => (&mut self.no_alcohol_smoking_hours, 336),
            "steroid_lookback_days" => (&mut self.steroid_lookback_days, 365),
            "harvest_min_minutes" => (&mut self.harvest_minutes.min, 480),
            "harvest_max_minutes" => (&mut self.harvest_minutes.max, 480),
            "processing_min_minutes" => (&mut self.processing_minutes.min, 480),
            "processing_max_minutes" => (&mut self.processing_minutes.max, 480),
            "injection_min_minutes" => (&mut self.injection_minutes.min, 480),
            "injection_max_minutes" => (&mut self.injection_minutes.max, 480),
            "donor_preparation_minutes" => (&mut self.donor_preparation_minutes, 480),
            "monitoring_minutes" => (&mut self.monitoring_minutes, 480),
            "monitoring_sedation_minutes" => (&mut self.monitoring_sedation_minutes, 480),
            "session_min_minutes" => (&mut self.session_minutes.min, 1440),
            "session_max_minutes" => (&mut self.session_minutes.max, 1440),
            "harvest_to_processing_max_minutes" => {
                (&mut self.harvest_to_processing_max_minutes, 480)
            }
            "processing_to_injection_max_minutes" => {
                (&mut self.processing_to_injection_max_minutes, 480)
            }
            "release_min_volume_ml" => (&mut self.release_min_volume_ml, 500),
            "release_min_cells_millions" => (&mut self.release_min_cells_millions, 100_000),
            "release_min_viability_percent" => (&mut self.release_min_viability_percent, 100),
            "follow_up_minutes" => (&mut self.follow_up_minutes, 480),
            _ => return None,
        })
    }

    /// Settings that must agree with each other.
    fn check_ranges(&self, issues: &mut Issues) {
        let ranges = [
            ("harvest_max_minutes", self.harvest_minutes),
            ("processing_max_minutes", self.processing_minutes),
            ("injection_max_minutes", self.injection_minutes),
            ("session_max_minutes", self.session_minutes),
        ];
        for (field, range) in ranges {
            if range.max < range.min {
                issues.add(field, IssueCode::OutOfRange);
            }
        }
        if self.fasting_clear_liquids_hours > self.fasting_solids_hours {
            issues.add("fasting_clear_liquids_hours", IssueCode::OutOfRange);
        }
        if self.monitoring_sedation_minutes < self.monitoring_minutes {
            issues.add("monitoring_sedation_minutes", IssueCode::OutOfRange);
        }
    }
}

fn parse_days(raw: &str) -> Result<Vec<u32>, IssueCode> {
    let mut days = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let day: u32 = part.parse().map_err(|_| IssueCode::InvalidFormat)?;
        if !(1..=3650).contains(&day) {
            return Err(IssueCode::OutOfRange);
        }
        days.push(day);
    }
    if days.is_empty() {
        return Err(IssueCode::Required);
    }
    if days.windows(2).any(|w| w[0] >= w[1]) {
        return Err(IssueCode::DateOrder);
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_protocols() {
        let p = Protocol::default();
        assert_eq!(p.nsaid_pause_days, 7);
        assert_eq!(p.imaging_max_age_months, 6);
        assert_eq!(
            (p.fasting_solids_hours, p.fasting_clear_liquids_hours),
            (6, 2)
        );
        assert_eq!(p.no_alcohol_smoking_hours, 48);
        assert_eq!(p.follow_up_days, [7, 42, 91, 182, 365]);
        assert_eq!(p.follow_up_minutes, 30);
        assert_eq!(p.follow_up_seen_by, ResourceKind::Physician);
        assert_eq!(
            (
                p.harvest_to_processing_max_minutes,
                p.processing_to_injection_max_minutes
            ),
            (30, 60)
        );
    }

    #[test]
    fn fields_round_trip() {
        let p = Protocol::default();
        let fields = p.fields();
        let parsed =
            Protocol::from_fields(fields.iter().map(|(k, v)| (*k, v.as_str()))).expect("valid");
        assert_eq!(parsed, p);
        assert!(fields.iter().all(|(name, _)| SETTING_NAMES.contains(name)));
    }

    #[test]
    fn edits_are_checked() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [(&'a str, IssueCode)]);
        let cases: &[Case] = &[
            (&[("nsaid_pause_days", "10")], &[]),
            (
                &[("nsaid_pause_days", "0")],
                &[("nsaid_pause_days", IssueCode::OutOfRange)],
            ),
            (
                &[("nsaid_pause_days", "seven")],
                &[("nsaid_pause_days", IssueCode::InvalidFormat)],
            ),
            (
                &[("nsaid_pause_days", "")],
                &[("nsaid_pause_days", IssueCode::Required)],
            ),
            (
                &[("harvest_min_minutes", "50")],
                &[("harvest_max_minutes", IssueCode::OutOfRange)],
            ),
            (
                &[("fasting_clear_liquids_hours", "8")],
                &[("fasting_clear_liquids_hours", IssueCode::OutOfRange)],
            ),
            (&[("follow_up_days", "7, 42, 90")], &[]),
            (
                &[("follow_up_days", "42,7")],
                &[("follow_up_days", IssueCode::DateOrder)],
            ),
            (
                &[("follow_up_days", "")],
                &[("follow_up_days", IssueCode::Required)],
            ),
            (&[("follow_up_seen_by", "nurse")], &[]),
            (
                &[("follow_up_seen_by", "centrifuge")],
                &[("follow_up_seen_by", IssueCode::UnknownCode)],
            ),
            (
                &[("follow_up_minutes", "0")],
                &[("follow_up_minutes", IssueCode::OutOfRange)],
            ),
            (
                &[("shoe_size", "44")],
                &[("shoe_size", IssueCode::UnknownCode)],
            ),
        ];
        for (input, expected) in cases {
            let got: Vec<(String, IssueCode)> = match Protocol::from_fields(input.iter().copied()) {
                Ok(_) => vec![],
                Err(issues) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
            };
            let expected: Vec<(String, IssueCode)> =
                expected.iter().map(|(f, c)| (f.to_string(), *c)).collect();
            assert_eq!(got, expected, "{input:?}");
        }
    }
}
