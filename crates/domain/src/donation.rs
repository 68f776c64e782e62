//! Donation identifiers of specimens and products (the ISBT 128 donation identification number's structure) and their ISO/IEC 7064 MOD 37-2 check character.
