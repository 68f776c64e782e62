//! Each staff member's secret calendar feed: a random token that a calendar
//! app can hold in its URL (it cannot send cookies). Only the token's
//! SHA-256 is stored; creating a new one makes the old URL stop working.

use crate::auth::{random_token, token_hash};
use crate::{Actor, App, Audited, Result, authorize, commit_audited};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::{Action, UserId};
use chrono::{DateTime, Utc};

impl App {
    /// Creates the actor's feed token, replacing any earlier one, and
    /// returns it (it is shown once and never stored in clear).
    pub async fn create_feed_token(&self, actor: &Actor) -> Result<String> {
        authorize(actor, Action::ViewSchedule)?;
        let now = self.now();
        let token = random_token()?;
        let mut tx = self.begin().await?;
        tx.replace_calendar_feed(actor.user_id.as_uuid(), &token_hash(&token), now)
            .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "calendar_feed",
                entity_id: actor.user_id.to_string(),
                patient_id: None,
                site_id: None,
                before: vec![],
                after: vec![("created_at", now.to_rfc3339())],
            },
        )
        .await?;
        Ok(token)
    }

    /// When the actor's current feed token was created, if they have one.
    pub async fn feed_created(&self, actor: &Actor) -> Result<Option<DateTime<Utc>>> {
        authorize(actor, Action::ViewSchedule)?;
        let mut tx = self.begin().await?;
        Ok(tx.calendar_feed_created(actor.user_id.as_uuid()).await?)
    }

    /// The staff member a feed token belongs to; `None` for an unknown or
    /// replaced token, or a disabled account.
    pub async fn feed_user(&self, token: &str) -> Result<Option<UserId>> {
        let mut tx = self.begin().await?;
        let Some(user_id) = tx.calendar_feed_user(&token_hash(token)).await? else {
            return Ok(None);
        };
        let user = tx.user(user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(UserId::from_uuid(user_id)))
    }
}
