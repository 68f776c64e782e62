//! `cellpath label`: prints the label of an existing specimen or product to
//! a file, as the lab's pages serve it: PDF, SVG or PNG by the file's
//! extension, in English or Arabic. The print is written to the audit trail
//! like a print from the pages.

use anyhow::{Context, Result, anyhow, bail};
use cellpath_app::App;
use cellpath_domain::Locale;
use cellpath_web::pages::session_day::{LabelFormat, render_unit_label};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Clone, Debug)]
pub struct LabelArgs {
    /// The unit: its identifier as printed (`T123426000001X`), as scanned
    /// (`=T12342600000177`) or its uuid.
    #[arg(long, allow_hyphen_values = true)]
    pub id: String,
    /// Where to write the label; `.pdf`, `.svg` or `.png` chooses the format.
    #[arg(long)]
    pub out: PathBuf,
    /// The label's language: `en` or `ar`.
    #[arg(long, default_value = "en")]
    pub lang: String,
}

/// The format and language asked for, checked before the database is opened.
pub fn parse(args: &LabelArgs) -> Result<(LabelFormat, Locale)> {
    let format = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .and_then(LabelFormat::parse)
        .ok_or_else(|| {
            anyhow!(
                "{} does not end in .pdf, .svg or .png: the extension chooses the format",
                args.out.display()
            )
        })?;
    let Some(locale) = Locale::parse(&args.lang) else {
        bail!("--lang must be en or ar, not {:?}", args.lang);
    };
    Ok((format, locale))
}

/// Renders the label and writes it next to its final name first, so a
/// failed print never leaves half a file behind.
pub async fn run(app: &App, args: &LabelArgs, format: LabelFormat, locale: Locale) -> Result<()> {
    let unit = app
        .unit_label_for_operator(&args.id)
        .await
        .map_err(crate::app_error)?;
    let bytes = render_unit_label(locale, &unit, format)
        .map_err(|e| anyhow!("the label could not be rendered: {e}"))?;
    write_whole(&args.out, &bytes)?;
    println!(
        "Wrote the label of {} ({}) to {} ({} bytes).",
        unit.donation_id.printed(),
        unit.unit.kind.code(),
        args.out.display(),
        bytes.len()
    );
    Ok(())
}

fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}
