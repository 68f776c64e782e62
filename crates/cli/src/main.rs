//! The `cellpath` binary: configuration, logging, wiring of store, use
//! cases and router, the operator's commands, and graceful shutdown.

use anyhow::{Context, Result, anyhow, bail};
use cellpath_app::admin::NewSite;
use cellpath_app::auth::NewUser;
use cellpath_app::{App, AppConfig, AppError};
use cellpath_domain::{Role, SiteId};
use cellpath_store::Store;
use cellpath_web::{AppState, WebConfig};
use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

mod backup;
mod export;
mod id;
mod import;
mod label;
mod schedule;

/// Cellpath: stem cell therapy sessions in an outpatient clinic, from
/// intake to outcomes. Without a subcommand it starts a demo clinic.
#[derive(Parser)]
#[command(name = "cellpath", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database: `sqlite://PATH` (embedded, created on first start) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "CELLPATH_DATABASE_URL",
        default_value = "sqlite://cellpath.db",
        global = true
    )]
    database_url: String,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CELLPATH_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Mark cookies Secure: turn on when users reach Cellpath over HTTPS through a proxy (on by itself under --tls-cert).
    #[arg(long, env = "CELLPATH_SECURE_COOKIES", default_value_t = false)]
    secure_cookies: bool,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, env = "CELLPATH_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "CELLPATH_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Send reminders by email through this server:
    /// `smtp://USER:PASS@HOST:587?tls=starttls&from=clinic@example.org`. Without it, reminders wait in the outbox.
    #[arg(long, env = "CELLPATH_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Where text messages go: `log` (development: logged, not sent) or the URL of an SMS gateway webhook.
    #[arg(long, env = "CELLPATH_SMS_GATEWAY", default_value = "log")]
    sms_gateway: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the clinic (pages, API) on the configured database. Never loads demo data.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Load the demo clinic (one site, one user per role, 20 patients) into an empty database.
    Demo,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage sites of the clinic network.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Manage API bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit trail's hash chain; exits 1 and names the first bad entry when it was tampered with.
    VerifyAudit,
    /// Solve a scheduling instance file (`--in`, `--out`) or check a solution (`--check`), without the database.
    Schedule(schedule::ScheduleArgs),
    /// Donation identification numbers of specimens and products, without the database.
    #[command(subcommand)]
    Id(id::IdCommand),
    /// Print the label of an existing specimen or product to a file (`--out`, .pdf, .svg or .png).
    Label(label::LabelArgs),
    /// Import patients (with conditions, medications, allergies) from FHIR R4 Bundle files or directories.
    Import(import::ImportArgs),
    /// Export the FHIR R4 resources changed since a day, one NDJSON file per type (`--since`, `--out`, `--user`).
    Export(export::ExportArgs),
    /// Copy the SQLite database to a file (`--out`), consistent while the server runs.
    Backup(backup::BackupArgs),
    /// Replace the configured SQLite database with a backup (`--from`; `--force` to replace records).
    Restore(backup::RestoreArgs),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// admin, physician, nurse, lab_tech or coordinator.
        #[arg(long)]
        role: String,
        /// Code of the site the user works at. On an empty database the site is created.
        #[arg(long, default_value = "MAIN")]
        site: String,
        /// Full name shown in the pages and the audit trail (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Turn on the TOTP second factor of a user; prints the otpauth:// URL for an authenticator app.
    EnableTotp {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum SiteCommand {
    /// Add a site.
    Add {
        /// Short code (letters and digits).
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// Prefix of the record numbers the site gives.
        #[arg(long, default_value = "CP")]
        record_prefix: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new bearer token for the API, acting with this user's role and sites.
    Create {
        #[arg(long)]
        username: String,
    },
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CELLPATH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if std::env::var("CELLPATH_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}

async fn open(db: &DbArgs) -> Result<App> {
    let store = Store::connect(&db.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&db.database_url)))?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    Ok(App::new(store, AppConfig::default())
        .with_consent_pdf(std::sync::Arc::new(cellpath_web::documents::consent_pdf))
        .with_reminders(std::sync::Arc::new(
            cellpath_notify::reminders::compose_booking,
        ))
        .with_diary_reminders(std::sync::Arc::new(
            cellpath_notify::reminders::compose_diary,
        ))
        .with_follow_up_reminders(std::sync::Arc::new(
            cellpath_notify::reminders::compose_follow_up,
        )))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &url[..scheme_end + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn app_error(err: AppError) -> anyhow::Error {
    match err {
        AppError::Invalid(issues) => anyhow!("invalid input: {issues}"),
        other => anyhow!("{other}"),
    }
}

/// Delivers due reminders every 30 seconds while the server runs.
fn start_delivery(app: &App, args: &ServeArgs) -> Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(url) = &args.smtp_url else {
        tracing::warn!("no CELLPATH_SMTP_URL: reminders are queued in the outbox but not sent");
        return Ok(None);
    };
    let config =
        cellpath_notify::SmtpConfig::parse(url).map_err(|e| anyhow!("CELLPATH_SMTP_URL: {e}"))?;
    let email =
        cellpath_notify::SmtpEmail::new(&config).map_err(|e| anyhow!("CELLPATH_SMTP_URL: {e}"))?;
    let sms = cellpath_notify::SmsGateway::parse(&args.sms_gateway)
        .map_err(|e| anyhow!("CELLPATH_SMS_GATEWAY: {e}"))?;
    let channels = cellpath_notify::Channels { email, sms };
    let app = app.clone();
    Ok(Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            match app.deliver_due(&channels, 100).await {
                Ok(report) if report.sent + report.retried + report.given_up > 0 => tracing::info!(
                    sent = report.sent,
                    retried = report.retried,
                    given_up = report.given_up,
                    "reminders delivered"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(code = e.code(), "reminder delivery failed"),
            }
        }
    })))
}

async fn serve(app: App, args: &ServeArgs, started: Instant) -> Result<()> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            cellpath_web::tls_server_config(cert, key).context("cannot use the TLS certificate")?,
        ),
        _ => None,
    };
    let state = AppState {
        app: app.clone(),
        config: WebConfig {
            secure_cookies: args.secure_cookies || tls.is_some(),
            strict_transport_security: tls.is_some(),
        },
    };
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "Cellpath is running at {scheme}://{addr}/ (ready in {} ms)",
        started.elapsed().as_millis()
    );
    tracing::info!(%addr, scheme, engine = ?app.store().engine(), "listening");
    let delivery = start_delivery(&app, args)?;
    match tls {
        Some(tls) => cellpath_web::serve_tls(listener, tls, state, shutdown_signal()).await?,
        None => cellpath_web::serve(listener, state, shutdown_signal()).await?,
    }
    if let Some(worker) = delivery {
        worker.abort();
    }
    tracing::info!("shutting down: waiting for open requests and connections");
    app.store().close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

async fn run(cli: Cli) -> Result<()> {
    let started = Instant::now();
    match cli.command {
        None => {
            let app = open(&cli.db).await?;
            let mut demo_accounts = Vec::new();
            if app.list_sites().await.map_err(app_error)?.is_empty() {
                demo_accounts = app.load_demo().await.map_err(app_error)?;
            }
            let serve_args = ServeArgs {
                bind: std::env::var("CELLPATH_BIND")
                    .ok()
                    .map(|b| b.parse())
                    .transpose()
                    .context("CELLPATH_BIND is not an address like 127.0.0.1:8080")?
                    .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
                secure_cookies: false,
                tls_cert: None,
                tls_key: None,
                smtp_url: std::env::var("CELLPATH_SMTP_URL").ok(),
                sms_gateway: std::env::var("CELLPATH_SMS_GATEWAY").unwrap_or_else(|_| "log".into()),
            };
            if demo_accounts.is_empty() {
                println!(
                    "Using the existing database {}.",
                    redact(&cli.db.database_url)
                );
            } else {
                println!(
                    "Loaded the demo clinic into {}. Sign in with:",
                    redact(&cli.db.database_url)
                );
                for account in &demo_accounts {
                    println!(
                        "  {:<12} {:<12} password: {}",
                        account.username,
                        account.role.code(),
                        account.password
                    );
                }
            }
            serve(app, &serve_args, started).await
        }
        Some(Command::Serve(args)) => {
            let app = open(&cli.db).await?;
            serve(app, &args, started).await
        }
        Some(Command::Migrate) => {
            open(&cli.db).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Some(Command::Demo) => {
            let app = open(&cli.db).await?;
            let accounts = app.load_demo().await.map_err(app_error)?;
            println!("Loaded the demo clinic. Accounts:");
            for account in &accounts {
                println!(
                    "  {:<12} {:<12} password: {}",
                    account.username,
                    account.role.code(),
                    account.password
                );
            }
            Ok(())
        }
        Some(Command::User(UserCommand::Add {
            username,
            role,
            site,
            display_name,
            password_stdin,
        })) => {
            let role = Role::parse(&role).filter(|r| r.is_staff()).ok_or_else(|| {
                anyhow!(
                    "unknown role {role:?}: use admin, physician, nurse, lab_tech or coordinator"
                )
            })?;
            let password = if password_stdin {
                read_password()?
            } else {
                bail!("use --password-stdin")
            };
            let app = open(&cli.db).await?;
            let site_row = match app.site_by_code(&site).await.map_err(app_error)? {
                Some(row) => row,
                None if app.list_sites().await.map_err(app_error)?.is_empty() => app
                    .add_site(
                        None,
                        &NewSite {
                            code: site.clone(),
                            name: site.clone(),
                            record_prefix: "CP".into(),
                        },
                    )
                    .await
                    .map_err(app_error)?,
                None => bail!("no site with code {site:?} (add it with `cellpath site add`)"),
            };
            app.add_user(
                None,
                NewUser {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username: username.clone(),
                    role,
                    sites: vec![SiteId::from_uuid(site_row.id)],
                    password,
                },
            )
            .await
            .map_err(app_error)?;
            println!(
                "Added {} ({}) at site {}.",
                username.trim().to_lowercase(),
                role.code(),
                site_row.code
            );
            Ok(())
        }
        Some(Command::User(UserCommand::EnableTotp { username })) => {
            let app = open(&cli.db).await?;
            let url = app.enable_totp(&username).await.map_err(app_error)?;
            println!("{url}");
            Ok(())
        }
        Some(Command::Site(SiteCommand::Add {
            code,
            name,
            record_prefix,
        })) => {
            let app = open(&cli.db).await?;
            let site = app
                .add_site(
                    None,
                    &NewSite {
                        code,
                        name,
                        record_prefix,
                    },
                )
                .await
                .map_err(app_error)?;
            println!("Added site {} ({}).", site.code, site.name);
            Ok(())
        }
        Some(Command::Token(TokenCommand::Create { username })) => {
            let app = open(&cli.db).await?;
            let token = app.create_api_token(&username).await.map_err(app_error)?;
            println!("{token}");
            Ok(())
        }
        Some(Command::Schedule(args)) => schedule::run(&args),
        Some(Command::Id(command)) => id::run(&command),
        Some(Command::Label(args)) => {
            let (format, locale) = label::parse(&args)?;
            let app = open(&cli.db).await?;
            label::run(&app, &args, format, locale).await
        }
        Some(Command::Export(args)) => {
            export::since(&args.since)?;
            let app = open(&cli.db).await?;
            export::run(&app, &args).await
        }
        Some(Command::Import(args)) => {
            let app = open(&cli.db).await?;
            import::run(&app, &args).await
        }
        Some(Command::Backup(args)) => backup::backup(&cli.db.database_url, &args).await,
        Some(Command::Restore(args)) => backup::restore(&cli.db.database_url, &args).await,
        Some(Command::VerifyAudit) => {
            let app = open(&cli.db).await?;
            match app.verify_audit().await.map_err(app_error)? {
                Ok(n) => {
                    println!("The audit trail is intact ({n} entries).");
                    Ok(())
                }
                Err(broken) => bail!("the audit trail is broken: {broken}"),
            }
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
