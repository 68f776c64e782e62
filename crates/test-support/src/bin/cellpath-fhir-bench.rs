//! `cellpath-fhir-bench`: FHIR import throughput as a ratio to parsing the
//! same Bundles with serde_json alone, measured side by side in one run.
//!
//! The Bundles (default `../shared/data/fhir/synthea`) are read into memory
//! once. Then rounds alternate: *parse* is `serde_json::from_slice` of every
//! Bundle; *import* is the same parse, `cellpath_fhir::import::read_bundle`
//! and `App::import_fhir` of every Bundle into a fresh database with one
//! site (a new SQLite file, or a new PostgreSQL database with `--backend
//! postgres`), one transaction per Bundle, every record audited. Both count
//! every resource of every Bundle (kept or reported), so the figures are
//! resources per second. The best round of each is reported.

use anyhow::{Context, Result, bail};
use cellpath_app::admin::NewSite;
use cellpath_app::{App, AppConfig};
use cellpath_domain::SiteId;
use cellpath_fhir::import::read_bundle;
use cellpath_test_support::{Backend, store};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, ValueEnum)]
enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Parser)]
#[command(about = "FHIR import throughput against serde_json parsing of the same Bundles")]
struct Args {
    /// A directory of Bundle files (`*.json`).
    #[arg(long, default_value = "../shared/data/fhir/synthea")]
    bundles: PathBuf,
    /// Rounds of each (parse and import alternate).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    #[arg(long, value_enum, default_value_t = Engine::Sqlite)]
    backend: Engine,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.rounds == 0 {
        bail!("--rounds must be at least 1");
    }
    let backend = match args.backend {
        Engine::Sqlite => Backend::Sqlite,
        Engine::Postgres => {
            Backend::postgres().context("--backend postgres needs CELLPATH_TEST_POSTGRES")?
        }
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.bundles)
        .with_context(|| format!("cannot read {}", args.bundles.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no *.json Bundles in {}", args.bundles.display());
    }
    let texts: Vec<Vec<u8>> = files
        .iter()
        .map(std::fs::read)
        .collect::<std::io::Result<_>>()?;
    let bytes: usize = texts.iter().map(Vec::len).sum();
    let resources: usize = texts
        .iter()
        .map(|t| {
            serde_json::from_slice::<serde_json::Value>(t)
                .map(|v| v["entry"].as_array().map_or(0, Vec::len))
        })
        .sum::<Result<usize, _>>()?;
    eprintln!(
        "{} Bundles, {:.1} MB, {resources} resources; {} rounds each on {}",
        files.len(),
        bytes as f64 / 1e6,
        args.rounds,
        backend.name()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut parse = Vec::new();
    let mut import = Vec::new();
    for round in 1..=args.rounds {
        let started = Instant::now();
        let mut parsed = 0;
        for text in &texts {
            let value: serde_json::Value = serde_json::from_slice(text)?;
            parsed += value["entry"].as_array().map_or(0, Vec::len);
        }
        let parse_time = started.elapsed();
        assert_eq!(parsed, resources);
        let import_time = runtime.block_on(import_round(&backend, &texts))?;
        eprintln!(
            "round {round}: parse {:.1} ms, import {:.1} ms",
            millis(parse_time),
            millis(import_time)
        );
        parse.push(parse_time);
        import.push(import_time);
    }
    let best = |times: &[Duration]| times.iter().min().copied().unwrap_or_default();
    let (parse, import) = (best(&parse), best(&import));
    let rate = |d: Duration| resources as f64 / d.as_secs_f64().max(1e-9);
    println!("| {} | resources/s | ratio to parse |", backend.name());
    println!("|---|---:|---:|");
    println!("| serde_json parse | {:.0} | 1 |", rate(parse));
    println!(
        "| import (parse, map, validate, store, audit) | {:.0} | 1/{:.1} |",
        rate(import),
        import.as_secs_f64() / parse.as_secs_f64().max(1e-9)
    );
    Ok(())
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Every Bundle imported into a fresh database; the time of the imports
/// alone (parse included), not of making the database.
async fn import_round(backend: &Backend, texts: &[Vec<u8>]) -> Result<Duration> {
    let (store, _db) = store(backend).await;
    let app = App::new(store, AppConfig::default());
    let site = app
        .add_site(
            None,
            &NewSite {
                code: "BENCH".into(),
                name: "Bench clinic".into(),
                record_prefix: "BE".into(),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("site: {e}"))?;
    let site = SiteId::from_uuid(site.id);
    let today = app.now().date_naive();
    let started = Instant::now();
    for text in texts {
        let value: serde_json::Value = serde_json::from_slice(text)?;
        let bundle =
            read_bundle(&value, today).map_err(|issues| anyhow::anyhow!("refused: {issues:?}"))?;
        app.import_fhir(None, site, &bundle)
            .await
            .map_err(|e| anyhow::anyhow!("import: {e}"))?;
    }
    Ok(started.elapsed())
}
