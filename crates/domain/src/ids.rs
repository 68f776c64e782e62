//! Record identifiers: UUID v7 newtypes, so a patient id can never be passed
//! where a site id is expected.

use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// Wraps an identifier read back from storage.
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A patient record.
    PatientId
);
uuid_id!(
    /// A site of the clinic network.
    SiteId
);
uuid_id!(
    /// A user account (staff or patient portal).
    UserId
);
uuid_id!(
    /// One entry of a patient's intake lists (condition, medication, allergy, imaging report).
    ItemId
);

uuid_id!(
    /// A treatment plan.
    PlanId
);
uuid_id!(
    /// One planned treatment session of a plan.
    SessionId
);
uuid_id!(
    /// A room, a member of staff or a piece of equipment that sessions are booked on.
    ResourceId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_prints_back_the_same() {
        let id = PatientId::new();
        let parsed: PatientId = id.to_string().parse().expect("parses");
        assert_eq!(id, parsed);
    }

    #[test]
    fn garbage_is_not_an_id() {
        assert!("not-a-uuid".parse::<PatientId>().is_err());
    }
}
