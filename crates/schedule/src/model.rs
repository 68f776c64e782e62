//! The problem and its answer as plain Rust values (no JSON here): what the
//! product builds from its database and what `solve` and `check` read.
//!
//! Times are integer minutes from the start of the planning horizon. Every
//! resource is unary; a resource that exists twice is listed twice.

use std::collections::BTreeMap;

/// The largest time, duration or lag (in minutes, either sign) an instance
/// or a solution may give: about 190 years. Far beyond any clinic's
/// horizon, and small enough that sums of them never overflow `i64` (the
/// optimiser's "no bound" is `i64::MAX / 4`).
pub const TIME_BOUND: i64 = 100_000_000;

/// Whether `minutes` is within [`TIME_BOUND`] of zero.
pub fn within_bound(minutes: i64) -> bool {
    (-TIME_BOUND..=TIME_BOUND).contains(&minutes)
}

/// One scheduling problem: resources, jobs and the horizon they live in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Instance {
    /// Last minute any task may end at (`due <= horizon` for every job).
    pub horizon: i64,
    pub resources: Vec<Resource>,
    pub jobs: Vec<Job>,
}

/// A room, a person or a piece of equipment that serves one step at a time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resource {
    pub id: String,
    /// Free text (`procedure_room`, `physician`...); the optimiser ignores it.
    pub kind: String,
    /// Half-open windows `[start, end)` during which the resource serves nothing.
    pub unavailable: Vec<Window>,
}

/// A half-open time window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    pub fn new(start: i64, end: i64) -> Self {
        Window { start, end }
    }
}

/// One treatment session: a chain of tasks booked whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Job {
    pub id: String,
    /// No task starts before this minute.
    pub release: i64,
    /// No task ends after this minute.
    pub due: i64,
    /// In list order: without a lag between two consecutive tasks, the later
    /// one starts no earlier than the earlier one ends.
    pub tasks: Vec<Task>,
    pub lags: Vec<Lag>,
    /// Need keys whose needs all get the same resource within this job.
    pub same: Vec<String>,
}

/// One step of a job.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Task {
    pub id: String,
    pub duration: i64,
    pub needs: Vec<Need>,
}

/// A resource the task needs: exactly one of `one_of`, named by `key`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Need {
    pub key: String,
    pub one_of: Vec<String>,
}

/// `start(to) - end(from)` lies in `[min, max]`; no upper bound without `max`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lag {
    pub from: String,
    pub to: String,
    pub min: i64,
    pub max: Option<i64>,
}

/// A schedule: the start and resources of every task of every booked job,
/// and the jobs not booked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Solution {
    pub assignments: Vec<Assignment>,
    pub unscheduled: Vec<String>,
}

/// When one task of one job starts and which resource serves each of its needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assignment {
    pub job: String,
    pub task: String,
    pub start: i64,
    /// Need key -> resource id.
    pub resources: BTreeMap<String, String>,
}

/// One thing wrong with an instance, at a field path such as `jobs[3].lags[0]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct InstanceIssue {
    pub path: String,
    pub message: String,
}

impl Instance {
    /// Everything that makes this instance unusable, with field paths; empty
    /// when it is well formed. `solve` copes with a bad instance (the jobs
    /// at fault stay unscheduled) but nothing it returns is then checkable.
    pub fn issues(&self) -> Vec<InstanceIssue> {
        let mut issues = Vec::new();
        let mut bounded = |path: String, minutes: i64| {
            if !within_bound(minutes) {
                issues.push(InstanceIssue {
                    path,
                    message: format!("{minutes} is beyond the bound of {TIME_BOUND} minutes"),
                });
            }
        };
        bounded("horizon".into(), self.horizon);
        for (i, r) in self.resources.iter().enumerate() {
            for (w, window) in r.unavailable.iter().enumerate() {
                bounded(format!("resources[{i}].unavailable[{w}]"), window.start);
                bounded(format!("resources[{i}].unavailable[{w}]"), window.end);
            }
        }
        for (j, job) in self.jobs.iter().enumerate() {
            bounded(format!("jobs[{j}].release"), job.release);
            bounded(format!("jobs[{j}].due"), job.due);
            for (t, task) in job.tasks.iter().enumerate() {
                bounded(format!("jobs[{j}].tasks[{t}].duration"), task.duration);
            }
            for (g, lag) in job.lags.iter().enumerate() {
                bounded(format!("jobs[{j}].lags[{g}].min"), lag.min);
                if let Some(max) = lag.max {
                    bounded(format!("jobs[{j}].lags[{g}].max"), max);
                }
            }
        }
        let mut push = |path: String, message: String| issues.push(InstanceIssue { path, message });
        if self.horizon < 0 {
            push("horizon".into(), "must be >= 0".into());
        }
        let mut resource_ids = std::collections::HashSet::new();
        for (i, r) in self.resources.iter().enumerate() {
            if !resource_ids.insert(r.id.as_str()) {
                push(
                    format!("resources[{i}].id"),
                    format!("resource {:?} is listed twice", r.id),
                );
            }
            for (w, window) in r.unavailable.iter().enumerate() {
                if window.start > window.end {
                    push(
                        format!("resources[{i}].unavailable[{w}]"),
                        format!(
                            "window [{}, {}] ends before it starts",
                            window.start, window.end
                        ),
                    );
                }
            }
        }
        let mut job_ids = std::collections::HashSet::new();
        for (j, job) in self.jobs.iter().enumerate() {
            let at = format!("jobs[{j}]");
            if !job_ids.insert(job.id.as_str()) {
                push(
                    format!("{at}.id"),
                    format!("job {:?} is listed twice", job.id),
                );
            }
            if job.due > self.horizon {
                push(
                    format!("{at}.due"),
                    format!(
                        "due {} is after the horizon {} (rule 4)",
                        job.due, self.horizon
                    ),
                );
            }
            if job.tasks.is_empty() {
                push(
                    format!("{at}.tasks"),
                    "a job needs at least one task".into(),
                );
            }
            let mut task_ids = std::collections::HashSet::new();
            for (t, task) in job.tasks.iter().enumerate() {
                let at = format!("{at}.tasks[{t}]");
                if !task_ids.insert(task.id.as_str()) {
                    push(
                        format!("{at}.id"),
                        format!("task id {:?} appears twice", task.id),
                    );
                }
                if task.duration < 0 {
                    push(format!("{at}.duration"), "must be >= 0".into());
                }
                let mut keys = std::collections::HashSet::new();
                for (n, need) in task.needs.iter().enumerate() {
                    let at = format!("{at}.needs[{n}]");
                    if !keys.insert(need.key.as_str()) {
                        push(
                            format!("{at}.key"),
                            format!("need key {:?} appears twice in one task", need.key),
                        );
                    }
                    if need.one_of.is_empty() {
                        push(
                            format!("{at}.one_of"),
                            "must name at least one resource".into(),
                        );
                    }
                    for (k, rid) in need.one_of.iter().enumerate() {
                        if !resource_ids.contains(rid.as_str()) {
                            push(
                                format!("{at}.one_of[{k}]"),
                                format!("unknown resource {rid:?}"),
                            );
                        }
                    }
                }
            }
            for (g, lag) in job.lags.iter().enumerate() {
                if !task_ids.contains(lag.from.as_str())
                    || !task_ids.contains(lag.to.as_str())
                    || lag.from == lag.to
                {
                    push(
                        format!("{at}.lags[{g}]"),
                        format!(
                            "lag {:?} -> {:?} does not link two of its tasks",
                            lag.from, lag.to
                        ),
                    );
                }
            }
        }
        issues
    }
}
