//! Every public instance of the benchmark kit (shared/bench/instances, or
//! the copy in tests/kit when the kit is not beside the checkout),
//! solved with a short time limit: the solution must satisfy this crate's
//! checker and the kit's independent `check.py`, and both must agree on
//! the cost. Without the kit (or python3) the test says so and passes,
//! unless `CI` is set: then it fails.

use cellpath_schedule::{SolveOptions, check, parse_instance, solution_to_json, solve};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The kit beside the checkout when there is one, else the copy in `tests/kit`.
fn kit() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench");
    if beside.join("instances").is_dir() && beside.join("check.py").is_file() {
        beside
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kit")
    }
}

fn missing(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} (CI is set, so this is a failure)");
    }
    eprintln!("note: {what}; the public instances were not checked");
}

#[test]
fn public_instances_solve_to_valid_schedules_by_both_checkers() {
    let kit = kit();
    let folder = kit.join("instances");
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return missing(&format!("no benchmark kit at {}", folder.display()));
    };
    let python = Command::new("python3").arg("--version").output().is_ok();
    if !python {
        missing("python3 is not available to run check.py");
    }
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no instances in {}", folder.display());
    let out_dir = tempfile_dir();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("read instance");
        let instance = parse_instance(&text).expect("public instances are well formed");
        let solution = solve(
            &instance,
            SolveOptions {
                time_limit: Duration::from_millis(700),
                seed: 1,
                ..SolveOptions::default()
            },
        );
        let report = check(&instance, &solution);
        assert!(
            report.is_valid(),
            "{}: {:?}",
            path.display(),
            &report.violations[..report.violations.len().min(5)]
        );
        if !python {
            continue;
        }
        let name = path.file_name().expect("file name");
        let written = out_dir.join(name);
        std::fs::write(&written, solution_to_json(&solution)).expect("write solution");
        let out = Command::new("python3")
            .arg(kit.join("check.py"))
            .arg(&path)
            .arg(&written)
            .output()
            .expect("run check.py");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "check.py rejects the solution of {}:\n{stdout}",
            path.display()
        );
        let last = stdout.lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("cost={} ", report.cost)) && last.ends_with("valid=true"),
            "{}: check.py says {last:?}, this crate says cost={}",
            path.display(),
            report.cost
        );
    }
}

/// A fresh folder under the target directory for the written solutions.
fn tempfile_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("public-instances-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create output folder");
    dir
}
