//! The checker: does a solution keep rules 1-6 of the spec, and what does it
//! cost? Applies the same readings as the benchmark kit's `check.py`: one
//! resource given to two needs of one task is a collision; "list order"
//! binds consecutive tasks that no lag links in either direction; a job
//! costs its latest end minus its earliest start.

use crate::model::{Instance, Solution};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A task's start and resources as the solution gives them.
type Placed<'a> = (i64, &'a BTreeMap<String, String>);

/// The price of one job left unscheduled.
pub const UNSCHEDULED_PENALTY: i64 = 10_000;

/// One broken rule, in words that name the job, task, resource and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The spec's rule number, 1 to 6.
    pub rule: u8,
    /// The job at fault, when there is one.
    pub job: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[rule {}] {}", self.rule, self.message)
    }
}

/// What `check` found: the cost line of `check.py` and every violation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// 10000 per job not scheduled whole + minutes in the clinic.
    pub cost: i64,
    /// Jobs with every task assigned (and not listed as unscheduled).
    pub scheduled: usize,
    /// All other jobs (listed or not).
    pub unscheduled: usize,
    /// Sum over scheduled jobs of latest end - earliest start.
    pub time_in_clinic: i64,
    pub violations: Vec<Violation>,
    /// Remarks that are not violations (a job whose tasks are out of list order).
    pub notes: Vec<String>,
}

impl Report {
    /// True when no rule is broken.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Checks `solution` against `instance`, rule by rule. The instance is
/// assumed well formed (`Instance::issues` is empty); parts of it that are
/// not (a lag naming an unknown task) are skipped. A start beyond
/// [`TIME_BOUND`](crate::TIME_BOUND) breaks rule 4 and leaves its task unplaced.
pub fn check(instance: &Instance, solution: &Solution) -> Report {
    let mut bad: Vec<Violation> = Vec::new();
    let mut notes = Vec::new();
    let mut violation = |rule: u8, job: Option<&str>, message: String| {
        bad.push(Violation {
            rule,
            job: job.map(str::to_owned),
            message,
        });
    };

    let job_index: HashMap<&str, usize> = instance
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.id.as_str(), i))
        .collect();
    // placed[job][task] = (start, resources)
    let mut placed: Vec<HashMap<&str, Placed<'_>>> = vec![HashMap::new(); instance.jobs.len()];
    for (i, a) in solution.assignments.iter().enumerate() {
        let Some(&j) = job_index.get(a.job.as_str()) else {
            violation(1, None, format!("assignment #{i}: unknown job {:?}", a.job));
            continue;
        };
        let job = &instance.jobs[j];
        if !job.tasks.iter().any(|t| t.id == a.task) {
            violation(
                1,
                Some(&job.id),
                format!("assignment #{i}: job {} has no task {:?}", job.id, a.task),
            );
            continue;
        }
        if !crate::model::within_bound(a.start) {
            // Beyond any horizon (rule 4), and kept out of the arithmetic below.
            violation(
                4,
                Some(&job.id),
                format!(
                    "{}/{} starts at {}, beyond the bound of {} minutes",
                    job.id,
                    a.task,
                    a.start,
                    crate::model::TIME_BOUND
                ),
            );
            continue;
        }
        if placed[j].contains_key(a.task.as_str()) {
            violation(
                1,
                Some(&job.id),
                format!("{}/{} is assigned more than once", job.id, a.task),
            );
            continue;
        }
        placed[j].insert(a.task.as_str(), (a.start, &a.resources));
    }

    // Rule 1: every job scheduled whole or listed as unscheduled.
    let mut listed: HashSet<&str> = HashSet::new();
    for u in &solution.unscheduled {
        if !job_index.contains_key(u.as_str()) {
            violation(1, None, format!("unscheduled lists unknown job {u:?}"));
        } else if !listed.insert(u.as_str()) {
            violation(1, Some(u), format!("unscheduled lists {u} twice"));
        }
    }
    let mut scheduled: Vec<usize> = Vec::new();
    for (j, job) in instance.jobs.iter().enumerate() {
        let got = &placed[j];
        if listed.contains(job.id.as_str()) {
            if !got.is_empty() {
                violation(
                    1,
                    Some(&job.id),
                    format!(
                        "{} is listed as unscheduled but has {} assigned task(s)",
                        job.id,
                        got.len()
                    ),
                );
            }
            continue;
        }
        let missing: Vec<&str> = job
            .tasks
            .iter()
            .filter(|t| !got.contains_key(t.id.as_str()))
            .map(|t| t.id.as_str())
            .collect();
        if got.is_empty() {
            violation(
                1,
                Some(&job.id),
                format!("{} is neither scheduled nor listed as unscheduled", job.id),
            );
        } else if !missing.is_empty() {
            violation(
                1,
                Some(&job.id),
                format!(
                    "{} is scheduled in part: no start for {}",
                    job.id,
                    missing.join(", ")
                ),
            );
        } else {
            scheduled.push(j);
        }
    }

    // Rules 2, 4, 5, 6 per job; occupations collected for rule 3.
    let mut busy: HashMap<&str, Vec<(i64, i64, String, &str)>> = HashMap::new();
    for (j, job) in instance.jobs.iter().enumerate() {
        let got = &placed[j];
        for task in &job.tasks {
            let Some(&(start, res)) = got.get(task.id.as_str()) else {
                continue;
            };
            let end = start + task.duration;
            let name = format!("{}/{}", job.id, task.id);
            for key in res.keys() {
                if !task.needs.iter().any(|n| &n.key == key) {
                    violation(
                        2,
                        Some(&job.id),
                        format!(
                            "{name}: resource given for {key:?}, which is not a need of this task"
                        ),
                    );
                }
            }
            for need in &task.needs {
                match res.get(&need.key) {
                    None => violation(
                        2,
                        Some(&job.id),
                        format!("{name}: no resource for need {:?}", need.key),
                    ),
                    Some(rid) if !need.one_of.contains(rid) => violation(
                        2,
                        Some(&job.id),
                        format!("{name}: {rid:?} is not in one_of of need {:?}", need.key),
                    ),
                    Some(rid) => busy.entry(rid.as_str()).or_default().push((
                        start,
                        end,
                        format!("{name} ({})", need.key),
                        job.id.as_str(),
                    )),
                }
            }
            if start < job.release {
                violation(
                    4,
                    Some(&job.id),
                    format!("{name} starts at {start}, before release {}", job.release),
                );
            }
            if end > job.due {
                violation(
                    4,
                    Some(&job.id),
                    format!("{name} ends at {end}, after due {}", job.due),
                );
            }
        }

        let duration = |id: &str| {
            job.tasks
                .iter()
                .find(|t| t.id == id)
                .map_or(0, |t| t.duration)
        };
        // Rule 5: lags.
        for lag in &job.lags {
            if let (Some(&(from, _)), Some(&(to, _))) =
                (got.get(lag.from.as_str()), got.get(lag.to.as_str()))
            {
                let gap = to - (from + duration(&lag.from));
                if gap < lag.min || lag.max.is_some_and(|max| gap > max) {
                    let max = lag.max.map_or("inf".to_owned(), |m| m.to_string());
                    violation(
                        5,
                        Some(&job.id),
                        format!(
                            "{}: start({}) - end({}) = {gap}, outside [{}, {max}]",
                            job.id, lag.to, lag.from, lag.min
                        ),
                    );
                }
            }
        }
        // Rule 5: list order between consecutive tasks that no lag links.
        for pair in job.tasks.windows(2) {
            let (prev, next) = (&pair[0], &pair[1]);
            let linked = job.lags.iter().any(|g| {
                (g.from == prev.id && g.to == next.id) || (g.from == next.id && g.to == prev.id)
            });
            if linked {
                continue;
            }
            if let (Some(&(p, _)), Some(&(n, _))) =
                (got.get(prev.id.as_str()), got.get(next.id.as_str()))
                && n < p + prev.duration
            {
                violation(
                    5,
                    Some(&job.id),
                    format!(
                        "{}: {} starts at {n}, before {} ends at {} (list order)",
                        job.id,
                        next.id,
                        prev.id,
                        p + prev.duration
                    ),
                );
            }
        }
        // Rule 6: one resource for every need whose key is in `same`.
        for key in &job.same {
            let mut used: Vec<&str> = job
                .tasks
                .iter()
                .filter(|t| t.needs.iter().any(|n| &n.key == key))
                .filter_map(|t| got.get(t.id.as_str()))
                .filter_map(|(_, res)| res.get(key).map(String::as_str))
                .collect();
            used.sort_unstable();
            used.dedup();
            if used.len() > 1 {
                violation(
                    6,
                    Some(&job.id),
                    format!(
                        "{}: needs with key {key:?} get different resources {used:?}",
                        job.id
                    ),
                );
            }
        }
    }

    // Rule 3: one step at a time per resource, none in unavailable time.
    for resource in &instance.resources {
        let Some(occupations) = busy.get_mut(resource.id.as_str()) else {
            continue;
        };
        occupations.sort();
        for window in &resource.unavailable {
            for (s, e, who, job) in occupations.iter() {
                if *s < window.end && window.start < *e {
                    violation(
                        3,
                        Some(job),
                        format!(
                            "{who} uses {} over [{s}, {e}), which overlaps its unavailable window [{}, {})",
                            resource.id, window.start, window.end
                        ),
                    );
                }
            }
        }
        let mut last: Option<&(i64, i64, String, &str)> = None;
        for occupation in occupations.iter() {
            let (s, e, who, job) = occupation;
            if let Some((ls, le, lwho, _)) = last
                && *s < *le
                && *ls < *e
            {
                violation(
                    3,
                    Some(job),
                    format!(
                        "{} serves two steps at once: {lwho} [{ls}, {le}) and {who} [{s}, {e})",
                        resource.id
                    ),
                );
            }
            if last.is_none_or(|l| *e > l.1) {
                last = Some(occupation);
            }
        }
    }

    // Cost.
    let mut in_clinic = 0;
    for &j in &scheduled {
        let job = &instance.jobs[j];
        let got = &placed[j];
        let mut earliest = i64::MAX;
        let mut latest = i64::MIN;
        for task in &job.tasks {
            if let Some(&(start, _)) = got.get(task.id.as_str()) {
                earliest = earliest.min(start);
                latest = latest.max(start + task.duration);
            }
        }
        let span = latest - earliest;
        in_clinic += span;
        if let (Some(first), Some(last)) = (job.tasks.first(), job.tasks.last())
            && let (Some(&(s, _)), Some(&(l, _))) =
                (got.get(first.id.as_str()), got.get(last.id.as_str()))
            && l + last.duration - s != span
        {
            notes.push(format!(
                "note: {}: tasks out of list order; cost uses {span} (latest end - earliest start), not {} (last end - first start)",
                job.id,
                l + last.duration - s
            ));
        }
    }
    let unscheduled = instance.jobs.len() - scheduled.len();
    Report {
        cost: UNSCHEDULED_PENALTY * unscheduled as i64 + in_clinic,
        scheduled: scheduled.len(),
        unscheduled,
        time_in_clinic: in_clinic,
        violations: bad,
        notes,
    }
}

/// The spec's objective of a solution (as `check` computes it, valid or not).
pub fn cost(instance: &Instance, solution: &Solution) -> i64 {
    check(instance, solution).cost
}
