//! `cellpath import FILE|DIR...`: other systems' patients from FHIR R4
//! Bundles (a directory gives its `*.json` files, by name), each Bundle one
//! transaction at the chosen site, with a progress bar on a terminal and a
//! report of what was made, what was there already and what Cellpath does
//! not keep. A Bundle that is refused is named with each problem; the
//! others are still imported, and the command exits 1.

use anyhow::{Context, Result, anyhow, bail};
use cellpath_app::App;
use cellpath_app::fhir_import::ImportReport;
use cellpath_domain::SiteId;
use cellpath_fhir::import::read_bundle;
use clap::Args;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct ImportArgs {
    /// Bundle files (JSON), or directories of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Code of the site the patients are registered at (default: the first site).
    #[arg(long)]
    pub site: Option<String>,
}

/// The files to read, in a stable order.
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("cannot read the directory {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            found.sort();
            out.extend(found);
        } else if path.is_file() {
            out.push(path.clone());
        } else {
            bail!("{} is neither a file nor a directory", path.display());
        }
    }
    if out.is_empty() {
        bail!("no .json files to import");
    }
    Ok(out)
}

/// Draws `done` of `total` as a bar on the terminal's current line.
fn bar(done: usize, total: usize, resources: u64, name: &str) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    format!(
        "\rimport [{}{}] {done}/{total} bundles, {resources} resources  {name:.40}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
    )
}

fn summary(title: &str, counts: &BTreeMap<String, u32>) -> String {
    if counts.is_empty() {
        return format!("{title}: none");
    }
    let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!("{title}: {}", parts.join(", "))
}

pub async fn run(app: &App, args: &ImportArgs) -> Result<()> {
    let files = files(&args.paths)?;
    let sites = app
        .list_sites()
        .await
        .map_err(|e| anyhow!("cannot read the sites: {e}"))?;
    let site = match &args.site {
        Some(code) => sites
            .iter()
            .find(|s| s.code.eq_ignore_ascii_case(code))
            .ok_or_else(|| anyhow!("there is no site with the code {code}"))?,
        None => sites
            .first()
            .ok_or_else(|| anyhow!("there is no site yet: add one with `cellpath site add`"))?,
    };
    let site_id = SiteId::from_uuid(site.id);
    let interactive = std::io::stderr().is_terminal();
    let today = app.now().date_naive();
    let mut total = ImportReport::default();
    let mut refused = 0;
    let mut resources: u64 = 0;
    for (i, file) in files.iter().enumerate() {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if interactive {
            eprint!("{}", bar(i, files.len(), resources, &name));
            let _ = std::io::stderr().flush();
        }
        let text =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let json: serde_json::Value = match serde_json::from_slice(&text) {
            Ok(json) => json,
            Err(e) => {
                refused += 1;
                eprintln!("\n{}: not JSON ({e})", file.display());
                continue;
            }
        };
        resources += json
            .get("entry")
            .and_then(|e| e.as_array())
            .map_or(0, |e| e.len() as u64);
        let bundle = match read_bundle(&json, today) {
            Ok(bundle) => bundle,
            Err(issues) => {
                refused += 1;
                eprintln!("\n{}: refused, nothing imported", file.display());
                for issue in issues {
                    eprintln!("  {}: {}", issue.expression, issue.code);
                }
                continue;
            }
        };
        let report = app
            .import_fhir(None, site_id, &bundle)
            .await
            .map_err(|e| anyhow!("{}: {e}", file.display()))?;
        total.add(&report);
        if !interactive {
            eprintln!("import: {} ({}/{})", name, i + 1, files.len());
        }
    }
    if interactive {
        eprintln!("{}", bar(files.len(), files.len(), resources, ""));
    }
    println!(
        "Imported {} bundles into {} ({}).",
        files.len() - refused,
        site.name,
        site.code
    );
    println!("{}", summary("Made", &total.created));
    println!("{}", summary("Already there", &total.existing));
    println!("{}", summary("Not kept (resources)", &total.unmapped));
    println!("{}", summary("Not kept (fields)", &total.dropped_fields));
    if refused > 0 {
        bail!("{refused} of {} bundles were refused", files.len());
    }
    Ok(())
}
