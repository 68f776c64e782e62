//! The schedule files `cellpath schedule` reads: an instance
//! (`cellpath-schedule/1`) and, after a NUL byte, a solution
//! (`cellpath-schedule-solution/1`). Parse, write back, check, and on tiny
//! instances solve: nothing may panic, an instance written back reads the
//! same, and what the solver returns for a readable instance keeps the rules.
#![no_main]

use cellpath_schedule::format::instance_to_json;
use cellpath_schedule::{
    Instance, SolveOptions, check, cost, parse_instance, parse_solution, solution_to_json,
    solve_with_threads,
};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let (instance_bytes, solution_bytes) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(instance_text) = std::str::from_utf8(instance_bytes) else {
        return;
    };
    let solution = std::str::from_utf8(solution_bytes)
        .ok()
        .and_then(|text| parse_solution(text).ok());
    if let Some(solution) = &solution {
        assert_eq!(
            parse_solution(&solution_to_json(solution)).as_ref(),
            Ok(solution)
        );
    }
    let Ok(instance) = parse_instance(instance_text) else {
        return;
    };
    assert_eq!(
        parse_instance(&instance_to_json(&instance)).as_ref(),
        Ok(&instance)
    );
    if let Some(solution) = &solution {
        let report = check(&instance, solution);
        let _ = report.is_valid();
        let _ = cost(&instance, solution);
    }
    if is_tiny(&instance) {
        let options = SolveOptions {
            time_limit: Duration::ZERO,
            seed: 1,
            initial: solution,
            progress: None,
        };
        let solved = solve_with_threads(&instance, options, 1);
        let report = check(&instance, &solved);
        assert!(report.is_valid(), "{report:?}");
    }
});

/// Small enough that construction alone answers in well under a millisecond.
fn is_tiny(instance: &Instance) -> bool {
    let tasks: usize = instance.jobs.iter().map(|j| j.tasks.len()).sum();
    let windows: usize = instance.resources.iter().map(|r| r.unavailable.len()).sum();
    instance.jobs.len() <= 4 && tasks <= 12 && instance.resources.len() <= 8 && windows <= 16
}
