//! Per-resource busy lists: sorted, pairwise non-overlapping half-open
//! intervals (unavailable windows and booked steps), with the queries the
//! insertion search asks millions of times.
//!
//! Two intervals `[s1, e1)` and `[s2, e2)` collide when `s1 < e2 && s2 < e1`
//! (zero-length ones included), exactly as the checker reads rule 3. A list
//! of non-colliding intervals sorted by `(start, end)` also has
//! non-decreasing ends, which the binary searches below rely on.

/// One resource's busy intervals.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timeline {
    slots: Vec<Slot>,
}

/// One busy interval `[start, end)` and who holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    start: i64,
    end: i64,
    /// The job booked in it, `NOBODY` for an unavailable window.
    owner: u32,
}

/// The owner of an unavailable window.
pub(crate) const NOBODY: u32 = u32::MAX;

impl Timeline {
    /// A timeline with these unavailable windows (any order; colliding
    /// windows are merged, windows with `end < start` ignored).
    pub(crate) fn with_windows(windows: impl IntoIterator<Item = (i64, i64)>) -> Self {
        let mut sorted: Vec<(i64, i64)> = windows.into_iter().filter(|(a, b)| a <= b).collect();
        sorted.sort_unstable();
        let mut slots: Vec<Slot> = Vec::with_capacity(sorted.len());
        for (a, b) in sorted {
            if let Some(last) = slots.last_mut()
                && a < last.end
                && last.start < b
            {
                last.end = last.end.max(b);
                continue;
            }
            slots.push(Slot {
                start: a,
                end: b,
                owner: NOBODY,
            });
        }
        Timeline { slots }
    }

    /// The first index whose interval ends after `x`.
    #[inline]
    fn first_ending_after(&self, x: i64) -> usize {
        self.slots.partition_point(|s| s.end <= x)
    }

    /// True when `[x, x + d)` collides with nothing.
    #[inline]
    pub(crate) fn is_free(&self, x: i64, d: i64) -> bool {
        let i = self.first_ending_after(x);
        match self.slots.get(i) {
            Some(s) => s.start >= x + d,
            None => true,
        }
    }

    /// The earliest `y >= x` with `[y, y + d)` free.
    #[inline]
    pub(crate) fn earliest_free(&self, x: i64, d: i64) -> i64 {
        let mut y = x;
        let mut i = self.first_ending_after(y);
        while let Some(s) = self.slots.get(i) {
            // Here s.end >= y; it collides unless it starts late enough.
            if s.start < y + d {
                y = y.max(s.end);
                i += 1;
            } else {
                break;
            }
        }
        y
    }

    /// The latest `y <= x` with `[y, y + d)` free, or `None` when there is
    /// none at or after `floor`.
    #[inline]
    pub(crate) fn latest_free(&self, x: i64, d: i64, floor: i64) -> Option<i64> {
        let mut y = x;
        loop {
            if y < floor {
                return None;
            }
            // Intervals from here on start too late to collide with [y, y + d).
            let j = self.slots.partition_point(|s| s.start < y + d);
            if j == 0 {
                return Some(y);
            }
            let s = self.slots[j - 1];
            // Ends are non-decreasing: if this one ends by y, all earlier ones do.
            if s.end <= y {
                return Some(y);
            }
            y = s.start - d;
        }
    }

    /// The end of the last interval ending at or before `x` (the left edge
    /// of the gap that `x` is in), or `i64::MIN`.
    #[inline]
    pub(crate) fn gap_start_before(&self, x: i64) -> i64 {
        let i = self.first_ending_after(x);
        if i == 0 {
            i64::MIN
        } else {
            self.slots[i - 1].end
        }
    }

    /// The start of the first interval starting at or after `x`, or `i64::MAX`.
    #[inline]
    pub(crate) fn gap_end_after(&self, x: i64) -> i64 {
        let i = self.slots.partition_point(|s| s.start < x);
        self.slots.get(i).map_or(i64::MAX, |s| s.start)
    }

    /// Books `[a, b)` for job `owner`; the caller has checked it is free.
    pub(crate) fn insert(&mut self, a: i64, b: i64, owner: u32) {
        let i = self.slots.partition_point(|s| (s.start, s.end) < (a, b));
        self.slots.insert(
            i,
            Slot {
                start: a,
                end: b,
                owner,
            },
        );
    }

    /// The owners of the intervals colliding with `[x, x + d)` (`NOBODY`
    /// for an unavailable window), in time order.
    pub(crate) fn blockers(&self, x: i64, d: i64) -> impl Iterator<Item = u32> + '_ {
        let i = self.first_ending_after(x);
        self.slots[i..]
            .iter()
            .take_while(move |s| s.start < x + d)
            .filter(move |s| x < s.end)
            .map(|s| s.owner)
    }

    /// Frees `[a, b)`, booked earlier by `insert`.
    pub(crate) fn remove(&mut self, a: i64, b: i64) {
        let i = self.slots.partition_point(|s| (s.start, s.end) < (a, b));
        if self
            .slots
            .get(i)
            .is_some_and(|s| s.start == a && s.end == b)
        {
            self.slots.remove(i);
        } else {
            debug_assert!(false, "removing an interval that was never booked");
        }
    }

    #[cfg(test)]
    pub(crate) fn intervals(&self) -> Vec<(i64, i64)> {
        self.slots.iter().map(|s| (s.start, s.end)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collides(s1: i64, e1: i64, s2: i64, e2: i64) -> bool {
        s1 < e2 && s2 < e1
    }

    fn brute_free(t: &Timeline, x: i64, d: i64) -> bool {
        t.intervals()
            .iter()
            .all(|&(a, b)| !collides(x, x + d, a, b))
    }

    #[test]
    fn queries_agree_with_brute_force() {
        let mut seed = 12345u64;
        let mut next = |m: i64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as i64
        };
        for _ in 0..300 {
            let mut windows = Vec::new();
            for _ in 0..next(8) {
                let a = next(100);
                windows.push((a, a + next(15)));
            }
            let mut t = Timeline::with_windows(windows);
            // Book a few free intervals on top.
            for _ in 0..5 {
                let a = next(100);
                let d = next(10);
                if brute_free(&t, a, d) {
                    t.insert(a, a + d, 0);
                }
            }
            let iv = t.intervals();
            for w in iv.windows(2) {
                assert!(!collides(w[0].0, w[0].1, w[1].0, w[1].1), "{iv:?}");
                assert!(w[0].1 <= w[1].1, "{iv:?}");
            }
            for x in -5..120 {
                for d in [0, 1, 3, 7, 12] {
                    assert_eq!(t.is_free(x, d), brute_free(&t, x, d), "{iv:?} x={x} d={d}");
                    let e = t.earliest_free(x, d);
                    let want = (x..).find(|&y| brute_free(&t, y, d)).unwrap();
                    assert_eq!(e, want, "earliest {iv:?} x={x} d={d}");
                    let l = t.latest_free(x, d, -20);
                    let want = (-20..=x).rev().find(|&y| brute_free(&t, y, d));
                    assert_eq!(l, want, "latest {iv:?} x={x} d={d}");
                }
            }
        }
    }
}
