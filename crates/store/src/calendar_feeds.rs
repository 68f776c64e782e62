//! The secret calendar feed of each staff member: one token hash per user.

use crate::{Result, Tx, execute};
use chrono::{DateTime, Utc};
use uuid::Uuid;

impl Tx {
    /// Sets the user's feed token hash, replacing any earlier one.
    pub async fn replace_calendar_feed(
        &mut self,
        user_id: Uuid,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        execute!(
            self,
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = $2, created_at = $3",
            user_id,
            token_hash,
            now
        )?;
        Ok(())
    }

    /// The user a feed token hash belongs to.
    pub async fn calendar_feed_user(&mut self, token_hash: &str) -> Result<Option<Uuid>> {
        Ok(crate::on_tx!(self, |conn| sqlx::query_scalar::<_, Uuid>(
            "SELECT user_id FROM calendar_feeds WHERE token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(conn)
        .await)?)
    }

    /// When the user's feed was created, if they have one.
    pub async fn calendar_feed_created(&mut self, user_id: Uuid) -> Result<Option<DateTime<Utc>>> {
        Ok(crate::on_tx!(self, |conn| sqlx::query_scalar::<
            _,
            DateTime<Utc>,
        >(
            "SELECT created_at FROM calendar_feeds WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(conn)
        .await)?)
    }
}
