//! Printable documents in the reader's language: the record of a signed
//! consent (kept with it) and a session's preparation sheet.

use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::{tr, tr_args};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cellpath_app::ConsentRow;
use cellpath_app::plans::Preparation;
use cellpath_documents::{Block, Cell, Direction, Document, Section, render_pdf};
use cellpath_domain::preparation::Completion;
use cellpath_domain::{Locale, SessionId};

/// Which way a document's lines run in the reader's language.
pub(crate) fn direction(locale: Locale) -> Direction {
    if locale == Locale::Ar {
        Direction::Rtl
    } else {
        Direction::Ltr
    }
}

/// The printable record of a signed consent: the exact text shown, then
/// who signed, when, how, with whom, and the text's fingerprint.
/// `None` when it cannot be rendered (the failure is logged, without content).
pub fn consent_pdf(row: &ConsentRow) -> Option<Vec<u8>> {
    let locale = Locale::parse(&row.locale).unwrap_or_default();
    let mut paragraphs = row.text_shown.split("\n\n");
    let title = paragraphs.next().unwrap_or_default().to_string();
    let body: Vec<Block> = paragraphs
        .map(|p| Block::Paragraph(p.to_string()))
        .collect();
    let t = |key: &str| tr(locale, key);
    let mut facts = vec![
        (
            t("pdf-consent-signed-by"),
            Cell::Text(row.typed_name.clone()),
        ),
        (
            t("pdf-consent-signed-at"),
            Cell::Text(locale.date_time(row.signed_at)),
        ),
        (
            t("pdf-consent-signed-via"),
            Cell::Text(t(&format!(
                "pdf-consent-via-{}",
                row.signed_via.replace('_', "-")
            ))),
        ),
        (
            t("pdf-consent-recorded-by"),
            Cell::Ltr(row.signed_by.clone()),
        ),
        (
            t("pdf-consent-text-version"),
            Cell::Ltr(row.template_version.to_string()),
        ),
        (
            t("pdf-consent-fingerprint"),
            Cell::Ltr(row.text_hash.clone()),
        ),
    ];
    if let Some(witness) = &row.witness_name {
        facts.push((t("pdf-consent-witness"), Cell::Text(witness.clone())));
    }
    if let Some(interpreter) = &row.interpreter_name {
        let language = row.interpreter_language.clone().unwrap_or_default();
        facts.push((
            t("pdf-consent-interpreter"),
            Cell::Text(format!("{interpreter} ({language})")),
        ));
    }
    let doc = Document {
        lang: locale.code().to_string(),
        direction: direction(locale),
        title,
        subtitle: None,
        sections: vec![
            Section {
                heading: t("pdf-consent-text"),
                blocks: body,
            },
            Section {
                heading: t("pdf-consent-signature"),
                blocks: vec![
                    Block::KeyValues(facts),
                    Block::Signature {
                        label: t("pdf-consent-signature"),
                        name: row.typed_name.clone(),
                        signed_at: locale.date_time(row.signed_at),
                    },
                ],
            },
        ],
        footer: Some(t("pdf-footer")),
    };
    match render_pdf(&doc) {
        Ok(pdf) => Some(pdf),
        Err(e) => {
            tracing::error!(code = e.code(), "consent PDF not rendered");
            None
        }
    }
}

/// A session's preparation sheet in `locale`.
pub fn preparation_pdf(
    prep: &Preparation,
    patient_name: &str,
    locale: Locale,
) -> Result<Vec<u8>, cellpath_documents::DocumentError> {
    let t = |key: &str| tr(locale, key);
    let tasks = prep
        .tasks
        .iter()
        .map(|task| {
            let names = task.names.join(", ");
            let mut text = tr_args(
                locale,
                &format!("task-{}", task.code.code().replace('_', "-")),
                &[("names", names)],
            );
            if let Some(last) = task.last_day {
                text.push_str(&format!(
                    " ({} {})",
                    t("pdf-prep-last-day"),
                    locale.date(last)
                ));
            }
            let done = prep.states.iter().any(|s| s.code == task.code && s.done);
            let due = if task.completion == Completion::Auto {
                t("pdf-prep-clinic")
            } else {
                locale.date_time(task.due)
            };
            (due, text, done)
        })
        .collect();
    let doc = Document {
        lang: locale.code().to_string(),
        direction: direction(locale),
        title: t("pdf-prep-title"),
        subtitle: Some(patient_name.to_string()),
        sections: vec![
            Section {
                heading: t("pdf-prep-session"),
                blocks: vec![Block::KeyValues(vec![
                    (
                        t("pdf-prep-starts-at"),
                        Cell::Text(locale.date_time(prep.session.starts_at)),
                    ),
                    (
                        t("pdf-prep-session-number"),
                        Cell::Ltr(prep.session.number.to_string()),
                    ),
                ])],
            },
            Section {
                heading: t("pdf-prep-tasks"),
                blocks: vec![Block::Checklist(tasks)],
            },
        ],
        footer: Some(t("pdf-footer")),
    };
    render_pdf(&doc)
}

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /sessions/{id}/preparation.pdf` (staff) and `/portal/sessions/{id}/preparation.pdf` (the patient).
async fn preparation_sheet(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let id: SessionId = id.parse().map_err(|_| PageError::NotFound(locale))?;
    let prep = state
        .app
        .preparation(actor, id)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let name = match actor.patient_id {
        Some(_) => actor.display_name.clone(),
        None => state
            .app
            .patient_chart(actor, prep.session.patient_id)
            .await
            .map_err(|e| PageError::from_app(locale, e))?
            .patient
            .full_name(),
    };
    let pdf = preparation_pdf(&prep, &name, locale).map_err(|e| {
        tracing::error!(code = e.code(), "preparation sheet not rendered");
        PageError::Internal(locale)
    })?;
    Ok(pdf_response(pdf, "preparation.pdf"))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/preparation.pdf", get(preparation_sheet))
        .route(
            "/portal/sessions/{id}/preparation.pdf",
            get(preparation_sheet),
        )
}
