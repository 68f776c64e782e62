//! Backups of the embedded SQLite database: a consistent copy taken while
//! the server runs (`VACUUM INTO`, one read transaction), and a restore
//! that checks the copy is a Cellpath database this binary knows whose
//! audit trail still chains before it replaces the configured file in one
//! rename. PostgreSQL is backed up with its own tools (`pg_dump -Fc`,
//! `pg_restore`); both functions refuse it and say so.

use crate::{Result, SQLITE_MIGRATIONS, Store, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupOutcome {
    pub bytes: u64,
}

/// What a restore put in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreOutcome {
    /// The audit entries of the restored database, all chained.
    pub audit_entries: u64,
    /// Migrations the restored database has; the server applies the rest at
    /// its next start.
    pub migrations: usize,
}

/// Whether a restore may replace a database that holds records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    OnlyEmpty,
    Any,
}

/// Writes a consistent copy of the SQLite database that `database_url`
/// names to `out`, which must not exist: first to `out.partial`, made
/// durable, then renamed, so `out` never names half a backup. The copy is
/// one read transaction; a running server's writers go on meanwhile.
pub async fn backup_sqlite(database_url: &str, out: &Path) -> Result<BackupOutcome> {
    if !database_url.starts_with("sqlite:") {
        return Err(StoreError::NotSqlite);
    }
    let options = SqliteConnectOptions::from_str(database_url)?.create_if_missing(false);
    let source = options.get_filename().to_path_buf();
    if !source.is_file() {
        return Err(StoreError::Backup(format!(
            "there is no database at {}",
            source.display()
        )));
    }
    if out.exists() {
        return Err(StoreError::Backup(format!("{} exists", out.display())));
    }
    let partial = sibling(out, "partial");
    remove_if_present(&partial)?;
    let Some(partial_text) = partial.to_str() else {
        return Err(StoreError::Backup(format!(
            "{} is not a UTF-8 path",
            out.display()
        )));
    };
    let mut conn = options.connect().await?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(partial_text)
        .execute(&mut conn)
        .await;
    conn.close().await?;
    if let Err(err) = copied {
        remove_if_present(&partial)?;
        return Err(err.into());
    }
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, out)?;
    sync_parent(out)?;
    Ok(BackupOutcome {
        bytes: std::fs::metadata(out)?.len(),
    })
}

/// Replaces the SQLite database that `target_url` names with the backup at
/// `from`. Refused, with the target left as it was, when the backup is not
/// a Cellpath database, was made by a newer Cellpath, or its audit trail
/// does not chain; when the target is open in another process (a running
/// server); and, unless `replace` is `Any`, when the target holds records.
pub async fn restore_sqlite(
    from: &Path,
    target_url: &str,
    replace: Replace,
) -> Result<RestoreOutcome> {
    if !target_url.starts_with("sqlite:") {
        return Err(StoreError::NotSqlite);
    }
    let target = SqliteConnectOptions::from_str(target_url)?
        .get_filename()
        .to_path_buf();
    if !from.is_file() {
        return Err(StoreError::Backup(format!(
            "{} is not a file",
            from.display()
        )));
    }
    // The copy is checked where it will be renamed from: the same file system.
    let staged = sibling(&target, "restoring");
    remove_staged(&staged)?;
    std::fs::copy(from, &staged)?;
    let checked = check_backup(&staged).await;
    let outcome = match checked {
        Ok(outcome) => outcome,
        Err(err) => {
            remove_staged(&staged)?;
            return Err(err);
        }
    };
    if let Err(err) = check_target(&target, replace).await {
        remove_staged(&staged)?;
        return Err(err);
    }
    std::fs::File::open(&staged)?.sync_all()?;
    // The old database's journal must not be replayed onto the new one.
    for suffix in ["-wal", "-shm", "-journal"] {
        remove_if_present(&with_suffix(&target, suffix))?;
    }
    std::fs::rename(&staged, &target)?;
    sync_parent(&target)?;
    Ok(outcome)
}

/// Opens the staged copy on its own and checks it: a SQLite file whose
/// migrations are all this binary's, with an audit trail that chains. Leaves
/// it as one self-contained file (rollback journal, nothing beside it).
async fn check_backup(staged: &Path) -> Result<RestoreOutcome> {
    let not_cellpath = || StoreError::Backup("the file is not a Cellpath database".into());
    let options = SqliteConnectOptions::new()
        .filename(staged)
        .create_if_missing(false);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|_| not_cellpath())?;
    let store = Store {
        db: crate::Db::Sqlite(pool.clone()),
    };
    let result = async {
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&pool)
                .await
                .map_err(|_| not_cellpath())?;
        for needed in ["_sqlx_migrations", "audit_log", "audit_head"] {
            if !tables.iter().any(|t| t == needed) {
                return Err(not_cellpath());
            }
        }
        let applied: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&pool)
                .await?;
        if applied.is_empty() {
            return Err(not_cellpath());
        }
        for (version, checksum) in &applied {
            match SQLITE_MIGRATIONS.iter().find(|m| m.version == *version) {
                Some(known) if known.checksum.as_ref() == checksum.as_slice() => {}
                Some(_) => return Err(not_cellpath()),
                None => {
                    return Err(StoreError::Backup(format!(
                        "the backup was made by a newer Cellpath (migration {version} is unknown here)"
                    )));
                }
            }
        }
        let mut tx = store.begin().await?;
        let audit = tx.verify_audit().await?;
        drop(tx);
        let audit_entries = audit.map_err(StoreError::AuditBroken)?;
        sqlx::query("PRAGMA journal_mode = DELETE")
            .execute(&pool)
            .await?;
        Ok(RestoreOutcome {
            audit_entries,
            migrations: applied.len(),
        })
    }
    .await;
    pool.close().await;
    result
}

/// Refuses a target that another process has open (a SQLite connection in
/// WAL mode holds a shared lock for as long as it is open, so an exclusive
/// lock taken without waiting fails) or that holds records, unless replaced
/// on purpose.
async fn check_target(target: &Path, replace: Replace) -> Result<()> {
    if !target.exists() || std::fs::metadata(target)?.len() == 0 {
        return Ok(());
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(target)
        .create_if_missing(false)
        .busy_timeout(std::time::Duration::ZERO)
        .locking_mode(sqlx::sqlite::SqliteLockingMode::Exclusive)
        .connect()
        .await?;
    let result = async {
        let locked = sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await;
        if locked.is_err() {
            return Err(StoreError::Backup(
                "the configured database is in use: stop the server first".into(),
            ));
        }
        let holds_records = holds_records(&mut conn).await;
        sqlx::query("ROLLBACK").execute(&mut conn).await?;
        if holds_records? && replace == Replace::OnlyEmpty {
            return Err(StoreError::Backup(
                "the configured database holds records: restore with --force to replace them"
                    .into(),
            ));
        }
        Ok(())
    }
    .await;
    conn.close().await?;
    result
}

/// A database holds records when any table but the migrations' own and the
/// audit head has a row (another program's database counts as holding records).
async fn holds_records(conn: &mut SqliteConnection) -> Result<bool> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    for table in tables {
        if table == "_sqlx_migrations" || table == "audit_head" {
            continue;
        }
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {quoted})");
        let any: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?;
        if any {
            return Ok(true);
        }
    }
    Ok(false)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn sibling(path: &Path, extension: &str) -> PathBuf {
    with_suffix(path, &format!(".{extension}"))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err.into()),
        _ => Ok(()),
    }
}

/// A staged copy and whatever SQLite left beside it.
fn remove_staged(staged: &Path) -> Result<()> {
    remove_if_present(staged)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        remove_if_present(&with_suffix(staged, suffix))?;
    }
    Ok(())
}

/// Makes a rename durable: the directory entry is written too.
fn sync_parent(path: &Path) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(parent)?.sync_all()?;
    Ok(())
}
