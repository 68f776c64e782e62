//! The instance turned into numbers: resources and jobs by index, each job's
//! time constraints as a minimal simple temporal network, its `same` groups,
//! its shortest possible stay, and the independent components of the whole.

use crate::model::{Instance, TIME_BOUND, within_bound};
use std::collections::HashMap;

/// "No bound" in the temporal networks; far from overflow when added to.
pub(crate) const INF: i64 = i64::MAX / 4;

#[derive(Debug, Clone)]
pub(crate) struct Problem {
    /// Resource ids by index (the first resource of each id).
    pub(crate) resource_ids: Vec<String>,
    /// Per resource: its unavailable windows.
    pub(crate) unavailable: Vec<Vec<(i64, i64)>>,
    pub(crate) jobs: Vec<JobInfo>,
    /// Groups of jobs that can never compete for a resource with another group.
    pub(crate) components: Vec<Vec<usize>>,
}

#[derive(Debug, Clone)]
pub(crate) struct NeedInfo {
    /// Candidate resources (indices), in `one_of` order.
    pub(crate) candidates: Vec<usize>,
    /// The `same` group this need belongs to, if any.
    pub(crate) group: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct TaskInfo {
    pub(crate) duration: i64,
    pub(crate) needs: Vec<NeedInfo>,
    /// Two needs of this task share a candidate: resources must be matched.
    pub(crate) needs_overlap: bool,
    /// Needs in the order the search tries them: fewest candidates first.
    pub(crate) order: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct JobInfo {
    /// False when the job can never be scheduled (its own constraints
    /// contradict each other, or it names resources that do not exist).
    pub(crate) feasible: bool,
    pub(crate) tasks: Vec<TaskInfo>,
    /// `dist[i * n + j]`: upper bound of `start(j) - start(i)` (minimal network,
    /// release and due included).
    pub(crate) dist: Vec<i64>,
    /// Earliest and latest start of each task on its own.
    pub(crate) est: Vec<i64>,
    pub(crate) lst: Vec<i64>,
    /// Candidate resources of each `same` group (common to all its needs).
    pub(crate) groups: Vec<Vec<usize>>,
    /// Every choice of one resource per group (at least one, possibly empty).
    pub(crate) combos: Vec<Vec<usize>>,
    /// The shortest possible stay (latest end - earliest start) and the
    /// start offsets that achieve it, relative to the earliest task.
    pub(crate) min_span: i64,
    pub(crate) rigid: Vec<i64>,
    /// Two tasks of this job may overlap in time and share a candidate resource.
    pub(crate) may_self_overlap: bool,
    /// Every candidate resource of the job (sorted, unique).
    pub(crate) resources: Vec<usize>,
    pub(crate) release: i64,
    pub(crate) due: i64,
    /// How hard the job is to place: minutes of need weighted by how few
    /// resources can serve it, over the room its window leaves.
    pub(crate) difficulty: f64,
}

impl JobInfo {
    #[inline]
    pub(crate) fn n_tasks(&self) -> usize {
        self.tasks.len()
    }

    /// Upper bound of `start(j) - start(i)`.
    #[inline]
    pub(crate) fn d(&self, i: usize, j: usize) -> i64 {
        self.dist[i * self.tasks.len() + j]
    }
}

/// Floyd-Warshall on an `n x n` matrix of upper bounds; false on a negative cycle.
fn close(dist: &mut [i64], n: usize) -> bool {
    for k in 0..n {
        for i in 0..n {
            let dik = dist[i * n + k];
            if dik >= INF {
                continue;
            }
            for j in 0..n {
                let dkj = dist[k * n + j];
                if dkj >= INF {
                    continue;
                }
                let via = dik + dkj;
                if via < dist[i * n + j] {
                    dist[i * n + j] = via;
                }
            }
        }
    }
    (0..n).all(|i| dist[i * n + i] >= 0)
}

/// Upper-bound edges `start(j) - start(i) <= w` among the tasks of one job.
fn relative_edges(
    instance_job: &crate::model::Job,
    task_index: &HashMap<&str, usize>,
) -> Option<Vec<(usize, usize, i64)>> {
    let tasks = &instance_job.tasks;
    let mut edges = Vec::new();
    let mut linked = std::collections::HashSet::new();
    for lag in &instance_job.lags {
        let (&a, &b) = (
            task_index.get(lag.from.as_str())?,
            task_index.get(lag.to.as_str())?,
        );
        if a == b {
            return None;
        }
        linked.insert((a.min(b), a.max(b)));
        let da = tasks[a].duration;
        // start(b) - start(a) >= da + min  <=>  start(a) - start(b) <= -(da + min)
        edges.push((b, a, -(da.checked_add(lag.min)?)));
        if let Some(max) = lag.max {
            edges.push((a, b, da.checked_add(max)?));
        }
    }
    for p in 1..tasks.len() {
        if !linked.contains(&(p - 1, p)) {
            edges.push((p, p - 1, -tasks[p - 1].duration));
        }
    }
    Some(edges)
}

impl Problem {
    pub(crate) fn new(instance: &Instance) -> Problem {
        let mut resource_index: HashMap<&str, usize> = HashMap::new();
        for r in &instance.resources {
            let next = resource_index.len();
            resource_index.entry(r.id.as_str()).or_insert(next);
        }
        let n_resources = resource_index.len();
        let mut resource_ids = vec![String::new(); n_resources];
        for (id, &i) in &resource_index {
            resource_ids[i] = (*id).to_owned();
        }
        let mut unavailable = vec![Vec::new(); n_resources];
        for r in &instance.resources {
            if let Some(&i) = resource_index.get(r.id.as_str()) {
                // No job reaches beyond the bound (see `index_job`), so
                // cutting windows there changes nothing and keeps sums small.
                let clamp = |m: i64| m.clamp(-TIME_BOUND, TIME_BOUND);
                unavailable[i].extend(r.unavailable.iter().map(|w| (clamp(w.start), clamp(w.end))));
            }
        }
        let jobs: Vec<JobInfo> = instance
            .jobs
            .iter()
            .map(|job| index_job(job, instance.horizon, &resource_index))
            .collect();
        let components = components(&jobs, n_resources);
        Problem {
            resource_ids,
            unavailable,
            jobs,
            components,
        }
    }
}

fn infeasible_job(job: &crate::model::Job) -> JobInfo {
    JobInfo {
        feasible: false,
        tasks: Vec::new(),
        dist: Vec::new(),
        est: Vec::new(),
        lst: Vec::new(),
        groups: Vec::new(),
        combos: Vec::new(),
        min_span: 0,
        rigid: Vec::new(),
        may_self_overlap: false,
        resources: Vec::new(),
        release: job.release,
        due: job.due,
        difficulty: 0.0,
    }
}

fn index_job(
    job: &crate::model::Job,
    horizon: i64,
    resource_index: &HashMap<&str, usize>,
) -> JobInfo {
    let n = job.tasks.len();
    let numbers_within_bound = within_bound(job.release)
        && within_bound(job.due)
        && job.tasks.iter().all(|t| within_bound(t.duration))
        && job
            .lags
            .iter()
            .all(|g| within_bound(g.min) && g.max.is_none_or(within_bound));
    if !numbers_within_bound {
        return infeasible_job(job);
    }
    let due = job.due.min(horizon.clamp(-TIME_BOUND, TIME_BOUND));
    let mut task_index: HashMap<&str, usize> = HashMap::new();
    for (i, t) in job.tasks.iter().enumerate() {
        if task_index.insert(t.id.as_str(), i).is_some() || t.duration < 0 {
            return infeasible_job(job);
        }
    }
    if n == 0 {
        return infeasible_job(job);
    }
    // `same` groups: keys listed in `same` that some need uses.
    let mut group_of_key: HashMap<&str, usize> = HashMap::new();
    for key in &job.same {
        let used = job
            .tasks
            .iter()
            .any(|t| t.needs.iter().any(|need| &need.key == key));
        if used && !group_of_key.contains_key(key.as_str()) {
            let g = group_of_key.len();
            group_of_key.insert(key.as_str(), g);
        }
    }
    let mut groups: Vec<Option<Vec<usize>>> = vec![None; group_of_key.len()];
    let mut tasks = Vec::with_capacity(n);
    for t in &job.tasks {
        let mut needs = Vec::with_capacity(t.needs.len());
        let mut seen_keys = std::collections::HashSet::new();
        for need in &t.needs {
            if !seen_keys.insert(need.key.as_str()) || need.one_of.is_empty() {
                return infeasible_job(job);
            }
            let mut candidates = Vec::with_capacity(need.one_of.len());
            for rid in &need.one_of {
                match resource_index.get(rid.as_str()) {
                    Some(&r) => {
                        if !candidates.contains(&r) {
                            candidates.push(r);
                        }
                    }
                    None => return infeasible_job(job),
                }
            }
            let group = group_of_key.get(need.key.as_str()).copied();
            if let Some(g) = group {
                groups[g] = Some(match groups[g].take() {
                    None => candidates.clone(),
                    Some(common) => common
                        .into_iter()
                        .filter(|r| candidates.contains(r))
                        .collect(),
                });
            }
            needs.push(NeedInfo { candidates, group });
        }
        let needs_overlap = needs.iter().enumerate().any(|(i, a)| {
            needs[i + 1..]
                .iter()
                .any(|b| a.candidates.iter().any(|r| b.candidates.contains(r)))
        });
        let mut order: Vec<usize> = (0..needs.len()).collect();
        order.sort_by_key(|&x| {
            (
                if needs[x].group.is_some() {
                    1
                } else {
                    needs[x].candidates.len()
                },
                x,
            )
        });
        tasks.push(TaskInfo {
            duration: t.duration,
            needs,
            needs_overlap,
            order,
        });
    }
    let groups: Vec<Vec<usize>> = groups.into_iter().map(Option::unwrap_or_default).collect();
    if groups.iter().any(Vec::is_empty) {
        return infeasible_job(job);
    }
    let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
    for g in &groups {
        let mut next = Vec::new();
        for combo in &combos {
            for &r in g {
                let mut c = combo.clone();
                c.push(r);
                next.push(c);
            }
        }
        combos = next;
        if combos.len() > 4096 {
            combos.truncate(4096);
        }
    }

    let Some(edges) = relative_edges(job, &task_index) else {
        return infeasible_job(job);
    };
    // Minimal network with the origin (node n, time 0) for release and due.
    let m = n + 1;
    let mut full = vec![INF; m * m];
    for i in 0..m {
        full[i * m + i] = 0;
    }
    for &(i, j, w) in &edges {
        full[i * m + j] = full[i * m + j].min(w);
    }
    for (k, t) in tasks.iter().enumerate() {
        // start(k) - 0 <= due - duration;  0 - start(k) <= -release
        full[n * m + k] = full[n * m + k].min(due - t.duration);
        full[k * m + n] = full[k * m + n].min(-job.release);
    }
    if !close(&mut full, m) {
        return infeasible_job(job);
    }
    let mut dist = vec![0; n * n];
    for i in 0..n {
        for j in 0..n {
            dist[i * n + j] = full[i * m + j];
        }
    }
    let est: Vec<i64> = (0..n).map(|k| -full[k * m + n]).collect();
    let lst: Vec<i64> = (0..n).map(|k| full[n * m + k]).collect();

    // Shortest stay: for each task as the earliest one, the earliest
    // schedule of the others (relative constraints only).
    let mut best: Option<(i64, Vec<i64>)> = None;
    for anchor in 0..n {
        let mut rel = vec![INF; n * n];
        for i in 0..n {
            rel[i * n + i] = 0;
        }
        for &(i, j, w) in &edges {
            rel[i * n + j] = rel[i * n + j].min(w);
        }
        for k in 0..n {
            // start(anchor) - start(k) <= 0
            rel[k * n + anchor] = rel[k * n + anchor].min(0);
        }
        if !close(&mut rel, n) {
            continue;
        }
        let offsets: Vec<i64> = (0..n).map(|k| -rel[k * n + anchor]).collect();
        let span = (0..n)
            .map(|k| offsets[k] + tasks[k].duration)
            .max()
            .unwrap_or(0);
        if best.as_ref().is_none_or(|(s, _)| span < *s) {
            best = Some((span, offsets));
        }
    }
    let Some((min_span, rigid)) = best else {
        return infeasible_job(job);
    };

    // Tasks that may overlap in time and share a candidate resource.
    let mut may_self_overlap = false;
    for a in 0..n {
        for b in a + 1..n {
            // They cannot overlap if one must end before the other starts.
            let a_before_b = -dist[b * n + a] >= tasks[a].duration; // start(b)-start(a) >= dur(a)
            let b_before_a = -dist[a * n + b] >= tasks[b].duration;
            if a_before_b || b_before_a {
                continue;
            }
            let share = tasks[a].needs.iter().any(|x| {
                tasks[b]
                    .needs
                    .iter()
                    .any(|y| x.candidates.iter().any(|r| y.candidates.contains(r)))
            });
            if share {
                may_self_overlap = true;
            }
        }
    }
    let mut resources: Vec<usize> = tasks
        .iter()
        .flat_map(|t| t.needs.iter().flat_map(|n| n.candidates.iter().copied()))
        .collect();
    resources.sort_unstable();
    resources.dedup();
    let work: f64 = tasks
        .iter()
        .map(|t| {
            t.needs
                .iter()
                .map(|n| {
                    let choices = match n.group {
                        Some(g) => groups[g].len(),
                        None => n.candidates.len(),
                    };
                    t.duration as f64 / choices as f64
                })
                .sum::<f64>()
        })
        .sum();
    let room = (lst[0] - est[0] + min_span).max(1) as f64;
    let difficulty = work * 100.0 / room;
    JobInfo {
        difficulty,
        feasible: true,
        tasks,
        dist,
        est,
        lst,
        groups,
        combos,
        min_span,
        rigid,
        may_self_overlap,
        resources,
        release: job.release,
        due,
    }
}

/// Jobs linked when they may use a common resource at overlapping times.
fn components(jobs: &[JobInfo], n_resources: usize) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..jobs.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n_resources];
    for (j, job) in jobs.iter().enumerate() {
        if job.feasible {
            for &r in &job.resources {
                users[r].push(j);
            }
        }
    }
    for list in &mut users {
        list.sort_by_key(|&j| (jobs[j].release, jobs[j].due));
        let mut current: Option<(usize, i64)> = None; // (a job of the run, latest due)
        for &j in list.iter() {
            match current {
                Some((root, due)) if jobs[j].release < due => {
                    let (a, b) = (find(&mut parent, root), find(&mut parent, j));
                    parent[a] = b;
                    current = Some((j, due.max(jobs[j].due)));
                }
                _ => current = Some((j, jobs[j].due)),
            }
        }
    }
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for (j, job) in jobs.iter().enumerate() {
        if job.feasible {
            let root = find(&mut parent, j);
            by_root.entry(root).or_default().push(j);
        }
    }
    let mut out: Vec<Vec<usize>> = by_root.into_values().collect();
    out.sort_by_key(|c| c[0]);
    out
}
