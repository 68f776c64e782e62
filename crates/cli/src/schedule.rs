//! `cellpath schedule`: solve a scheduling instance file, or check a
//! solution against one, without touching the database. Exit status of
//! `--check` as the benchmark kit's check.py: 0 valid, 1 a rule is broken,
//! 2 a file cannot be read.

use anyhow::{Context, Result};
use cellpath_schedule::{
    Instance, Progress, SolveOptions, check, lower_bound, parse_instance, parse_solution,
    solution_to_json, solve,
};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Args, Clone, Debug)]
pub struct ScheduleArgs {
    /// Instance to solve (format cellpath-schedule/1).
    #[arg(
        long = "in",
        value_name = "INSTANCE",
        required_unless_present = "check"
    )]
    input: Option<PathBuf>,
    /// Where to write the solution (format cellpath-schedule-solution/1); standard output without it.
    #[arg(long = "out", value_name = "SOLUTION", conflicts_with = "check")]
    output: Option<PathBuf>,
    /// Stop improving after this many seconds (it stops earlier when no schedule can be cheaper).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 5.0,
        conflicts_with = "check"
    )]
    time_limit: f64,
    /// Seed of the search: same seed, same moves.
    #[arg(long, default_value_t = 0, conflicts_with = "check")]
    seed: u64,
    /// Check SOLUTION against INSTANCE by rules 1-6: prints every violation and the cost;
    /// exit status 0 valid, 1 a rule is broken, 2 a file cannot be read.
    #[arg(long, num_args = 2, value_names = ["INSTANCE", "SOLUTION"], conflicts_with = "input")]
    check: Option<Vec<PathBuf>>,
}

/// Exit status when a file cannot be read (as check.py).
const UNREADABLE: i32 = 2;

/// Runs the command; exits the process itself with status 1 or 2 where
/// `--check` and an unreadable file call for it.
pub fn run(args: &ScheduleArgs) -> Result<()> {
    if let Some(paths) = &args.check {
        let code = run_check(&paths[0], &paths[1]);
        std::process::exit(code);
    }
    let Some(input) = &args.input else {
        anyhow::bail!("--in is required");
    };
    let instance = match read_instance(input) {
        Ok(instance) => instance,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(UNREADABLE);
        }
    };
    if !(args.time_limit.is_finite() && args.time_limit >= 0.0) {
        anyhow::bail!("--time-limit must be a number of seconds >= 0");
    }
    let started = Instant::now();
    let interactive = std::io::stderr().is_terminal();
    let mut last_line: Option<Instant> = None;
    let mut progress = |p: &Progress| {
        // At most a line a second, and only on a terminal: nobody reads a log of it.
        if interactive && last_line.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
            eprintln!(
                "schedule: {:5.1}s  cost {}  unscheduled {}  bound {}",
                p.elapsed.as_secs_f64(),
                p.cost,
                p.unscheduled,
                p.lower_bound
            );
            last_line = Some(Instant::now());
        }
    };
    let solution = solve(
        &instance,
        SolveOptions {
            time_limit: Duration::from_secs_f64(args.time_limit),
            seed: args.seed,
            initial: None,
            progress: Some(&mut progress),
        },
    );
    let text = solution_to_json(&solution);
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("cannot write the solution to standard output")?;
        }
    }
    let report = check(&instance, &solution);
    eprintln!(
        "schedule: cost={} scheduled={} unscheduled={} bound={} valid={} in {:.2}s",
        report.cost,
        report.scheduled,
        report.unscheduled,
        lower_bound(&instance),
        report.is_valid(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn read_instance(path: &Path) -> std::result::Result<Instance, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_instance(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Prints the violations and the cost line; returns the exit status.
fn run_check(instance_path: &Path, solution_path: &Path) -> i32 {
    let instance = match read_instance(instance_path) {
        Ok(instance) => instance,
        Err(message) => {
            println!("error: instance {message}");
            println!("cost=0 scheduled=0 unscheduled=0 valid=false");
            return UNREADABLE;
        }
    };
    let solution = match std::fs::read_to_string(solution_path)
        .map_err(|e| e.to_string())
        .and_then(|text| parse_solution(&text).map_err(|e| e.to_string()))
    {
        Ok(solution) => solution,
        Err(message) => {
            let n = instance.jobs.len();
            println!("error: solution {}: {message}", solution_path.display());
            println!(
                "cost={} scheduled=0 unscheduled={n} valid=false",
                cellpath_schedule::UNSCHEDULED_PENALTY * n as i64
            );
            return UNREADABLE;
        }
    };
    let report = check(&instance, &solution);
    for violation in &report.violations {
        println!("{violation}");
    }
    for note in &report.notes {
        println!("{note}");
    }
    println!(
        "cost={} scheduled={} unscheduled={} valid={}",
        report.cost,
        report.scheduled,
        report.unscheduled,
        report.is_valid()
    );
    if report.is_valid() { 0 } else { 1 }
}
