//! The outbox's rules: which channel a message goes by, and when a failed
//! delivery is tried again (exponential backoff, then given up on).

use chrono::{DateTime, Duration, Utc};

/// How a message reaches the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        [Channel::Email, Channel::Sms]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    Sent,
    /// Given up after the last attempt; staff see it and follow up by phone.
    Failed,
}

impl DeliveryStatus {
    pub fn code(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Sent,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// Attempts before a message is given up on.
pub const MAX_ATTEMPTS: i64 = 8;
/// The first retry waits this long; each next one twice as long.
pub const FIRST_RETRY_SECONDS: i64 = 60;
/// No retry waits longer than this.
pub const MAX_RETRY_SECONDS: i64 = 6 * 3600;

/// What happens after the `attempts`-th failed attempt at `now`: the time
/// of the next attempt, or `None` when the message is given up on.
pub fn next_attempt(attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let wait = FIRST_RETRY_SECONDS
        .saturating_mul(1_i64 << exponent)
        .min(MAX_RETRY_SECONDS);
    Some(now + Duration::seconds(wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_stop() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let waits: Vec<Option<i64>> = (1..=9)
            .map(|n| next_attempt(n, now).map(|t| (t - now).num_seconds()))
            .collect();
        assert_eq!(
            waits,
            [
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(960),
                Some(1920),
                Some(3840),
                None,
                None
            ]
        );
        assert_eq!(
            next_attempt(7, now).map(|t| (t - now).num_seconds()),
            Some(3840)
        );
    }

    #[test]
    fn codes_round_trip() {
        for c in [Channel::Email, Channel::Sms] {
            assert_eq!(Channel::parse(c.code()), Some(c));
        }
        for s in [
            DeliveryStatus::Pending,
            DeliveryStatus::Sent,
            DeliveryStatus::Failed,
        ] {
            assert_eq!(DeliveryStatus::parse(s.code()), Some(s));
        }
    }
}
