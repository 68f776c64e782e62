//! Donation identifiers of specimens and products (the ISBT 128 donation identification number's structure) and their ISO/IEC 7064 MOD 37-2 check character.
//!
//! An identifier is a facility code, a two-digit year and a sequence number:
//! 13 characters that never carry a name or a record number. People read the
//! printed form (`G123498654321H`, the 13 characters and the check
//! character); scanners send the barcode data (`=G12349865432177`, where the
//! two flag digits are 60 + the check value). Both are checked the same way,
//! so a mistyped or misread identifier is refused before it can match the
//! wrong product.

use crate::{Issue, IssueCode};
use std::fmt;
use std::str::FromStr;

/// ISO/IEC 7064's character set for MOD 37-2: each character's value is its
/// index.
const CHARACTER_SET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*";

/// Characters of the body: facility code, year and sequence number.
const BODY_LEN: usize = 13;
const FACILITY_LEN: usize = 5;
const YEAR_END: usize = FACILITY_LEN + 2;
/// The flag digits of the barcode form are this plus the check value.
const FLAG_BASE: u8 = 60;
const MAX_SEQUENCE: u32 = 999_999;

/// The value (0..=36) of a character of the MOD 37-2 set, `None` outside it.
fn character_value(c: char) -> Option<u32> {
    CHARACTER_SET
        .iter()
        .position(|&set_char| char::from(set_char) == c)
        .and_then(|idx| u32::try_from(idx).ok())
}

/// The ISO/IEC 7064 MOD 37-2 check value (0..=36) of `body`; `None` when a
/// character is outside `0-9`, `A-Z` and `*` (lowercase letters are
/// outside it).
///
/// The check value is the one that makes the weighted sum of the body and
/// the check (weights 2^n .. 2^1 for the body, 1 for the check) congruent to
/// 1 modulo 37. Horner's form: `sum = ((sum + value) * 2) mod 37` over the
/// body, then `check = (38 - sum) mod 37`.
pub fn mod37_2_check_value(body: &str) -> Option<u8> {
    let mut sum = 0u32;
    for c in body.chars() {
        sum = ((sum + character_value(c)?) * 2) % 37;
    }
    u8::try_from((38 - sum) % 37).ok()
}

/// The character of a MOD 37-2 check value: `0`-`9`, `A`-`Z`, then `*` for
/// 36. Check values are 0..=36; a larger number is taken modulo 37.
pub fn mod37_2_character(value: u8) -> char {
    char::from(CHARACTER_SET[usize::from(value % 37)])
}

/// Why an identifier was refused. Each variant has a stable code
/// ([`IdError::code`]); the English text is for the command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("the identifier is empty")]
    Empty,
    /// `found` counts the characters after trimming surrounding whitespace.
    #[error(
        "the identifier has {found} characters, expected 14 (or 16 in the barcode form starting with =)"
    )]
    WrongLength { found: usize },
    /// `position` counts from 1 in the identifier as given, after trimming.
    #[error("character {position} is not allowed there")]
    InvalidCharacter { position: usize },
    #[error("the facility code must be a letter followed by four letters or digits")]
    BadFacility,
    #[error("the year must be a four-digit calendar year, or two digits in an identifier")]
    BadYear,
    #[error("the sequence number must be six digits from 000001 to 999999")]
    BadSequence,
    #[error("check character is {found}, expected {expected}")]
    WrongCheck { expected: char, found: char },
    #[error("flag is {found}, expected {expected}")]
    WrongFlag { expected: String, found: String },
}

impl IdError {
    /// A stable, language-free code.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Empty => "empty",
            IdError::WrongLength { .. } => "wrong_length",
            IdError::InvalidCharacter { .. } => "invalid_character",
            IdError::BadFacility => "bad_facility",
            IdError::BadYear => "bad_year",
            IdError::BadSequence => "bad_sequence",
            IdError::WrongCheck { .. } => "wrong_check",
            IdError::WrongFlag { .. } => "wrong_flag",
        }
    }
}

/// The code of the facility that assigned an identifier: an uppercase
/// letter, then four uppercase letters or digits (`G1234`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FacilityCode(String);

impl FacilityCode {
    /// Trims and uppercases `raw`; refuses it as `Required` when empty and
    /// as `InvalidFormat` when it is not a facility code.
    pub fn parse(field: &str, raw: &str) -> Result<FacilityCode, Issue> {
        let value = raw.trim().to_ascii_uppercase();
        if value.is_empty() {
            return Err(Issue::new(field, IssueCode::Required));
        }
        if !is_facility(&value.chars().collect::<Vec<_>>()) {
            return Err(Issue::new(field, IssueCode::InvalidFormat));
        }
        Ok(FacilityCode(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_body_character(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn is_facility(chars: &[char]) -> bool {
    match chars {
        [first, rest @ ..] => {
            chars.len() == FACILITY_LEN
                && first.is_ascii_uppercase()
                && rest.iter().all(|&c| is_body_character(c))
        }
        [] => false,
    }
}

/// A donation identification number: facility, year and sequence. One that
/// exists has a valid facility code, a year of two digits and a sequence in
/// 1..=999_999, so its printed and barcode forms are always well formed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DonationId {
    facility: FacilityCode,
    year: u8,
    sequence: u32,
}

impl DonationId {
    /// An identifier of `facility` in the calendar `year` (1000..=9999, of
    /// which it keeps the last two digits; a two-digit year is refused as
    /// `BadYear`, since it most likely means the caller already cut it).
    pub fn new(facility: FacilityCode, year: i32, sequence: u32) -> Result<DonationId, IdError> {
        if !(1000..=9999).contains(&year) {
            return Err(IdError::BadYear);
        }
        if !(1..=MAX_SEQUENCE).contains(&sequence) {
            return Err(IdError::BadSequence);
        }
        let year = u8::try_from(year % 100).map_err(|_| IdError::BadYear)?;
        Ok(DonationId {
            facility,
            year,
            sequence,
        })
    }

    pub fn facility(&self) -> &FacilityCode {
        &self.facility
    }

    /// The year as the identifier carries it: 0..=99.
    pub fn year_two_digits(&self) -> u8 {
        self.year
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    /// The 13 characters the check character is computed over: `G123498654321`.
    pub fn body(&self) -> String {
        format!(
            "{}{:02}{:06}",
            self.facility.as_str(),
            self.year,
            self.sequence
        )
    }

    /// The MOD 37-2 check value of the body: 0..=36.
    pub fn check_value(&self) -> u8 {
        // The body is made of digits and uppercase letters only, all in the set.
        mod37_2_check_value(&self.body()).unwrap_or_default()
    }

    pub fn check_character(&self) -> char {
        mod37_2_character(self.check_value())
    }

    /// What people read and type: `G123498654321H`.
    pub fn printed(&self) -> String {
        format!("{}{}", self.body(), self.check_character())
    }

    /// The barcode's two flag digits: 60 + the check value (`77`).
    pub fn flag(&self) -> String {
        format!("{:02}", FLAG_BASE + self.check_value())
    }

    /// What the barcode carries: `=G12349865432177`.
    pub fn barcode_data(&self) -> String {
        format!("={}{}", self.body(), self.flag())
    }

    /// The identifier whose body (the 13 characters, as stored) this is;
    /// `None` if the body is not one.
    pub fn from_body(body: &str) -> Option<DonationId> {
        let check = mod37_2_character(mod37_2_check_value(body)?);
        DonationId::parse(&format!("{body}{check}")).ok()
    }

    /// Parses what a person types or a scanner sends: the printed form
    /// (`G123498654321H`, also with one space before the check character),
    /// or the barcode form (`=G12349865432177`). Surrounding whitespace is
    /// trimmed (scanners send a trailing Enter/newline); lowercase letters are accepted as uppercase.
    pub fn parse(raw: &str) -> Result<DonationId, IdError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(IdError::Empty);
        }
        let chars: Vec<char> = trimmed.chars().map(|c| c.to_ascii_uppercase()).collect();
        match chars.split_first() {
            Some(('=', data)) => parse_barcode(data, chars.len()),
            _ => parse_printed(&chars),
        }
    }
}

/// `data` is what follows the `=`: the body and two flag digits.
fn parse_barcode(data: &[char], found: usize) -> Result<DonationId, IdError> {
    let (body, flag) = match data.split_at_checked(BODY_LEN) {
        Some((body, flag)) if flag.len() == 2 => (body, flag),
        _ => return Err(IdError::WrongLength { found }),
    };
    // Positions count from 1 and the `=` is the first.
    let id = parse_body(body, 1)?;
    if let Some(idx) = flag.iter().position(|c| !c.is_ascii_digit()) {
        return Err(IdError::InvalidCharacter {
            position: 1 + BODY_LEN + idx + 1,
        });
    }
    let found: String = flag.iter().collect();
    let expected = id.flag();
    if found != expected {
        return Err(IdError::WrongFlag { expected, found });
    }
    Ok(id)
}

fn parse_printed(chars: &[char]) -> Result<DonationId, IdError> {
    let (body, check, check_position) = match chars {
        [body @ .., check] if body.len() == BODY_LEN => (body, *check, BODY_LEN + 1),
        [body @ .., ' ', check] if body.len() == BODY_LEN => (body, *check, BODY_LEN + 2),
        _ => {
            return Err(IdError::WrongLength { found: chars.len() });
        }
    };
    let id = parse_body(body, 0)?;
    if character_value(check).is_none() {
        return Err(IdError::InvalidCharacter {
            position: check_position,
        });
    }
    let expected = id.check_character();
    if check != expected {
        return Err(IdError::WrongCheck {
            expected,
            found: check,
        });
    }
    Ok(id)
}

/// The 13 uppercased characters of a body; `offset` is the number of
/// characters before it in the input, for the positions of refusals.
fn parse_body(body: &[char], offset: usize) -> Result<DonationId, IdError> {
    if let Some(idx) = body.iter().position(|&c| !is_body_character(c)) {
        return Err(IdError::InvalidCharacter {
            position: offset + idx + 1,
        });
    }
    let facility = body.get(..FACILITY_LEN).unwrap_or_default();
    if !is_facility(facility) {
        return Err(IdError::BadFacility);
    }
    let year =
        digits(body.get(FACILITY_LEN..YEAR_END).unwrap_or_default()).ok_or(IdError::BadYear)?;
    let sequence = digits(body.get(YEAR_END..).unwrap_or_default())
        .filter(|&n| (1..=MAX_SEQUENCE).contains(&n))
        .ok_or(IdError::BadSequence)?;
    Ok(DonationId {
        facility: FacilityCode(facility.iter().collect()),
        year: u8::try_from(year).map_err(|_| IdError::BadYear)?,
        sequence,
    })
}

/// The number written by `chars` when they are all ASCII digits.
fn digits(chars: &[char]) -> Option<u32> {
    chars
        .iter()
        .try_fold(0u32, |n, c| c.to_digit(10).map(|d| n * 10 + d))
}

impl fmt::Display for DonationId {
    /// The printed form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.printed())
    }
}

impl FromStr for DonationId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DonationId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facility(code: &str) -> FacilityCode {
        FacilityCode::parse("facility", code).expect("valid facility code")
    }

    fn published() -> DonationId {
        DonationId::new(facility("G1234"), 1998, 654_321).expect("valid id")
    }

    /// ISO/IEC 7064's definition, written independently of the Horner form:
    /// the weighted sum of all characters, the check included with weight 1,
    /// is 1 modulo 37.
    fn weighted_sum_is_one(printed: &str) -> bool {
        let values: Vec<u32> = printed
            .chars()
            .map(|c| character_value(c).expect("in the set"))
            .collect();
        let n = values.len();
        let sum = values.iter().enumerate().fold(0u32, |acc, (idx, &v)| {
            let mut weight = 1u32;
            for _ in 0..(n - 1 - idx) {
                weight = weight * 2 % 37;
            }
            (acc + v * weight) % 37
        });
        sum == 1
    }

    #[test]
    fn the_published_vector() {
        let id = published();
        assert_eq!(mod37_2_check_value("G123498654321"), Some(17));
        assert_eq!(mod37_2_character(17), 'H');
        assert_eq!(id.body(), "G123498654321");
        assert_eq!(id.check_value(), 17);
        assert_eq!(id.check_character(), 'H');
        assert_eq!(id.printed(), "G123498654321H");
        assert_eq!(id.to_string(), "G123498654321H");
        assert_eq!(id.flag(), "77");
        assert_eq!(id.barcode_data(), "=G12349865432177");
        assert_eq!(id.facility().as_str(), "G1234");
        assert_eq!(id.year_two_digits(), 98);
        assert_eq!(id.sequence(), 654_321);
        assert!(weighted_sum_is_one("G123498654321H"));
    }

    #[test]
    fn the_character_set_maps_values_in_order() {
        for (value, expected) in [(0, '0'), (9, '9'), (10, 'A'), (35, 'Z'), (36, '*')] {
            assert_eq!(mod37_2_character(value), expected, "{value}");
        }
        assert_eq!(mod37_2_check_value("g123498654321"), None);
        assert_eq!(mod37_2_check_value("G12349865432-"), None);
    }

    #[test]
    fn accepted_forms() {
        let id = published();
        for raw in [
            "G123498654321H",
            "g123498654321h",
            "G123498654321 H",
            "  G123498654321H\n",
            "G123498654321H\r\n",
            "\tG123498654321 h ",
            "=G12349865432177",
            "=g12349865432177",
            "=G12349865432177\n",
            " =G12349865432177\r\n",
        ] {
            assert_eq!(DonationId::parse(raw), Ok(id.clone()), "{raw:?}");
            assert_eq!(raw.parse::<DonationId>(), Ok(id.clone()), "{raw:?}");
        }
    }

    #[test]
    fn refusals() {
        let wrong_flag = |expected: &str, found: &str| IdError::WrongFlag {
            expected: expected.into(),
            found: found.into(),
        };
        let cases = [
            ("", IdError::Empty),
            (" \n", IdError::Empty),
            ("G123498654321", IdError::WrongLength { found: 13 }),
            ("G123498654321HH", IdError::WrongLength { found: 15 }),
            ("G123498654321  H", IdError::WrongLength { found: 16 }),
            ("G1234 98654321H", IdError::WrongLength { found: 15 }),
            ("=G123498654321H", IdError::WrongLength { found: 15 }),
            ("=G1234986543217", IdError::WrongLength { found: 15 }),
            ("=G123498654321777", IdError::WrongLength { found: 17 }),
            ("=", IdError::WrongLength { found: 1 }),
            ("G1234-8654321H", IdError::InvalidCharacter { position: 6 }),
            ("G123498654321-", IdError::InvalidCharacter { position: 14 }),
            (
                "G123498654321 -",
                IdError::InvalidCharacter { position: 15 },
            ),
            ("*123498654321H", IdError::InvalidCharacter { position: 1 }),
            ("G12349865432é1", IdError::InvalidCharacter { position: 13 }),
            (
                "=G1234986543*177",
                IdError::InvalidCharacter { position: 13 },
            ),
            (
                "=G1234986543217A",
                IdError::InvalidCharacter { position: 16 },
            ),
            ("1123498654321H", IdError::BadFacility),
            ("=012349865432177", IdError::BadFacility),
            ("G1234A8654321H", IdError::BadYear),
            ("G12349865432LH", IdError::BadSequence),
            ("G123498000000H", IdError::BadSequence),
            (
                "G123498654321G",
                IdError::WrongCheck {
                    expected: 'H',
                    found: 'G',
                },
            ),
            (
                "G123498654321*",
                IdError::WrongCheck {
                    expected: 'H',
                    found: '*',
                },
            ),
            ("=G12349865432176", wrong_flag("77", "76")),
            ("=G12349865432117", wrong_flag("77", "17")),
        ];
        for (raw, expected) in cases {
            assert_eq!(DonationId::parse(raw), Err(expected), "{raw:?}");
        }
    }

    #[test]
    fn error_codes_are_stable_and_texts_say_what_is_expected() {
        let cases = [
            (IdError::Empty, "empty"),
            (IdError::WrongLength { found: 3 }, "wrong_length"),
            (
                IdError::InvalidCharacter { position: 2 },
                "invalid_character",
            ),
            (IdError::BadFacility, "bad_facility"),
            (IdError::BadYear, "bad_year"),
            (IdError::BadSequence, "bad_sequence"),
            (
                IdError::WrongCheck {
                    expected: 'H',
                    found: 'G',
                },
                "wrong_check",
            ),
            (
                IdError::WrongFlag {
                    expected: "77".into(),
                    found: "76".into(),
                },
                "wrong_flag",
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code);
        }
        let wrong_check = IdError::WrongCheck {
            expected: 'H',
            found: 'G',
        };
        assert_eq!(wrong_check.to_string(), "check character is G, expected H");
    }

    #[test]
    fn new_keeps_the_last_two_digits_of_the_year_and_bounds_the_sequence() {
        let cases = [
            (2000, 1, Ok((0, "G123400000001"))),
            (2026, 999_999, Ok((26, "G123426999999"))),
            (1999, 42, Ok((99, "G123499000042"))),
            (98, 1, Err(IdError::BadYear)),
            (-2026, 1, Err(IdError::BadYear)),
            (10_000, 1, Err(IdError::BadYear)),
            (2026, 0, Err(IdError::BadSequence)),
            (2026, 1_000_000, Err(IdError::BadSequence)),
        ];
        for (year, sequence, expected) in cases {
            let made = DonationId::new(facility("G1234"), year, sequence);
            match expected {
                Ok((two_digits, printed_prefix)) => {
                    let id = made.expect("valid");
                    assert_eq!(id.year_two_digits(), two_digits, "{year}");
                    assert!(id.printed().starts_with(printed_prefix), "{year}");
                }
                Err(error) => assert_eq!(made, Err(error), "{year} {sequence}"),
            }
        }
    }

    #[test]
    fn facility_codes() {
        assert_eq!(facility(" g12ab ").as_str(), "G12AB");
        for (raw, code) in [
            ("", IssueCode::Required),
            ("   ", IssueCode::Required),
            ("12345", IssueCode::InvalidFormat),
            ("G123", IssueCode::InvalidFormat),
            ("G12345", IssueCode::InvalidFormat),
            ("G12-4", IssueCode::InvalidFormat),
            ("G12é4", IssueCode::InvalidFormat),
        ] {
            assert_eq!(
                FacilityCode::parse("facility", raw),
                Err(Issue::new("facility", code)),
                "{raw:?}"
            );
        }
    }

    fn any_facility() -> impl Strategy<Value = FacilityCode> {
        "[A-Z][A-Z0-9]{4}".prop_map(|code| facility(&code))
    }

    fn any_id() -> impl Strategy<Value = DonationId> {
        (any_facility(), 1000..=9999i32, 1..=MAX_SEQUENCE).prop_map(|(f, year, sequence)| {
            DonationId::new(f, year, sequence).expect("valid parts")
        })
    }

    fn all_characters() -> impl Iterator<Item = char> {
        CHARACTER_SET.iter().map(|&c| char::from(c))
    }

    proptest! {
        #[test]
        fn a_parsed_id_prints_back_the_same(id in any_id()) {
            prop_assert_eq!(DonationId::parse(&id.printed()), Ok(id.clone()));
            prop_assert_eq!(DonationId::parse(&id.barcode_data()), Ok(id.clone()));
            prop_assert_eq!(DonationId::parse(&format!(" {}\n", id.printed().to_lowercase())), Ok(id.clone()));
            prop_assert!(weighted_sum_is_one(&id.printed()));
            prop_assert_eq!(id.flag().parse::<u8>().ok(), Some(FLAG_BASE + id.check_value()));
        }

        /// Every single-character substitution of a body, by any of the 37
        /// characters, changes its check character.
        #[test]
        fn every_substitution_in_a_body_changes_the_check(body in "[A-Z0-9]{13}") {
            let check = mod37_2_check_value(&body).expect("in the set");
            let chars: Vec<char> = body.chars().collect();
            for position in 0..chars.len() {
                for substitute in all_characters().filter(|&c| c != chars[position]) {
                    let mut changed = chars.clone();
                    changed[position] = substitute;
                    let changed: String = changed.into_iter().collect();
                    prop_assert_ne!(mod37_2_check_value(&changed), Some(check), "{}", changed);
                }
            }
        }

        /// Every swap of two adjacent, different characters of a body
        /// changes its check character.
        #[test]
        fn every_adjacent_swap_in_a_body_changes_the_check(body in "[A-Z0-9]{13}") {
            let check = mod37_2_check_value(&body).expect("in the set");
            let chars: Vec<char> = body.chars().collect();
            for position in 0..chars.len() - 1 {
                if chars[position] != chars[position + 1] {
                    let mut swapped = chars.clone();
                    swapped.swap(position, position + 1);
                    let swapped: String = swapped.into_iter().collect();
                    prop_assert_ne!(mod37_2_check_value(&swapped), Some(check), "{}", swapped);
                }
            }
        }

        /// End to end: of a valid printed identifier, every substitution at
        /// any of the 14 positions (the check character's included) and
        /// every adjacent swap (the last body character with the check
        /// included) is refused.
        #[test]
        fn every_single_error_in_a_printed_id_is_refused(id in any_id()) {
            let chars: Vec<char> = id.printed().chars().collect();
            for position in 0..chars.len() {
                for substitute in all_characters().filter(|&c| c != chars[position]) {
                    let mut changed = chars.clone();
                    changed[position] = substitute;
                    let changed: String = changed.into_iter().collect();
                    prop_assert!(DonationId::parse(&changed).is_err(), "{}", changed);
                }
            }
            for substitute in all_characters().filter(|&c| c != id.check_character()) {
                let changed = format!("{}{substitute}", id.body());
                prop_assert_eq!(
                    DonationId::parse(&changed),
                    Err(IdError::WrongCheck { expected: id.check_character(), found: substitute })
                );
            }
            for position in 0..chars.len() - 1 {
                if chars[position] != chars[position + 1] {
                    let mut swapped = chars.clone();
                    swapped.swap(position, position + 1);
                    let swapped: String = swapped.into_iter().collect();
                    prop_assert!(DonationId::parse(&swapped).is_err(), "{}", swapped);
                }
            }
        }
    }
}
