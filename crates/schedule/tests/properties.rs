//! Invariants of the optimiser on random clinic instances: whatever it
//! returns keeps every rule (by this crate's checker), books every job whole
//! or lists it, never costs less than the lower bound, and never costs more
//! than a valid schedule it was given to start from.

mod common;

use cellpath_schedule::{
    Instance, Solution, SolveOptions, check, format, lower_bound, parse_instance, parse_solution,
    solution_to_json, solve_with_threads,
};
use common::{Shape, generate};
use proptest::prelude::*;
use std::collections::HashSet;
use std::time::Duration;

fn quick(seed: u64, initial: Option<Solution>) -> SolveOptions<'static> {
    SolveOptions {
        time_limit: Duration::from_millis(40),
        seed,
        initial,
        progress: None,
    }
}

fn assert_sound(instance: &Instance, solution: &Solution) {
    let report = check(instance, solution);
    assert!(
        report.is_valid(),
        "violations: {:#?}",
        &report.violations[..report.violations.len().min(10)]
    );
    // Every job exactly once: scheduled whole or listed.
    let listed: HashSet<&str> = solution.unscheduled.iter().map(String::as_str).collect();
    let booked: HashSet<&str> = solution
        .assignments
        .iter()
        .map(|a| a.job.as_str())
        .collect();
    for job in &instance.jobs {
        assert!(
            listed.contains(job.id.as_str()) != booked.contains(job.id.as_str()),
            "{} must be either booked or listed",
            job.id
        );
    }
    assert_eq!(report.scheduled + report.unscheduled, instance.jobs.len());
    assert!(report.cost >= lower_bound(instance));
}

fn shapes() -> impl Strategy<Value = (u64, Shape)> {
    (any::<u64>(), 1usize..28, 1i64..3, 1usize..3, any::<bool>()).prop_map(
        |(seed, sessions, days, sites, odd)| {
            (
                seed,
                Shape {
                    sessions,
                    days,
                    sites,
                    odd,
                },
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_solution_keeps_every_rule((seed, shape) in shapes()) {
        let instance = generate(seed, shape);
        prop_assert!(instance.issues().is_empty(), "{:?}", instance.issues());
        let solution = solve_with_threads(&instance, quick(seed, None), 1);
        assert_sound(&instance, &solution);
    }

    #[test]
    fn a_valid_start_is_never_made_worse((seed, shape) in shapes()) {
        let instance = generate(seed, shape);
        let first = solve_with_threads(&instance, quick(seed, None), 1);
        let first_cost = check(&instance, &first).cost;
        let second = solve_with_threads(&instance, quick(seed.wrapping_add(1), Some(first)), 1);
        assert_sound(&instance, &second);
        prop_assert!(check(&instance, &second).cost <= first_cost);
    }

    #[test]
    fn an_invalid_start_still_gives_a_valid_schedule((seed, shape) in shapes(), shift in -90i64..90) {
        let instance = generate(seed, shape);
        let mut start = solve_with_threads(&instance, quick(seed, None), 1);
        // Move every other task: most jobs now break a lag or collide.
        for (i, a) in start.assignments.iter_mut().enumerate() {
            if i % 2 == 0 {
                a.start += shift;
            }
        }
        let solution = solve_with_threads(&instance, quick(seed, Some(start)), 1);
        assert_sound(&instance, &solution);
    }

    #[test]
    fn formats_print_back_the_same((seed, shape) in shapes()) {
        let instance = generate(seed, shape);
        let text = format::instance_to_json(&instance);
        prop_assert_eq!(&parse_instance(&text).expect("instance reads back"), &instance);
        let solution = solve_with_threads(&instance, quick(seed, None), 1);
        let text = solution_to_json(&solution);
        prop_assert_eq!(&parse_solution(&text).expect("solution reads back"), &solution);
    }
}

#[test]
fn the_same_seed_and_enough_time_give_the_same_schedule_on_a_small_clinic() {
    // Small enough to reach the lower bound well within the limit, so the
    // clock does not decide where the search stops.
    let instance = generate(
        3,
        Shape {
            sessions: 4,
            days: 1,
            sites: 1,
            odd: false,
        },
    );
    let a = solve_with_threads(&instance, quick(9, None), 1);
    let b = solve_with_threads(&instance, quick(9, None), 1);
    if check(&instance, &a).cost == lower_bound(&instance) {
        assert_eq!(a, b);
    }
}
