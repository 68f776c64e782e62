//! Renders real documents and checks them with poppler (`pdftoppm`,
//! `pdftotext`, Debian package poppler-utils): the PDF opens, rasterises to a
//! page with something on it, and its text layer says what was asked, in
//! order. The PNGs land in `<target>/documents/` for a person to look at.
#![cfg(feature = "pdf")]

use std::path::PathBuf;
use std::process::Command;

use cellpath_documents::{Block, Cell, Direction, Document, DocumentError, Section, render_pdf};

fn output_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("documents");
    std::fs::create_dir_all(&dir).expect("create <target>/documents");
    dir
}

/// Writes `name.pdf`, converts its first page to `name.png` at 60 dpi,
/// checks the PNG is a real picture and returns the PDF's text layer.
fn write_rasterise_and_read(name: &str, pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF"), "{name} does not start with %PDF");
    let dir = output_dir();
    let pdf_path = dir.join(format!("{name}.pdf"));
    std::fs::write(&pdf_path, pdf).expect("write PDF");
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-singlefile"])
        .arg(&pdf_path)
        .arg(dir.join(name))
        .status()
        .expect("run pdftoppm (apt-get install poppler-utils)");
    assert!(status.success(), "pdftoppm failed on {name}");
    let png_path = dir.join(format!("{name}.png"));
    let size = std::fs::metadata(&png_path).expect("PNG written").len();
    assert!(size > 5 * 1024, "{name}.png is only {size} bytes");

    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&pdf_path)
        .arg("-")
        .output()
        .expect("run pdftotext (apt-get install poppler-utils)");
    assert!(output.status.success(), "pdftotext failed on {name}");
    String::from_utf8(output.stdout).expect("pdftotext prints UTF-8")
}

/// Arabic presentation forms (U+FB50..U+FEFF) back to base letters, for the
/// few a text extractor may emit; bidi controls dropped; whitespace
/// collapsed.
fn normalise(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|ch| match ch {
            '\u{FE8D}' | '\u{FE8E}' => 'ا',
            '\u{FE89}'..='\u{FE8C}' => 'ئ',
            '\u{FED5}'..='\u{FED8}' => 'ق',
            '\u{FEE1}'..='\u{FEE4}' => 'م',
            '\u{FE93}' | '\u{FE94}' => 'ة',
            '\u{FEDD}'..='\u{FEE0}' => 'ل',
            '\u{FE95}'..='\u{FE98}' => 'ت',
            '\u{FEA1}'..='\u{FEA4}' => 'ح',
            '\u{FEBD}'..='\u{FEC0}' => 'ض',
            '\u{FEF1}'..='\u{FEF4}' => 'ي',
            '\u{FEAD}' | '\u{FEAE}' => 'ر',
            other => other,
        })
        // pdftotext wraps right-to-left runs in embedding controls.
        .filter(|ch| !matches!(ch, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn preparation_sheet_en() -> Document {
    Document {
        lang: "en".into(),
        direction: Direction::Ltr,
        title: "Preparation checklist".into(),
        subtitle: Some("Amal Haddad · MRN CP-000123-K · Session 1 of 4".into()),
        sections: vec![
            Section {
                heading: "Medications".into(),
                blocks: vec![
                    Block::Paragraph(
                        "Take the medicines below on the days shown. Bring this sheet to the clinic."
                            .into(),
                    ),
                    Block::Table {
                        header: vec!["Medicine".into(), "Dose".into(), "When".into()],
                        rows: vec![
                            vec![
                                Cell::Text("Aciclovir".into()),
                                Cell::Ltr("400 mg".into()),
                                Cell::Text("Twice a day from day -3".into()),
                            ],
                            vec![
                                Cell::Text("Ondansetron".into()),
                                Cell::Ltr("8 mg".into()),
                                Cell::Text("Before the session".into()),
                            ],
                        ],
                    },
                ],
            },
            Section {
                heading: "Before your session".into(),
                blocks: vec![
                    Block::Checklist(vec![
                        ("Day -7".into(), "Blood tests at the clinic".into(), true),
                        ("Day -3".into(), "Start aciclovir".into(), false),
                        ("Day 0".into(), "No food after midnight".into(), false),
                    ]),
                    Block::KeyValues(vec![
                        ("Product".into(), Cell::Ltr("DON-2025-0042-7".into())),
                        ("Contact".into(), Cell::Text("Nurse coordinator, ward 3".into())),
                    ]),
                ],
            },
            Section {
                heading: "Confirmation".into(),
                blocks: vec![Block::Signature {
                    label: "Patient signature".into(),
                    name: "Amal Haddad".into(),
                    signed_at: "2025-11-25 14:30".into(),
                }],
            },
        ],
        footer: Some("Cellpath · printed 2025-11-25".into()),
    }
}

fn preparation_sheet_ar() -> Document {
    Document {
        lang: "ar".into(),
        direction: Direction::Rtl,
        title: "قائمة التحضير".into(),
        subtitle: Some("أمل حداد · الجلسة ١ من ٤".into()),
        sections: vec![
            Section {
                heading: "الأدوية".into(),
                blocks: vec![
                    Block::Paragraph(
                        "تناول الأدوية التالية في الأيام المحددة، وأحضر هذه الورقة إلى العيادة."
                            .into(),
                    ),
                    Block::Table {
                        header: vec!["الدواء".into(), "الجرعة".into(), "الموعد".into()],
                        rows: vec![
                            vec![
                                Cell::Text("أسيكلوفير".into()),
                                Cell::Ltr("400 mg".into()),
                                Cell::Text("مرتين يومياً".into()),
                            ],
                            vec![
                                Cell::Text("أوندانسيترون".into()),
                                Cell::Ltr("8 mg".into()),
                                Cell::Text("قبل الجلسة".into()),
                            ],
                        ],
                    },
                ],
            },
            Section {
                heading: "قبل الجلسة".into(),
                blocks: vec![
                    Block::Checklist(vec![
                        ("اليوم -٧".into(), "فحوصات الدم في العيادة".into(), true),
                        ("اليوم -٣".into(), "ابدأ أسيكلوفير".into(), false),
                        ("يوم الجلسة".into(), "لا طعام بعد منتصف الليل".into(), false),
                    ]),
                    Block::KeyValues(vec![
                        ("رقم المنتج".into(), Cell::Ltr("DON-2025-0042-7".into())),
                        ("الجرعة اليومية".into(), Cell::Ltr("400 mg".into())),
                    ]),
                ],
            },
            Section {
                heading: "التأكيد".into(),
                blocks: vec![Block::Signature {
                    label: "توقيع المريض".into(),
                    name: "أمل حداد".into(),
                    signed_at: "2025-11-25 14:30".into(),
                }],
            },
        ],
        footer: Some("سيلباث".into()),
    }
}

const MARKUP: &str = r#"# * _ $ [ ] \ < > @ ` ~ = - + / : ' " #panic("x") $x^2$ <label> @ref *bold* _em_ `raw` // not a comment /* nor this */ \u{41} #{1+1}"#;

fn markup_document() -> Document {
    Document {
        lang: "en".into(),
        direction: Direction::Ltr,
        title: "#title *with* $markup$".into(),
        subtitle: Some("[subtitle] <sub> @sub".into()),
        sections: vec![Section {
            heading: "= heading \\ #h".into(),
            blocks: vec![
                Block::Paragraph(MARKUP.into()),
                Block::Table {
                    header: vec!["#a".into(), "*b*".into()],
                    rows: vec![vec![Cell::Text("$c$".into()), Cell::Ltr("[d]".into())]],
                },
                Block::Checklist(vec![("`e`".into(), "<f>".into(), true)]),
                Block::KeyValues(vec![("@g".into(), Cell::Text("\\h".into()))]),
                Block::Signature {
                    label: "_i_".into(),
                    name: "#j".into(),
                    signed_at: "~k".into(),
                },
            ],
        }],
        footer: Some("#footer".into()),
    }
}

#[test]
fn english_preparation_sheet_renders() {
    let pdf = render_pdf(&preparation_sheet_en()).expect("English sheet renders");
    let text = normalise(&write_rasterise_and_read("preparation-en", &pdf));
    for expected in ["Preparation checklist", "400 mg", "Aciclovir", "1/1"] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from {text:?}"
        );
    }
}

#[test]
fn arabic_preparation_sheet_renders_right_to_left() {
    let pdf = render_pdf(&preparation_sheet_ar()).expect("Arabic sheet renders");
    let text = normalise(&write_rasterise_and_read("preparation-ar", &pdf));
    assert!(
        text.contains("400 mg"),
        "dose reordered or missing: {text:?}"
    );
    assert!(!text.contains("mg 400"), "dose reordered: {text:?}");
    assert!(text.contains("DON-2025-0042-7"), "identifier: {text:?}");
    for word in ["قائمة", "التحضير"] {
        assert!(text.contains(word), "{word:?} missing from {text:?}");
    }
}

#[test]
fn markup_characters_print_literally() {
    let pdf = render_pdf(&markup_document()).expect("markup text renders");
    // Lines may break anywhere, e.g. after "/": compare without whitespace.
    let text: String = write_rasterise_and_read("markup", &pdf)
        .split_whitespace()
        .collect();
    for expected in [
        "#title *with* $markup$",
        "[subtitle] <sub> @sub",
        "= heading \\ #h",
        "#panic(\"x\") $x^2$ <label> @ref *bold* _em_ `raw`",
        "// not a comment /* nor this */ \\u{41} #{1+1}",
        "# * _ $ [ ] \\ < > @ ` ~ = - + / :",
        "$c$",
        "[d]",
        "`e`",
        "<f>",
        "@g",
        "\\h",
        "_i_",
        "#j",
        "~k",
        "#footer",
    ] {
        let expected: String = expected.split_whitespace().collect();
        assert!(
            text.contains(&expected),
            "{expected:?} missing from {text:?}"
        );
    }
}

#[test]
fn text_without_a_font_is_refused_not_printed_as_boxes() {
    let mut document = preparation_sheet_en();
    document.title = "準備".into();
    match render_pdf(&document) {
        Err(DocumentError::MissingGlyphs(missing)) => {
            assert_eq!(missing, ["準", "備"]);
        }
        other => panic!("expected warnings, got {other:?}"),
    }
}

#[test]
fn long_documents_break_across_numbered_pages() {
    let mut document = preparation_sheet_ar();
    let row = vec![
        Cell::Text("أسيكلوفير".into()),
        Cell::Ltr("400 mg".into()),
        Cell::Text("مرتين يومياً".into()),
    ];
    document.sections[0].blocks.push(Block::Table {
        header: vec!["الدواء".into(), "الجرعة".into(), "الموعد".into()],
        rows: vec![row; 120],
    });
    let pdf = render_pdf(&document).expect("long sheet renders");
    let text: String = normalise(&write_rasterise_and_read("preparation-ar-long", &pdf))
        .split_whitespace()
        .collect();
    assert!(
        text.contains("1/5") && text.contains("5/5"),
        "page numbers: {text:?}"
    );
}
