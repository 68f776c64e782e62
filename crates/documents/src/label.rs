//! Printable labels for specimens, cell products and patient wristbands:
//! already-translated text, the identifier with its check character in a
//! box, and the barcode data as Code 128 and DataMatrix, laid out for one
//! label size. The SVG is the master; the PNG (resvg) and the PDF (typst)
//! are made from it, so all three show the same label.
//!
//! Text is measured here with the bundled fonts through rustybuzz, the
//! shaper usvg and typst's SVG import use, so every line is placed exactly
//! and shrunk to fit instead of running off the label. A line is written as
//! one `<text>` per run of one direction and one font, because usvg lays out
//! every `<text>` on a left-to-right base and swaps fonts glyph by glyph:
//! a whole Arabic line in one element would come out in the wrong order or
//! with broken joins.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::OnceLock;

use datamatrix::{DataMatrix, SymbolList};
use rustybuzz::{Face, UnicodeBuffer};
use unicode_bidi::{BidiInfo, Level};

use crate::{Direction, DocumentError};

/// A label as printed: every text is already translated; this crate only
/// lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// ISO 639 language code of the text ("en", "ar").
    pub lang: String,
    /// Which way the text lines run. Barcodes and the identifier always run
    /// left to right.
    pub direction: Direction,
    /// The label stock's size, from 40 x 20 mm to 150 x 150 mm.
    pub width_mm: u32,
    pub height_mm: u32,
    /// A site or facility name, or what the label is ("Patient wristband").
    pub heading: String,
    /// The human-readable identifier, without its check character.
    pub identifier: String,
    /// Printed in a box right after the identifier; `None` on wristbands.
    pub check_character: Option<char>,
    /// What both barcodes encode: printable ASCII only.
    pub barcode_data: String,
    /// The product ("Bone marrow concentrate"), or the patient's name on a
    /// wristband.
    pub product_type: String,
    /// Label and value lines ("Collected", "2026-11-25 09:10").
    pub fields: Vec<(String, String)>,
    /// Printed bold in a frame ("FOR AUTOLOGOUS USE ONLY").
    pub warning: Option<String>,
}

/// Lays `label` out as an SVG document whose user unit is the millimetre.
///
/// The text is drawn as `<text>` in the bundled fonts (Noto Sans, Noto Naskh
/// Arabic), which a viewer must have to show it as measured; the PNG and PDF
/// renderers bring their own copies.
pub fn render_label_svg(label: &Label) -> Result<String, DocumentError> {
    validate(label)?;
    Layout::new(label)?.svg()
}

/// Renders `label` to a PNG of `dots_per_mm` (12 is about 300 dpi), with
/// the bundled fonts, whatever the host has installed.
pub fn render_label_png(label: &Label, dots_per_mm: f32) -> Result<Vec<u8>, DocumentError> {
    if !(2.0..=48.0).contains(&dots_per_mm) {
        return Err(DocumentError::LabelResolution(dots_per_mm.to_string()));
    }
    let svg = render_label_svg(label)?;
    #[cfg(feature = "pdf")]
    {
        raster::png(&svg, label, dots_per_mm)
    }
    #[cfg(not(feature = "pdf"))]
    {
        drop(svg);
        Err(DocumentError::NotBuilt)
    }
}

/// Renders `label` as a one-page PDF of exactly the label's size; the text
/// stays text (selectable, searchable).
pub fn render_label_pdf(label: &Label) -> Result<Vec<u8>, DocumentError> {
    let svg = render_label_svg(label)?;
    #[cfg(feature = "pdf")]
    {
        pdf::pdf(svg, label)
    }
    #[cfg(not(feature = "pdf"))]
    {
        drop(svg);
        Err(DocumentError::NotBuilt)
    }
}

const MIN_WIDTH_MM: u32 = 40;
const MIN_HEIGHT_MM: u32 = 20;
const MAX_SIDE_MM: u32 = 150;

/// Below this (about 3.4 pt) text is not reliably legible on a thermal
/// printer; a label that needs smaller text is refused.
const MIN_TEXT_MM: f32 = 1.2;
const MAX_BASE_TEXT_MM: f32 = 4.0;
/// Line pitch, in font sizes.
const LINE_HEIGHT: f32 = 1.3;

/// ISO/IEC 15417 asks for 10 modules of quiet zone on each side.
const CODE128_QUIET_MODULES: usize = 10;
/// The narrowest bar a 300 dpi printer (11.8 dots per mm) makes two dots
/// wide, and scanners resolve.
const CODE128_MIN_MODULE_MM: f32 = 0.17;
const CODE128_MAX_MODULE_MM: f32 = 0.5;
/// ISO/IEC 16022 asks for one module; two leave room for a rough cut.
const DATAMATRIX_QUIET_MODULES: usize = 2;
const DATAMATRIX_MIN_MODULE_MM: f32 = 0.25;
/// Below the text only if the symbol gets modules at least this big.
const DATAMATRIX_COMFORTABLE_MODULE_MM: f32 = 0.5;
const DATAMATRIX_MAX_MODULE_MM: f32 = 1.0;

/// Font sizes of the parts of a label, relative to its base size.
const HEADING_SCALE: f32 = 0.85;
const PRODUCT_SCALE: f32 = 1.1;
const IDENTIFIER_SCALE: f32 = 1.1;
const FIELD_SCALE: f32 = 0.85;
const WARNING_SCALE: f32 = 0.95;
/// Space inside the warning's frame, above and below the line, in its font size.
const WARNING_PADDING: f32 = 0.3;
/// Space above the warning's frame, in base font sizes: room for the
/// descenders of the line before (deep in Naskh).
const WARNING_GAP: f32 = 0.3;
/// Between a field's label column and its value, in the fields' font size.
const FIELD_GAP: f32 = 0.7;
/// Cap height of Noto Sans (714 of 1000 units), to centre capitals.
const CAP_HEIGHT: f32 = 0.714;

const RLM: &str = "&#x200F;";

const NOTO_SANS_REGULAR: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
const NOTO_SANS_BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");
const NOTO_NASKH_REGULAR: &[u8] = include_bytes!("../fonts/NotoNaskhArabic-Regular.ttf");
const NOTO_NASKH_BOLD: &[u8] = include_bytes!("../fonts/NotoNaskhArabic-Bold.ttf");
#[cfg(feature = "pdf")]
const FONTS: [&[u8]; 4] = [
    NOTO_SANS_REGULAR,
    NOTO_SANS_BOLD,
    NOTO_NASKH_REGULAR,
    NOTO_NASKH_BOLD,
];

fn validate(label: &Label) -> Result<(), DocumentError> {
    let lang_ok = (2..=3).contains(&label.lang.len())
        && label.lang.bytes().all(|byte| byte.is_ascii_lowercase());
    if !lang_ok {
        return Err(DocumentError::InvalidLanguage(label.lang.clone()));
    }
    let width_ok = (MIN_WIDTH_MM..=MAX_SIDE_MM).contains(&label.width_mm);
    let height_ok = (MIN_HEIGHT_MM..=MAX_SIDE_MM).contains(&label.height_mm);
    if !width_ok || !height_ok {
        return Err(DocumentError::LabelSize {
            width_mm: label.width_mm,
            height_mm: label.height_mm,
        });
    }
    if label.barcode_data.is_empty() {
        return Err(DocumentError::EmptyBarcodeData);
    }
    if !label
        .barcode_data
        .chars()
        .all(|ch| (' '..='~').contains(&ch))
    {
        return Err(DocumentError::BarcodeDataNotAscii(
            label.barcode_data.clone(),
        ));
    }
    let check = label.check_character.map(String::from);
    let texts = [&label.heading, &label.identifier, &label.product_type]
        .into_iter()
        .chain(label.fields.iter().flat_map(|(name, value)| [name, value]))
        .chain(label.warning.as_ref())
        .chain(check.as_ref());
    for text in texts {
        if text.chars().any(char::is_control) {
            return Err(DocumentError::LabelTextControlCharacter(text.clone()));
        }
    }
    Ok(())
}

/// The bundled font a run of text is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Sans,
    Naskh,
}

impl Family {
    /// The `font-family` of a run: its own font first, so that usvg never
    /// has to fall back mid-run.
    fn svg_families(self) -> &'static str {
        match self {
            Family::Sans => "Noto Sans, Noto Naskh Arabic",
            Family::Naskh => "Noto Naskh Arabic, Noto Sans",
        }
    }
}

struct Faces {
    /// Regular, bold.
    sans: [Face<'static>; 2],
    naskh: [Face<'static>; 2],
}

impl Faces {
    fn get(&self, family: Family, bold: bool) -> &Face<'static> {
        let faces = match family {
            Family::Sans => &self.sans,
            Family::Naskh => &self.naskh,
        };
        &faces[usize::from(bold)]
    }
}

fn faces() -> Result<&'static Faces, DocumentError> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                sans: [
                    Face::from_slice(NOTO_SANS_REGULAR, 0)?,
                    Face::from_slice(NOTO_SANS_BOLD, 0)?,
                ],
                naskh: [
                    Face::from_slice(NOTO_NASKH_REGULAR, 0)?,
                    Face::from_slice(NOTO_NASKH_BOLD, 0)?,
                ],
            })
        })
        .as_ref()
        .ok_or_else(|| DocumentError::Layout(vec!["a bundled font could not be read".to_owned()]))
}

/// A run of one direction and one font: one `<text>` element.
#[derive(Debug)]
struct Piece {
    /// Already XML-escaped; a right-to-left run is wrapped in RLMs so that
    /// usvg's left-to-right base keeps its edge punctuation inside it.
    markup: String,
    family: Family,
    /// Advance width at a font size of 1 mm.
    advance: f32,
}

/// A line of text cut into pieces, in visual order from left to right.
#[derive(Debug)]
struct Line {
    pieces: Vec<Piece>,
    bold: bool,
    /// Advance width at a font size of 1 mm.
    advance: f32,
}

impl Line {
    fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

/// Shapes `text` (whitespace collapsed) as one line whose paragraph runs in
/// `base` direction.
fn shape_line(text: &str, base: Direction, bold: bool) -> Result<Line, DocumentError> {
    let faces = faces()?;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let level = match base {
        Direction::Ltr => Level::ltr(),
        Direction::Rtl => Level::rtl(),
    };
    let bidi = BidiInfo::new(&text, Some(level));
    let mut pieces = Vec::new();
    let mut missing = Vec::new();
    for paragraph in &bidi.paragraphs {
        let (levels, runs) = bidi.visual_runs(paragraph, paragraph.range.clone());
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            let mut segments = font_segments(&text, run, rtl, faces, bold, &mut missing);
            if rtl {
                segments.reverse();
            }
            for (family, range) in segments {
                let content = &text[range];
                let face = faces.get(family, bold);
                let (shaped, markup) = if rtl {
                    (
                        format!("\u{200F}{content}\u{200F}"),
                        format!("{RLM}{}{RLM}", escape(content)),
                    )
                } else {
                    (content.to_owned(), escape(content))
                };
                let advance = measure(face, &shaped, rtl, &mut missing);
                pieces.push(Piece {
                    markup,
                    family,
                    advance,
                });
            }
        }
    }
    if !missing.is_empty() {
        return Err(DocumentError::MissingGlyphs(missing));
    }
    let advance = pieces.iter().map(|piece| piece.advance).sum();
    Ok(Line {
        pieces,
        bold,
        advance,
    })
}

/// Cuts a run into stretches printed in one font, in logical order. Letters
/// go to the one font that has them; spaces, digits and punctuation (which
/// both have) stay with their neighbours, or in a run of nothing else, with
/// the font of the run's direction.
fn font_segments(
    text: &str,
    run: Range<usize>,
    rtl: bool,
    faces: &Faces,
    bold: bool,
    missing: &mut Vec<String>,
) -> Vec<(Family, Range<usize>)> {
    let sans = faces.get(Family::Sans, bold);
    let naskh = faces.get(Family::Naskh, bold);
    let chars: Vec<(usize, char)> = text[run.clone()]
        .char_indices()
        .map(|(offset, ch)| (run.start + offset, ch))
        .collect();
    let fixed: Vec<Option<Family>> = chars
        .iter()
        .map(|&(_, ch)| {
            match (
                sans.glyph_index(ch).is_some(),
                naskh.glyph_index(ch).is_some(),
            ) {
                (true, true) => None,
                (true, false) => Some(Family::Sans),
                (false, true) => Some(Family::Naskh),
                (false, false) => {
                    let ch = ch.to_string();
                    if !missing.contains(&ch) {
                        missing.push(ch);
                    }
                    Some(Family::Sans)
                }
            }
        })
        .collect();
    let first_fixed = fixed.iter().flatten().next().copied();
    let mut segments: Vec<(Family, Range<usize>)> = Vec::new();
    let mut current = first_fixed.unwrap_or(if rtl { Family::Naskh } else { Family::Sans });
    for (&(offset, ch), family) in chars.iter().zip(&fixed) {
        if let Some(family) = family {
            current = *family;
        }
        let end = offset + ch.len_utf8();
        match segments.last_mut() {
            Some((last, range)) if *last == current => range.end = end,
            _ => segments.push((current, offset..end)),
        }
    }
    segments
}

/// Advance width of `text` in `face` at a font size of 1 (kerning on, as
/// usvg shapes it).
fn measure(face: &Face<'static>, text: &str, rtl: bool, missing: &mut Vec<String>) -> f32 {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_direction(if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    });
    let shaped = rustybuzz::shape(face, &[], buffer);
    for info in shaped.glyph_infos() {
        if info.glyph_id == 0 {
            let cluster = info.cluster as usize;
            let ch = text[cluster..].chars().next().map(String::from);
            if let Some(ch) = ch.filter(|ch| !missing.contains(ch)) {
                missing.push(ch);
            }
        }
    }
    let advance: i32 = shaped
        .glyph_positions()
        .iter()
        .map(|position| position.x_advance)
        .sum();
    advance as f32 / face.units_per_em() as f32
}

/// A rectangle in millimetres from the label's top left corner.
#[derive(Debug, Clone, Copy)]
struct Area {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

impl Area {
    fn right(&self) -> f32 {
        self.x + self.width
    }

    fn bottom(&self) -> f32 {
        self.y + self.height
    }
}

/// One stack of lines in the text column, top to bottom.
#[derive(Debug)]
enum Block {
    Line {
        line: Line,
        scale: f32,
        id: &'static str,
    },
    Identifier {
        identifier: Line,
        check: Option<Line>,
    },
    Fields(Vec<(Line, Line)>),
    Warning(Line),
}

impl Block {
    /// Height in base font sizes.
    fn height(&self) -> f32 {
        match self {
            Block::Line { scale, .. } => scale * LINE_HEIGHT,
            Block::Identifier { .. } => IDENTIFIER_SCALE * LINE_HEIGHT,
            Block::Fields(rows) => rows.len() as f32 * FIELD_SCALE * LINE_HEIGHT,
            Block::Warning(_) => {
                WARNING_GAP + WARNING_SCALE * (LINE_HEIGHT + 2.0 * WARNING_PADDING)
            }
        }
    }

    fn slots(&self) -> usize {
        match self {
            Block::Fields(rows) => rows.len(),
            _ => 1,
        }
    }
}

/// Everything measured and placed; `svg` only writes it out.
struct Layout<'a> {
    label: &'a Label,
    width: f32,
    height: f32,
    text_area: Area,
    blocks: Vec<Block>,
    code128: Vec<u8>,
    code128_area: Area,
    code128_module: f32,
    matrix: datamatrix::placement::Bitmap<bool>,
    matrix_x: f32,
    matrix_y: f32,
    matrix_module: f32,
}

impl<'a> Layout<'a> {
    fn new(label: &'a Label) -> Result<Self, DocumentError> {
        let width = label.width_mm as f32;
        let height = label.height_mm as f32;
        let does_not_fit = |what: &str| DocumentError::LabelDoesNotFit {
            what: what.to_owned(),
            width_mm: label.width_mm,
            height_mm: label.height_mm,
        };
        let margin = (width.min(height) * 0.06).clamp(1.5, 4.0);
        let inner = Area {
            x: margin,
            y: margin,
            width: width - 2.0 * margin,
            height: height - 2.0 * margin,
        };
        let gap = (inner.height * 0.05).clamp(0.8, 2.5);

        // Code 128 across the bottom, centred, as wide as the label allows.
        let code128 = code128_modules(&label.barcode_data)?;
        let code128_span = code128.len() + 2 * CODE128_QUIET_MODULES;
        let code128_module = (inner.width / code128_span as f32).min(CODE128_MAX_MODULE_MM);
        if code128_module < CODE128_MIN_MODULE_MM {
            return Err(does_not_fit("the Code 128 barcode"));
        }
        let bar_height = (inner.height * 0.25).clamp(5.0, 18.0);
        let code128_width = code128.len() as f32 * code128_module;
        let code128_area = Area {
            x: inner.x + (inner.width - code128_width) / 2.0,
            y: inner.bottom() - bar_height,
            width: code128_width,
            height: bar_height,
        };

        // The DataMatrix goes beside the text (at the end where lines do not
        // start) or, when that leaves the text no smaller, between the text
        // and the Code 128 with the text across the full width.
        let matrix = DataMatrix::encode(
            label.barcode_data.as_bytes(),
            SymbolList::default().enforce_square(),
        )
        .map_err(|_| does_not_fit("the DataMatrix"))?
        .bitmap();
        let matrix_span = (matrix.width() + 2 * DATAMATRIX_QUIET_MODULES) as f32;
        let largest_side = matrix_span * DATAMATRIX_MAX_MODULE_MM;
        let blocks = blocks(label)?;
        let text_units: f32 = blocks.iter().map(Block::height).sum();
        let upper_height = inner.height - bar_height - gap;

        let beside_side = upper_height.min(inner.width * 0.32).min(largest_side);
        let beside_base = (upper_height / text_units).min(MAX_BASE_TEXT_MM);
        let below_text_height = (text_units * MAX_BASE_TEXT_MM)
            .min(upper_height - gap - matrix_span * DATAMATRIX_COMFORTABLE_MODULE_MM);
        let below_room = upper_height - below_text_height - gap;
        let below_side = below_room.min(inner.width * 0.4).min(largest_side);
        let below = below_text_height / text_units >= beside_base && below_side >= beside_side;

        let (text_area, side, matrix_box_x, matrix_box_y) = if below {
            (
                Area {
                    x: inner.x,
                    y: inner.y,
                    width: inner.width,
                    height: below_text_height,
                },
                below_side,
                inner.x + (inner.width - below_side) / 2.0,
                inner.y + below_text_height + gap + (below_room - below_side) / 2.0,
            )
        } else {
            let side = beside_side;
            let (text_x, matrix_box_x) = match label.direction {
                Direction::Ltr => (inner.x, inner.right() - side),
                Direction::Rtl => (inner.x + side + gap, inner.x),
            };
            (
                Area {
                    x: text_x,
                    y: inner.y,
                    width: inner.width - side - gap,
                    height: upper_height,
                },
                side,
                matrix_box_x,
                inner.y + (upper_height - side) / 2.0,
            )
        };
        let matrix_module = side / matrix_span;
        if matrix_module < DATAMATRIX_MIN_MODULE_MM {
            return Err(does_not_fit("the DataMatrix"));
        }
        let quiet = DATAMATRIX_QUIET_MODULES as f32 * matrix_module;

        Ok(Layout {
            label,
            width,
            height,
            text_area,
            blocks,
            code128,
            code128_area,
            code128_module,
            matrix_x: matrix_box_x + quiet,
            matrix_y: matrix_box_y + quiet,
            matrix,
            matrix_module,
        })
    }

    fn does_not_fit(&self, what: &str) -> DocumentError {
        DocumentError::LabelDoesNotFit {
            what: what.to_owned(),
            width_mm: self.label.width_mm,
            height_mm: self.label.height_mm,
        }
    }

    fn svg(&self) -> Result<String, DocumentError> {
        let mut svg = String::new();
        let (width, height) = (num(self.width), num(self.height));
        let title = [self.label.heading.as_str(), self.label.identifier.as_str()]
            .join(" ")
            .trim()
            .to_owned();
        // `write!` to a String cannot fail.
        let _ = write!(
            svg,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
             width=\"{width}mm\" height=\"{height}mm\" viewBox=\"0 0 {width} {height}\" \
             xml:lang=\"{lang}\" xml:space=\"preserve\" \
             font-family=\"{families}\" fill=\"#000\">\n\
             <title>{title}</title>\n\
             <rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\n",
            lang = escape(&self.label.lang),
            families = Family::Sans.svg_families(),
            title = escape(&title),
        );
        self.write_text(&mut svg)?;
        self.write_code128(&mut svg);
        self.write_matrix(&mut svg);
        svg.push_str("</svg>\n");
        Ok(svg)
    }

    fn write_text(&self, svg: &mut String) -> Result<(), DocumentError> {
        let area = self.text_area;
        let units: f32 = self.blocks.iter().map(Block::height).sum();
        let base = (area.height / units).min(MAX_BASE_TEXT_MM);
        if base * HEADING_SCALE.min(FIELD_SCALE) < MIN_TEXT_MM {
            return Err(self.does_not_fit("the text"));
        }
        // Space left over on a roomy label goes between the lines, up to a
        // limit; the rest stays above the barcode.
        let slots: usize = self.blocks.iter().map(Block::slots).sum();
        let spare = (area.height - units * base).max(0.0);
        let spacing = (spare / slots.max(1) as f32).min(0.35 * base);

        let mut top = area.y;
        for block in &self.blocks {
            match block {
                Block::Line { line, scale, id } => {
                    let slot = scale * base * LINE_HEIGHT + spacing;
                    let size = self.fit(line.advance, scale * base, area.width, "a line")?;
                    let x = self.align(line.advance * size);
                    write_line(svg, line, x, baseline(top, slot, size), size, Some(id));
                    top += slot;
                }
                Block::Identifier { identifier, check } => {
                    let slot = IDENTIFIER_SCALE * base * LINE_HEIGHT + spacing;
                    top +=
                        self.write_identifier(svg, identifier, check.as_ref(), top, slot, base)?;
                }
                Block::Fields(rows) => {
                    let slot = FIELD_SCALE * base * LINE_HEIGHT + spacing;
                    self.write_fields(svg, rows, top, slot, base)?;
                    top += slot * rows.len() as f32;
                }
                Block::Warning(line) => {
                    let slot = WARNING_SCALE * base * (LINE_HEIGHT + 2.0 * WARNING_PADDING);
                    let gap = WARNING_GAP * base + spacing;
                    self.write_warning(svg, line, top + gap, slot, base)?;
                    top += gap + slot;
                }
            }
        }
        Ok(())
    }

    /// The font size at which `advance` (per mm of font size) fits `room`,
    /// at most `size`.
    fn fit(&self, advance: f32, size: f32, room: f32, what: &str) -> Result<f32, DocumentError> {
        let size = if advance * size > room {
            room / advance
        } else {
            size
        };
        if size < MIN_TEXT_MM {
            return Err(self.does_not_fit(what));
        }
        Ok(size)
    }

    /// Left edge of a line `width` wide: at the start of the text column in
    /// the label's direction.
    fn align(&self, width: f32) -> f32 {
        match self.label.direction {
            Direction::Ltr => self.text_area.x,
            Direction::Rtl => self.text_area.right() - width,
        }
    }

    /// The identifier, left to right in any label, then the check character
    /// in a box; returns the height used.
    fn write_identifier(
        &self,
        svg: &mut String,
        identifier: &Line,
        check: Option<&Line>,
        top: f32,
        slot: f32,
        base: f32,
    ) -> Result<f32, DocumentError> {
        const GAP: f32 = 0.3;
        const PADDING: f32 = 0.22;
        let check_advance = check.map_or(0.0, |check| check.advance);
        let box_advance = if check.is_some() {
            GAP + check_advance + 2.0 * PADDING
        } else {
            0.0
        };
        let size = self.fit(
            identifier.advance + box_advance,
            IDENTIFIER_SCALE * base,
            self.text_area.width,
            "the identifier",
        )?;
        let x = self.align((identifier.advance + box_advance) * size);
        let baseline = baseline(top, slot, size);
        write_line(svg, identifier, x, baseline, size, Some("identifier"));
        if let Some(check) = check {
            let box_x = x + (identifier.advance + GAP) * size;
            let box_top = baseline - (CAP_HEIGHT + PADDING) * size;
            let box_width = (check_advance + 2.0 * PADDING) * size;
            let box_height = (CAP_HEIGHT + 2.0 * PADDING) * size;
            let stroke = (0.08 * size).max(0.15);
            let _ = writeln!(
                svg,
                "<rect id=\"check-box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
                 fill=\"none\" stroke=\"#000\" stroke-width=\"{}\"/>",
                num(box_x),
                num(box_top),
                num(box_width),
                num(box_height),
                num(stroke),
            );
            write_line(
                svg,
                check,
                box_x + PADDING * size,
                baseline,
                size,
                Some("check-character"),
            );
        }
        Ok(slot)
    }

    /// Two columns: labels, then values, each starting on the label's
    /// reading side.
    fn write_fields(
        &self,
        svg: &mut String,
        rows: &[(Line, Line)],
        top: f32,
        slot: f32,
        base: f32,
    ) -> Result<(), DocumentError> {
        let name_column = rows
            .iter()
            .map(|(name, _)| name.advance)
            .fold(0.0, f32::max);
        let gap = if name_column > 0.0 { FIELD_GAP } else { 0.0 };
        let widest = rows
            .iter()
            .map(|(_, value)| name_column + gap + value.advance)
            .fold(0.0, f32::max);
        let size = self.fit(
            widest,
            FIELD_SCALE * base,
            self.text_area.width,
            "the fields",
        )?;
        let value_offset = (name_column + gap) * size;
        let area = self.text_area;
        for (row_idx, (name, value)) in rows.iter().enumerate() {
            let row_top = top + row_idx as f32 * slot;
            let baseline = baseline(row_top, slot, size);
            let (name_x, value_x) = match self.label.direction {
                Direction::Ltr => (area.x, area.x + value_offset),
                Direction::Rtl => (
                    area.right() - name.advance * size,
                    area.right() - value_offset - value.advance * size,
                ),
            };
            write_line(svg, name, name_x, baseline, size, None);
            write_line(svg, value, value_x, baseline, size, None);
        }
        Ok(())
    }

    /// Bold, centred, in a frame as wide as the text column.
    fn write_warning(
        &self,
        svg: &mut String,
        line: &Line,
        top: f32,
        slot: f32,
        base: f32,
    ) -> Result<(), DocumentError> {
        const SIDE_PADDING: f32 = 0.5;
        let area = self.text_area;
        let nominal = WARNING_SCALE * base;
        let stroke = (0.09 * nominal).max(0.25);
        let room = area.width - 2.0 * SIDE_PADDING * nominal - 2.0 * stroke;
        let size = self.fit(line.advance, nominal, room, "the warning")?;
        let _ = writeln!(
            svg,
            "<rect id=\"warning-frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
             fill=\"none\" stroke=\"#000\" stroke-width=\"{}\"/>",
            num(area.x + stroke / 2.0),
            num(top + stroke / 2.0),
            num(area.width - stroke),
            num(slot - stroke),
            num(stroke),
        );
        let x = area.x + (area.width - line.advance * size) / 2.0;
        write_line(
            svg,
            line,
            x,
            baseline(top, slot, size),
            size,
            Some("warning"),
        );
        Ok(())
    }

    fn write_code128(&self, svg: &mut String) {
        let area = self.code128_area;
        svg.push_str("<g id=\"code128\" shape-rendering=\"crispEdges\">\n");
        for bar in runs(&self.code128, |module| *module == 1) {
            let _ = writeln!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                num(area.x + bar.start as f32 * self.code128_module),
                num(area.y),
                num(bar.len() as f32 * self.code128_module),
                num(area.height),
            );
        }
        svg.push_str("</g>\n");
    }

    fn write_matrix(&self, svg: &mut String) {
        let module = self.matrix_module;
        let columns = self.matrix.width();
        svg.push_str("<g id=\"datamatrix\" shape-rendering=\"crispEdges\">\n");
        for (row_idx, row) in self.matrix.bits().chunks(columns).enumerate() {
            for dark in runs(row, |bit| *bit) {
                let _ = writeln!(
                    svg,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                    num(self.matrix_x + dark.start as f32 * module),
                    num(self.matrix_y + row_idx as f32 * module),
                    num(dark.len() as f32 * module),
                    num(module),
                );
            }
        }
        svg.push_str("</g>\n");
    }
}

/// Measures every text of the label, in the order it is printed.
fn blocks(label: &Label) -> Result<Vec<Block>, DocumentError> {
    let direction = label.direction;
    let mut blocks = Vec::new();
    let heading = shape_line(&label.heading, direction, false)?;
    if !heading.is_empty() {
        blocks.push(Block::Line {
            line: heading,
            scale: HEADING_SCALE,
            id: "heading",
        });
    }
    let product = shape_line(
        &label.product_type,
        auto_direction(&label.product_type, direction),
        true,
    )?;
    if !product.is_empty() {
        blocks.push(Block::Line {
            line: product,
            scale: PRODUCT_SCALE,
            id: "product-type",
        });
    }
    let identifier = shape_line(&label.identifier, Direction::Ltr, true)?;
    let check = label
        .check_character
        .map(|check| shape_line(&check.to_string(), Direction::Ltr, true))
        .transpose()?;
    if !identifier.is_empty() || check.is_some() {
        blocks.push(Block::Identifier { identifier, check });
    }
    let rows = label
        .fields
        .iter()
        .map(|(name, value)| {
            Ok((
                shape_line(name, direction, false)?,
                shape_line(value, auto_direction(value, Direction::Ltr), true)?,
            ))
        })
        .collect::<Result<Vec<_>, DocumentError>>()?;
    if !rows.is_empty() {
        blocks.push(Block::Fields(rows));
    }
    if let Some(warning) = &label.warning {
        let line = shape_line(warning, direction, true)?;
        if !line.is_empty() {
            blocks.push(Block::Warning(line));
        }
    }
    Ok(blocks)
}

/// The direction of a value: that of its first letter (an Arabic name reads
/// right to left, a date or dose left to right), else `fallback`.
fn auto_direction(text: &str, fallback: Direction) -> Direction {
    match unicode_bidi::get_base_direction(text) {
        unicode_bidi::Direction::Ltr => Direction::Ltr,
        unicode_bidi::Direction::Rtl => Direction::Rtl,
        unicode_bidi::Direction::Mixed => fallback,
    }
}

/// Baseline that centres capitals of `size` in a line slot.
fn baseline(top: f32, slot: f32, size: f32) -> f32 {
    top + slot / 2.0 + CAP_HEIGHT / 2.0 * size
}

fn write_line(svg: &mut String, line: &Line, x: f32, baseline: f32, size: f32, id: Option<&str>) {
    let grouped = line.pieces.len() > 1;
    let id_attribute = id.map(|id| format!(" id=\"{id}\"")).unwrap_or_default();
    if grouped {
        let _ = writeln!(svg, "<g{id_attribute}>");
    }
    let weight = if line.bold {
        " font-weight=\"bold\""
    } else {
        ""
    };
    let mut piece_x = x;
    for piece in &line.pieces {
        let piece_id = if grouped { "" } else { &id_attribute };
        let _ = writeln!(
            svg,
            "<text{piece_id} x=\"{}\" y=\"{}\" font-family=\"{}\" font-size=\"{}\"{weight}>{}</text>",
            num(piece_x),
            num(baseline),
            piece.family.svg_families(),
            num(size),
            piece.markup,
        );
        piece_x += piece.advance * size;
    }
    if grouped {
        svg.push_str("</g>\n");
    }
}

/// Ranges of consecutive items for which `dark` holds.
fn runs<T>(items: &[T], dark: impl Fn(&T) -> bool) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for (idx, item) in items.iter().enumerate() {
        if !dark(item) {
            continue;
        }
        match runs.last_mut() {
            Some(run) if run.end == idx => run.end = idx + 1,
            _ => runs.push(idx..idx + 1),
        }
    }
    runs
}

/// Code 128 modules (1 = bar) for printable ASCII, without quiet zones.
fn code128_modules(data: &str) -> Result<Vec<u8>, DocumentError> {
    let code = barcoders::sym::code128::Code128::new(code128_input(data))
        .map_err(|err| DocumentError::Layout(vec![format!("Code 128: {err}")]))?;
    Ok(code.encode())
}

/// barcoders' Code 128 input for `data`: code set B (all printable ASCII),
/// switching to set C (two digits a symbol) for runs of digits long enough
/// to make the barcode shorter, so that it fits narrow labels.
fn code128_input(data: &str) -> String {
    const SET_B: char = 'Ɓ';
    const SET_C: char = 'Ć';
    let bytes = data.as_bytes();
    let mut input = String::with_capacity(data.len() + 4);
    let mut current = None;
    let mut select = |input: &mut String, set: char| {
        if current != Some(set) {
            input.push(set);
            current = Some(set);
        }
    };
    let mut idx = 0;
    while idx < bytes.len() {
        let digits = bytes[idx..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        let at_edge = idx == 0 || idx + digits == bytes.len();
        let worth_set_c = if at_edge { digits >= 4 } else { digits >= 6 };
        if worth_set_c {
            // An odd digit goes first, in set B, so that set C gets pairs.
            if digits % 2 == 1 {
                select(&mut input, SET_B);
                input.push(char::from(bytes[idx]));
                idx += 1;
            }
            let pairs = digits - digits % 2;
            select(&mut input, SET_C);
            input.extend(bytes[idx..idx + pairs].iter().map(|&byte| char::from(byte)));
            idx += pairs;
        } else {
            let take = digits.max(1);
            select(&mut input, SET_B);
            input.extend(bytes[idx..idx + take].iter().map(|&byte| char::from(byte)));
            idx += take;
        }
    }
    input
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A length in millimetres, to the micrometre.
fn num(value: f32) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// PNG through resvg, with only the bundled fonts.
#[cfg(feature = "pdf")]
mod raster {
    use std::sync::{Arc, OnceLock};

    use resvg::{tiny_skia, usvg};

    use super::{FONTS, Label};
    use crate::DocumentError;

    fn font_database() -> Arc<usvg::fontdb::Database> {
        static DATABASE: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
        DATABASE
            .get_or_init(|| {
                let mut database = usvg::fontdb::Database::new();
                for font in FONTS {
                    database.load_font_data(font.to_vec());
                }
                Arc::new(database)
            })
            .clone()
    }

    pub(super) fn png(
        svg: &str,
        label: &Label,
        dots_per_mm: f32,
    ) -> Result<Vec<u8>, DocumentError> {
        let options = usvg::Options {
            font_family: "Noto Sans".to_owned(),
            fontdb: font_database(),
            ..usvg::Options::default()
        };
        let tree = usvg::Tree::from_str(svg, &options)
            .map_err(|err| DocumentError::Layout(vec![format!("SVG: {err}")]))?;
        let width = (label.width_mm as f32 * dots_per_mm).round() as u32;
        let height = (label.height_mm as f32 * dots_per_mm).round() as u32;
        let mut pixmap = tiny_skia::Pixmap::new(width, height)
            .ok_or_else(|| DocumentError::Export(vec![format!("no {width} x {height} raster")]))?;
        pixmap.fill(tiny_skia::Color::WHITE);
        let transform = tiny_skia::Transform::from_scale(
            width as f32 / tree.size().width(),
            height as f32 / tree.size().height(),
        );
        resvg::render(&tree, transform, &mut pixmap.as_mut());
        pixmap
            .encode_png()
            .map_err(|err| DocumentError::Export(vec![format!("PNG: {err}")]))
    }
}

/// PDF through typst: a page of the label's size with the SVG on it. typst
/// imports SVG text as text in the bundled fonts, so it stays selectable.
#[cfg(feature = "pdf")]
mod pdf {
    use std::sync::OnceLock;

    use typst::diag::SourceDiagnostic;
    use typst::foundations::{Bytes, Dict, Value};
    use typst_as_lib::{TypstAsLibError, TypstEngine, TypstTemplateMainFile};
    use typst_layout::PagedDocument;

    use super::{FONTS, Label};
    use crate::DocumentError;

    const TEMPLATE: &str = r#"// One label: the SVG made by label.rs, on a page of exactly its size.
#let input = sys.inputs
#set document(title: input.title)
#set page(width: input.width * 1mm, height: input.height * 1mm, margin: 0pt)
#set text(font: ("Noto Sans", "Noto Naskh Arabic"), lang: input.lang)
#place(top + left, image(
  input.svg,
  format: "svg",
  width: input.width * 1mm,
  height: input.height * 1mm,
))
"#;

    fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
        static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
        ENGINE.get_or_init(|| {
            TypstEngine::builder()
                .main_file(TEMPLATE)
                .fonts(FONTS)
                .build()
        })
    }

    pub(super) fn pdf(svg: String, label: &Label) -> Result<Vec<u8>, DocumentError> {
        let title = format!("{} {}", label.heading, label.identifier);
        let mut inputs = Dict::new();
        for (key, value) in [
            ("width", Value::Int(label.width_mm.into())),
            ("height", Value::Int(label.height_mm.into())),
            ("lang", Value::Str(label.lang.as_str().into())),
            ("title", Value::Str(title.trim().into())),
            ("svg", Value::Bytes(Bytes::new(svg.into_bytes()))),
        ] {
            inputs.insert(key.into(), value);
        }
        let compiled = engine().compile_with_input(inputs);
        // A warning (say, a font typst cannot find) fails the label as an
        // error does: the page may not say what was asked.
        if !compiled.warnings.is_empty() {
            return Err(DocumentError::Warnings(messages(&compiled.warnings)));
        }
        let paged: PagedDocument = compiled.output.map_err(|err| match err {
            TypstAsLibError::TypstSource(diagnostics) => {
                DocumentError::Layout(messages(&diagnostics))
            }
            other => DocumentError::Layout(vec![other.to_string()]),
        })?;
        if paged.pages().len() != 1 {
            return Err(DocumentError::Layout(vec![format!(
                "the label took {} pages",
                paged.pages().len()
            )]));
        }
        typst_pdf::pdf(&paged, &typst_pdf::PdfOptions::default())
            .map_err(|diagnostics| DocumentError::Export(messages(&diagnostics)))
    }

    fn messages(diagnostics: &[SourceDiagnostic]) -> Vec<String> {
        diagnostics
            .iter()
            .map(|diagnostic| diagnostic.message.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_use_code_set_c() {
        assert_eq!(code128_input("=G12349865432177"), "Ɓ=GĆ12349865432177");
        assert_eq!(code128_input("123456"), "Ć123456");
        assert_eq!(code128_input("12345"), "Ɓ1Ć2345");
        assert_eq!(code128_input("AB12CD"), "ƁAB12CD");
        assert_eq!(code128_input("A123456B"), "ƁAĆ123456ƁB");
        assert_eq!(code128_input("A12345B"), "ƁA12345B");
    }

    #[test]
    fn every_printable_ascii_character_encodes() {
        let all: String = (' '..='~').collect();
        assert!(code128_modules(&all).is_ok());
        for ch in ' '..='~' {
            assert!(code128_modules(&ch.to_string()).is_ok(), "{ch:?}");
        }
    }

    #[test]
    fn right_to_left_marks_are_invisible_in_both_fonts() {
        // The RLMs must shape to zero-width glyphs, not to "missing" ones,
        // or usvg would go looking for another font.
        let faces = faces().expect("bundled fonts");
        for (family, text) in [(Family::Naskh, "تاريخ الجمع:"), (Family::Sans, ")")] {
            let face = faces.get(family, false);
            let mut missing = Vec::new();
            let bare = measure(face, text, true, &mut missing);
            let marked = measure(face, &format!("\u{200F}{text}\u{200F}"), true, &mut missing);
            assert!(missing.is_empty(), "{family:?}: {missing:?}");
            assert!(
                (bare - marked).abs() < 1e-6,
                "{family:?}: {bare} vs {marked}"
            );
        }
    }

    #[test]
    fn brackets_and_digits_in_arabic_keep_their_places() {
        let line = shape_line("تاريخ الجمع: (٢٠٢٦)", Direction::Rtl, false).expect("shapes");
        let texts: Vec<&str> = line
            .pieces
            .iter()
            .map(|piece| piece.markup.as_str())
            .collect();
        // Left to right: ")" (drawn mirrored), the digits, "(", the words.
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(
            texts[0].contains(')') && texts[2].contains('('),
            "{texts:?}"
        );
        assert_eq!(texts[1], "٢٠٢٦");
        assert!(texts[3].contains("تاريخ"), "{texts:?}");
        assert_eq!(line.pieces[3].family, Family::Naskh);
    }

    #[test]
    fn mixed_lines_are_cut_into_runs_in_visual_order() {
        let line = shape_line("المنتج BMC-7 جاهز", Direction::Rtl, false).expect("shapes");
        let texts: Vec<&str> = line
            .pieces
            .iter()
            .map(|piece| piece.markup.as_str())
            .collect();
        // Visual order, left to right: the last Arabic word, the Latin, the first.
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(texts[0].contains("جاهز"), "{texts:?}");
        assert!(texts[1].contains("BMC-7"), "{texts:?}");
        assert!(texts[2].contains("المنتج"), "{texts:?}");
        assert_eq!(line.pieces[1].family, Family::Sans);
    }

    #[test]
    fn numbers_print_without_noise() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(12.3456), "12.346");
    }
}
