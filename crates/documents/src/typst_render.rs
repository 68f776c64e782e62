//! The typst back end: turns a [`Document`] into typst string values (so
//! user text is data, never markup), lays it out with `document.typ` and the
//! embedded fonts, and exports the PDF. Any typst warning is an error.

use std::sync::OnceLock;

use typst::diag::SourceDiagnostic;
use typst::foundations::{Array, Dict, IntoValue, Value};
use typst::layout::{Frame, FrameItem};
use typst_as_lib::{TypstAsLibError, TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

use crate::{Block, Cell, Direction, Document, DocumentError};

const TEMPLATE: &str = include_str!("document.typ");

const FONTS: [&[u8]; 4] = [
    include_bytes!("../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../fonts/NotoSans-Bold.ttf"),
    include_bytes!("../fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../fonts/NotoNaskhArabic-Bold.ttf"),
];

/// Parsing the fonts and the template once per process, not per document.
fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder()
            .main_file(TEMPLATE)
            .fonts(FONTS)
            .build()
    })
}

pub(crate) fn render_pdf(doc: &Document) -> Result<Vec<u8>, DocumentError> {
    let paged = compile(engine(), inputs(doc))?;
    let missing = missing_glyphs(&paged);
    if !missing.is_empty() {
        return Err(DocumentError::MissingGlyphs(missing));
    }
    typst_pdf::pdf(&paged, &typst_pdf::PdfOptions::default())
        .map_err(|diagnostics| DocumentError::Export(messages(&diagnostics)))
}

/// Lays out the template; a warning (typst's only report of, say, a font
/// family it cannot find) fails the document like an error does.
fn compile(
    engine: &TypstEngine<TypstTemplateMainFile>,
    inputs: Dict,
) -> Result<PagedDocument, DocumentError> {
    let compiled = engine.compile_with_input(inputs);
    if !compiled.warnings.is_empty() {
        return Err(DocumentError::Warnings(messages(&compiled.warnings)));
    }
    compiled.output.map_err(|err| match err {
        TypstAsLibError::TypstSource(diagnostics) => DocumentError::Layout(messages(&diagnostics)),
        other => DocumentError::Layout(vec![other.to_string()]),
    })
}

/// Characters that no bundled font has: typst prints them as empty boxes
/// (glyph 0) without any diagnostic, so they are looked for in the layout.
fn missing_glyphs(paged: &PagedDocument) -> Vec<String> {
    fn walk(frame: &Frame, missing: &mut Vec<String>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(group) => walk(&group.frame, missing),
                FrameItem::Text(text) => {
                    for glyph in text.glyphs.iter().filter(|glyph| glyph.id == 0) {
                        let chars = text.text.get(glyph.range()).unwrap_or_default();
                        if !chars.trim().is_empty() && !missing.iter().any(|seen| seen == chars) {
                            missing.push(chars.to_owned());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut missing = Vec::new();
    for page in paged.pages() {
        walk(&page.frame, &mut missing);
    }
    missing
}

fn messages(diagnostics: &[SourceDiagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let mut message = diagnostic.message.to_string();
            for hint in &diagnostic.hints {
                message.push_str(" (hint: ");
                message.push_str(hint.v.as_str());
                message.push(')');
            }
            message
        })
        .collect()
}

/// `sys.inputs` for `document.typ`; every piece of text is a typst string.
fn inputs(doc: &Document) -> Dict {
    let direction = match doc.direction {
        Direction::Ltr => "ltr",
        Direction::Rtl => "rtl",
    };
    let sections: Array = doc
        .sections
        .iter()
        .map(|section| {
            let blocks: Array = section.blocks.iter().map(block).collect();
            dict([
                ("heading", text(&section.heading)),
                ("blocks", Value::Array(blocks)),
            ])
        })
        .collect();
    let mut inputs = Dict::new();
    for (key, value) in [
        ("lang", text(&doc.lang)),
        ("dir", text(direction)),
        ("title", text(&doc.title)),
        ("subtitle", optional_text(doc.subtitle.as_deref())),
        ("footer", optional_text(doc.footer.as_deref())),
        ("sections", Value::Array(sections)),
    ] {
        inputs.insert(key.into(), value);
    }
    inputs
}

fn block(block: &Block) -> Value {
    match block {
        Block::Paragraph(paragraph) => {
            dict([("kind", text("paragraph")), ("text", text(paragraph))])
        }
        Block::Table { header, rows } => {
            let header: Array = header.iter().map(|title| text(title)).collect();
            let rows: Array = rows
                .iter()
                .map(|row| {
                    // Short rows are padded so columns stay aligned.
                    let padding = header.len().saturating_sub(row.len());
                    let cells: Array = row
                        .iter()
                        .map(cell)
                        .chain(std::iter::repeat_n(
                            cell(&Cell::Text(String::new())),
                            padding,
                        ))
                        .collect();
                    Value::Array(cells)
                })
                .collect();
            dict([
                ("kind", text("table")),
                ("header", Value::Array(header)),
                ("rows", Value::Array(rows)),
            ])
        }
        Block::Checklist(items) => {
            let items: Array = items
                .iter()
                .map(|(due, task, done)| {
                    dict([
                        ("due", text(due)),
                        ("task", text(task)),
                        ("done", done.into_value()),
                    ])
                })
                .collect();
            dict([("kind", text("checklist")), ("items", Value::Array(items))])
        }
        Block::KeyValues(pairs) => {
            let pairs: Array = pairs
                .iter()
                .map(|(label, value)| dict([("label", text(label)), ("value", cell(value))]))
                .collect();
            dict([("kind", text("key_values")), ("pairs", Value::Array(pairs))])
        }
        Block::Signature {
            label,
            name,
            signed_at,
        } => dict([
            ("kind", text("signature")),
            ("label", text(label)),
            ("name", text(name)),
            ("signed_at", text(signed_at)),
        ]),
    }
}

fn cell(cell: &Cell) -> Value {
    let (ltr, content) = match cell {
        Cell::Text(content) => (false, content),
        Cell::Ltr(content) => (true, content),
    };
    dict([("ltr", ltr.into_value()), ("text", text(content))])
}

fn text(content: &str) -> Value {
    Value::Str(content.into())
}

fn optional_text(content: Option<&str>) -> Value {
    content.map_or(Value::None, text)
}

fn dict<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut dict = Dict::new();
    for (key, value) in entries {
        dict.insert(key.into(), value);
    }
    Value::Dict(dict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typst_warning_fails_the_document() {
        let engine = TypstEngine::builder()
            .main_file("#set text(font: \"No Such Font\")\nHello")
            .fonts(FONTS)
            .build();
        match compile(&engine, Dict::new()) {
            Err(DocumentError::Warnings(warnings)) => {
                assert!(
                    warnings.iter().any(|w| w.contains("unknown font family")),
                    "{warnings:?}"
                );
            }
            other => panic!("expected warnings, got {:?}", other.map(|_| "a document")),
        }
    }

    #[test]
    fn the_template_uses_only_bundled_fonts() {
        let families: Vec<String> = FONTS
            .iter()
            .flat_map(|data| typst::text::Font::iter(typst::foundations::Bytes::new(*data)))
            .map(|font| font.info().family.clone())
            .collect();
        for family in ["Noto Sans", "Noto Naskh Arabic"] {
            assert!(TEMPLATE.contains(family));
            assert_eq!(
                families.iter().filter(|f| *f == family).count(),
                2,
                "{families:?}"
            );
        }
    }
}
