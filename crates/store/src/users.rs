//! Sites, users and their sign-in state: sessions, API tokens, invitations.

use crate::{Result, StoreError, Tx, execute, fetch_all, fetch_optional, unique_as};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SiteRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub record_prefix: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    /// `None` until a patient accepts an invitation.
    pub password_hash: Option<String>,
    pub role: String,
    pub patient_id: Option<Uuid>,
    pub totp_secret: Option<String>,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: Uuid,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvitationRow {
    pub patient_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, role, patient_id, totp_secret, \
     failed_logins, locked_until, disabled, created_at";

impl Tx {
    pub async fn insert_site(&mut self, site: &SiteRow) -> Result<()> {
        execute!(
            self,
            "INSERT INTO sites (id, code, name, record_prefix, created_at) VALUES ($1, $2, $3, $4, $5)",
            site.id,
            &site.code,
            &site.name,
            &site.record_prefix,
            site.created_at
        )
        .map_err(unique_as("code"))?;
        Ok(())
    }

    pub async fn list_sites(&mut self) -> Result<Vec<SiteRow>> {
        Ok(fetch_all!(
            self,
            SiteRow,
            "SELECT id, code, name, record_prefix, created_at FROM sites ORDER BY code"
        )?)
    }

    pub async fn site(&mut self, id: Uuid) -> Result<SiteRow> {
        fetch_optional!(
            self,
            SiteRow,
            "SELECT id, code, name, record_prefix, created_at FROM sites WHERE id = $1",
            id
        )?
        .ok_or(StoreError::NotFound)
    }

    pub async fn site_by_code(&mut self, code: &str) -> Result<Option<SiteRow>> {
        Ok(fetch_optional!(
            self,
            SiteRow,
            "SELECT id, code, name, record_prefix, created_at FROM sites WHERE code = $1",
            code
        )?)
    }

    /// Adds a user and the sites they work at.
    pub async fn insert_user(&mut self, user: &UserRow, sites: &[Uuid]) -> Result<()> {
        execute!(
            self,
            "INSERT INTO users (id, username, display_name, password_hash, role, patient_id, totp_secret, \
             failed_logins, locked_until, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            user.id,
            &user.username,
            &user.display_name,
            &user.password_hash,
            &user.role,
            user.patient_id,
            &user.totp_secret,
            user.failed_logins,
            user.locked_until,
            user.disabled,
            user.created_at
        )
        .map_err(unique_as("username"))?;
        for site in sites {
            execute!(
                self,
                "INSERT INTO user_sites (user_id, site_id) VALUES ($1, $2)",
                user.id,
                *site
            )?;
        }
        Ok(())
    }

    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        Ok(fetch_optional!(
            self,
            UserRow,
            sqlx::AssertSqlSafe(sql),
            username
        )?)
    }

    pub async fn user(&mut self, id: Uuid) -> Result<UserRow> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        fetch_optional!(self, UserRow, sqlx::AssertSqlSafe(sql), id)?.ok_or(StoreError::NotFound)
    }

    /// The portal user of a patient record, when one was created.
    pub async fn user_of_patient(&mut self, patient_id: Uuid) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE patient_id = $1");
        Ok(fetch_optional!(
            self,
            UserRow,
            sqlx::AssertSqlSafe(sql),
            patient_id
        )?)
    }

    pub async fn list_users(&mut self) -> Result<Vec<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        Ok(fetch_all!(self, UserRow, sqlx::AssertSqlSafe(sql))?)
    }

    pub async fn user_sites(&mut self, user_id: Uuid) -> Result<Vec<Uuid>> {
        Ok(crate::on_tx!(self, |conn| sqlx::query_scalar::<_, Uuid>(
            "SELECT site_id FROM user_sites WHERE user_id = $1 ORDER BY site_id"
        )
        .bind(user_id)
        .fetch_all(conn)
        .await)?)
    }

    /// Records the sign-in failure count and lock of a user.
    pub async fn set_login_failures(
        &mut self,
        user_id: Uuid,
        failed_logins: i64,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<()> {
        execute!(
            self,
            "UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1",
            user_id,
            failed_logins,
            locked_until
        )?;
        Ok(())
    }

    pub async fn set_password_hash(&mut self, user_id: Uuid, hash: &str) -> Result<()> {
        execute!(
            self,
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            user_id,
            hash
        )?;
        Ok(())
    }

    pub async fn set_totp_secret(&mut self, user_id: Uuid, secret: Option<&str>) -> Result<()> {
        execute!(
            self,
            "UPDATE users SET totp_secret = $2 WHERE id = $1",
            user_id,
            secret
        )?;
        Ok(())
    }

    pub async fn set_user_disabled(&mut self, user_id: Uuid, disabled: bool) -> Result<()> {
        execute!(
            self,
            "UPDATE users SET disabled = $2 WHERE id = $1",
            user_id,
            disabled
        )?;
        execute!(self, "DELETE FROM sessions WHERE user_id = $1", user_id)?;
        Ok(())
    }

    pub async fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: Uuid,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        execute!(
            self,
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            token_hash,
            user_id,
            csrf_token,
            now,
            expires_at
        )?;
        Ok(())
    }

    pub async fn session(&mut self, token_hash: &str) -> Result<Option<SessionRow>> {
        Ok(fetch_optional!(
            self,
            SessionRow,
            "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1",
            token_hash
        )?)
    }

    pub async fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        execute!(
            self,
            "DELETE FROM sessions WHERE token_hash = $1",
            token_hash
        )?;
        Ok(())
    }

    /// Removes sessions past their expiry.
    pub async fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64> {
        Ok(execute!(
            self,
            "DELETE FROM sessions WHERE expires_at < $1",
            now
        )?)
    }

    pub async fn insert_api_token(
        &mut self,
        token_hash: &str,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()> {
        execute!(
            self,
            "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)",
            token_hash,
            user_id,
            now
        )?;
        Ok(())
    }

    pub async fn api_token_user(&mut self, token_hash: &str) -> Result<Option<Uuid>> {
        Ok(crate::on_tx!(self, |conn| sqlx::query_scalar::<_, Uuid>(
            "SELECT user_id FROM api_tokens WHERE token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(conn)
        .await)?)
    }

    pub async fn insert_invitation(
        &mut self,
        token_hash: &str,
        patient_id: Uuid,
        created_by: Uuid,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        execute!(
            self,
            "INSERT INTO invitations (token_hash, patient_id, created_by, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, NULL)",
            token_hash,
            patient_id,
            created_by,
            now,
            expires_at
        )?;
        Ok(())
    }

    pub async fn invitation(&mut self, token_hash: &str) -> Result<Option<InvitationRow>> {
        Ok(fetch_optional!(
            self,
            InvitationRow,
            "SELECT patient_id, expires_at, used_at FROM invitations WHERE token_hash = $1",
            token_hash
        )?)
    }

    /// Marks an invitation used; false when someone used it first.
    pub async fn use_invitation(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let changed = execute!(
            self,
            "UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
            token_hash,
            now
        )?;
        Ok(changed == 1)
    }
}
