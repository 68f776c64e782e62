//! The optimiser: a greedy construction by best insertion, then ruin and
//! recreate (large neighbourhood search) with simulated annealing on the
//! spec's cost, one independent component (a site-day, usually) at a time.

use crate::check::UNSCHEDULED_PENALTY;
use crate::index::{JobInfo, Problem};
use crate::insert::{Placement, best_insertion, book, unbook};
use crate::rng::Rng;
use crate::timeline::{NOBODY, Timeline};
use std::time::{Duration, Instant};

/// How the search is going, reported on every improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Time since `solve` started.
    pub elapsed: Duration,
    /// Cost of the best schedule so far.
    pub cost: i64,
    /// Jobs it leaves unscheduled.
    pub unscheduled: usize,
    /// No schedule costs less than this.
    pub lower_bound: i64,
}

/// The whole state: every job's placement and the resources' busy lists.
pub(crate) struct State<'p> {
    pub(crate) problem: &'p Problem,
    pub(crate) timelines: Vec<Timeline>,
    pub(crate) placements: Vec<Option<Placement>>,
}

impl<'p> State<'p> {
    pub(crate) fn new(problem: &'p Problem) -> Self {
        State {
            problem,
            timelines: problem
                .unavailable
                .iter()
                .map(|w| Timeline::with_windows(w.iter().copied()))
                .collect(),
            placements: vec![None; problem.jobs.len()],
        }
    }

    fn job(&self, j: usize) -> &'p JobInfo {
        &self.problem.jobs[j]
    }

    pub(crate) fn place(&mut self, j: usize, placement: Placement) {
        debug_assert!(self.placements[j].is_none());
        book(&mut self.timelines, j, &self.problem.jobs[j], &placement);
        self.placements[j] = Some(placement);
    }

    pub(crate) fn unplace(&mut self, j: usize) -> Option<Placement> {
        let placement = self.placements[j].take()?;
        unbook(&mut self.timelines, &self.problem.jobs[j], &placement);
        Some(placement)
    }

    /// Places `j` where it fits best; false if it fits nowhere.
    pub(crate) fn insert_best(&mut self, j: usize) -> bool {
        match best_insertion(self.job(j), &self.timelines, i64::MAX) {
            Some(p) => {
                self.place(j, p);
                true
            }
            None => false,
        }
    }

    /// Cost of the given jobs (10000 each unscheduled + their stays).
    pub(crate) fn cost_of(&self, jobs: &[usize]) -> i64 {
        jobs.iter()
            .map(|&j| match &self.placements[j] {
                Some(p) => p.span,
                None => UNSCHEDULED_PENALTY,
            })
            .sum()
    }
}

/// Jobs hardest to place first: a fixed physician, a narrow window, long work.
pub(crate) fn construction_order(problem: &Problem, jobs: &[usize]) -> Vec<usize> {
    let mut order = jobs.to_vec();
    order.sort_by_key(|&j| {
        let job = &problem.jobs[j];
        let slack = job.lst.first().copied().unwrap_or(0) - job.est.first().copied().unwrap_or(0);
        (job.combos.len().min(3), slack, -job.min_span, j)
    });
    order
}

/// Search settings for one component.
pub(crate) struct ComponentRun<'a> {
    pub(crate) jobs: &'a [usize],
    pub(crate) deadline: Instant,
    pub(crate) lower_bound: i64,
}

/// The ruin-and-recreate search on one component; keeps the best schedule
/// in `state` when it returns. `report(cost_delta)` is called on every
/// improvement with the new best cost of the component.
pub(crate) fn improve(
    state: &mut State<'_>,
    run: &ComponentRun<'_>,
    rng: &mut Rng,
    report: &mut dyn FnMut(i64, usize),
) {
    let jobs = run.jobs;
    let m = jobs.len();
    if m == 0 {
        return;
    }
    let problem = state.problem;
    let mut current = state.cost_of(jobs);
    let mut best = current;
    let mut best_placements: Vec<Option<Placement>> =
        jobs.iter().map(|&j| state.placements[j].clone()).collect();
    if best <= run.lower_bound {
        return;
    }
    let start = Instant::now();
    let total = run
        .deadline
        .saturating_duration_since(start)
        .as_secs_f64()
        .max(1e-3);
    let max_ruin = (m / 3).clamp(2, 14);
    let min_ruin = 2.min(m);
    let t_start = 8.0f64;
    let t_end = 0.3f64;
    let mut iteration: u64 = 0;
    let mut removed: Vec<usize> = Vec::with_capacity(32);
    let mut old: Vec<(usize, Option<Placement>)> = Vec::with_capacity(32);
    let mut to_insert: Vec<usize> = Vec::with_capacity(32);
    let mut last_improvement = start;
    let mut temperature = t_start;
    loop {
        if iteration.is_multiple_of(16) {
            let now = Instant::now();
            if now >= run.deadline {
                break;
            }
            let progress = (now - start).as_secs_f64() / total;
            temperature = t_start * (t_end / t_start).powf(progress.min(1.0));
            let _ = last_improvement;
        }
        iteration += 1;

        // Ruin.
        let k = min_ruin + rng.below(max_ruin - min_ruin + 1);
        removed.clear();
        let unscheduled: Vec<usize> = jobs
            .iter()
            .copied()
            .filter(|&j| state.placements[j].is_none())
            .collect();
        let strategy = rng.below(10);
        if !unscheduled.is_empty() && strategy < 5 {
            let target = unscheduled[rng.below(unscheduled.len())];
            if strategy < 2 {
                ruin_resource(state, target, k, rng, &mut removed);
            } else if !ruin_eject(state, target, rng, &mut removed) {
                removed.clear();
                ruin_for_unscheduled(state, jobs, target, k, rng, &mut removed);
            }
        } else if strategy < 6 {
            let placed: Vec<usize> = jobs
                .iter()
                .copied()
                .filter(|&j| state.placements[j].is_some())
                .collect();
            if !placed.is_empty() {
                let seed = placed[rng.below(placed.len())];
                ruin_resource(state, seed, k, rng, &mut removed);
            }
        } else if strategy < 8 {
            ruin_related(state, jobs, k, rng, &mut removed);
        } else if strategy < 9 {
            ruin_worst(state, jobs, k, rng, &mut removed);
        } else {
            ruin_random(state, jobs, k, rng, &mut removed);
        }
        old.clear();
        for &j in &removed {
            old.push((j, state.unplace(j)));
        }

        // Recreate: unscheduled jobs first (they are what costs most),
        // then the removed ones in a random or greedy order.
        to_insert.clear();
        let mut others: Vec<usize> = unscheduled
            .iter()
            .copied()
            .filter(|j| !removed.contains(j))
            .collect();
        rng.shuffle(&mut others);
        others.truncate(4);
        for &j in &others {
            old.push((j, None));
        }
        to_insert.extend(removed.iter().copied().filter(|&j| old_was_none(&old, j)));
        to_insert.extend(others.iter().copied());
        let mut rest: Vec<usize> = removed
            .iter()
            .copied()
            .filter(|&j| !old_was_none(&old, j))
            .collect();
        match rng.below(4) {
            0 => rng.shuffle(&mut rest),
            1 => rest.sort_by_key(|&j| {
                let job = &problem.jobs[j];
                (job.lst[0] - job.est[0], -job.min_span)
            }),
            2 => rest.sort_by_key(|&j| -problem.jobs[j].min_span),
            _ => rest.sort_by(|&a, &b| {
                problem.jobs[b]
                    .difficulty
                    .total_cmp(&problem.jobs[a].difficulty)
            }),
        }
        to_insert.extend(rest);
        for &j in &to_insert {
            state.insert_best(j);
        }

        // Accept or undo.
        let before: i64 = old
            .iter()
            .map(|(_, p)| p.as_ref().map_or(UNSCHEDULED_PENALTY, |p| p.span))
            .sum();
        let after = state.cost_of(&to_insert);
        let candidate = current - before + after;
        let delta = (candidate - current) as f64;
        let accept = delta <= 0.0 || rng.unit() < (-delta / temperature).exp();
        if accept {
            current = candidate;
            if current < best {
                best = current;
                last_improvement = Instant::now();
                for (slot, &j) in best_placements.iter_mut().zip(jobs) {
                    slot.clone_from(&state.placements[j]);
                }
                let n_unscheduled = best_placements.iter().filter(|p| p.is_none()).count();
                report(best, n_unscheduled);
                if best <= run.lower_bound {
                    break;
                }
            }
        } else {
            for &j in &to_insert {
                state.unplace(j);
            }
            for (j, p) in old.drain(..) {
                if let Some(p) = p {
                    state.place(j, p);
                }
            }
        }
    }
    if std::env::var_os("SCHED_DEBUG").is_some() {
        eprintln!(
            "component of {m}: {iteration} iterations, best {best}, lower {}",
            run.lower_bound
        );
    }
    // Leave the best schedule in the state.
    for &j in jobs {
        state.unplace(j);
    }
    for (slot, &j) in best_placements.into_iter().zip(jobs) {
        if let Some(p) = slot {
            state.place(j, p);
        }
    }
}

fn old_was_none(old: &[(usize, Option<Placement>)], j: usize) -> bool {
    old.iter().any(|(o, p)| *o == j && p.is_none())
}

/// The occupied interval `[first start, last end)` of a placed job.
fn extent(state: &State<'_>, j: usize) -> Option<(i64, i64)> {
    let p = state.placements[j].as_ref()?;
    Some((p.start(), p.start() + p.span))
}

fn ruin_random(state: &State<'_>, jobs: &[usize], k: usize, rng: &mut Rng, out: &mut Vec<usize>) {
    let placed: Vec<usize> = jobs
        .iter()
        .copied()
        .filter(|&j| state.placements[j].is_some())
        .collect();
    let mut picks = placed;
    rng.shuffle(&mut picks);
    out.extend(picks.into_iter().take(k));
}

/// A seed job and the placed jobs closest to it in time (with some noise).
fn ruin_related(state: &State<'_>, jobs: &[usize], k: usize, rng: &mut Rng, out: &mut Vec<usize>) {
    let placed: Vec<usize> = jobs
        .iter()
        .copied()
        .filter(|&j| state.placements[j].is_some())
        .collect();
    if placed.is_empty() {
        return;
    }
    let seed = placed[rng.below(placed.len())];
    let Some((a, b)) = extent(state, seed) else {
        return;
    };
    let seed_resources = &state.problem.jobs[seed].resources;
    let mut scored: Vec<(f64, usize)> = placed
        .iter()
        .map(|&j| {
            let (s, e) = extent(state, j).unwrap_or((a, b));
            let gap = (s - b).max(a - e).max(0) as f64;
            let shared = state.problem.jobs[j]
                .resources
                .iter()
                .filter(|r| seed_resources.binary_search(r).is_ok())
                .count() as f64;
            (gap - 2.0 * shared + 40.0 * rng.unit(), j)
        })
        .collect();
    scored.sort_by(|x, y| x.0.total_cmp(&y.0));
    out.extend(scored.into_iter().take(k).map(|(_, j)| j));
}

/// Jobs that wait longest, with some noise.
fn ruin_worst(state: &State<'_>, jobs: &[usize], k: usize, rng: &mut Rng, out: &mut Vec<usize>) {
    let mut scored: Vec<(f64, usize)> = jobs
        .iter()
        .copied()
        .filter_map(|j| {
            let p = state.placements[j].as_ref()?;
            let waste = (p.span - state.problem.jobs[j].min_span) as f64;
            Some((-(waste + 1.0) * (0.5 + rng.unit()), j))
        })
        .collect();
    scored.sort_by(|x, y| x.0.total_cmp(&y.0));
    // The worst one plus its neighbours in time.
    if let Some(&(_, worst)) = scored.first() {
        out.push(worst);
        let mut rest = Vec::new();
        ruin_near(state, jobs, worst, k.saturating_sub(1), rng, &mut rest);
        out.extend(rest.into_iter().filter(|&j| j != worst));
    }
}

fn ruin_near(
    state: &State<'_>,
    jobs: &[usize],
    center: usize,
    k: usize,
    rng: &mut Rng,
    out: &mut Vec<usize>,
) {
    let Some((a, b)) = extent(state, center) else {
        return;
    };
    let mut scored: Vec<(f64, usize)> = jobs
        .iter()
        .copied()
        .filter(|&j| j != center)
        .filter_map(|j| {
            let (s, e) = extent(state, j)?;
            let gap = (s - b).max(a - e).max(0) as f64;
            Some((gap + 40.0 * rng.unit(), j))
        })
        .collect();
    scored.sort_by(|x, y| x.0.total_cmp(&y.0));
    out.extend(scored.into_iter().take(k).map(|(_, j)| j));
}

/// For an unscheduled job: the placed jobs in the way of it at a random
/// start with no waiting (on its candidate resources), then neighbours.
fn ruin_for_unscheduled(
    state: &State<'_>,
    jobs: &[usize],
    target: usize,
    k: usize,
    rng: &mut Rng,
    out: &mut Vec<usize>,
) {
    let job = &state.problem.jobs[target];
    out.push(target);
    let anchor_lo = job.est[0];
    let anchor_hi = job.lst[0].max(anchor_lo);
    let s0 = anchor_lo + rng.below((anchor_hi - anchor_lo + 1) as usize) as i64;
    let lo = s0 - 30;
    let hi = s0 + job.min_span + 30;
    let mut scored: Vec<(f64, usize)> = jobs
        .iter()
        .copied()
        .filter(|&j| j != target)
        .filter_map(|j| {
            let p = state.placements[j].as_ref()?;
            let other = &state.problem.jobs[j];
            // Time overlap with the window, on a resource the target may use.
            let mut hits = 0usize;
            for (r, a, b) in p.occupations(other) {
                if a < hi && lo < b && job.resources.binary_search(&r).is_ok() {
                    hits += 1;
                }
            }
            if hits == 0 {
                return None;
            }
            Some((-(hits as f64) - 3.0 * rng.unit(), j))
        })
        .collect();
    scored.sort_by(|x, y| x.0.total_cmp(&y.0));
    out.extend(scored.into_iter().take(k).map(|(_, j)| j));
}

/// For an unscheduled job: a start with no waiting (tried at a few random
/// times and `same` choices) where the fewest placed jobs are in its way,
/// and those jobs. False if no tried start is possible at all.
fn ruin_eject(state: &State<'_>, target: usize, rng: &mut Rng, out: &mut Vec<usize>) -> bool {
    let job = &state.problem.jobs[target];
    let n = job.n_tasks();
    let anchor = job.rigid[0];
    let lo = job.est[0];
    let hi = job.lst[0].max(lo);
    let mut best: Option<(f64, Vec<usize>)> = None;
    let mut set: Vec<usize> = Vec::new();
    let mut blockers: Vec<u32> = Vec::new();
    for _ in 0..12 {
        let combo = &job.combos[rng.below(job.combos.len())];
        let s0 = lo + rng.below(((hi - lo) / 5 + 1) as usize) as i64 * 5;
        set.clear();
        let mut ok = true;
        'tasks: for k in 0..n {
            let t = s0 + job.rigid[k] - anchor;
            if t < job.est[k] || t > job.lst[k] {
                ok = false;
                break;
            }
            let task = &job.tasks[k];
            for need in &task.needs {
                let candidates: &[usize] = match need.group {
                    Some(g) => std::slice::from_ref(&combo[g]),
                    None => &need.candidates,
                };
                let mut pick: Option<(usize, Vec<u32>)> = None;
                for &r in candidates {
                    blockers.clear();
                    blockers.extend(state.timelines[r].blockers(t, task.duration));
                    if blockers.contains(&NOBODY) {
                        continue;
                    }
                    let new = blockers
                        .iter()
                        .filter(|&&o| !set.contains(&(o as usize)))
                        .count();
                    if pick.as_ref().is_none_or(|(c, _)| new < *c) {
                        pick = Some((new, blockers.clone()));
                        if new == 0 {
                            break;
                        }
                    }
                }
                match pick {
                    Some((_, owners)) => {
                        for o in owners {
                            if !set.contains(&(o as usize)) {
                                set.push(o as usize);
                            }
                        }
                    }
                    None => {
                        ok = false;
                        break 'tasks;
                    }
                }
            }
        }
        if ok {
            let score = set.len() as f64 + rng.unit();
            if best.as_ref().is_none_or(|(b, _)| score < *b) {
                best = Some((score, set.clone()));
            }
        }
    }
    match best {
        Some((_, set)) => {
            out.push(target);
            out.extend(set);
            true
        }
        None => false,
    }
}

/// Around a job (placed or not): one of its scarcer candidate resources
/// and the jobs using it in a window of its time, all taken out.
fn ruin_resource(state: &State<'_>, center: usize, k: usize, rng: &mut Rng, out: &mut Vec<usize>) {
    let job = &state.problem.jobs[center];
    // A need, the scarcer the likelier: weight 1 / number of candidates.
    let needs: Vec<&crate::index::NeedInfo> = job.tasks.iter().flat_map(|t| &t.needs).collect();
    if needs.is_empty() {
        return;
    }
    let total: f64 = needs.iter().map(|n| 1.0 / n.candidates.len() as f64).sum();
    let mut pick = rng.unit() * total;
    let mut chosen = needs[0];
    for need in &needs {
        pick -= 1.0 / need.candidates.len() as f64;
        if pick <= 0.0 {
            chosen = need;
            break;
        }
    }
    let r = chosen.candidates[rng.below(chosen.candidates.len())];
    let (a, b) = match &state.placements[center] {
        Some(p) => (p.start(), p.start() + p.span),
        None => {
            let lo = job.est[0];
            let hi = job.lst[0].max(lo);
            let s = lo + rng.below((hi - lo + 1) as usize) as i64;
            (s, s + job.min_span)
        }
    };
    let widen = 30 + rng.below(120) as i64;
    let (lo, hi) = (a - widen, b + widen);
    out.push(center);
    let mut found: Vec<(i64, usize)> = Vec::new();
    for owner in state.timelines[r].blockers(lo, hi - lo) {
        if owner != NOBODY && owner as usize != center {
            let j = owner as usize;
            if !found.iter().any(|&(_, o)| o == j) {
                let mid = state.placements[j].as_ref().map_or(0, |p| p.start());
                found.push(((mid - (a + b) / 2).abs() + rng.below(30) as i64, j));
            }
        }
    }
    found.sort_unstable();
    out.extend(found.into_iter().take(k.max(4)).map(|(_, j)| j));
}
