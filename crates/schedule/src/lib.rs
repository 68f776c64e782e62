//! Cellpath's scheduling optimiser: books treatment sessions (chains of
//! steps sharing rooms, staff and equipment) so that as many as possible
//! are booked and patients wait as little as possible, as defined in
//! `shared/specs/scheduling.md`.
//!
//! Pure: no IO, no async; the only clock is the time limit of [`solve`].
//! The product builds an [`Instance`] (a day at a site, started sessions as
//! `unavailable` windows), calls [`solve`], and books the [`Solution`];
//! [`check`] says whether a solution keeps every rule and what it costs.
//! The JSON formats live in [`format`].

mod check;
pub mod format;
mod index;
mod insert;
mod model;
mod rng;
mod search;
mod timeline;

pub use check::{Report, UNSCHEDULED_PENALTY, Violation, check, cost};
pub use format::{FormatError, parse_instance, parse_solution, solution_to_json};
pub use model::{
    Assignment, Instance, InstanceIssue, Job, Lag, Need, Resource, Solution, TIME_BOUND, Task,
    Window, within_bound,
};
pub use search::Progress;

use index::Problem;
use insert::Placement;
use search::{ComponentRun, State, construction_order, improve};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// The default time limit of [`solve`].
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(5);

/// How [`solve`] runs.
pub struct SolveOptions<'a> {
    /// Stop improving after this long (the search also stops as soon as
    /// the cost reaches [`lower_bound`]).
    pub time_limit: Duration,
    /// Same seed, same instance: same sequence of moves (how far the search
    /// gets still depends on the time limit and the machine).
    pub seed: u64,
    /// A schedule to start from (the current bookings). Its valid part is
    /// kept as the starting point, so when it is valid the result never
    /// costs more.
    pub initial: Option<Solution>,
    /// Called on every improvement of the best schedule.
    pub progress: Option<&'a mut dyn FnMut(&Progress)>,
}

impl Default for SolveOptions<'_> {
    fn default() -> Self {
        SolveOptions {
            time_limit: DEFAULT_TIME_LIMIT,
            seed: 0,
            initial: None,
            progress: None,
        }
    }
}

impl std::fmt::Debug for SolveOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions")
            .field("time_limit", &self.time_limit)
            .field("seed", &self.seed)
            .field("initial", &self.initial.is_some())
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// No solution of `instance` costs less: every job that can be scheduled
/// at all (by its own release, due and lags) with no waiting between its
/// steps, 10000 for every other job.
pub fn lower_bound(instance: &Instance) -> i64 {
    let problem = Problem::new(instance);
    problem_bound(&problem)
}

fn problem_bound(problem: &Problem) -> i64 {
    problem
        .jobs
        .iter()
        .map(|j| {
            if j.feasible {
                j.min_span
            } else {
                UNSCHEDULED_PENALTY
            }
        })
        .sum()
}

/// Finds a good schedule: every job is either scheduled whole, keeping
/// rules 1-6, or listed in `unscheduled`. Never panics on a malformed
/// instance: jobs that cannot be read (see [`Instance::issues`]) stay
/// unscheduled.
///
/// Uses one worker thread per available core: independent parts of the
/// instance (sites, days) are searched side by side, and a core with no
/// part left searches the hardest part again from another seed.
pub fn solve(instance: &Instance, options: SolveOptions<'_>) -> Solution {
    solve_with_threads(instance, options, 0)
}

/// [`solve`] with at most `threads` worker threads (0: one per core).
pub fn solve_with_threads(
    instance: &Instance,
    mut options: SolveOptions<'_>,
    threads: usize,
) -> Solution {
    let started = Instant::now();
    let deadline = started + options.time_limit;
    let problem = Problem::new(instance);
    let bound = problem_bound(&problem);
    let mut state = State::new(&problem);

    if let Some(initial) = &options.initial {
        warm_start(instance, &problem, &mut state, initial);
    }
    // Construction: every job not yet placed, hardest first.
    for component in &problem.components {
        let order = construction_order(&problem, component);
        for j in order {
            if state.placements[j].is_none() {
                state.insert_best(j);
            }
        }
    }
    let never = problem.jobs.iter().filter(|j| !j.feasible).count();
    let components = &problem.components;
    let lower: Vec<i64> = components
        .iter()
        .map(|c| c.iter().map(|&j| problem.jobs[j].min_span).sum())
        .collect();
    let initial: Vec<Vec<Option<Placement>>> = components
        .iter()
        .map(|c| c.iter().map(|&j| state.placements[j].clone()).collect())
        .collect();
    let mut best: Vec<(i64, usize)> = components
        .iter()
        .map(|c| {
            let unscheduled = c.iter().filter(|&&j| state.placements[j].is_none()).count();
            (state.cost_of(c), unscheduled)
        })
        .collect();
    let total = |best: &[(i64, usize)]| Progress {
        elapsed: started.elapsed(),
        cost: UNSCHEDULED_PENALTY * never as i64 + best.iter().map(|b| b.0).sum::<i64>(),
        unscheduled: never + best.iter().map(|b| b.1).sum::<usize>(),
        lower_bound: bound,
    };
    if let Some(progress) = options.progress.as_mut() {
        progress(&total(&best));
    }

    // Improvement: components biggest first, each worker thread taking the
    // next one with a share of the time left; a worker with nothing left
    // to take runs a second search (another seed) on the component furthest
    // from its bound. The best run of each component wins.
    let workers = match threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .max(1);
    let mut queue: Vec<usize> = (0..components.len())
        .filter(|&c| best[c].0 > lower[c])
        .collect();
    queue.sort_by_key(|&c| std::cmp::Reverse(components[c].len()));
    let pending_jobs: usize = queue.iter().map(|&c| components[c].len()).sum();
    let shared = Shared {
        queue: std::sync::Mutex::new((queue, pending_jobs)),
        best: std::sync::Mutex::new(best.clone()),
        done: components
            .iter()
            .map(|_| std::sync::atomic::AtomicBool::new(false))
            .collect(),
        results: components
            .iter()
            .map(|_| std::sync::Mutex::new(None))
            .collect(),
    };
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, i64, usize)>();
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let sender = sender.clone();
            let (problem, shared, initial, lower) = (&problem, &shared, &initial, &lower);
            let seed = options.seed;
            scope.spawn(move || {
                work(
                    problem, shared, initial, lower, deadline, workers, seed, worker, &sender,
                );
            });
        }
        drop(sender);
        for (c, cost, unscheduled) in receiver {
            if cost < best[c].0 {
                best[c] = (cost, unscheduled);
                if let Some(progress) = options.progress.as_mut() {
                    progress(&total(&best));
                }
            }
        }
    });
    for (c, result) in shared.results.into_iter().enumerate() {
        let result = result
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, placements)) = result {
            for &j in &components[c] {
                state.unplace(j);
            }
            for (&j, p) in components[c].iter().zip(placements) {
                if let Some(p) = p {
                    state.place(j, p);
                }
            }
        }
    }

    let solution = to_solution(instance, &problem, &state);
    ensure_valid(instance, solution)
}

/// What the worker threads share.
struct Shared {
    /// Components not yet taken, and their number of jobs.
    queue: std::sync::Mutex<(Vec<usize>, usize)>,
    /// Best (cost, unscheduled) of each component so far.
    best: std::sync::Mutex<Vec<(i64, usize)>>,
    /// A component that reached its bound: every run on it stops.
    done: Vec<std::sync::atomic::AtomicBool>,
    /// Best schedule of each component found by a finished run.
    results: Vec<std::sync::Mutex<Option<ComponentSchedule>>>,
}

/// A component's cost and the placement of each of its jobs.
type ComponentSchedule = (i64, Vec<Option<Placement>>);

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One worker: runs searches until the deadline or until nothing is left.
#[allow(clippy::too_many_arguments)]
fn work(
    problem: &Problem,
    shared: &Shared,
    initial: &[Vec<Option<Placement>>],
    lower: &[i64],
    deadline: Instant,
    workers: usize,
    seed: u64,
    worker: usize,
    sender: &std::sync::mpsc::Sender<(usize, i64, usize)>,
) {
    let mut replica = 0u64;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        let taken = {
            let mut queue = lock(&shared.queue);
            let (list, pending) = &mut *queue;
            if list.is_empty() {
                None
            } else {
                let c = list.remove(0);
                let size = problem.components[c].len();
                let share = (size * workers) as f64 / (*pending).max(1) as f64;
                *pending -= size;
                Some((
                    c,
                    now + deadline
                        .saturating_duration_since(now)
                        .mul_f64(share.min(1.0)),
                ))
            }
        };
        let (c, until) = match taken {
            Some(t) => t,
            None => {
                // A second search on the component furthest from its bound.
                let best = lock(&shared.best);
                let open = (0..problem.components.len())
                    .filter(|&c| !shared.done[c].load(std::sync::atomic::Ordering::Relaxed))
                    .filter(|&c| best[c].0 > lower[c])
                    .max_by_key(|&c| best[c].0 - lower[c]);
                match open {
                    Some(c) => (c, deadline),
                    None => return,
                }
            }
        };
        replica += 1;
        let jobs = &problem.components[c];
        let mut state = State::new(problem);
        for (&j, p) in jobs.iter().zip(&initial[c]) {
            if let Some(p) = p {
                state.place(j, p.clone());
            }
        }
        let run = ComponentRun {
            jobs,
            deadline: until,
            lower_bound: lower[c],
            stop: &shared.done[c],
        };
        let mut rng = rng::Rng::new(
            seed ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (worker as u64 * 1000 + replica).wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        let mut report = |cost: i64, unscheduled: usize| {
            let mut best = lock(&shared.best);
            if cost < best[c].0 {
                best[c] = (cost, unscheduled);
                let _ = sender.send((c, cost, unscheduled));
            }
        };
        improve(&mut state, &run, &mut rng, &mut report);
        let cost = state.cost_of(jobs);
        if cost <= lower[c] {
            shared.done[c].store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let mut result = lock(&shared.results[c]);
        if result.as_ref().is_none_or(|(best, _)| cost < *best) {
            *result = Some((
                cost,
                jobs.iter().map(|&j| state.placements[j].clone()).collect(),
            ));
        }
    }
}

/// Keeps the valid part of a given schedule: each job whose assignments
/// keep its own rules and fit the resources left by the jobs before it.
fn warm_start(instance: &Instance, problem: &Problem, state: &mut State<'_>, initial: &Solution) {
    let mut by_job: HashMap<&str, Vec<&Assignment>> = HashMap::new();
    for a in &initial.assignments {
        by_job.entry(a.job.as_str()).or_default().push(a);
    }
    let resource_index: HashMap<&str, usize> = problem
        .resource_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let listed: std::collections::HashSet<&str> =
        initial.unscheduled.iter().map(String::as_str).collect();
    for (j, job) in instance.jobs.iter().enumerate() {
        let info = &problem.jobs[j];
        if !info.feasible || listed.contains(job.id.as_str()) {
            continue;
        }
        let Some(assignments) = by_job.get(job.id.as_str()) else {
            continue;
        };
        if let Some(p) = placement_from(job, info, assignments, &resource_index)
            && fits(state, info, &p)
        {
            state.place(j, p);
        }
    }
}

/// The placement a job's assignments describe, if they keep rules 1, 2,
/// 4, 5 and 6 for that job.
fn placement_from(
    job: &Job,
    info: &index::JobInfo,
    assignments: &[&Assignment],
    resource_index: &HashMap<&str, usize>,
) -> Option<Placement> {
    let n = job.tasks.len();
    if assignments.len() != n {
        return None;
    }
    let mut starts = vec![0i64; n];
    let mut resources = vec![Vec::new(); n];
    let mut seen = vec![false; n];
    for a in assignments {
        let k = job.tasks.iter().position(|t| t.id == a.task)?;
        if seen[k] {
            return None;
        }
        seen[k] = true;
        if !within_bound(a.start) {
            return None;
        }
        starts[k] = a.start;
        let task = &job.tasks[k];
        if a.resources.len() != task.needs.len() {
            return None;
        }
        for (need, need_info) in task.needs.iter().zip(&info.tasks[k].needs) {
            let r = *resource_index.get(a.resources.get(&need.key)?.as_str())?;
            if !need_info.candidates.contains(&r) {
                return None;
            }
            resources[k].push(r);
        }
        let mut distinct = resources[k].clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != resources[k].len() {
            return None;
        }
    }
    // Rule 6: one resource per `same` group.
    let mut group_choice: Vec<Option<usize>> = vec![None; info.groups.len()];
    for (k, task) in info.tasks.iter().enumerate() {
        for (x, need) in task.needs.iter().enumerate() {
            if let Some(g) = need.group {
                match group_choice[g] {
                    Some(r) if r != resources[k][x] => return None,
                    _ => group_choice[g] = Some(resources[k][x]),
                }
            }
        }
    }
    // Rules 4 and 5: the minimal network holds exactly the same schedules.
    for i in 0..n {
        if starts[i] < info.est[i] || starts[i] > info.lst[i] {
            return None;
        }
        for j in 0..n {
            if starts[j] - starts[i] > info.d(i, j) {
                return None;
            }
        }
    }
    let first = starts.iter().copied().min().unwrap_or(0);
    let last = starts
        .iter()
        .zip(&info.tasks)
        .map(|(s, t)| s + t.duration)
        .max()
        .unwrap_or(0);
    Some(Placement {
        starts,
        resources,
        span: last - first,
    })
}

/// True when every occupation of `p` is free (each other too).
fn fits(state: &mut State<'_>, info: &index::JobInfo, p: &Placement) -> bool {
    let mut booked: Vec<(usize, i64, i64)> = Vec::new();
    let mut ok = true;
    for (r, a, b) in p.occupations(info) {
        if state.timelines[r].is_free(a, b - a) {
            state.timelines[r].insert(a, b, timeline::NOBODY);
            booked.push((r, a, b));
        } else {
            ok = false;
            break;
        }
    }
    for (r, a, b) in booked {
        state.timelines[r].remove(a, b);
    }
    ok
}

fn to_solution(instance: &Instance, problem: &Problem, state: &State<'_>) -> Solution {
    let mut solution = Solution::default();
    for (j, job) in instance.jobs.iter().enumerate() {
        match &state.placements[j] {
            Some(p) => {
                for (k, task) in job.tasks.iter().enumerate() {
                    let resources: BTreeMap<String, String> = task
                        .needs
                        .iter()
                        .zip(&p.resources[k])
                        .map(|(need, &r)| (need.key.clone(), problem.resource_ids[r].clone()))
                        .collect();
                    solution.assignments.push(Assignment {
                        job: job.id.clone(),
                        task: task.id.clone(),
                        start: p.starts[k],
                        resources,
                    });
                }
            }
            None => solution.unscheduled.push(job.id.clone()),
        }
    }
    solution
}

/// The last line of defence: a job named by any violation is unscheduled.
/// (The search only builds valid schedules; this never triggers in tests.)
fn ensure_valid(instance: &Instance, mut solution: Solution) -> Solution {
    for _ in 0..instance.jobs.len() + 1 {
        let report = check(instance, &solution);
        if report.is_valid() {
            return solution;
        }
        debug_assert!(
            false,
            "solve built an invalid schedule: {:?}",
            report.violations
        );
        let mut at_fault: Vec<String> = report
            .violations
            .iter()
            .filter_map(|v| v.job.clone())
            .collect();
        at_fault.sort();
        at_fault.dedup();
        if at_fault.is_empty() {
            break;
        }
        solution
            .assignments
            .retain(|a| at_fault.binary_search(&a.job).is_err());
        for job in at_fault {
            if !solution.unscheduled.contains(&job) {
                solution.unscheduled.push(job);
            }
        }
    }
    // Nothing booked is always valid for a readable instance.
    Solution {
        assignments: Vec::new(),
        unscheduled: instance.jobs.iter().map(|j| j.id.clone()).collect(),
    }
}
