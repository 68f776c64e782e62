//! Signing in and who is acting: staff passwords (argon2id) with lockout and
//! an optional TOTP second factor, sessions in the database, bearer tokens
//! for integrations, and patients' one-time invitations.

use crate::{Actor, App, AppError, Audited, Result, authorize, commit_audited};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::{Action, Issue, IssueCode, Issues, PatientId, Role, SiteId, UserId};
use cellpath_store::{Tx, UserRow};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret};

/// Shortest password accepted.
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted (argon2 takes any length; this bounds the work).
pub const PASSWORD_MAX: usize = 128;

/// A fresh random secret, hex-encoded (256 bits).
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// What is stored of a secret token: its SHA-256, so a database leak
/// does not leak sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash to check against when the username is unknown, so that the answer
/// takes as long as for a known one.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("not a password of anyone").unwrap_or_default());

fn check_password_rules(field: &str, password: &str) -> std::result::Result<(), Issue> {
    let n = password.chars().count();
    if password.trim().is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    if n < PASSWORD_MIN {
        return Err(Issue {
            field: field.into(),
            code: IssueCode::OutOfRange,
            limit: Some(PASSWORD_MIN as u32),
        });
    }
    if n > PASSWORD_MAX {
        return Err(Issue {
            field: field.into(),
            code: IssueCode::TooLong,
            limit: Some(PASSWORD_MAX as u32),
        });
    }
    Ok(())
}

fn check_username(field: &str, username: &str) -> std::result::Result<String, Issue> {
    let value = username.trim().to_lowercase();
    if value.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    if value.len() > 64 {
        return Err(Issue {
            field: field.into(),
            code: IssueCode::TooLong,
            limit: Some(64),
        });
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Issue::new(field, IssueCode::InvalidFormat));
    }
    Ok(value)
}

/// A new, active account row with a freshly hashed password.
pub(crate) fn new_user_row(
    username: &str,
    display_name: &str,
    role: Role,
    patient_id: Option<PatientId>,
    password: &str,
    now: DateTime<Utc>,
) -> Result<UserRow> {
    Ok(UserRow {
        id: UserId::new().as_uuid(),
        username: username.to_string(),
        display_name: display_name.to_string(),
        password_hash: Some(hash_password(password)?),
        role: role.code().to_string(),
        patient_id: patient_id.map(|p| p.as_uuid()),
        totp_secret: None,
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        created_at: now,
    })
}

/// A new session: the cookie value and the form token that goes with it.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session_token: String,
    pub csrf_token: String,
    pub actor: Actor,
}

/// A signed-in session as found from its cookie.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf_token: String,
}

/// A new account's details.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub sites: Vec<SiteId>,
    pub password: String,
}

fn totp_for(username: &str, secret_base32: &str) -> Result<totp_rs::Totp> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| AppError::Internal(format!("stored TOTP secret unreadable: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(username)
        .with_issuer(Some("Cellpath"))
        .build()
        .map_err(|e| AppError::Internal(format!("TOTP setup failed: {e}")))
}

impl App {
    /// The actor a stored user acts as.
    pub(crate) async fn actor_of(&self, tx: &mut Tx, user: &UserRow) -> Result<Actor> {
        let role = Role::parse(&user.role)
            .ok_or_else(|| AppError::Internal(format!("user {} has an unknown role", user.id)))?;
        let sites = tx
            .user_sites(user.id)
            .await?
            .into_iter()
            .map(SiteId::from_uuid)
            .collect();
        Ok(Actor {
            user_id: UserId::from_uuid(user.id),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role,
            sites,
            patient_id: user.patient_id.map(PatientId::from_uuid),
        })
    }

    /// The actor an enabled account acts as, for commands that the person
    /// running the server runs in that account's name (`cellpath export
    /// --user`); an unknown or disabled account is "not found".
    pub async fn actor_by_username(&self, username: &str) -> Result<Actor> {
        let mut tx = self.begin().await?;
        let user = tx
            .user_by_username(username)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AppError::NotFound)?;
        let actor = self.actor_of(&mut tx, &user).await?;
        tx.commit().await?;
        Ok(actor)
    }

    /// Checks a username, password and (when the account has one) TOTP code,
    /// and opens a session. Failures count towards a lockout.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        totp_code: &str,
    ) -> Result<SignedIn> {
        let now = self.now();
        let Ok(username) = check_username("username", username) else {
            password_matches(password, &DUMMY_HASH);
            return Err(AppError::BadCredentials { failures: 1 });
        };
        let mut tx = self.begin().await?;
        let Some(user) = tx.user_by_username(&username).await? else {
            password_matches(password, &DUMMY_HASH);
            return Err(AppError::BadCredentials { failures: 1 });
        };
        if let Some(until) = user.locked_until
            && until > now
        {
            return Err(AppError::Locked { until });
        }
        let password_ok = !user.disabled
            && user
                .password_hash
                .as_deref()
                .is_some_and(|hash| password_matches(password, hash));
        let totp_ok = match &user.totp_secret {
            None => true,
            Some(secret) => {
                let totp = totp_for(&user.username, secret)?;
                totp.check(
                    totp_code.trim(),
                    u64::try_from(now.timestamp()).unwrap_or(0),
                )
                .is_some()
            }
        };
        if !(password_ok && totp_ok) {
            let failures = user.failed_logins + 1;
            let locked_until = (failures >= self.config.lockout_after)
                .then(|| now + Duration::minutes(self.config.lockout_minutes));
            tx.set_login_failures(
                user.id,
                if locked_until.is_some() { 0 } else { failures },
                locked_until,
            )
            .await?;
            commit_audited(
                tx,
                None,
                now,
                Audited {
                    action: AuditAction::SignInFailed,
                    entity: "user",
                    entity_id: user.id.to_string(),
                    patient_id: None,
                    site_id: None,
                    before: vec![],
                    after: vec![("failures", failures.to_string())],
                },
            )
            .await?;
            return Err(match locked_until {
                Some(until) => AppError::Locked { until },
                None => AppError::BadCredentials { failures },
            });
        }
        let actor = self.actor_of(&mut tx, &user).await?;
        tx.set_login_failures(user.id, 0, None).await?;
        let session_token = random_token()?;
        let csrf_token = random_token()?;
        tx.insert_session(
            &token_hash(&session_token),
            user.id,
            &csrf_token,
            now,
            now + Duration::hours(self.config.session_hours),
        )
        .await?;
        commit_audited(
            tx,
            Some(&actor),
            now,
            Audited {
                action: AuditAction::SignIn,
                entity: "user",
                entity_id: user.id.to_string(),
                patient_id: actor.patient_id,
                site_id: None,
                before: vec![],
                after: vec![],
            },
        )
        .await?;
        Ok(SignedIn {
            session_token,
            csrf_token,
            actor,
        })
    }

    /// Checks a second person's username and password on someone else's
    /// device (a co-signature at the bedside). Failures count towards the
    /// same lockout as signing in; `None` for wrong credentials or a locked
    /// or disabled account.
    pub(crate) async fn co_signer(
        &self,
        tx: &mut Tx,
        username: &str,
        password: &str,
    ) -> Result<Option<Actor>> {
        let now = self.now();
        let user = match check_username("username", username) {
            Ok(username) => tx.user_by_username(&username).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            password_matches(password, &DUMMY_HASH);
            return Ok(None);
        };
        if user.disabled || user.locked_until.is_some_and(|until| until > now) {
            return Ok(None);
        }
        let password_ok = user
            .password_hash
            .as_deref()
            .is_some_and(|hash| password_matches(password, hash));
        if !password_ok {
            let failures = user.failed_logins + 1;
            let locked_until = (failures >= self.config.lockout_after)
                .then(|| now + Duration::minutes(self.config.lockout_minutes));
            tx.set_login_failures(
                user.id,
                if locked_until.is_some() { 0 } else { failures },
                locked_until,
            )
            .await?;
            return Ok(None);
        }
        Ok(Some(self.actor_of(tx, &user).await?))
    }

    /// The actor of a session cookie, if the session is live.
    pub async fn session(&self, session_token: &str) -> Result<Option<SessionInfo>> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let Some(session) = tx.session(&token_hash(session_token)).await? else {
            return Ok(None);
        };
        if session.expires_at <= now {
            tx.delete_session(&token_hash(session_token)).await?;
            tx.commit().await?;
            return Ok(None);
        }
        let user = tx.user(session.user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        let actor = self.actor_of(&mut tx, &user).await?;
        Ok(Some(SessionInfo {
            actor,
            csrf_token: session.csrf_token,
        }))
    }

    pub async fn sign_out(&self, actor: &Actor, session_token: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.delete_session(&token_hash(session_token)).await?;
        commit_audited(
            tx,
            Some(actor),
            self.now(),
            Audited {
                action: AuditAction::SignOut,
                entity: "user",
                entity_id: actor.user_id.to_string(),
                patient_id: None,
                site_id: None,
                before: vec![],
                after: vec![],
            },
        )
        .await?;
        Ok(())
    }

    /// The actor of an API bearer token.
    pub async fn token_actor(&self, bearer: &str) -> Result<Option<Actor>> {
        let mut tx = self.begin().await?;
        let Some(user_id) = tx.api_token_user(&token_hash(bearer)).await? else {
            return Ok(None);
        };
        let user = tx.user(user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(self.actor_of(&mut tx, &user).await?))
    }

    /// Creates an API token for a user (operators, from the command line).
    pub async fn create_api_token(&self, username: &str) -> Result<String> {
        let mut tx = self.begin().await?;
        let user = tx
            .user_by_username(&username.trim().to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        let token = random_token()?;
        tx.insert_api_token(&token_hash(&token), user.id, self.now())
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Adds a staff account. `actor` is `None` for the operator at the
    /// command line, who needs no role (this is how the first admin is made).
    pub async fn add_user(&self, actor: Option<&Actor>, new: NewUser) -> Result<UserId> {
        if let Some(actor) = actor {
            authorize(actor, Action::ManageUsers)?;
        }
        let mut issues = Issues::default();
        let username = issues.check(check_username("username", &new.username));
        let display_name = issues.check(cellpath_domain::text::required(
            "display_name",
            &new.display_name,
            cellpath_domain::text::NAME_MAX,
        ));
        issues.check(check_password_rules("password", &new.password));
        if new.role == Role::Patient {
            issues.add("role", IssueCode::UnknownCode);
        }
        if new.sites.is_empty() {
            issues.add("sites", IssueCode::Required);
        }
        let (Some(username), Some(display_name)) = (username, display_name) else {
            return Err(AppError::Invalid(issues));
        };
        if !issues.is_empty() {
            return Err(AppError::Invalid(issues));
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        for site in &new.sites {
            if let Some(actor) = actor
                && !actor.sites.contains(site)
            {
                return Err(AppError::Invalid(Issues(vec![Issue::new(
                    "sites",
                    IssueCode::UnknownCode,
                )])));
            }
            tx.site(site.as_uuid()).await.map_err(|_| {
                AppError::Invalid(Issues(vec![Issue::new("sites", IssueCode::UnknownCode)]))
            })?;
        }
        let row = new_user_row(&username, &display_name, new.role, None, &new.password, now)?;
        let id = UserId::from_uuid(row.id);
        let site_ids: Vec<uuid::Uuid> = new.sites.iter().map(|s| s.as_uuid()).collect();
        tx.insert_user(&row, &site_ids).await?;
        commit_audited(
            tx,
            actor,
            now,
            Audited {
                action: AuditAction::Create,
                entity: "user",
                entity_id: id.to_string(),
                patient_id: None,
                site_id: new.sites.first().copied(),
                before: vec![],
                after: vec![
                    ("username", username),
                    ("role", new.role.code().to_string()),
                ],
            },
        )
        .await?;
        Ok(id)
    }

    /// Turns on the TOTP second factor of a user and returns the
    /// `otpauth://` URL to load into an authenticator app.
    pub async fn enable_totp(&self, username: &str) -> Result<String> {
        let mut tx = self.begin().await?;
        let user = tx
            .user_by_username(&username.trim().to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        let secret = Secret::generate().to_base32();
        let url = totp_for(&user.username, &secret)?
            .to_url()
            .map_err(|e| AppError::Internal(format!("TOTP URL failed: {e}")))?;
        tx.set_totp_secret(user.id, Some(&secret)).await?;
        tx.commit().await?;
        Ok(url)
    }

    /// The current TOTP code of a user (tests and the demo's operator).
    pub async fn current_totp(&self, username: &str) -> Result<Option<String>> {
        let mut tx = self.begin().await?;
        let user = tx
            .user_by_username(&username.trim().to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        let Some(secret) = user.totp_secret else {
            return Ok(None);
        };
        let totp = totp_for(&user.username, &secret)?;
        Ok(Some(
            totp.generate(u64::try_from(self.now().timestamp()).unwrap_or(0))
                .to_string(),
        ))
    }

    /// Creates a one-time link for a patient to set up their portal account.
    /// Returns the secret token that goes into the link.
    pub async fn invite_patient(
        &self,
        actor: &Actor,
        patient_id: PatientId,
    ) -> Result<(String, DateTime<Utc>)> {
        authorize(actor, Action::InvitePatient)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        if tx.user_of_patient(patient.id.as_uuid()).await?.is_some() {
            return Err(AppError::Invalid(Issues(vec![Issue::new(
                "patient",
                IssueCode::Duplicate,
            )])));
        }
        let token = random_token()?;
        let expires = now + Duration::hours(self.config.invitation_hours);
        tx.insert_invitation(
            &token_hash(&token),
            patient.id.as_uuid(),
            actor.user_id.as_uuid(),
            now,
            expires,
        )
        .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "invitation",
                entity_id: patient.id.to_string(),
                patient_id: Some(patient.id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![("expires_at", expires.to_rfc3339())],
            },
        )
        .await?;
        Ok((token, expires))
    }

    /// Whether an invitation link can still be used.
    pub async fn invitation_valid(&self, token: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let invitation = tx.invitation(&token_hash(token)).await?;
        Ok(invitation.is_some_and(|i| i.used_at.is_none() && i.expires_at > self.now()))
    }

    /// A patient sets their username and password from an invitation and is signed in.
    pub async fn accept_invitation(
        &self,
        token: &str,
        username: &str,
        password: &str,
    ) -> Result<SignedIn> {
        let now = self.now();
        let mut issues = Issues::default();
        let username = issues.check(check_username("username", username));
        issues.check(check_password_rules("password", password));
        let Some(username) = username else {
            return Err(AppError::Invalid(issues));
        };
        if !issues.is_empty() {
            return Err(AppError::Invalid(issues));
        }
        let mut tx = self.begin().await?;
        let invitation = tx
            .invitation(&token_hash(token))
            .await?
            .ok_or(AppError::Expired)?;
        if invitation.used_at.is_some() || invitation.expires_at <= now {
            return Err(AppError::Expired);
        }
        if !tx.use_invitation(&token_hash(token), now).await? {
            return Err(AppError::Expired);
        }
        let patient = tx
            .patient(PatientId::from_uuid(invitation.patient_id))
            .await?;
        let row = new_user_row(
            &username,
            &patient.full_name(),
            Role::Patient,
            Some(patient.id),
            password,
            now,
        )?;
        let id = UserId::from_uuid(row.id);
        tx.insert_user(&row, &[]).await?;
        let actor = self.actor_of(&mut tx, &row).await?;
        let session_token = random_token()?;
        let csrf_token = random_token()?;
        tx.insert_session(
            &token_hash(&session_token),
            id.as_uuid(),
            &csrf_token,
            now,
            now + Duration::hours(self.config.session_hours),
        )
        .await?;
        commit_audited(
            tx,
            Some(&actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "user",
                entity_id: id.to_string(),
                patient_id: Some(patient.id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![("username", username), ("role", "patient".into())],
            },
        )
        .await?;
        Ok(SignedIn {
            session_token,
            csrf_token,
            actor,
        })
    }
}
