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
        self.insert_best_within(j, i64::MAX)
    }

    /// Places `j` where it fits best with a stay of at most `span_limit`;
    /// false if it fits nowhere so.
    pub(crate) fn insert_best_within(&mut self, j: usize, span_limit: i64) -> bool {
        match best_insertion(self.job(j), &self.timelines, span_limit) {
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
    /// Set when another run reached the bound: stop.
    pub(crate) stop: &'a std::sync::atomic::AtomicBool,
}

/// Simulated annealing temperatures (minutes of stay) at the start and the
/// end of a component's time.
const T_START: f64 = 8.0;
const T_END: f64 = 0.3;
/// While jobs are left out, longer stays matter little next to booking
/// them: the temperature is this many times higher, so the search moves
/// booked jobs around more freely to make room.
const HOT_WHILE_UNSCHEDULED: f64 = 25.0;
/// Moves a second the cooling schedule plans for (about what one core of
/// a small shared machine makes on a clinic day).
const MOVES_PER_SECOND: f64 = 25_000.0;
/// At most this many jobs are taken out by one move.
const MAX_RUIN: usize = 14;

/// The ruin-and-recreate search on one component; leaves the best
/// schedule found in `state`. `report(cost, unscheduled)` is called on
/// every improvement of the component's best.
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
    if best <= run.lower_bound {
        return;
    }
    let mut best_placements: Vec<Option<Placement>> =
        jobs.iter().map(|&j| state.placements[j].clone()).collect();
    let start = Instant::now();
    let total = run
        .deadline
        .saturating_duration_since(start)
        .as_secs_f64()
        .max(1e-3);
    let max_ruin = (m / 3).clamp(2, MAX_RUIN).min(m);
    let min_ruin = 2.min(m);
    let mut iteration: u64 = 0;
    let mut removed: Vec<usize> = Vec::with_capacity(64);
    let mut old: Vec<(usize, Option<Placement>)> = Vec::with_capacity(64);
    let mut to_insert: Vec<usize> = Vec::with_capacity(64);
    let mut unscheduled: Vec<usize> = Vec::with_capacity(m);
    let mut temperature = T_START;
    // Jobs changed since the best schedule was last copied (local indices).
    let mut local = vec![u32::MAX; problem.jobs.len()];
    for (l, &j) in jobs.iter().enumerate() {
        local[j] = l as u32;
    }
    let mut dirty: Vec<usize> = Vec::with_capacity(m);
    let mut is_dirty = vec![false; m];
    loop {
        if iteration.is_multiple_of(16) {
            let now = Instant::now();
            if now >= run.deadline || run.stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            // Cooling follows the moves made, not the clock, so that a seed
            // gives the same moves whatever the machine: only where the
            // time limit stops them depends on its speed.
            let progress = (iteration as f64 / (total * MOVES_PER_SECOND)).min(1.0);
            temperature = T_START * (T_END / T_START).powf(progress);
        }
        iteration += 1;

        // Ruin.
        let k = min_ruin + rng.below(max_ruin - min_ruin + 1);
        removed.clear();
        unscheduled.clear();
        unscheduled.extend(
            jobs.iter()
                .copied()
                .filter(|&j| state.placements[j].is_none()),
        );
        let roll = rng.below(20);
        if !unscheduled.is_empty() && roll < 10 {
            let target = unscheduled[rng.below(unscheduled.len())];
            match roll {
                0..5 => {
                    if !ruin_eject(state, target, rng, &mut removed) {
                        removed.clear();
                        ruin_around(state, target, k, rng, &mut removed);
                    }
                }
                5..8 => ruin_resource(state, target, k, rng, &mut removed),
                _ => ruin_around(state, target, k, rng, &mut removed),
            }
        } else if let Some(seed) = random_placed(state, jobs, rng) {
            match roll % 10 {
                0..4 => ruin_around(state, seed, k, rng, &mut removed),
                4..7 => ruin_resource(state, seed, k, rng, &mut removed),
                7..9 => {
                    let worst = worst_of_sample(state, jobs, rng).unwrap_or(seed);
                    ruin_around(state, worst, k, rng, &mut removed);
                }
                _ => ruin_random(state, jobs, k, rng, &mut removed),
            }
        }
        removed.sort_unstable();
        removed.dedup();
        old.clear();
        for &j in &removed {
            old.push((j, state.unplace(j)));
        }

        // Recreate: jobs that were unscheduled first (they cost most), then
        // the removed ones in a random or greedy order.
        to_insert.clear();
        let mut waiting: Vec<usize> = unscheduled
            .iter()
            .copied()
            .filter(|j| removed.binary_search(j).is_err())
            .collect();
        rng.shuffle(&mut waiting);
        waiting.truncate(3);
        for &j in &waiting {
            old.push((j, None));
        }
        let mut first: Vec<usize> = old
            .iter()
            .filter(|(_, p)| p.is_none())
            .map(|&(j, _)| j)
            .collect();
        rng.shuffle(&mut first);
        first.sort_by(|&a, &b| {
            problem.jobs[b]
                .difficulty
                .total_cmp(&problem.jobs[a].difficulty)
        });
        to_insert.extend(first);
        let mut rest: Vec<usize> = old
            .iter()
            .filter(|(_, p)| p.is_some())
            .map(|&(j, _)| j)
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

        // Accept when the cost rises by at most T ln(1/u) (simulated
        // annealing); stop recreating as soon as that is out of reach.
        let before: i64 = old
            .iter()
            .map(|(_, p)| p.as_ref().map_or(UNSCHEDULED_PENALTY, |p| p.span))
            .sum();
        let hot = if unscheduled.is_empty() {
            1.0
        } else {
            HOT_WHILE_UNSCHEDULED
        };
        let allowed = (-temperature * hot * rng.unit().max(1e-300).ln()).min(1e15) as i64;
        let limit = current + allowed;
        let mut reached: i64 = current - before
            + to_insert
                .iter()
                .map(|&j| problem.jobs[j].min_span)
                .sum::<i64>();
        let mut accepted = true;
        for &j in &to_insert {
            let floor = problem.jobs[j].min_span;
            let slack = limit - reached + floor;
            let span_limit = if slack >= UNSCHEDULED_PENALTY {
                i64::MAX
            } else {
                slack
            };
            let cost = if state.insert_best_within(j, span_limit) {
                state.placements[j].as_ref().map_or(0, |p| p.span)
            } else {
                UNSCHEDULED_PENALTY
            };
            reached += cost - floor;
            if reached > limit {
                accepted = false;
                break;
            }
        }
        if accepted {
            current = reached;
            for &j in &to_insert {
                let l = local[j] as usize;
                if !is_dirty[l] {
                    is_dirty[l] = true;
                    dirty.push(l);
                }
            }
            if current < best {
                best = current;
                for l in dirty.drain(..) {
                    is_dirty[l] = false;
                    best_placements[l].clone_from(&state.placements[jobs[l]]);
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

/// A random placed job of the component (a few tries), if any.
fn random_placed(state: &State<'_>, jobs: &[usize], rng: &mut Rng) -> Option<usize> {
    for _ in 0..16 {
        let j = jobs[rng.below(jobs.len())];
        if state.placements[j].is_some() {
            return Some(j);
        }
    }
    jobs.iter()
        .copied()
        .find(|&j| state.placements[j].is_some())
}

/// Of a few random placed jobs, the one that waits longest.
fn worst_of_sample(state: &State<'_>, jobs: &[usize], rng: &mut Rng) -> Option<usize> {
    let mut worst: Option<(i64, usize)> = None;
    for _ in 0..8 {
        let j = jobs[rng.below(jobs.len())];
        if let Some(p) = &state.placements[j] {
            let waste = p.span - state.problem.jobs[j].min_span;
            if worst.is_none_or(|(w, _)| waste > w) {
                worst = Some((waste, j));
            }
        }
    }
    worst.map(|(_, j)| j)
}

/// `k` random placed jobs.
fn ruin_random(state: &State<'_>, jobs: &[usize], k: usize, rng: &mut Rng, out: &mut Vec<usize>) {
    for _ in 0..4 * k {
        if out.len() >= k {
            break;
        }
        let j = jobs[rng.below(jobs.len())];
        if state.placements[j].is_some() && !out.contains(&j) {
            out.push(j);
        }
    }
}

/// The time a job occupies, or for an unscheduled one a random stretch of
/// its window as long as its shortest stay.
fn time_of(state: &State<'_>, j: usize, rng: &mut Rng) -> (i64, i64) {
    match &state.placements[j] {
        Some(p) => (p.start(), p.start() + p.span),
        None => {
            let job = &state.problem.jobs[j];
            let lo = job.est.first().copied().unwrap_or(0);
            let hi = job.lst.first().copied().unwrap_or(lo).max(lo);
            let s = lo + rng.below((hi - lo + 1).min(1 << 30) as usize) as i64;
            (s, s + job.min_span)
        }
    }
}

/// A job (placed or not) and the `k` placed jobs nearest to it in time on
/// the resources it may use.
fn ruin_around(state: &State<'_>, center: usize, k: usize, rng: &mut Rng, out: &mut Vec<usize>) {
    let (a, b) = time_of(state, center, rng);
    let widen = 15 + rng.below(90) as i64;
    let (lo, hi) = (a - widen, b + widen);
    let mid = (a + b) / 2;
    let mut found: Vec<(i64, usize)> = Vec::new();
    for &r in &state.problem.jobs[center].resources {
        for owner in state.timelines[r].blockers(lo, hi - lo) {
            if owner == NOBODY || owner as usize == center {
                continue;
            }
            let j = owner as usize;
            if found.iter().all(|&(_, o)| o != j)
                && let Some(p) = &state.placements[j]
            {
                let their_mid = p.start() + p.span / 2;
                found.push(((their_mid - mid).abs() + rng.below(40) as i64, j));
            }
        }
    }
    found.sort_unstable();
    out.push(center);
    out.extend(found.into_iter().take(k).map(|(_, j)| j));
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
    let (a, b) = time_of(state, center, rng);
    let widen = 30 + rng.below(120) as i64;
    let (lo, hi) = (a - widen, b + widen);
    out.push(center);
    let mut found: Vec<(i64, usize)> = Vec::new();
    for owner in state.timelines[r].blockers(lo, hi - lo) {
        if owner != NOBODY && owner as usize != center {
            let j = owner as usize;
            if found.iter().all(|&(_, o)| o != j) {
                let start = state.placements[j].as_ref().map_or(0, |p| p.start());
                found.push(((start - (a + b) / 2).abs() + rng.below(30) as i64, j));
            }
        }
    }
    found.sort_unstable();
    out.extend(found.into_iter().take(k.max(4)).map(|(_, j)| j));
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
