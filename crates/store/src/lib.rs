//! Cellpath's storage: one contract over two databases. SQLite is the
//! embedded default; PostgreSQL serves a network of clinics. The URL chooses.
//!
//! Every query is written once in SQL that both engines accept (`$1`
//! parameters, no engine-only functions) and run through the `Tx` enum. Use
//! cases open a transaction, make their change, append the audit entry in
//! the same transaction, and commit: nothing is saved in part.

mod adverse_events;
mod answers;
mod audit;
mod backup;
mod calendar_feeds;
mod consent;
mod diary;
mod external_ids;
mod follow_ups;
mod intake;
mod outbox;
mod patients;
mod plans;
mod questionnaires;
mod scheduling;
mod session_day;
mod users;

pub use adverse_events::AdverseEventRow;
pub use answers::AnswerRow;
pub use audit::{AuditPage, StoredAudit, encode_fields};
pub use backup::{BackupOutcome, Replace, RestoreOutcome, backup_sqlite, restore_sqlite};
pub use consent::{ConsentRow, TemplateRow};
pub use diary::{AlertRow, DiaryEntryRow};
pub use external_ids::ExternalIdRow;
pub use follow_ups::FollowUpRow;
pub use outbox::OutboxRow;
pub use plans::{StoredProtocol, TickRow};
pub use questionnaires::ResponseRow;
pub use scheduling::{BookingRow, LeaveRow, ResourceRow, StepRow};
pub use session_day::{ChainEventRow, DayEventRow, SiteLabelRow, UnitRow, decode_fields};
pub use users::{InvitationRow, SessionRow, SiteRow, UserRow};

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// Runs one query on whichever engine a transaction belongs to.
macro_rules! on_tx {
    ($tx:expr, |$q:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(conn) => {
                let $q = &mut **conn;
                $body
            }
            $crate::Tx::Postgres(conn) => {
                let $q = &mut **conn;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// `execute`: the number of rows changed.
macro_rules! execute {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_tx!($tx, |conn| sqlx::query($sql)$(.bind($arg))*.execute(conn).await.map(|r| r.rows_affected()))
    };
}
pub(crate) use execute;

/// `fetch_all` into a `FromRow` type.
macro_rules! fetch_all {
    ($tx:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_tx!($tx, |conn| sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(conn).await)
    };
}
pub(crate) use fetch_all;

/// `fetch_optional` into a `FromRow` type.
macro_rules! fetch_optional {
    ($tx:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_tx!($tx, |conn| sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(conn).await)
    };
}
pub(crate) use fetch_optional;

/// `fetch_one` of a single scalar column.
macro_rules! fetch_scalar {
    ($tx:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_tx!($tx, |conn| sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(conn).await)
    };
}
pub(crate) use fetch_scalar;

/// The store's errors, each with a stable code for the layers above.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record changed since the caller read it.
    #[error("the record was changed by someone else (now version {current_version})")]
    Conflict { current_version: i64 },
    #[error("no such record")]
    NotFound,
    /// A unique value already exists; `field` names the input at fault.
    #[error("{field} already exists")]
    Duplicate { field: &'static str },
    #[error("unsupported database URL (use sqlite://PATH or postgres://...)")]
    UnsupportedUrl,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// Backup and restore are SQLite's; PostgreSQL has its own tools.
    #[error(
        "backup and restore here are for SQLite: back up PostgreSQL with pg_dump -Fc and restore with pg_restore"
    )]
    NotSqlite,
    /// A backup or restore refused, with the reason.
    #[error("{0}")]
    Backup(String),
    /// The backup's audit trail does not chain.
    #[error("the backup's audit trail is broken: {0}")]
    AuditBroken(cellpath_domain::audit::ChainBreak),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict { .. } => "conflict",
            StoreError::NotFound => "not_found",
            StoreError::Duplicate { .. } => "duplicate",
            StoreError::UnsupportedUrl => "unsupported_url",
            StoreError::Database(_) => "database",
            StoreError::Migrate(_) => "migrate",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::NotSqlite => "not_sqlite",
            StoreError::Backup(_) => "backup",
            StoreError::AuditBroken(_) => "audit_broken",
            StoreError::Io(_) => "io",
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique violation to `Duplicate { field }`, anything else to `Database`.
pub(crate) fn unique_as(field: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate { field },
        _ => StoreError::Database(err),
    }
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connection pool on one of the two engines.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
}

/// An open transaction. Dropping it without `commit` rolls it back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The current time as stored: UTC, microseconds (what PostgreSQL keeps).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

impl Store {
    /// Opens the database the URL names: `sqlite://PATH` (created when
    /// missing) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: an acknowledged commit survives a power cut, not only a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok(Store {
                db: Db::Sqlite(pool),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store {
                db: Db::Postgres(pool),
            })
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    pub fn engine(&self) -> Engine {
        match self.db {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies the migrations this binary knows and the database lacks.
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Begins a write transaction (SQLite: `BEGIN IMMEDIATE`, so that writers
    /// queue at the start instead of failing at commit).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.db {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await?,
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
                return Ok(());
            }
        };
        Ok(())
    }

    /// Closes every connection, waiting for those in use (graceful shutdown).
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Allocates the next number of a counter, atomically in the database.
    pub async fn next_counter(&mut self, scope: &str, name: &str) -> Result<i64> {
        Ok(fetch_scalar!(
            self,
            i64,
            "INSERT INTO counters (scope, name, value) VALUES ($1, $2, 1) \
             ON CONFLICT (scope, name) DO UPDATE SET value = counters.value + 1 RETURNING value",
            scope,
            name
        )?)
    }
}

/// The names of the migrations of each engine, for the parity test.
pub fn migration_names() -> (Vec<String>, Vec<String>) {
    let names = |m: &sqlx::migrate::Migrator| {
        m.iter()
            .map(|m| format!("{}_{}", m.version, m.description))
            .collect()
    };
    (names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS))
}
