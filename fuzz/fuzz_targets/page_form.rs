//! Form decoding: a posted page form read exactly as the pages read it
//! (axum's urlencoded `Form` behind `PageForm`, with the cookie and
//! Accept-Language that pick the error page's language), then every draft
//! the pages build from the fields through the domain's validation.
//!
//! Input: content type, cookie and Accept-Language, each ended by a
//! newline, then the body. Without three newlines all of it is the body.
#![no_main]

use cellpath_web::pages::fuzzing::{decode_page_form, validate_page_forms};
use chrono::{DateTime, NaiveDate};
use libfuzzer_sys::fuzz_target;

const URLENCODED: &[u8] = b"application/x-www-form-urlencoded";

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == b'\n');
    let (content_type, cookie, language, body) =
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(c), Some(k), Some(l), Some(b)) => (c, k, l, b),
            _ => (URLENCODED, &b""[..], &b""[..], data),
        };
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
    let now = DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    if let Ok(fields) = decode_page_form(content_type, cookie, language, body) {
        validate_page_forms(fields, today, now);
    }
    // The same body as the browser sends it, whatever the headers said.
    if let Ok(fields) = decode_page_form(URLENCODED, b"", b"", body) {
        validate_page_forms(fields, today, now);
    }
});
