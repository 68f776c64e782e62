//! Renders one small Arabic sheet to the path given (default
//! `render_one.pdf`): the smallest program that links the PDF stack, used to
//! measure what typst adds to a release binary.

use cellpath_documents::{Block, Cell, Direction, Document, Section, render_pdf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "render_one.pdf".to_owned());
    let document = Document {
        lang: "ar".to_owned(),
        direction: Direction::Rtl,
        title: "قائمة التحضير".to_owned(),
        subtitle: None,
        sections: vec![Section {
            heading: "الأدوية".to_owned(),
            blocks: vec![Block::KeyValues(vec![(
                "الجرعة".to_owned(),
                Cell::Ltr("400 mg".to_owned()),
            )])],
        }],
        footer: None,
    };
    std::fs::write(&path, render_pdf(&document)?)?;
    println!("{path}");
    Ok(())
}
