//! A quick way to run the optimiser without building the `cellpath` binary:
//! `cargo run --release -p cellpath-schedule --example solve -- --in I --out O
//! [--time-limit S] [--seed N]`.

use cellpath_schedule::{
    SolveOptions, check, parse_instance, solution_to_json, solve_with_threads,
};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let input = value("--in").ok_or("--in is required")?;
    let output = value("--out");
    let limit: f64 = value("--time-limit").map_or(Ok(5.0), |v| v.parse())?;
    let seed: u64 = value("--seed").map_or(Ok(0), |v| v.parse())?;
    let threads: usize = value("--threads").map_or(Ok(0), |v| v.parse())?;
    let started = Instant::now();
    let instance = parse_instance(&std::fs::read_to_string(&input)?)?;
    let mut last = Instant::now();
    let mut all_booked: Option<f64> = None;
    let mut progress = |p: &cellpath_schedule::Progress| {
        if p.unscheduled == 0 && all_booked.is_none() {
            all_booked = Some(p.elapsed.as_secs_f64());
        }
        if last.elapsed() > Duration::from_millis(500) || p.elapsed < Duration::from_millis(1) {
            eprintln!(
                "{:6.2}s cost {} unscheduled {} bound {}",
                p.elapsed.as_secs_f64(),
                p.cost,
                p.unscheduled,
                p.lower_bound
            );
            last = Instant::now();
        }
    };
    let solution = solve_with_threads(
        &instance,
        SolveOptions {
            time_limit: Duration::from_secs_f64(limit),
            seed,
            initial: None,
            progress: Some(&mut progress),
        },
        threads,
    );
    let report = check(&instance, &solution);
    eprintln!(
        "cost={} scheduled={} unscheduled={} valid={} wall={:.2}s all-booked-at={:.2}s",
        report.cost,
        report.scheduled,
        report.unscheduled,
        report.is_valid(),
        started.elapsed().as_secs_f64(),
        all_booked.unwrap_or(f64::NAN)
    );
    for v in report.violations.iter().take(10) {
        eprintln!("{v}");
    }
    if let Some(out) = output {
        std::fs::write(out, solution_to_json(&solution))?;
    }
    Ok(())
}
