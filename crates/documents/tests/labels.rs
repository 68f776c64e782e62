//! Renders labels and reads their barcodes back with real decoders: zbar's
//! `zbarimg` (Debian zbar-tools) for Code 128 and libdmtx's `dmtxread`
//! (dmtx-utils) for DataMatrix, on the PNG and on the PDF rasterised by
//! poppler's `pdftoppm` (poppler-utils). The SVG is read back with usvg, the
//! parser resvg and typst use. The PNGs land in `<target>/documents/` for a
//! person to look at.

use std::path::Path;
use std::sync::Arc;

use cellpath_documents::{Direction, DocumentError, Label, render_label_svg};
use resvg::usvg;

const DATA: &str = "=G12349865432177";
const IDENTIFIER: &str = "G123498654321";
const WARNING: &str = "FOR AUTOLOGOUS USE ONLY";

fn product_label(width_mm: u32, height_mm: u32) -> Label {
    Label {
        lang: "en".into(),
        direction: Direction::Ltr,
        width_mm,
        height_mm,
        heading: "Cellpath Amman · Cell Therapy Unit".into(),
        identifier: IDENTIFIER.into(),
        check_character: Some('H'),
        barcode_data: DATA.into(),
        product_type: "Bone marrow concentrate".into(),
        fields: vec![
            ("Collected".into(), "2026-11-25 09:10".into()),
            ("Expires".into(), "2026-11-26 09:10".into()),
            ("Volume".into(), "12 mL".into()),
        ],
        warning: Some(WARNING.into()),
    }
}

fn arabic_label() -> Label {
    Label {
        lang: "ar".into(),
        direction: Direction::Rtl,
        heading: "سيلباث عمّان · وحدة العلاج الخلوي".into(),
        product_type: "مركّز نخاع العظم".into(),
        fields: vec![
            ("تاريخ الجمع".into(), "2026-11-25 09:10".into()),
            ("تاريخ الانتهاء".into(), "2026-11-26 09:10".into()),
            ("الحجم".into(), "12 mL".into()),
        ],
        warning: Some("للاستخدام الذاتي فقط".into()),
        ..product_label(100, 50)
    }
}

fn parse_svg(svg: &str) -> usvg::Tree {
    let mut fonts = usvg::fontdb::Database::new();
    let font_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
    for entry in std::fs::read_dir(font_dir).expect("the bundled fonts") {
        let path = entry.expect("a font file").path();
        if path.extension().is_some_and(|extension| extension == "ttf") {
            fonts.load_font_data(std::fs::read(path).expect("read a font"));
        }
    }
    let options = usvg::Options {
        fontdb: Arc::new(fonts),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).expect("the label's SVG is well-formed")
}

/// Where the element `id` sits, in millimetres: the outline of shapes and,
/// for text, the box usvg laid it out in (advance widths, ascent to descent;
/// usvg counts the invisible RLMs around a right-to-left run in it).
fn bounds(tree: &usvg::Tree, id: &str) -> usvg::Rect {
    element_box(tree, id, false)
}

/// Like [`bounds`], but for text the ink of its glyphs.
fn ink(tree: &usvg::Tree, id: &str) -> usvg::Rect {
    element_box(tree, id, true)
}

fn element_box(tree: &usvg::Tree, id: &str, ink: bool) -> usvg::Rect {
    fn walk(node: &usvg::Node, ink: bool) -> Option<usvg::Rect> {
        match node {
            usvg::Node::Text(text) if ink => text
                .flattened()
                .bounding_box()
                .transform(text.abs_transform()),
            usvg::Node::Text(text) => Some(text.abs_bounding_box()),
            usvg::Node::Group(group) => group
                .children()
                .iter()
                .filter_map(|child| walk(child, ink))
                .reduce(|a, b| {
                    usvg::Rect::from_ltrb(
                        a.left().min(b.left()),
                        a.top().min(b.top()),
                        a.right().max(b.right()),
                        a.bottom().max(b.bottom()),
                    )
                    .unwrap_or(a)
                }),
            other => Some(other.abs_bounding_box()),
        }
    }
    let node = tree
        .node_by_id(id)
        .unwrap_or_else(|| panic!("no element {id:?} in the SVG"));
    let pixels = walk(node, ink).unwrap_or_else(|| panic!("{id:?} is empty"));
    // The SVG is sized in mm; usvg works in CSS pixels (96 per inch).
    let scale = 25.4 / 96.0;
    usvg::Rect::from_ltrb(
        pixels.left() * scale,
        pixels.top() * scale,
        pixels.right() * scale,
        pixels.bottom() * scale,
    )
    .expect("a non-empty box")
}

fn inside(inner: usvg::Rect, outer: usvg::Rect) -> bool {
    inner.left() >= outer.left()
        && inner.right() <= outer.right()
        && inner.top() >= outer.top()
        && inner.bottom() <= outer.bottom()
}

#[test]
fn an_arabic_label_svg_has_the_identifier_left_to_right_then_its_box() {
    let svg = render_label_svg(&arabic_label()).expect("SVG");
    // One left-to-right run, no right-to-left marks around it.
    assert!(svg.contains(&format!(">{IDENTIFIER}</text>")), "{svg}");
    let tree = parse_svg(&svg);
    let identifier = bounds(&tree, "identifier");
    let check_box = bounds(&tree, "check-box");
    assert!(
        identifier.right() <= check_box.left(),
        "the box follows the identifier"
    );
    // Right-aligned: the identifier line ends at the text column's right edge,
    // the heading too.
    let heading = ink(&tree, "heading");
    assert!(
        (heading.right() - check_box.right()).abs() < 1.0,
        "{heading:?} {check_box:?}"
    );
    assert!(check_box.right() > 80.0, "{check_box:?}");
}

#[test]
fn every_supported_size_lays_out_inside_the_label_without_overlap() {
    let mut smallest = product_label(40, 20);
    smallest.fields.truncate(1);
    let mut labels = vec![smallest.clone()];
    labels.push(Label {
        lang: "ar".into(),
        direction: Direction::Rtl,
        ..smallest
    });
    for (width, height) in [(100, 100), (100, 50), (50, 25), (60, 40), (150, 150)] {
        labels.push(product_label(width, height));
        labels.push(Label {
            width_mm: width,
            height_mm: height,
            ..arabic_label()
        });
    }
    for label in labels {
        let (width, height, lang) = (label.width_mm, label.height_mm, &label.lang);
        let tree = parse_svg(&render_label_svg(&label).expect("SVG"));
        let page = usvg::Rect::from_xywh(0.0, 0.0, width as f32, height as f32).expect("page");
        let code128 = bounds(&tree, "code128");
        let matrix = bounds(&tree, "datamatrix");
        assert!(inside(code128, page) && inside(matrix, page));
        assert!(code128.intersect(&matrix).is_none());
        let parts = [
            "heading",
            "product-type",
            "identifier",
            "check-box",
            "warning-frame",
        ];
        for id in parts {
            let part = ink(&tree, id);
            assert!(
                inside(part, page),
                "{id} off a {width}x{height} {lang} label"
            );
            for (barcode, area) in [("code128", code128), ("datamatrix", matrix)] {
                assert!(
                    part.intersect(&area).is_none(),
                    "{id} overlaps {barcode} on a {width}x{height} {lang} label"
                );
            }
        }
        // Lines follow each other down the label.
        let tops: Vec<f32> = parts[..3].iter().map(|id| ink(&tree, id).top()).collect();
        assert!(
            tops.is_sorted(),
            "{tops:?} on a {width}x{height} {lang} label"
        );
    }
}

#[test]
fn the_svg_is_well_formed_with_the_warning_and_the_boxed_check_character() {
    let mut label = product_label(100, 50);
    label.heading = "Ward <3> & \"Theatre\" 'B'".into();
    let svg = render_label_svg(&label).expect("SVG");
    assert!(svg.contains(WARNING));
    assert!(svg.contains("Ward &lt;3&gt; &amp; &quot;Theatre&quot; &apos;B&apos;"));
    let tree = parse_svg(&svg);
    let check = ink(&tree, "check-character");
    let check_box = bounds(&tree, "check-box");
    assert!(
        inside(check, check_box),
        "{check:?} not inside {check_box:?}"
    );
    assert!(bounds(&tree, "identifier").right() <= check_box.left());
    assert!(inside(
        ink(&tree, "warning"),
        bounds(&tree, "warning-frame")
    ));
    match tree.node_by_id("check-character") {
        Some(usvg::Node::Text(text)) => {
            let chunk = &text.chunks()[0];
            assert_eq!(chunk.text(), "H");
        }
        other => panic!("check-character is not text: {other:?}"),
    }
}

#[test]
fn a_wristband_has_no_check_box() {
    let mut label = product_label(100, 50);
    label.check_character = None;
    let svg = render_label_svg(&label).expect("SVG");
    assert!(!svg.contains("check-box"));
    assert!(svg.contains(&format!(">{IDENTIFIER}</text>")));
}

#[test]
fn bad_barcode_data_and_sizes_are_refused() {
    let mut label = product_label(100, 50);
    label.barcode_data = String::new();
    let err = render_label_svg(&label).expect_err("empty data");
    assert_eq!(err, DocumentError::EmptyBarcodeData);
    assert_eq!(err.code(), "documents.empty_barcode_data");

    for data in ["=G1234É", "=G1234\n", "=G\u{7f}1"] {
        label.barcode_data = data.into();
        let err = render_label_svg(&label).expect_err("not printable ASCII");
        assert_eq!(err, DocumentError::BarcodeDataNotAscii(data.into()));
        assert_eq!(err.code(), "documents.barcode_data_not_ascii");
    }

    for (width, height) in [(39, 20), (40, 19), (151, 100), (100, 151), (0, 0)] {
        let err = render_label_svg(&product_label(width, height)).expect_err("size");
        assert_eq!(
            err,
            DocumentError::LabelSize {
                width_mm: width,
                height_mm: height
            }
        );
        assert_eq!(
            err.to_string(),
            format!("label size {width} x {height} mm is outside 40 x 20 mm to 150 x 150 mm")
        );
    }

    let mut label = product_label(100, 50);
    label.product_type = "Bone marrow\u{0}".into();
    let err = render_label_svg(&label).expect_err("control character");
    assert_eq!(err.code(), "documents.label_text_control_character");
}

#[test]
fn what_cannot_be_printed_legibly_is_refused_not_shrunk() {
    let mut label = product_label(40, 20);
    label.barcode_data = "=G1234986543217=G1234986543217=G1234986543217".into();
    let err = render_label_svg(&label).expect_err("too long for Code 128");
    assert_eq!(err.code(), "documents.label_does_not_fit");

    let mut label = product_label(50, 25);
    label.fields = (0..12)
        .map(|row| (format!("Field {row}"), "value".to_owned()))
        .collect();
    let err = render_label_svg(&label).expect_err("too many lines");
    assert_eq!(err.code(), "documents.label_does_not_fit");
}

/// Through the PNG and PDF renderers and real decoders.
#[cfg(feature = "pdf")]
mod scanned {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use cellpath_documents::{render_label_pdf, render_label_png};

    use super::{DATA, IDENTIFIER, WARNING, arabic_label, product_label};

    fn output_dir() -> PathBuf {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
        let dir = target.join("documents");
        std::fs::create_dir_all(&dir).expect("create <target>/documents");
        dir
    }

    fn run(program: &str, package: &str, args: &[&str], file: &Path) -> std::process::Output {
        Command::new(program)
            .args(args)
            .arg(file)
            .output()
            .unwrap_or_else(|err| {
                panic!(
                    "cannot run {program} ({err}): install {package} (apt-get install -y {package})"
                )
            })
    }

    /// What zbar reads as Code 128 in the image (DataMatrix is not zbar's).
    fn read_code128(image: &Path) -> String {
        let output = run(
            "zbarimg",
            "zbar-tools",
            &["--quiet", "--raw", "-Sdisable", "-Scode128.enable"],
            image,
        );
        assert!(
            output.status.success(),
            "zbarimg found no Code 128 in {}: {}",
            image.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("zbarimg prints UTF-8")
            .trim()
            .to_owned()
    }

    /// What libdmtx reads as DataMatrix in the image.
    fn read_datamatrix(image: &Path) -> String {
        let output = run("dmtxread", "dmtx-utils", &["-N1", "-m", "20000"], image);
        assert!(
            output.status.success(),
            "dmtxread failed on {}: {}",
            image.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("dmtxread prints ASCII")
            .trim()
            .to_owned()
    }

    /// Writes the PNG to a temporary file (and a copy to look at) and reads
    /// both barcodes from it.
    fn decode_png(name: &str, png: &[u8]) -> (String, String) {
        assert!(png.starts_with(b"\x89PNG"), "{name} is not a PNG");
        std::fs::write(output_dir().join(format!("{name}.png")), png).expect("write PNG copy");
        let file = tempfile::Builder::new()
            .suffix(".png")
            .tempfile()
            .expect("temporary file");
        std::fs::write(file.path(), png).expect("write PNG");
        (read_code128(file.path()), read_datamatrix(file.path()))
    }

    fn assert_decodes(name: &str, (code128, datamatrix): (String, String)) {
        assert_eq!(code128, DATA, "Code 128 on {name}");
        assert_eq!(datamatrix, DATA, "DataMatrix on {name}");
    }

    #[test]
    fn a_product_label_png_scans_as_code128_and_datamatrix() {
        let png = render_label_png(&product_label(100, 50), 12.0).expect("PNG");
        assert_decodes(
            "label-product-100x50",
            decode_png("label-product-100x50", &png),
        );
    }

    #[test]
    fn a_product_label_pdf_is_one_label_sized_page_that_scans_and_has_text() {
        let pdf = render_label_pdf(&product_label(100, 50)).expect("PDF");
        assert!(pdf.starts_with(b"%PDF"));
        let dir = tempfile::tempdir().expect("temporary directory");
        let pdf_path = dir.path().join("label.pdf");
        std::fs::write(&pdf_path, &pdf).expect("write PDF");

        let info = run("pdfinfo", "poppler-utils", &[], &pdf_path);
        let info = String::from_utf8_lossy(&info.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(info.contains("Pages: 1 "), "{info}");
        // 100 x 50 mm in points.
        assert!(info.contains("Page size: 283.465 x 141.732 pts"), "{info}");

        let status = Command::new("pdftoppm")
            .args(["-png", "-r", "300", "-singlefile"])
            .arg(&pdf_path)
            .arg(dir.path().join("label"))
            .status()
            .expect("run pdftoppm: install poppler-utils (apt-get install -y poppler-utils)");
        assert!(status.success(), "pdftoppm failed");
        let png_path = dir.path().join("label.png");
        std::fs::copy(&png_path, output_dir().join("label-product-100x50-pdf.png")).expect("copy");
        assert_eq!(read_code128(&png_path), DATA, "Code 128 in the PDF");
        assert_eq!(read_datamatrix(&png_path), DATA, "DataMatrix in the PDF");

        // The text is text, not outlines.
        let output = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&pdf_path)
            .arg("-")
            .output()
            .expect("run pdftotext: install poppler-utils");
        let text = String::from_utf8_lossy(&output.stdout);
        for expected in [IDENTIFIER, WARNING, "Bone marrow concentrate", "2026-11-25"] {
            assert!(text.contains(expected), "{expected:?} not in {text:?}");
        }
    }

    #[test]
    fn an_arabic_label_scans_and_makes_a_pdf() {
        let label = arabic_label();
        let png = render_label_png(&label, 12.0).expect("PNG");
        assert_decodes(
            "label-arabic-100x50",
            decode_png("label-arabic-100x50", &png),
        );
        let pdf = render_label_pdf(&label).expect("PDF");
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn every_supported_size_scans() {
        for (width, height) in [(100, 100), (100, 50), (50, 25)] {
            let name = format!("label-product-{width}x{height}");
            let png = render_label_png(&product_label(width, height), 12.0).expect("PNG");
            assert_decodes(&name, decode_png(&name, &png));
        }
        let mut wristband = product_label(100, 50);
        wristband.heading = "Patient wristband".into();
        wristband.product_type = "Amal Haddad".into();
        wristband.check_character = None;
        wristband.warning = None;
        wristband.fields = vec![("Date of birth".into(), "1968-03-14".into())];
        let png = render_label_png(&wristband, 12.0).expect("PNG");
        assert_decodes("label-wristband", decode_png("label-wristband", &png));
    }
}

#[cfg(not(feature = "pdf"))]
#[test]
fn without_the_pdf_feature_png_and_pdf_say_so() {
    let label = product_label(100, 50);
    assert_eq!(
        cellpath_documents::render_label_png(&label, 12.0),
        Err(DocumentError::NotBuilt)
    );
    assert_eq!(
        cellpath_documents::render_label_pdf(&label),
        Err(DocumentError::NotBuilt)
    );
}
