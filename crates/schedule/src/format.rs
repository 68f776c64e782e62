//! The JSON edge: instance format `cellpath-schedule/1` and solution format
//! `cellpath-schedule-solution/1` (shared/specs/scheduling.md), read into and
//! written from the model types. The only module that knows about JSON.

use crate::model::{
    Assignment, Instance, InstanceIssue, Job, Lag, Need, Resource, Solution, Task, Window,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` tag of an instance.
pub const INSTANCE_FORMAT: &str = "cellpath-schedule/1";
/// The `format` tag of a solution.
pub const SOLUTION_FORMAT: &str = "cellpath-schedule-solution/1";

/// Why a text is not a usable instance or solution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Not JSON, or JSON of the wrong shape; `path` names the field at fault.
    #[error("{path}: {message}")]
    Json { path: String, message: String },
    /// The `format` tag is not the one expected.
    #[error("format is {found:?}, expected {expected:?}")]
    WrongFormat {
        expected: &'static str,
        found: String,
    },
    /// Well-formed JSON that breaks the instance's own rules (every problem listed).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<InstanceIssue>),
}

impl FormatError {
    /// A stable code for each kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            FormatError::Json { .. } => "schedule.json",
            FormatError::WrongFormat { .. } => "schedule.format",
            FormatError::Invalid(_) => "schedule.invalid_instance",
        }
    }
}

#[derive(Deserialize)]
struct InstanceJson {
    format: String,
    horizon: i64,
    resources: Vec<ResourceJson>,
    jobs: Vec<JobJson>,
}

#[derive(Deserialize)]
struct ResourceJson {
    id: String,
    kind: String,
    #[serde(default)]
    unavailable: Vec<(i64, i64)>,
}

#[derive(Deserialize)]
struct JobJson {
    id: String,
    release: i64,
    due: i64,
    tasks: Vec<TaskJson>,
    #[serde(default)]
    lags: Vec<LagJson>,
    #[serde(default)]
    same: Vec<String>,
}

#[derive(Deserialize)]
struct TaskJson {
    id: String,
    duration: i64,
    needs: Vec<NeedJson>,
}

#[derive(Deserialize)]
struct NeedJson {
    key: String,
    one_of: Vec<String>,
}

#[derive(Deserialize)]
struct LagJson {
    from: String,
    to: String,
    min: i64,
    #[serde(default)]
    max: Option<i64>,
}

#[derive(Deserialize, Serialize)]
struct SolutionJson {
    format: String,
    assignments: Vec<AssignmentJson>,
    unscheduled: Vec<String>,
}

#[derive(Deserialize, Serialize)]
struct AssignmentJson {
    job: String,
    task: String,
    start: i64,
    resources: BTreeMap<String, String>,
}

fn from_json<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, FormatError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| FormatError::Json {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    de.end().map_err(|e| FormatError::Json {
        path: ".".into(),
        message: e.to_string(),
    })?;
    Ok(value)
}

/// Reads an instance and checks it (ids known and unique, lags linking two
/// tasks of their job, `due <= horizon`...). Every problem is reported.
pub fn parse_instance(text: &str) -> Result<Instance, FormatError> {
    let raw: InstanceJson = from_json(text)?;
    if raw.format != INSTANCE_FORMAT {
        return Err(FormatError::WrongFormat {
            expected: INSTANCE_FORMAT,
            found: raw.format,
        });
    }
    let instance = Instance {
        horizon: raw.horizon,
        resources: raw
            .resources
            .into_iter()
            .map(|r| Resource {
                id: r.id,
                kind: r.kind,
                unavailable: r
                    .unavailable
                    .into_iter()
                    .map(|(a, b)| Window::new(a, b))
                    .collect(),
            })
            .collect(),
        jobs: raw
            .jobs
            .into_iter()
            .map(|j| Job {
                id: j.id,
                release: j.release,
                due: j.due,
                tasks: j
                    .tasks
                    .into_iter()
                    .map(|t| Task {
                        id: t.id,
                        duration: t.duration,
                        needs: t
                            .needs
                            .into_iter()
                            .map(|n| Need {
                                key: n.key,
                                one_of: n.one_of,
                            })
                            .collect(),
                    })
                    .collect(),
                lags: j
                    .lags
                    .into_iter()
                    .map(|g| Lag {
                        from: g.from,
                        to: g.to,
                        min: g.min,
                        max: g.max,
                    })
                    .collect(),
                same: j.same,
            })
            .collect(),
    };
    let issues = instance.issues();
    if issues.is_empty() {
        Ok(instance)
    } else {
        Err(FormatError::Invalid(issues))
    }
}

/// Reads a solution. Whether it keeps the rules is `check`'s business.
pub fn parse_solution(text: &str) -> Result<Solution, FormatError> {
    let raw: SolutionJson = from_json(text)?;
    if raw.format != SOLUTION_FORMAT {
        return Err(FormatError::WrongFormat {
            expected: SOLUTION_FORMAT,
            found: raw.format,
        });
    }
    Ok(Solution {
        assignments: raw
            .assignments
            .into_iter()
            .map(|a| Assignment {
                job: a.job,
                task: a.task,
                start: a.start,
                resources: a.resources,
            })
            .collect(),
        unscheduled: raw.unscheduled,
    })
}

/// Writes a solution: one assignment per line, ending with a newline.
pub fn solution_to_json(solution: &Solution) -> String {
    let mut out = String::new();
    out.push_str("{\n  \"format\": ");
    out.push_str(&json_string(SOLUTION_FORMAT));
    out.push_str(",\n  \"assignments\": [");
    for (i, a) in solution.assignments.iter().enumerate() {
        out.push_str(if i == 0 { "\n    " } else { ",\n    " });
        let line = serde_json::json!({
            "job": a.job,
            "task": a.task,
            "start": a.start,
            "resources": a.resources,
        });
        out.push_str(&line.to_string());
    }
    if !solution.assignments.is_empty() {
        out.push_str("\n  ");
    }
    out.push_str("],\n  \"unscheduled\": [");
    let names: Vec<String> = solution
        .unscheduled
        .iter()
        .map(|u| json_string(u))
        .collect();
    out.push_str(&names.join(", "));
    out.push_str("]\n}\n");
    out
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// Writes an instance in the `cellpath-schedule/1` format (one job per line).
pub fn instance_to_json(instance: &Instance) -> String {
    let resources: Vec<serde_json::Value> = instance
        .resources
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "kind": r.kind,
                "unavailable": r.unavailable.iter().map(|w| [w.start, w.end]).collect::<Vec<_>>(),
            })
        })
        .collect();
    let jobs: Vec<serde_json::Value> = instance
        .jobs
        .iter()
        .map(|j| {
            serde_json::json!({
                "id": j.id,
                "release": j.release,
                "due": j.due,
                "tasks": j.tasks.iter().map(|t| serde_json::json!({
                    "id": t.id,
                    "duration": t.duration,
                    "needs": t.needs.iter().map(|n| serde_json::json!({
                        "key": n.key, "one_of": n.one_of,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "lags": j.lags.iter().map(|g| {
                    let mut lag = serde_json::json!({"from": g.from, "to": g.to, "min": g.min});
                    if let (Some(max), Some(obj)) = (g.max, lag.as_object_mut()) {
                        obj.insert("max".into(), max.into());
                    }
                    lag
                }).collect::<Vec<_>>(),
                "same": j.same,
            })
        })
        .collect();
    let mut out = String::new();
    out.push_str("{\n  \"format\": ");
    out.push_str(&json_string(INSTANCE_FORMAT));
    out.push_str(&format!(
        ",\n  \"horizon\": {},\n  \"resources\": [",
        instance.horizon
    ));
    let lines: Vec<String> = resources.iter().map(|r| format!("\n    {r}")).collect();
    out.push_str(&lines.join(","));
    out.push_str("\n  ],\n  \"jobs\": [");
    let lines: Vec<String> = jobs.iter().map(|j| format!("\n    {j}")).collect();
    out.push_str(&lines.join(","));
    out.push_str("\n  ]\n}\n");
    out
}
