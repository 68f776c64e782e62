//! `cellpath-bench`: how far the real application is from the ceiling of
//! its own stack on this machine. In one process it serves Cellpath (on a
//! fresh database of the chosen engine) and a bare axum hello-world, loads
//! both with the same keep-alive HTTP/1.1 load generator, alternating them
//! to share the machine's noise, then times `cellpath serve` from spawn to
//! its first healthy answer. The Markdown report goes to stdout, progress
//! to stderr.
//!
//! ```text
//! cargo build --release -p cellpath -p cellpath-test-support --bin cellpath --bin cellpath-bench
//! cargo run --release -p cellpath-test-support --bin cellpath-bench -- [--concurrency 32] [--seconds 10] [--backend sqlite|postgres]
//! ```

use anyhow::{Context, Result, bail};
use cellpath_test_support::{Backend, TestDb, TestServer};
use clap::{Parser, ValueEnum};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, HOST, HeaderValue};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Throughput and latency of Cellpath against a hello-world on the same
/// stack, and the startup time of `cellpath serve`.
#[derive(Parser)]
#[command(name = "cellpath-bench")]
struct Args {
    /// Concurrent keep-alive connections, one per load worker.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Measured seconds per round (after the warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Warm-up seconds per round, not measured.
    #[arg(long, default_value_t = 2)]
    warmup_seconds: u64,
    /// Database engine of the served application.
    #[arg(long, value_enum, default_value_t = Engine::Sqlite)]
    backend: Engine,
    /// Startups timed per database state (the median is reported).
    #[arg(long, default_value_t = 5)]
    startup_runs: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Engine {
    Sqlite,
    Postgres,
}

/// Rounds per target; they alternate hello, app, hello, app.
const ROUNDS: usize = 2;
/// How long a request may run past the end of the window before its worker gives up.
const GRACE: Duration = Duration::from_secs(5);

/// What the load generator asks for, again and again.
struct Target {
    label: &'static str,
    addr: SocketAddr,
    path: String,
    host: HeaderValue,
    authorization: Option<HeaderValue>,
}

/// The outcome of loading one target for one window.
struct Round {
    /// Answers of 200 completed inside the window.
    ok: u64,
    /// Non-200 answers and transport failures inside the window.
    errors: u64,
    /// Errors during the warm-up (reported, not in the table).
    warmup_errors: u64,
    /// Latency of every 200 completed inside the window, sorted, in nanoseconds.
    latencies_ns: Vec<u64>,
    window: Duration,
}

impl Round {
    fn throughput(&self) -> f64 {
        self.ok as f64 / self.window.as_secs_f64()
    }

    fn percentile_ms(&self, quantile: f64) -> f64 {
        if self.latencies_ns.is_empty() {
            return f64::NAN;
        }
        let rank = (quantile * self.latencies_ns.len() as f64).ceil() as usize;
        let idx = rank.clamp(1, self.latencies_ns.len()) - 1;
        self.latencies_ns[idx] as f64 / 1e6
    }
}

#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    warmup_errors: u64,
    latencies_ns: Vec<u64>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.concurrency == 0 || args.seconds == 0 || args.startup_runs == 0 {
        bail!("--concurrency, --seconds and --startup-runs must be at least 1");
    }
    let backend = match args.backend {
        Engine::Sqlite => Backend::Sqlite,
        Engine::Postgres => Backend::postgres()
            .context("--backend postgres needs CELLPATH_TEST_POSTGRES, e.g. postgres://postgres@127.0.0.1:5432")?,
    };
    let cellpath_exe = std::env::current_exe()?.with_file_name("cellpath");
    if !cellpath_exe.exists() {
        bail!(
            "{} is missing: build it first with `cargo build --release -p cellpath -p cellpath-test-support --bin cellpath --bin cellpath-bench`",
            cellpath_exe.display()
        );
    }

    // The servers and the load generator run on separate runtimes so that
    // neither queues behind the other's tasks; they still share the cores.
    let servers = tokio::runtime::Builder::new_multi_thread()
        .thread_name("bench-server")
        .enable_all()
        .build()?;
    let clients = tokio::runtime::Builder::new_multi_thread()
        .thread_name("bench-client")
        .enable_all()
        .build()?;

    eprintln!(
        "setting up: Cellpath on a fresh {} database, and a hello-world",
        backend.name()
    );
    let (server, hello_shutdown, hello, app) = servers.block_on(async {
        let server = TestServer::start(&backend).await;
        let token = server.token("nurse").await;
        let patient_id = register_patient(&server, &token).await?;
        let (hello_addr, hello_shutdown) = start_hello().await?;
        let hello = Target {
            label: "hello-world `GET /`",
            addr: hello_addr,
            path: "/".into(),
            host: HeaderValue::from_str(&hello_addr.to_string())?,
            authorization: None,
        };
        let app = Target {
            label: "`GET /api/v1/patients/{id}`",
            addr: server.addr,
            path: format!("/api/v1/patients/{patient_id}"),
            host: HeaderValue::from_str(&server.addr.to_string())?,
            authorization: Some(HeaderValue::from_str(&format!("Bearer {token}"))?),
        };
        anyhow::Ok((server, hello_shutdown, hello, app))
    })?;
    let hello = Arc::new(hello);
    let app = Arc::new(app);

    let warmup = Duration::from_secs(args.warmup_seconds);
    let window = Duration::from_secs(args.seconds);
    let mut hello_rounds = Vec::new();
    let mut app_rounds = Vec::new();
    for round in 1..=ROUNDS {
        for (target, rounds) in [(&hello, &mut hello_rounds), (&app, &mut app_rounds)] {
            eprintln!(
                "round {round}/{ROUNDS}: {} with {} connections, {}s warm-up + {}s",
                target.label, args.concurrency, args.warmup_seconds, args.seconds
            );
            let result =
                clients.block_on(load(Arc::clone(target), args.concurrency, warmup, window))?;
            eprintln!(
                "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors ({} during warm-up)",
                result.throughput(),
                result.percentile_ms(0.50),
                result.percentile_ms(0.99),
                result.errors,
                result.warmup_errors
            );
            rounds.push(result);
        }
    }

    let _ = hello_shutdown.send(());
    servers.block_on(async move { drop(server) });
    drop(clients);

    eprintln!("timing startup of {}", cellpath_exe.display());
    let mut startups = vec![(
        "sqlite",
        time_startups(&cellpath_exe, args.startup_runs, sqlite_database)?,
    )];
    if let Backend::Postgres(_) = backend {
        let postgres = time_startups(&cellpath_exe, args.startup_runs, || {
            let db = servers.block_on(TestDb::new(&backend));
            Ok((db.url.clone(), Box::new(db) as Box<dyn std::any::Any>))
        })?;
        startups.push(("postgres", postgres));
    }

    print_report(
        &args,
        &backend,
        &hello,
        &hello_rounds,
        &app,
        &app_rounds,
        &startups,
    )?;
    Ok(())
}

/// Registers one patient through the JSON API and returns its id.
async fn register_patient(server: &TestServer, token: &str) -> Result<String> {
    let client = reqwest::Client::new();
    let response = client
        .post(server.url("/api/v1/patients"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "given_name": "Bench",
            "family_name": "Patient",
            "date_of_birth": "1970-05-04",
            "sex": "female",
            "phone": "+971 50 555 0101",
            "preferred_language": "en",
        }))
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::CREATED {
        bail!(
            "registering the patient answered {}: {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
    }
    let body: serde_json::Value = response.json().await?;
    let id = body
        .get("id")
        .and_then(|v| v.as_str())
        .context("the created patient has no id")?
        .to_string();
    let check = client
        .get(server.url(&format!("/api/v1/patients/{id}")))
        .bearer_auth(token)
        .send()
        .await?;
    if check.status() != reqwest::StatusCode::OK {
        bail!("reading the patient back answered {}", check.status());
    }
    Ok(id)
}

/// A bare axum router answering `GET /` with "hello": the ceiling of the stack.
async fn start_hello() -> Result<(SocketAddr, tokio::sync::oneshot::Sender<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok((addr, tx))
}

/// Loads `target` from `concurrency` keep-alive connections: a warm-up, then
/// a measured window. Counts what completes inside the window.
async fn load(
    target: Arc<Target>,
    concurrency: usize,
    warmup: Duration,
    window: Duration,
) -> Result<Round> {
    let measure_from = tokio::time::Instant::now() + warmup;
    let measure_until = measure_from + window;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        workers.spawn(worker(Arc::clone(&target), measure_from, measure_until));
    }
    let mut round = Round {
        ok: 0,
        errors: 0,
        warmup_errors: 0,
        latencies_ns: Vec::new(),
        window,
    };
    while let Some(tally) = workers.join_next().await {
        let tally = tally.context("a load worker panicked")?;
        round.ok += tally.ok;
        round.errors += tally.errors;
        round.warmup_errors += tally.warmup_errors;
        round.latencies_ns.extend(tally.latencies_ns);
    }
    round.latencies_ns.sort_unstable();
    Ok(round)
}

/// One connection's request loop; reconnects after a transport failure.
async fn worker(
    target: Arc<Target>,
    measure_from: tokio::time::Instant,
    measure_until: tokio::time::Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut connection: Option<SendRequest<Empty<Bytes>>> = None;
    while tokio::time::Instant::now() < measure_until {
        let sender = match connection.as_mut() {
            Some(sender) => sender,
            None => match connect(target.addr).await {
                Ok(sender) => connection.insert(sender),
                Err(_) => {
                    count_error(
                        &mut tally,
                        tokio::time::Instant::now(),
                        measure_from,
                        measure_until,
                    );
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
            },
        };
        let sent = tokio::time::Instant::now();
        let outcome =
            tokio::time::timeout_at(measure_until + GRACE, exchange(sender, &target)).await;
        let done = tokio::time::Instant::now();
        match outcome {
            Err(_elapsed) => break,
            Ok(Ok(StatusCode::OK)) => {
                if done >= measure_from && done <= measure_until {
                    tally.ok += 1;
                    tally
                        .latencies_ns
                        .push(u64::try_from((done - sent).as_nanos()).unwrap_or(u64::MAX));
                }
            }
            Ok(Ok(_other_status)) => count_error(&mut tally, done, measure_from, measure_until),
            Ok(Err(_transport)) => {
                connection = None;
                count_error(&mut tally, done, measure_from, measure_until);
            }
        }
    }
    tally
}

fn count_error(
    tally: &mut Tally,
    at: tokio::time::Instant,
    measure_from: tokio::time::Instant,
    measure_until: tokio::time::Instant,
) {
    if at < measure_from {
        tally.warmup_errors += 1;
    } else if at <= measure_until {
        tally.errors += 1;
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Empty<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends one request and reads the whole answer.
async fn exchange(sender: &mut SendRequest<Empty<Bytes>>, target: &Target) -> Result<StatusCode> {
    let mut request = Request::get(target.path.as_str()).header(HOST, target.host.clone());
    if let Some(authorization) = &target.authorization {
        request = request.header(AUTHORIZATION, authorization.clone());
    }
    let request = request.body(Empty::<Bytes>::new())?;
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    response.into_body().collect().await?;
    Ok(status)
}

/// A fresh SQLite database URL, and the directory that must outlive its use.
fn sqlite_database() -> Result<(String, Box<dyn std::any::Any>)> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    Ok((url, Box::new(dir)))
}

/// Median startup times (fresh database, then the same database migrated).
struct Startup {
    fresh: Duration,
    migrated: Duration,
}

fn time_startups(
    exe: &Path,
    runs: usize,
    mut fresh_database: impl FnMut() -> Result<(String, Box<dyn std::any::Any>)>,
) -> Result<Startup> {
    let mut fresh = Vec::with_capacity(runs);
    let mut migrated = Vec::with_capacity(runs);
    for run in 1..=runs {
        let (url, _keep) = fresh_database()?;
        fresh.push(time_startup(exe, &url)?);
        migrated.push(time_startup(exe, &url)?);
        eprintln!(
            "  startup {run}/{runs}: fresh {:.1} ms, migrated {:.1} ms",
            millis(fresh[run - 1]),
            millis(migrated[run - 1])
        );
    }
    Ok(Startup {
        fresh: median(&mut fresh),
        migrated: median(&mut migrated),
    })
}

/// Time from spawning `cellpath serve` to its first 200 from `/healthz`.
fn time_startup(exe: &Path, database_url: &str) -> Result<Duration> {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args([
            "serve",
            "--bind",
            &addr.to_string(),
            "--database-url",
            database_url,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let ready = wait_healthy(&mut child, addr, started);
    stop(&mut child);
    ready
}

fn wait_healthy(child: &mut Child, addr: SocketAddr, started: Instant) -> Result<Duration> {
    loop {
        if healthz_ok(addr) {
            return Ok(started.elapsed());
        }
        if let Some(status) = child.try_wait()? {
            bail!("cellpath serve exited ({status}) before answering /healthz");
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("cellpath serve did not answer /healthz within 60 s");
        }
    }
}

fn healthz_ok(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}

/// Asks the child to shut down gracefully (SIGTERM), killing it if it lingers.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// A ratio to two significant digits; one below 1 also as "1/n".
fn ratio(value: f64) -> String {
    if !value.is_finite() || value <= 0.0 {
        return format!("{value}");
    }
    let decimals = (1 - value.log10().floor() as i32).max(0) as usize;
    if value < 1.0 {
        format!("{value:.decimals$} (1/{:.0})", 1.0 / value)
    } else {
        format!("{value:.decimals$}")
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The round with the highest throughput.
fn best(rounds: &[Round]) -> Result<&Round> {
    rounds
        .iter()
        .max_by(|a, b| a.throughput().total_cmp(&b.throughput()))
        .context("no rounds were run")
}

fn print_report(
    args: &Args,
    backend: &Backend,
    hello: &Target,
    hello_rounds: &[Round],
    app: &Target,
    app_rounds: &[Round],
    startups: &[(&str, Startup)],
) -> Result<()> {
    let hello_best = best(hello_rounds)?;
    let app_best = best(app_rounds)?;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "### {} back end: {} connections, {} s measured after {} s warm-up, {} cores",
        backend.name(),
        args.concurrency,
        args.seconds,
        args.warmup_seconds,
        cores
    );
    println!();
    println!(
        "Each target ran {ROUNDS} rounds, alternating hello, app, hello, app; the table shows each target's \
         best round by throughput (its p50 and p99 come from that round)."
    );
    println!();
    println!("| target | throughput | p50 | p99 | errors | throughput app/hello | p99 app/hello |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {:.0} req/s | {:.2} ms | {:.2} ms | {} | 1 | 1 |",
        hello.label,
        hello_best.throughput(),
        hello_best.percentile_ms(0.50),
        hello_best.percentile_ms(0.99),
        hello_best.errors
    );
    println!(
        "| {} | {:.0} req/s | {:.2} ms | {:.2} ms | {} | {} | {} |",
        app.label,
        app_best.throughput(),
        app_best.percentile_ms(0.50),
        app_best.percentile_ms(0.99),
        app_best.errors,
        ratio(app_best.throughput() / hello_best.throughput()),
        ratio(app_best.percentile_ms(0.99) / hello_best.percentile_ms(0.99))
    );
    println!();
    for (target, rounds) in [(hello, hello_rounds), (app, app_rounds)] {
        let each: Vec<String> = rounds
            .iter()
            .map(|r| {
                format!(
                    "{:.0} req/s, p99 {:.2} ms",
                    r.throughput(),
                    r.percentile_ms(0.99)
                )
            })
            .collect();
        println!("- every round of {}: {}", target.label, each.join("; "));
    }
    println!();
    for (engine, startup) in startups {
        println!(
            "- startup of `cellpath serve` on {engine} (spawn to first 200 from /healthz, median of {}): \
             fresh database {:.0} ms, already-migrated database {:.0} ms",
            args.startup_runs,
            millis(startup.fresh),
            millis(startup.migrated)
        );
    }
    Ok(())
}
