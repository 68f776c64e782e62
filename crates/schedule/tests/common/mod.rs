//! A small instance generator for the tests, modelled on the benchmark
//! kit's gen.py (clinic days, staff shifts and lunches, nights, sessions
//! of three kinds with the protocol's lags and `same: ["physician"]`),
//! plus the odd shapes the spec allows and the kit never makes: jobs
//! without lags (list order), lags without `max`, zero-length steps,
//! overlapping and empty unavailable windows.

#![allow(dead_code)]

use cellpath_schedule::{Instance, Job, Lag, Need, Resource, Task, Window};

pub const DAY_LEN: i64 = 720;
pub const DAY_STRIDE: i64 = 1440;

/// xorshift64*: the tests' own seeded randomness.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - p
    }
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

/// Knobs of one generated instance.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub sessions: usize,
    pub days: i64,
    pub sites: usize,
    /// Add the shapes the kit never makes.
    pub odd: bool,
}

struct Site {
    rooms: Vec<String>,
    fluoro: Vec<String>,
    physicians: Vec<String>,
    nurses: Vec<String>,
    techs: Vec<String>,
    anaesthetists: Vec<String>,
    centrifuges: Vec<String>,
    ultrasound: Vec<String>,
    bays: Vec<String>,
}

pub fn generate(seed: u64, shape: Shape) -> Instance {
    let mut g = Gen::new(seed);
    let days = shape.days.max(1);
    let horizon = DAY_STRIDE * (days - 1) + DAY_LEN;
    let mut resources: Vec<Resource> = Vec::new();
    let mut sites = Vec::new();
    for k in 0..shape.sites.max(1) {
        let tag = format!("s{}", k + 1);
        let mut add = |kind: &str, part: &str, n: usize, staff: bool, g: &mut Gen| {
            let mut ids = Vec::new();
            for i in 0..n {
                let id = format!("{tag}-{part}-{}", i + 1);
                let mut unavailable = Vec::new();
                for d in 0..days {
                    let base = DAY_STRIDE * d;
                    if d + 1 < days {
                        unavailable.push(Window::new(base + DAY_LEN, base + DAY_STRIDE));
                    }
                    if staff {
                        if g.chance(0.1) {
                            unavailable.push(Window::new(base, base + DAY_LEN));
                            continue;
                        }
                        let start = 30 * g.range(0, 6);
                        let end = DAY_LEN - 30 * g.range(0, 6);
                        if start > 0 {
                            unavailable.push(Window::new(base, base + start));
                        }
                        if end < DAY_LEN {
                            unavailable.push(Window::new(base + end, base + DAY_LEN));
                        }
                        if g.chance(0.7) {
                            let lunch = base + 15 * g.range(18, 26);
                            unavailable.push(Window::new(lunch, lunch + 30));
                        }
                    } else if g.chance(0.1) {
                        let a = base + 15 * g.range(4, 40);
                        unavailable.push(Window::new(a, a + g.pick(&[30, 45, 60])));
                    }
                    if shape.odd && g.chance(0.1) {
                        // Overlapping and empty windows.
                        let a = base + g.range(0, DAY_LEN);
                        unavailable.push(Window::new(a, a));
                        unavailable.push(Window::new(a - 10, a + 5));
                    }
                }
                resources.push(Resource {
                    id: id.clone(),
                    kind: kind.to_owned(),
                    unavailable,
                });
                ids.push(id);
            }
            ids
        };
        let per_day = (shape.sessions / (days as usize * shape.sites.max(1))).max(1);
        let n_rooms = (per_day / 8).max(2);
        let site = Site {
            rooms: add("procedure_room", "room", n_rooms - 1, false, &mut g),
            fluoro: add("fluoroscopy_room", "fluoro", 1, false, &mut g),
            physicians: add("physician", "dr", (per_day / 5).clamp(1, 6), true, &mut g),
            nurses: add("nurse", "rn", (per_day / 7).clamp(1, 4), true, &mut g),
            techs: add("lab_tech", "lab", (per_day / 6).clamp(1, 4), true, &mut g),
            anaesthetists: add("anaesthetist", "anaes", g.below(2) as usize, true, &mut g),
            centrifuges: add("centrifuge", "cf", (per_day / 8).clamp(1, 3), false, &mut g),
            ultrasound: add("ultrasound", "us", (per_day / 8).clamp(1, 3), false, &mut g),
            bays: add(
                "recovery_bay",
                "bay",
                (per_day / 6).clamp(1, 4),
                false,
                &mut g,
            ),
        };
        sites.push(site);
    }

    let mut jobs = Vec::new();
    for number in 1..=shape.sessions {
        let site = &sites[g.below(sites.len() as u64) as usize];
        let day = g.range(0, days - 1);
        let base = DAY_STRIDE * day;
        let kind = g.below(100);
        let spinal = g.chance(0.15);
        let sedation = !site.anaesthetists.is_empty() && g.chance(0.15);
        let fixed = g.chance(0.25);
        let physicians = if fixed {
            vec![g.pick(&site.physicians)]
        } else {
            site.physicians.clone()
        };
        let rooms: Vec<String> = site.rooms.iter().chain(&site.fluoro).cloned().collect();
        let need = |key: &str, one_of: &[String]| Need {
            key: key.to_owned(),
            one_of: one_of.to_vec(),
        };
        let mut tasks = Vec::new();
        if kind < 80 {
            let mut needs = vec![
                need("room", &rooms),
                need("physician", &physicians),
                need("nurse", &site.nurses),
            ];
            if sedation {
                needs.push(need("anaesthesia", &site.anaesthetists));
            }
            tasks.push(Task {
                id: "harvest".into(),
                duration: g.pick(&[30, 35, 40, 45]),
                needs,
            });
            tasks.push(Task {
                id: "process".into(),
                duration: 5 * g.range(6, 12),
                needs: vec![
                    need("centrifuge", &site.centrifuges),
                    need("tech", &site.techs),
                ],
            });
        } else {
            tasks.push(Task {
                id: "prepare".into(),
                duration: 15,
                needs: vec![need("tech", &site.techs)],
            });
        }
        let mut inject = if spinal {
            vec![need("room", &site.fluoro), need("physician", &physicians)]
        } else {
            vec![
                need("room", &rooms),
                need("physician", &physicians),
                need("imaging", &site.ultrasound),
            ]
        };
        if sedation {
            inject.push(need("anaesthesia", &site.anaesthetists));
        }
        tasks.push(Task {
            id: "inject".into(),
            duration: g.pick(&[15, 20, 25, 30]),
            needs: inject,
        });
        tasks.push(Task {
            id: "monitor".into(),
            duration: if sedation { 60 } else { 30 },
            needs: vec![need("bay", &site.bays)],
        });
        if shape.odd && g.chance(0.1) {
            tasks.push(Task {
                id: "sign-off".into(),
                duration: 0,
                needs: vec![need("nurse", &site.nurses)],
            });
        }
        let mut lags = Vec::new();
        let no_lags = shape.odd && g.chance(0.15);
        for pair in tasks.windows(2) {
            if no_lags || pair[1].id == "sign-off" {
                continue;
            }
            let max = match (pair[0].id.as_str(), pair[1].id.as_str()) {
                ("harvest", "process") => 30,
                ("inject", "monitor") => 10,
                _ => 60,
            };
            let open_ended = shape.odd && g.chance(0.1);
            lags.push(Lag {
                from: pair[0].id.clone(),
                to: pair[1].id.clone(),
                min: 0,
                max: (!open_ended).then_some(max),
            });
        }
        let (release, due) = if days > 1 && day + 1 < days && g.chance(0.08) {
            (base, base + DAY_STRIDE + DAY_LEN)
        } else if g.chance(0.25) {
            let start = 30 * g.range(0, 12);
            (
                base + start,
                base + (start + 30 * g.range(8, 14)).min(DAY_LEN),
            )
        } else {
            (base, base + DAY_LEN)
        };
        jobs.push(Job {
            id: format!("S-{number:04}"),
            release,
            due,
            tasks,
            lags,
            same: vec!["physician".into()],
        });
    }
    Instance {
        horizon,
        resources,
        jobs,
    }
}
