//! The clinic admin's use cases: sites, users, and the audit trail.

use crate::{Actor, App, AppError, Audited, Result, authorize, commit_audited};
use cellpath_domain::audit::{AuditAction, ChainBreak};
use cellpath_domain::text::{self, NAME_MAX};
use cellpath_domain::{Action, Issue, IssueCode, Issues, Role, SiteId};
use cellpath_store::{AuditPage, SiteRow, UserRow};

/// A new site's details.
#[derive(Debug, Clone, Default)]
pub struct NewSite {
    pub code: String,
    pub name: String,
    /// Prefix of the record numbers the site gives (`CP` gives `CP-000001`).
    pub record_prefix: String,
}

/// A user as the admin sees them.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub user: UserRow,
    pub role: Option<Role>,
    pub sites: Vec<SiteId>,
}

fn code_field(field: &str, raw: &str, max: usize) -> std::result::Result<String, Issue> {
    let value = raw.trim().to_uppercase();
    if value.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    if value.len() > max {
        return Err(Issue {
            field: field.into(),
            code: IssueCode::TooLong,
            limit: Some(max as u32),
        });
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Issue::new(field, IssueCode::InvalidFormat));
    }
    Ok(value)
}

impl App {
    /// Adds a site. `actor` is `None` for the operator (command line, demo).
    pub async fn add_site(&self, actor: Option<&Actor>, new: &NewSite) -> Result<SiteRow> {
        if let Some(actor) = actor {
            authorize(actor, Action::ManageSites)?;
        }
        let mut issues = Issues::default();
        let code = issues.check(code_field("code", &new.code, 16));
        let name = issues.check(text::required("name", &new.name, NAME_MAX));
        let prefix = issues.check(code_field("record_prefix", &new.record_prefix, 8));
        let (Some(code), Some(name), Some(record_prefix)) = (code, name, prefix) else {
            return Err(AppError::Invalid(issues));
        };
        let now = self.now();
        let site = SiteRow {
            id: SiteId::new().as_uuid(),
            code,
            name,
            record_prefix,
            created_at: now,
        };
        let mut tx = self.begin().await?;
        tx.insert_site(&site).await?;
        commit_audited(
            tx,
            actor,
            now,
            Audited {
                action: AuditAction::Create,
                entity: "site",
                entity_id: site.id.to_string(),
                patient_id: None,
                site_id: Some(SiteId::from_uuid(site.id)),
                before: vec![],
                after: vec![("code", site.code.clone()), ("name", site.name.clone())],
            },
        )
        .await?;
        Ok(site)
    }

    /// Every site of the network (names are not patient data; any staff
    /// member may see them to pick one).
    pub async fn list_sites(&self) -> Result<Vec<SiteRow>> {
        let mut tx = self.begin().await?;
        Ok(tx.list_sites().await?)
    }

    pub async fn site_by_code(&self, code: &str) -> Result<Option<SiteRow>> {
        let mut tx = self.begin().await?;
        Ok(tx.site_by_code(&code.trim().to_uppercase()).await?)
    }

    /// The users who work at the admin's sites (and the portal users of
    /// patients of those sites are not listed: they are managed by invitation).
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserSummary>> {
        authorize(actor, Action::ManageUsers)?;
        let mut tx = self.begin().await?;
        let mut out = Vec::new();
        for user in tx.list_users().await? {
            let sites: Vec<SiteId> = tx
                .user_sites(user.id)
                .await?
                .into_iter()
                .map(SiteId::from_uuid)
                .collect();
            if sites.iter().any(|s| actor.sites.contains(s)) {
                out.push(UserSummary {
                    role: Role::parse(&user.role),
                    sites,
                    user,
                });
            }
        }
        Ok(out)
    }

    /// A page of the audit trail, newest first.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        patient_id: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<AuditPage> {
        authorize(actor, Action::ViewAudit)?;
        let limit = limit.clamp(1, 500);
        // Entries name patients by id: anything else matches nothing.
        if let Some(p) = patient_id
            && p.parse::<cellpath_domain::PatientId>().is_err()
        {
            return Ok(AuditPage {
                entries: Vec::new(),
                has_more: false,
            });
        }
        let mut tx = self.begin().await?;
        Ok(tx.audit_page(patient_id, limit, offset.max(0)).await?)
    }

    /// Checks the whole chain: `Ok(n)` entries intact, or the first break.
    pub async fn verify_audit(&self) -> Result<std::result::Result<u64, ChainBreak>> {
        let mut tx = self.begin().await?;
        Ok(tx.verify_audit().await?)
    }
}

impl App {
    /// The number a site's patients call (blank until the admin sets it).
    /// Not patient data: anyone signed in at the site may read it.
    pub async fn site_phone(&self, site: SiteId) -> Result<String> {
        let mut tx = self.begin().await?;
        Ok(tx.site_phone(site).await?)
    }

    /// The admin sets the number a site's patients call; blank clears it.
    pub async fn set_site_phone(&self, actor: &Actor, site: SiteId, phone: &str) -> Result<()> {
        authorize(actor, Action::ManageSites)?;
        crate::scheduling::site_in_scope(actor, site)?;
        let phone = cellpath_domain::patient::phone("phone", phone)
            .map_err(|issue| AppError::Invalid(Issues(vec![issue])))?
            .unwrap_or_default();
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = tx.site_phone(site).await?;
        tx.set_site_phone(site, &phone).await?;
        let audited = Audited {
            action: AuditAction::Update,
            entity: "site",
            entity_id: site.to_string(),
            patient_id: None,
            site_id: Some(site),
            before: vec![("phone", before)],
            after: vec![("phone", phone)],
        };
        commit_audited(tx, Some(actor), now, audited).await
    }
}
