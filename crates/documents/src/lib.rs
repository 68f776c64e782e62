//! Printable documents (A4 PDF) in English or Arabic, built from text that is
//! already translated: the caller decides every word, this crate only lays
//! it out, shapes Arabic, runs right-to-left pages right to left and keeps
//! numbers, doses and identifiers left to right inside them.
//!
//! It knows nothing of the clinic's domain, HTTP or SQL. Layout is done by
//! typst (behind the default feature `pdf`, because it costs several
//! CPU-minutes of cold build); the fonts (Noto Sans, Noto Naskh Arabic, OFL)
//! are compiled into the binary, so output does not depend on the host.

pub mod label;
#[cfg(feature = "pdf")]
mod typst_render;

pub use label::{Label, render_label_pdf, render_label_png, render_label_svg};

/// Which way the page's lines run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ltr,
    Rtl,
}

/// A whole document: a title, optional subtitle, sections, and a footer
/// printed on every page next to the page number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// ISO 639 language code of the text ("en", "ar"): picks the font order
    /// and typst's language rules.
    pub lang: String,
    pub direction: Direction,
    pub title: String,
    pub subtitle: Option<String>,
    pub sections: Vec<Section>,
    pub footer: Option<String>,
}

/// A headed part of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// One piece of content inside a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    /// A table with a header row; every row should have as many cells as
    /// the header (missing cells print empty, extra ones are refused).
    Table {
        header: Vec<String>,
        rows: Vec<Vec<Cell>>,
    },
    /// Tasks as (due, task, done), with a tick box each.
    Checklist(Vec<(String, String, bool)>),
    /// Label and value pairs, the label in bold.
    KeyValues(Vec<(String, Cell)>),
    /// A line to sign on, with who signs and when.
    Signature {
        label: String,
        name: String,
        signed_at: String,
    },
}

/// A value in a table or key-value list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// Numbers, doses, identifiers: always left to right, even inside
    /// Arabic ("400 mg" must never print as "mg 400").
    Ltr(String),
}

/// Why a document could not be rendered. Each variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("PDF support was not built (crate feature `pdf` of cellpath-documents is off)")]
    NotBuilt,
    #[error("invalid language code {0:?} (expected an ISO 639 code such as \"en\" or \"ar\")")]
    InvalidLanguage(String),
    #[error("table row {row} of section {section} has {found} cells, the header has {expected}")]
    RowTooLong {
        section: usize,
        row: usize,
        expected: usize,
        found: usize,
    },
    #[error("layout failed: {}", .0.join("; "))]
    Layout(Vec<String>),
    /// typst reports a missing font or glyph only as a warning; any warning
    /// means the page may not say what the caller asked for.
    #[error("layout produced warnings: {}", .0.join("; "))]
    Warnings(Vec<String>),
    /// Characters that none of the bundled fonts can print (they would come
    /// out as empty boxes).
    #[error("no bundled font has these characters: {}", .0.join(" "))]
    MissingGlyphs(Vec<String>),
    #[error("PDF export failed: {}", .0.join("; "))]
    Export(Vec<String>),
    /// Barcode data must be printable ASCII (U+0020..U+007E), which every
    /// scanner reports the same way.
    #[error("barcode data is empty")]
    EmptyBarcodeData,
    #[error("barcode data {0:?} has characters other than printable ASCII")]
    BarcodeDataNotAscii(String),
    #[error("label size {width_mm} x {height_mm} mm is outside 40 x 20 mm to 150 x 150 mm")]
    LabelSize { width_mm: u32, height_mm: u32 },
    #[error("label text {0:?} has a control character")]
    LabelTextControlCharacter(String),
    /// Printed smaller than the legible minimum (text, or barcode modules a
    /// scanner can resolve), so refused rather than shrunk further.
    #[error("{what} does not fit legibly on a {width_mm} x {height_mm} mm label")]
    LabelDoesNotFit {
        what: String,
        width_mm: u32,
        height_mm: u32,
    },
    #[error("raster resolution {0} dots per mm is outside 2 to 48")]
    LabelResolution(String),
}

impl DocumentError {
    pub fn code(&self) -> &'static str {
        match self {
            DocumentError::NotBuilt => "documents.not_built",
            DocumentError::InvalidLanguage(_) => "documents.invalid_language",
            DocumentError::RowTooLong { .. } => "documents.row_too_long",
            DocumentError::Layout(_) => "documents.layout",
            DocumentError::Warnings(_) => "documents.warnings",
            DocumentError::MissingGlyphs(_) => "documents.missing_glyphs",
            DocumentError::Export(_) => "documents.export",
            DocumentError::EmptyBarcodeData => "documents.empty_barcode_data",
            DocumentError::BarcodeDataNotAscii(_) => "documents.barcode_data_not_ascii",
            DocumentError::LabelSize { .. } => "documents.label_size",
            DocumentError::LabelTextControlCharacter(_) => "documents.label_text_control_character",
            DocumentError::LabelDoesNotFit { .. } => "documents.label_does_not_fit",
            DocumentError::LabelResolution(_) => "documents.label_resolution",
        }
    }
}

/// Renders `doc` as an A4 PDF with margins and "page / pages" numbers.
///
/// All text is printed literally: markup characters in it (`#`, `*`, `$`,
/// `[`...) are never interpreted.
pub fn render_pdf(doc: &Document) -> Result<Vec<u8>, DocumentError> {
    validate(doc)?;
    #[cfg(feature = "pdf")]
    {
        typst_render::render_pdf(doc)
    }
    #[cfg(not(feature = "pdf"))]
    {
        Err(DocumentError::NotBuilt)
    }
}

fn validate(doc: &Document) -> Result<(), DocumentError> {
    let lang_ok =
        (2..=3).contains(&doc.lang.len()) && doc.lang.bytes().all(|byte| byte.is_ascii_lowercase());
    if !lang_ok {
        return Err(DocumentError::InvalidLanguage(doc.lang.clone()));
    }
    for (section_idx, section) in doc.sections.iter().enumerate() {
        for block in &section.blocks {
            if let Block::Table { header, rows } = block {
                for (row_idx, row) in rows.iter().enumerate() {
                    if row.len() > header.len() {
                        return Err(DocumentError::RowTooLong {
                            section: section_idx,
                            row: row_idx,
                            expected: header.len(),
                            found: row.len(),
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lang: &str) -> Document {
        Document {
            lang: lang.to_owned(),
            direction: Direction::Ltr,
            title: "t".to_owned(),
            subtitle: None,
            sections: vec![],
            footer: None,
        }
    }

    #[test]
    fn language_codes_are_checked_before_layout() {
        for bad in ["", "e", "EN", "en-GB", "ar\"", "abcd"] {
            assert_eq!(
                render_pdf(&doc(bad)),
                Err(DocumentError::InvalidLanguage(bad.to_owned()))
            );
        }
    }

    #[test]
    fn rows_longer_than_the_header_are_refused() {
        let mut document = doc("en");
        document.sections.push(Section {
            heading: "h".to_owned(),
            blocks: vec![Block::Table {
                header: vec!["a".to_owned()],
                rows: vec![vec![Cell::Text("1".to_owned()), Cell::Text("2".to_owned())]],
            }],
        });
        let err = render_pdf(&document).expect_err("refused");
        assert_eq!(err.code(), "documents.row_too_long");
    }

    #[cfg(not(feature = "pdf"))]
    #[test]
    fn without_the_feature_rendering_says_so() {
        let err = render_pdf(&doc("en")).expect_err("not built");
        assert_eq!(err, DocumentError::NotBuilt);
        assert!(err.to_string().contains("PDF support was not built"));
    }
}
