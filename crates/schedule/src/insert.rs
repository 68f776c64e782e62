//! Best insertion of one job into a partial schedule: the placement of its
//! whole chain with the shortest stay (ties: the earliest start), keeping
//! release and due, lags, list order, `same` keys and every resource's
//! busy list.
//!
//! For one choice of the `same` resources, a depth-first search in list
//! order gives each task the earliest start its window and resources allow;
//! when a later task cannot fit, the failure says how late that task must
//! start, and the search jumps the earlier task just far enough (this is
//! what makes maximum lags work: the earliest start of a predecessor is not
//! always the right one). A backward pass then starts every task as late as
//! the found end allows, which shortens the stay; the next round looks for
//! a strictly shorter stay from a later first start. A first round asks for
//! no waiting at all (the job's shortest possible stay), which is the
//! common case and settles most insertions at once.

use crate::index::{INF, JobInfo, NeedInfo, TaskInfo};
use crate::timeline::Timeline;

/// Where one job's tasks go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// Start of each task (list order).
    pub(crate) starts: Vec<i64>,
    /// Resource (index) serving each need of each task.
    pub(crate) resources: Vec<Vec<usize>>,
    /// Latest end - earliest start.
    pub(crate) span: i64,
}

impl Placement {
    /// Every `(resource, start, end)` this placement occupies.
    pub(crate) fn occupations<'a>(
        &'a self,
        job: &'a JobInfo,
    ) -> impl Iterator<Item = (usize, i64, i64)> + 'a {
        self.starts.iter().enumerate().flat_map(move |(k, &s)| {
            let d = job.tasks[k].duration;
            self.resources[k].iter().map(move |&r| (r, s, s + d))
        })
    }

    pub(crate) fn start(&self) -> i64 {
        self.starts.iter().copied().min().unwrap_or(0)
    }
}

/// Books a placement of job number `j` on the timelines.
pub(crate) fn book(timelines: &mut [Timeline], j: usize, job: &JobInfo, placement: &Placement) {
    for (r, a, b) in placement.occupations(job) {
        timelines[r].insert(a, b, j as u32);
    }
}

/// Frees a placement booked with `book`.
pub(crate) fn unbook(timelines: &mut [Timeline], job: &JobInfo, placement: &Placement) {
    for (r, a, b) in placement.occupations(job) {
        timelines[r].remove(a, b);
    }
}

/// The span of a set of starts.
fn span_of(job: &JobInfo, starts: &[i64]) -> i64 {
    let first = starts.iter().copied().min().unwrap_or(0);
    let last = starts
        .iter()
        .zip(&job.tasks)
        .map(|(s, t)| s + t.duration)
        .max()
        .unwrap_or(0);
    last - first
}

struct Search<'a> {
    job: &'a JobInfo,
    timelines: &'a [Timeline],
    combo: &'a [usize],
    /// Occupations of this job's tasks placed so far (only for jobs whose
    /// tasks may overlap each other on a resource).
    own: Vec<(usize, i64, i64)>,
    /// For such jobs, the resources chosen for each placed task.
    chosen: Vec<Vec<usize>>,
    starts: Vec<i64>,
    /// Bound on latest end - start(task 0) while searching forward.
    cap: i64,
    /// Upper bound on ends while searching backward.
    end_cap: i64,
    /// Lower bound on start(task 0) while searching backward.
    floor0: i64,
    /// Upper bound on start(task 0) while searching forward.
    hi0: i64,
    /// Effort spent, to stop pathological searches.
    steps: u64,
}

const STEP_LIMIT: u64 = 200_000;

impl<'a> Search<'a> {
    #[inline]
    fn candidates<'n>(&self, need: &'n NeedInfo) -> &'n [usize]
    where
        'a: 'n,
    {
        match need.group {
            Some(g) => std::slice::from_ref(&self.combo[g]),
            None => &need.candidates,
        }
    }

    /// Earliest `y >= x` with `[y, y + d)` free on `r`, this job's own
    /// occupations included.
    #[inline]
    fn free_from(&self, r: usize, x: i64, d: i64) -> i64 {
        let mut y = self.timelines[r].earliest_free(x, d);
        if self.job.may_self_overlap {
            loop {
                let clash = self
                    .own
                    .iter()
                    .find(|&&(rr, a, b)| rr == r && a < y + d && y < b);
                match clash {
                    Some(&(_, _, b)) => y = self.timelines[r].earliest_free(b, d),
                    None => break,
                }
            }
        }
        y
    }

    /// Latest `y <= x` (not below `floor`) with `[y, y + d)` free on `r`.
    #[inline]
    fn free_until(&self, r: usize, x: i64, d: i64, floor: i64) -> Option<i64> {
        let mut y = self.timelines[r].latest_free(x, d, floor)?;
        if self.job.may_self_overlap {
            loop {
                let clash = self
                    .own
                    .iter()
                    .find(|&&(rr, a, b)| rr == r && a < y + d && y < b);
                match clash {
                    Some(&(_, a, _)) => y = self.timelines[r].latest_free(a - d, d, floor)?,
                    None => break,
                }
            }
        }
        Some(y)
    }

    #[inline]
    fn is_free(&self, r: usize, x: i64, d: i64) -> bool {
        self.timelines[r].is_free(x, d)
            && (!self.job.may_self_overlap
                || !self
                    .own
                    .iter()
                    .any(|&(rr, a, b)| rr == r && a < x + d && x < b))
    }

    /// Distinct resources for the needs of `task` at `x`, preferring the
    /// candidate that leaves the smallest gap before it; None if impossible.
    fn choose(&self, task: &TaskInfo, x: i64) -> Option<Vec<usize>> {
        let d = task.duration;
        let fit = |r: usize| {
            let tl = &self.timelines[r];
            let left = x.saturating_sub(tl.gap_start_before(x));
            let right = tl.gap_end_after(x + d).saturating_sub(x + d);
            (left, right, r)
        };
        if !task.needs_overlap {
            // Each need on its own: the tightest free candidate.
            let mut out = Vec::with_capacity(task.needs.len());
            for need in &task.needs {
                let best = self
                    .candidates(need)
                    .iter()
                    .copied()
                    .filter(|&r| self.is_free(r, x, d))
                    .map(fit)
                    .min()?;
                out.push(best.2);
            }
            return Some(out);
        }
        let mut options: Vec<Vec<usize>> = Vec::with_capacity(task.needs.len());
        for need in &task.needs {
            let mut free: Vec<(i64, i64, usize)> = self
                .candidates(need)
                .iter()
                .copied()
                .filter(|&r| self.is_free(r, x, d))
                .map(fit)
                .collect();
            if free.is_empty() {
                return None;
            }
            free.sort_unstable();
            options.push(free.into_iter().map(|(_, _, r)| r).collect());
        }
        match_distinct(&options)
    }

    /// Earliest start `>= lo` of task `k` where every need has a free
    /// resource: `Ok` if it is `<= hi`, else `Err` with a lower bound of it.
    fn earliest_task(&mut self, k: usize, lo: i64, hi: i64) -> Result<i64, i64> {
        let task = &self.job.tasks[k];
        let d = task.duration;
        let mut x = lo;
        loop {
            if x > hi {
                return Err(x);
            }
            self.steps += 1;
            let mut stable = true;
            for &x_need in &task.order {
                let need = &task.needs[x_need];
                let mut best = i64::MAX;
                for &r in self.candidates(need) {
                    let y = self.free_from(r, x, d);
                    if y < best {
                        best = y;
                        if y == x {
                            break;
                        }
                    }
                }
                if best > x {
                    x = best;
                    stable = false;
                    if x > hi {
                        return Err(x);
                    }
                }
            }
            if stable {
                if task.needs_overlap && self.choose(task, x).is_none() {
                    x += 1;
                    continue;
                }
                return Ok(x);
            }
        }
    }

    /// Latest start `<= hi` of task `k` where every need has a free
    /// resource: `Ok` if it is `>= lo`, else `Err` with an upper bound of it.
    fn latest_task(&mut self, k: usize, hi: i64, lo: i64) -> Result<i64, i64> {
        let task = &self.job.tasks[k];
        let d = task.duration;
        let floor = self.job.est[k];
        let mut x = hi;
        loop {
            if x < lo {
                return Err(x);
            }
            self.steps += 1;
            let mut stable = true;
            for &x_need in &task.order {
                let need = &task.needs[x_need];
                let mut best: Option<i64> = None;
                for &r in self.candidates(need) {
                    if let Some(y) = self.free_until(r, x, d, floor)
                        && best.is_none_or(|b| y > b)
                    {
                        best = Some(y);
                        if y == x {
                            break;
                        }
                    }
                }
                match best {
                    None => return Err(-INF),
                    Some(b) if b < x => {
                        x = b;
                        stable = false;
                        if x < lo {
                            return Err(x);
                        }
                    }
                    Some(_) => {}
                }
            }
            if stable {
                if task.needs_overlap && self.choose(task, x).is_none() {
                    x -= 1;
                    continue;
                }
                return Ok(x);
            }
        }
    }

    fn place_own(&mut self, k: usize, x: i64) -> bool {
        if !self.job.may_self_overlap {
            return true;
        }
        let task = &self.job.tasks[k];
        match self.choose(task, x) {
            Some(rs) => {
                for &r in &rs {
                    self.own.push((r, x, x + task.duration));
                }
                self.chosen[k] = rs;
                true
            }
            None => false,
        }
    }

    fn unplace_own(&mut self, k: usize) {
        if self.job.may_self_overlap {
            let n = self.chosen[k].len();
            self.own.truncate(self.own.len() - n);
            self.chosen[k].clear();
        }
    }

    /// Depth-first in list order from task `k`; `Err((task, v))`: that task
    /// cannot start before `v` under the current choices.
    fn forward(&mut self, k: usize, t0: i64) -> Result<(), (usize, i64)> {
        let job = self.job;
        let n = job.n_tasks();
        let dur = job.tasks[k].duration;
        let mut lo = job.est[k];
        let mut hi = job.lst[k];
        if k == 0 {
            lo = lo.max(t0);
            hi = hi.min(self.hi0);
            if dur > self.cap {
                return Err((0, INF));
            }
        } else {
            hi = hi.min(self.starts[0].saturating_add(self.cap - dur));
        }
        for j in 0..k {
            lo = lo.max(self.starts[j].saturating_sub(job.d(k, j)));
            hi = hi.min(self.starts[j].saturating_add(job.d(j, k)));
        }
        let mut from = lo;
        loop {
            if self.steps > STEP_LIMIT {
                return Err((k, INF));
            }
            let x = match self.earliest_task(k, from, hi) {
                Ok(x) => x,
                Err(v) => return Err((k, v)),
            };
            self.starts[k] = x;
            if !self.place_own(k, x) {
                from = x + 1;
                continue;
            }
            if k + 1 == n {
                return Ok(());
            }
            match self.forward(k + 1, t0) {
                Ok(()) => return Ok(()),
                Err((k2, v)) => {
                    self.unplace_own(k);
                    if v >= INF {
                        return Err((k2, v));
                    }
                    let mut reach = job.d(k, k2);
                    if k == 0 {
                        reach = reach.min(self.cap - job.tasks[k2].duration);
                    }
                    let need = v.saturating_sub(reach);
                    if need > x {
                        from = need;
                    } else {
                        return Err((k2, v));
                    }
                }
            }
        }
    }

    /// Depth-first in reverse list order from task `k`, every task as late
    /// as `end_cap` allows; `Err((task, v))`: that task cannot start after `v`.
    fn backward(&mut self, k: usize) -> Result<(), (usize, i64)> {
        let job = self.job;
        let n = job.n_tasks();
        let dur = job.tasks[k].duration;
        let mut lo = job.est[k];
        let mut hi = job.lst[k].min(self.end_cap - dur);
        if k == 0 {
            lo = lo.max(self.floor0);
        }
        for j in k + 1..n {
            lo = lo.max(self.starts[j].saturating_sub(job.d(k, j)));
            hi = hi.min(self.starts[j].saturating_add(job.d(j, k)));
        }
        let mut from = hi;
        loop {
            if self.steps > STEP_LIMIT {
                return Err((k, -INF));
            }
            let x = match self.latest_task(k, from, lo) {
                Ok(x) => x,
                Err(v) => return Err((k, v)),
            };
            self.starts[k] = x;
            if !self.place_own(k, x) {
                from = x - 1;
                continue;
            }
            if k == 0 {
                return Ok(());
            }
            match self.backward(k - 1) {
                Ok(()) => return Ok(()),
                Err((k2, v)) => {
                    self.unplace_own(k);
                    if v <= -INF {
                        return Err((k2, v));
                    }
                    // start(k) - start(k2) <= d(k2, k): start(k) <= v + d(k2, k)
                    let need = v.saturating_add(job.d(k2, k));
                    if need < x {
                        from = need;
                    } else {
                        return Err((k2, v));
                    }
                }
            }
        }
    }

    fn reset_own(&mut self) {
        self.own.clear();
        for c in &mut self.chosen {
            c.clear();
        }
    }

    /// Resources for the current starts (chosen during the search for jobs
    /// that may overlap themselves).
    fn resources(&mut self) -> Option<Vec<Vec<usize>>> {
        if self.job.may_self_overlap {
            return Some(self.chosen.clone());
        }
        let mut out = Vec::with_capacity(self.job.n_tasks());
        for (k, task) in self.job.tasks.iter().enumerate() {
            out.push(self.choose(task, self.starts[k])?);
        }
        Some(out)
    }
}

/// A system of distinct representatives, each need taking the first
/// possible option in its preference order (augmenting paths).
fn match_distinct(options: &[Vec<usize>]) -> Option<Vec<usize>> {
    let mut owner: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    fn augment(
        i: usize,
        options: &[Vec<usize>],
        owner: &mut std::collections::HashMap<usize, usize>,
        seen: &mut Vec<usize>,
    ) -> bool {
        for &r in &options[i] {
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
            let holder = owner.get(&r).copied();
            if holder.is_none_or(|h| augment(h, options, owner, seen)) {
                owner.insert(r, i);
                return true;
            }
        }
        false
    }
    for i in 0..options.len() {
        let mut seen = Vec::new();
        if !augment(i, options, &mut owner, &mut seen) {
            return None;
        }
    }
    let mut out = vec![0; options.len()];
    for (r, i) in owner {
        out[i] = r;
    }
    Some(out)
}

/// The best placement of `job` on `timelines`, or None if it fits nowhere.
/// `span_limit`: only placements with a stay of at most this are wanted.
pub(crate) fn best_insertion(
    job: &JobInfo,
    timelines: &[Timeline],
    span_limit: i64,
) -> Option<Placement> {
    if !job.feasible {
        return None;
    }
    if job.min_span > span_limit {
        return None;
    }
    let n = job.n_tasks();
    let mut best: Option<(i64, i64, usize, Vec<i64>)> = None; // (span, start, combo, starts)

    // Round 1: no waiting at all, for every choice of the `same` resources.
    for (c, combo) in job.combos.iter().enumerate() {
        let mut search = new_search(job, timelines, combo, job.min_span);
        if let Some(b) = &best {
            // Only an earlier start would do.
            search.hi0 = b.1 - 1;
        }
        let ok = search.forward(0, job.est[0]).is_ok();
        if ok {
            let start = search.starts.iter().copied().min().unwrap_or(0);
            if best.as_ref().is_none_or(|b| start < b.1) {
                best = Some((job.min_span, start, c, search.starts.clone()));
            }
        }
    }
    if best.is_none() && span_limit > job.min_span {
        // Round 2: the shortest stay with waiting.
        for (c, combo) in job.combos.iter().enumerate() {
            let mut search = new_search(job, timelines, combo, INF);
            let mut t = job.est[0];
            while t <= job.lst[0] {
                let (best_span, best_start) =
                    best.as_ref().map_or((span_limit, INF), |b| (b.0, b.1));
                search.cap = if t < best_start {
                    best_span
                } else {
                    best_span - 1
                };
                search.reset_own();
                if search.forward(0, t).is_err() {
                    break;
                }
                let found = search.starts.clone();
                let end = found
                    .iter()
                    .zip(&job.tasks)
                    .map(|(s, t)| s + t.duration)
                    .max()
                    .unwrap_or(0);
                let mut starts = found.clone();
                if span_of(job, &found) > job.min_span {
                    search.end_cap = end;
                    search.floor0 = found[0];
                    search.reset_own();
                    if search.backward(n - 1).is_ok() {
                        starts = search.starts.clone();
                    } else {
                        search.starts.clone_from(&found);
                    }
                }
                let span = span_of(job, &starts);
                let start = starts.iter().copied().min().unwrap_or(0);
                if best.as_ref().is_none_or(|b| (span, start) < (b.0, b.1)) && span <= span_limit {
                    best = Some((span, start, c, starts.clone()));
                }
                if span <= job.min_span {
                    break;
                }
                t = starts[0].max(found[0]) + 1;
            }
        }
    }
    let (span, _, c, starts) = best?;
    // Resources for the chosen starts.
    let mut search = new_search(job, timelines, &job.combos[c], INF);
    search.starts.clone_from(&starts);
    let resources = if job.may_self_overlap {
        // Re-derive the choices task by task (the search kept them only
        // along its last path).
        search.reset_own();
        for (k, &start) in starts.iter().enumerate() {
            if !search.place_own(k, start) {
                return None;
            }
        }
        search.chosen.clone()
    } else {
        search.resources()?
    };
    Some(Placement {
        starts,
        resources,
        span,
    })
}

fn new_search<'a>(
    job: &'a JobInfo,
    timelines: &'a [Timeline],
    combo: &'a [usize],
    cap: i64,
) -> Search<'a> {
    Search {
        job,
        timelines,
        combo,
        own: Vec::new(),
        chosen: vec![Vec::new(); job.n_tasks()],
        starts: vec![0; job.n_tasks()],
        cap,
        end_cap: INF,
        floor0: -INF,
        hi0: INF,
        steps: 0,
    }
}
