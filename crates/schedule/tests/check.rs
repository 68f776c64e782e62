//! The checker, rule by rule: a valid schedule of the spec's example and
//! one broken copy per rule, each reported under the right rule number and
//! naming the job; plus the readings shared with the kit's check.py.

use cellpath_schedule::{
    Instance, Job, Lag, Need, Resource, Solution, SolveOptions, TIME_BOUND, Task,
    UNSCHEDULED_PENALTY, Window, check, lower_bound, parse_instance, parse_solution,
    solve_with_threads,
};
use std::time::Duration;

const INSTANCE: &str = r#"{
  "format": "cellpath-schedule/1",
  "horizon": 720,
  "resources": [
    {"id": "room-1", "kind": "procedure_room", "unavailable": [[300, 330]]},
    {"id": "room-2", "kind": "procedure_room"},
    {"id": "dr-a", "kind": "physician", "unavailable": [[0, 60], [300, 360]]},
    {"id": "dr-b", "kind": "physician"},
    {"id": "rn-1", "kind": "nurse"},
    {"id": "cf-1", "kind": "centrifuge"},
    {"id": "lab-1", "kind": "lab_tech"},
    {"id": "us-1", "kind": "ultrasound"}
  ],
  "jobs": [
    {"id": "S-1", "release": 0, "due": 600,
     "tasks": [
       {"id": "harvest", "duration": 40, "needs": [
         {"key": "room", "one_of": ["room-1", "room-2"]},
         {"key": "physician", "one_of": ["dr-a", "dr-b"]},
         {"key": "nurse", "one_of": ["rn-1"]}]},
       {"id": "process", "duration": 45, "needs": [
         {"key": "centrifuge", "one_of": ["cf-1"]},
         {"key": "tech", "one_of": ["lab-1"]}]},
       {"id": "inject", "duration": 20, "needs": [
         {"key": "room", "one_of": ["room-1", "room-2"]},
         {"key": "physician", "one_of": ["dr-a", "dr-b"]},
         {"key": "imaging", "one_of": ["us-1"]}]}],
     "lags": [
       {"from": "harvest", "to": "process", "min": 0, "max": 30},
       {"from": "process", "to": "inject", "min": 0}],
     "same": ["physician"]},
    {"id": "S-2", "release": 60, "due": 720,
     "tasks": [
       {"id": "prepare", "duration": 15, "needs": [{"key": "tech", "one_of": ["lab-1"]}]},
       {"id": "inject", "duration": 30, "needs": [
         {"key": "room", "one_of": ["room-1", "room-2"]},
         {"key": "physician", "one_of": ["dr-a", "dr-b"]}]}]}
  ]
}"#;

/// S-1 at 60 with dr-a; S-2 (no lags: list order) at 120.
const VALID: &str = r#"{
  "format": "cellpath-schedule-solution/1",
  "assignments": [
    {"job": "S-1", "task": "harvest", "start": 60, "resources": {"room": "room-1", "physician": "dr-a", "nurse": "rn-1"}},
    {"job": "S-1", "task": "process", "start": 100, "resources": {"centrifuge": "cf-1", "tech": "lab-1"}},
    {"job": "S-1", "task": "inject", "start": 150, "resources": {"room": "room-1", "physician": "dr-a", "imaging": "us-1"}},
    {"job": "S-2", "task": "prepare", "start": 145, "resources": {"tech": "lab-1"}},
    {"job": "S-2", "task": "inject", "start": 160, "resources": {"room": "room-2", "physician": "dr-b"}}
  ],
  "unscheduled": []
}"#;

fn valid() -> Solution {
    parse_solution(VALID).expect("valid solution reads")
}

fn set(
    solution: &mut Solution,
    job: &str,
    task: &str,
    f: impl FnOnce(&mut cellpath_schedule::Assignment),
) {
    let a = solution
        .assignments
        .iter_mut()
        .find(|a| a.job == job && a.task == task)
        .expect("assignment");
    f(a);
}

#[test]
fn the_example_is_valid_and_costs_its_stays() {
    let instance = parse_instance(INSTANCE).expect("instance reads");
    let report = check(&instance, &valid());
    assert!(report.is_valid(), "{:?}", report.violations);
    // S-1: 60..170 = 110; S-2: 145..190 = 45.
    assert_eq!(report.cost, 155);
    assert_eq!((report.scheduled, report.unscheduled), (2, 0));
    assert_eq!(lower_bound(&instance), 40 + 45 + 20 + 15 + 30);
}

#[test]
fn each_broken_rule_is_reported_with_its_number_and_job() {
    let instance = parse_instance(INSTANCE).expect("instance reads");
    type Break = fn(&mut Solution);
    let cases: Vec<(u8, &str, Break)> = vec![
        (1, "S-2", |s| {
            s.assignments
                .retain(|a| !(a.job == "S-2" && a.task == "inject"))
        }),
        (1, "S-1", |s| s.unscheduled.push("S-1".into())),
        (2, "S-1", |s| {
            set(s, "S-1", "process", |a| {
                a.resources.insert("centrifuge".into(), "room-2".into());
            })
        }),
        (2, "S-1", |s| {
            set(s, "S-1", "process", |a| {
                a.resources.remove("tech");
            })
        }),
        (3, "S-2", |s| {
            set(s, "S-2", "inject", |a| {
                a.resources.insert("room".into(), "room-1".into());
            })
        }),
        (3, "S-1", |s| {
            // Harvest moved onto room-1's unavailable window.
            set(s, "S-1", "harvest", |a| a.start = 290);
            set(s, "S-1", "process", |a| a.start = 330);
            set(s, "S-1", "inject", |a| {
                a.start = 380;
                a.resources.insert("physician".into(), "dr-b".into());
            });
            set(s, "S-1", "harvest", |a| {
                a.resources.insert("physician".into(), "dr-b".into());
            });
        }),
        (4, "S-2", |s| {
            set(s, "S-2", "prepare", |a| a.start = 30);
            set(s, "S-2", "inject", |a| a.start = 45);
        }),
        (5, "S-1", |s| set(s, "S-1", "process", |a| a.start = 140)),
        (5, "S-2", |s| set(s, "S-2", "inject", |a| a.start = 150)),
        (6, "S-1", |s| {
            set(s, "S-1", "inject", |a| {
                a.resources.insert("physician".into(), "dr-b".into());
            })
        }),
    ];
    for (rule, job, breaks) in cases {
        let mut solution = valid();
        breaks(&mut solution);
        let report = check(&instance, &solution);
        assert!(
            report
                .violations
                .iter()
                .any(|v| v.rule == rule && v.job.as_deref() == Some(job)),
            "rule {rule} on {job} not reported: {:?}",
            report.violations
        );
        assert!(
            report
                .violations
                .iter()
                .all(|v| v.to_string().starts_with("[rule "))
        );
    }
}

#[test]
fn an_unscheduled_job_costs_the_penalty_and_an_unlisted_one_is_rule_1() {
    let instance = parse_instance(INSTANCE).expect("instance reads");
    let mut solution = valid();
    solution.assignments.retain(|a| a.job != "S-2");
    let report = check(&instance, &solution);
    assert!(report.violations.iter().any(|v| v.rule == 1));
    solution.unscheduled.push("S-2".into());
    let report = check(&instance, &solution);
    assert!(report.is_valid(), "{:?}", report.violations);
    assert_eq!(report.cost, 110 + UNSCHEDULED_PENALTY);
}

#[test]
fn unreadable_or_inconsistent_instances_are_refused_with_the_field() {
    let err = parse_instance(
        r#"{"format": "cellpath-schedule/1", "horizon": 10, "resources": [], "jobs": [{"id": 3}]}"#,
    )
    .expect_err("job id is a number");
    assert!(err.to_string().contains("jobs[0].id"), "{err}");
    let err =
        parse_instance(&INSTANCE.replace("\"us-1\"]", "\"us-9\"]")).expect_err("unknown resource");
    assert!(
        err.to_string().contains("unknown resource \"us-9\""),
        "{err}"
    );
    let err = parse_instance(&INSTANCE.replace("\"due\": 720", "\"due\": 721"))
        .expect_err("due after horizon");
    assert!(err.to_string().contains("rule 4"), "{err}");
    let err = parse_solution(&VALID.replace("solution/1", "solution/2")).expect_err("format");
    assert_eq!(err.code(), "schedule.format");
}

/// Found by the `schedule_json` fuzz target: numbers near `i64::MAX`
/// overflowed the optimiser's sums (and, in a solution, the checker's).
const HUGE: &str = r#"{"format": "cellpath-schedule/1", "horizon": 9223372036854775807,
  "resources": [{"id": "r", "kind": "room", "unavailable": [[-9223372036854775808, 5]]}],
  "jobs": [{"id": "A", "release": 0, "due": 9223372036854775807, "tasks": [
    {"id": "a", "duration": 9223372036854775807, "needs": [{"key": "k", "one_of": ["r"]}]},
    {"id": "b", "duration": 9223372036854775807, "needs": []}],
    "lags": [{"from": "a", "to": "b", "min": -9223372036854775808}]}]}"#;

#[test]
fn numbers_beyond_the_bound_are_refused_with_the_field() {
    let err = parse_instance(HUGE).expect_err("beyond the bound");
    let text = err.to_string();
    for path in [
        "horizon",
        "resources[0].unavailable[0]",
        "jobs[0].due",
        "jobs[0].tasks[0].duration",
        "jobs[0].tasks[1].duration",
        "jobs[0].lags[0].min",
    ] {
        assert!(text.contains(&format!("{path}: ")), "{path} in {text}");
    }
    let at_bound = HUGE
        .replace("9223372036854775807", &TIME_BOUND.to_string())
        .replace("-9223372036854775808", &(-TIME_BOUND).to_string())
        .replace(&format!("\"duration\": {TIME_BOUND}"), "\"duration\": 10");
    parse_instance(&at_bound).expect("numbers at the bound read");
}

#[test]
fn the_optimiser_leaves_a_job_beyond_the_bound_unscheduled_without_overflow() {
    let minutes = [i64::MAX, i64::MIN];
    for huge in minutes {
        let instance = Instance {
            horizon: i64::MAX,
            resources: vec![Resource {
                id: "r".into(),
                kind: "room".into(),
                unavailable: vec![Window::new(i64::MIN, 5), Window::new(100, i64::MAX)],
            }],
            jobs: vec![
                Job {
                    id: "huge".into(),
                    release: 0,
                    due: i64::MAX,
                    tasks: vec![task("a", huge.max(0)), task("b", i64::MAX)],
                    lags: vec![Lag {
                        from: "a".into(),
                        to: "b".into(),
                        min: huge,
                        max: None,
                    }],
                    same: Vec::new(),
                },
                Job {
                    id: "small".into(),
                    release: 0,
                    due: 90,
                    tasks: vec![task("a", 30)],
                    lags: Vec::new(),
                    same: Vec::new(),
                },
            ],
        };
        let options = SolveOptions {
            time_limit: Duration::ZERO,
            ..SolveOptions::default()
        };
        let solution = solve_with_threads(&instance, options, 1);
        assert_eq!(solution.unscheduled, vec!["huge".to_string()]);
        assert!(solution.assignments.iter().all(|a| a.job == "small"));
        assert_eq!(solution.assignments.len(), 1);
    }
}

fn task(id: &str, duration: i64) -> Task {
    Task {
        id: id.into(),
        duration,
        needs: vec![Need {
            key: "k".into(),
            one_of: vec!["r".into()],
        }],
    }
}

#[test]
fn a_start_beyond_the_bound_breaks_rule_4_without_overflow() {
    let instance = parse_instance(INSTANCE).expect("instance");
    for start in [i64::MAX, i64::MIN, TIME_BOUND + 1] {
        let mut solution = valid();
        set(&mut solution, "S-1", "harvest", |a| a.start = start);
        set(&mut solution, "S-1", "inject", |a| a.start = i64::MIN);
        let report = check(&instance, &solution);
        let beyond: Vec<_> = report
            .violations
            .iter()
            .filter(|v| v.rule == 4 && v.message.contains("beyond the bound"))
            .collect();
        assert_eq!(beyond.len(), 2, "{:?}", report.violations);
        assert!(beyond.iter().all(|v| v.job.as_deref() == Some("S-1")));
        assert!(!report.is_valid());
        // The initial schedule the optimiser starts from is refused the same way.
        let options = SolveOptions {
            time_limit: Duration::ZERO,
            initial: Some(solution),
            ..SolveOptions::default()
        };
        let solved = solve_with_threads(&instance, options, 1);
        assert!(check(&instance, &solved).is_valid());
    }
}
