//! `cellpath export --since DATE --out DIR --user USERNAME`: the FHIR R4
//! resources that changed since a day, one NDJSON file per resource type
//! (`Patient.ndjson`...), the shape of FHIR bulk data. It reads what the
//! named account may read (a physician or nurse: their sites' records) and
//! audits every patient exported in that account's name, as a search would.
//! Each file is written beside its place and renamed when complete; types
//! with nothing to export get no file. A progress bar shows on a terminal.

use anyhow::{Context, Result, anyhow};
use cellpath_app::App;
use cellpath_fhir::ResourceType;
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct ExportArgs {
    /// Only what changed on or after this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    pub since: String,
    /// The directory to write `<Type>.ndjson` files into (made when missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The account whose reach the export has (and in whose name it is audited).
    #[arg(long)]
    pub user: String,
}

/// The day asked for, as its first instant.
pub fn since(raw: &str) -> Result<DateTime<Utc>> {
    let day = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("--since {raw} is not a date (YYYY-MM-DD)"))?;
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| anyhow!("--since {raw} is not a date"))
}

fn bar(done: usize, total: usize, name: &str) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    format!(
        "\rexport [{}{}] {done}/{total} types  {name:24}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

pub async fn run(app: &App, args: &ExportArgs) -> Result<()> {
    let since = since(&args.since)?;
    let actor = app
        .actor_by_username(&args.user)
        .await
        .map_err(|_| anyhow!("there is no enabled account {}", args.user))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot make the directory {}", args.out.display()))?;
    let interactive = std::io::stderr().is_terminal();
    let types = ResourceType::ALL;
    let mut written = Vec::new();
    for (i, resource_type) in types.iter().enumerate() {
        if interactive {
            eprint!("{}", bar(i, types.len(), resource_type.name()));
            let _ = std::io::stderr().flush();
        }
        let resources = cellpath_web::fhir::export_type(app, &actor, *resource_type, since)
            .await
            .map_err(|e| match e {
                cellpath_app::AppError::Forbidden(_) => {
                    anyhow!("the account {} may not read FHIR", args.user)
                }
                other => anyhow!("{}: {other}", resource_type.name()),
            })?;
        if resources.is_empty() {
            continue;
        }
        let path = args.out.join(format!("{}.ndjson", resource_type.name()));
        let partial = path.with_extension("ndjson.partial");
        let mut text = String::new();
        for resource in &resources {
            text.push_str(&resource.to_string());
            text.push('\n');
        }
        std::fs::write(&partial, text)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, &path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push((resource_type.name(), resources.len()));
    }
    if interactive {
        eprintln!("{}", bar(types.len(), types.len(), ""));
    }
    if written.is_empty() {
        println!("Nothing changed since {}.", args.since);
        return Ok(());
    }
    let total: usize = written.iter().map(|(_, n)| n).sum();
    println!("Exported {total} resources to {}:", args.out.display());
    for (name, n) in &written {
        println!("  {name}.ndjson {n}");
    }
    Ok(())
}
