//! `cellpath backup` and `cellpath restore`: a consistent copy of the
//! SQLite database taken while the server runs, and its return into the
//! configured database after the checks the store makes. PostgreSQL is
//! refused with the commands of its own tools.

use anyhow::{Result, anyhow};
use cellpath_store::{Replace, StoreError};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A backup written by `cellpath backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// Replace a database that holds records.
    #[arg(long)]
    pub force: bool,
}

const POSTGRES_BACKUP: &str = "cellpath backup copies the SQLite database; back up PostgreSQL with its own tools: \
    pg_dump -Fc -f cellpath.dump DBNAME (see README.md, \"Backups\")";
const POSTGRES_RESTORE: &str = "cellpath restore replaces the SQLite database; restore PostgreSQL with its own tools: \
    pg_restore --clean --if-exists -d DBNAME cellpath.dump (see README.md, \"Backups\")";

pub async fn backup(database_url: &str, args: &BackupArgs) -> Result<()> {
    match cellpath_store::backup_sqlite(database_url, &args.out).await {
        Ok(outcome) => {
            println!(
                "Backed up the database to {} ({} bytes).",
                args.out.display(),
                outcome.bytes
            );
            Ok(())
        }
        Err(StoreError::NotSqlite) => Err(anyhow!(POSTGRES_BACKUP)),
        Err(err) => Err(anyhow!("backup failed: {err}")),
    }
}

pub async fn restore(database_url: &str, args: &RestoreArgs) -> Result<()> {
    let replace = if args.force {
        Replace::Any
    } else {
        Replace::OnlyEmpty
    };
    match cellpath_store::restore_sqlite(&args.from, database_url, replace).await {
        Ok(outcome) => {
            println!(
                "Restored {} into the configured database: {} audit entries, the chain intact.",
                args.from.display(),
                outcome.audit_entries
            );
            Ok(())
        }
        Err(StoreError::NotSqlite) => Err(anyhow!(POSTGRES_RESTORE)),
        Err(err) => Err(anyhow!("restore refused: {err}")),
    }
}
