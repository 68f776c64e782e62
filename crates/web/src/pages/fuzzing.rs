//! Entry points for the fuzz targets in `fuzz/`, not an API: a page form's
//! body decoded exactly as the `PageForm` extractor decodes a request, then
//! the drafts the pages build from it and the pure validation each meets
//! before the use case touches the database.

use super::PageForm;
use crate::error::PageError;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, Method, header};
use cellpath_domain::consent::SignedVia;
use cellpath_domain::donation::DonationId;
use cellpath_domain::intake::{IntakeItem, IntakeKind};
use cellpath_domain::protocol::Protocol;
use cellpath_domain::questionnaire::{definitions, read_answers, score};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// What a page does with a posted body: its fields, or the 400 page (in the
/// language the headers ask for) it answers when the body cannot be read.
pub fn decode_page_form(
    content_type: &[u8],
    cookie: &[u8],
    accept_language: &[u8],
    body: &[u8],
) -> Result<HashMap<String, String>, PageError> {
    let mut request = Request::new(Body::from(body.to_vec()));
    *request.method_mut() = Method::POST;
    let headers = request.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::COOKIE, cookie),
        (header::ACCEPT_LANGUAGE, accept_language),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    // The body is in memory, so the extractor finishes without waiting.
    let mut future = pin!(PageForm::from_request(request, &()));
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(result) = future.as_mut().poll(&mut context) {
            return result.map(|form| form.0);
        }
    }
}

/// Every draft the pages build from a form's fields, through the domain's
/// validation (the part of each use case that needs no database).
pub fn validate_page_forms(fields: HashMap<String, String>, today: NaiveDate, now: DateTime<Utc>) {
    let form = PageForm(fields);
    let _ = super::patients::patient_draft(&form).validate(today);
    for kind in IntakeKind::ALL {
        let _ = IntakeItem::validate(kind, &super::patients::intake_draft(kind, &form), today);
    }
    let protocol = Protocol::default();
    if let Ok(plan) = super::plans::plan_draft(&form).validate(&protocol) {
        let _ = plan.contradictions(&protocol);
    }
    for via in [SignedVia::Portal, SignedVia::StaffDevice] {
        let _ = super::consent::signature_draft(&form).validate(via);
    }
    let _ = super::diary::draft_of(&form).validate();
    let _ = super::resources::draft_of(&form);
    let _ = DonationId::parse(&form.get("scan"));
    let _ = super::adverse::event_draft(&form).validate(now);
    let _ = Protocol::from_fields(form.0.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let answers: Vec<(String, String)> = form
        .0
        .iter()
        .filter_map(|(name, value)| {
            name.strip_prefix("answers.")
                .map(|item| (item.to_string(), value.clone()))
        })
        .collect();
    for definition in definitions() {
        if let Ok(read) = read_answers(&definition, &answers) {
            let _ = score(&definition, &read);
        }
    }
}
