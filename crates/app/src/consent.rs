//! Consent: the admin's versioned texts, the patient's signature on the
//! exact text shown (in the portal, or on a staff device with a witness),
//! and withdrawal, which blocks what follows.

use crate::{Actor, App, AppError, Audited, Result, authorize, commit_audited, invalid};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::consent::{
    self, ConsentState, Signature, SignatureDraft, SignedConsent, SignedVia, TemplateDraft,
};
use cellpath_domain::plan::{CellSource, PlanStatus, TreatmentPlan};
use cellpath_domain::{Action, IssueCode, Locale, PlanId, Role, SiteId};
use cellpath_store::{ConsentRow, StoreError, TemplateRow, Tx};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A consent text in force: version 0 is the shipped starting text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentText {
    pub procedure: CellSource,
    pub locale: Locale,
    pub version: i64,
    pub title: String,
    pub body: String,
    /// The hash of the exact text shown (title and body).
    pub hash: String,
    pub changed_by: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
}

/// A plan's consent: the text to sign, its state, and every signature.
#[derive(Debug, Clone)]
pub struct PlanConsent {
    pub plan: TreatmentPlan,
    pub text: ConsentText,
    pub state: ConsentState,
    pub signatures: Vec<ConsentRow>,
}

/// Renders the printable record of a signed consent; the binary wires the
/// PDF renderer in, tests and builds without it leave the PDF out.
pub type ConsentPdf = std::sync::Arc<dyn Fn(&ConsentRow) -> Option<Vec<u8>> + Send + Sync>;

pub(crate) async fn text_in_force(
    tx: &mut Tx,
    site: SiteId,
    procedure: CellSource,
    locale: Locale,
) -> Result<ConsentText> {
    let text = match tx
        .current_consent_template(site, procedure.code(), locale.code())
        .await?
    {
        Some(row) => ConsentText {
            procedure,
            locale,
            version: row.version,
            hash: consent::text_hash(&consent::shown_text(&row.title, &row.body)),
            title: row.title,
            body: row.body,
            changed_by: Some(row.created_by),
            changed_at: Some(row.created_at),
        },
        None => {
            let (title, body) = consent::starting_text(procedure, locale);
            ConsentText {
                procedure,
                locale,
                version: 0,
                hash: consent::text_hash(&consent::shown_text(&title, &body)),
                title,
                body,
                changed_by: None,
                changed_at: None,
            }
        }
    };
    Ok(text)
}

/// The state of a plan's consent: the latest signature against the current
/// version of the text in the language it was signed in.
pub(crate) async fn plan_consent_state(tx: &mut Tx, plan: &TreatmentPlan) -> Result<ConsentState> {
    let signatures = tx.consents_of_plan(plan.id).await?;
    let Some(latest) = signatures.iter().max_by_key(|c| c.signed_at) else {
        return Ok(ConsentState::Missing);
    };
    let locale = Locale::parse(&latest.locale).unwrap_or_default();
    let current = text_in_force(tx, plan.site_id, plan.plan.cell_source, locale)
        .await?
        .version;
    let signed: Vec<SignedConsent> = signatures
        .iter()
        .filter(|c| c.locale == latest.locale)
        .map(|c| SignedConsent {
            template_version: c.template_version,
            signed_at: c.signed_at,
            withdrawn_at: c.withdrawn_at,
        })
        .collect();
    Ok(consent::consent_state(&signed, current))
}

impl App {
    /// Every consent text of a site in force now (all procedures and languages).
    pub async fn consent_texts(&self, actor: &Actor, site: SiteId) -> Result<Vec<ConsentText>> {
        authorize(actor, Action::ManagePatientTexts)?;
        if !actor.sites.contains(&site) {
            return Err(AppError::NotFound);
        }
        let mut tx = self.begin().await?;
        let mut out = Vec::new();
        for procedure in CellSource::ALL {
            for locale in Locale::ALL {
                out.push(text_in_force(&mut tx, site, *procedure, locale).await?);
            }
        }
        Ok(out)
    }

    /// Saves a new version of a consent text: every consent signed on an
    /// earlier version must be given again.
    pub async fn save_consent_text(
        &self,
        actor: &Actor,
        site: SiteId,
        draft: &TemplateDraft,
    ) -> Result<ConsentText> {
        authorize(actor, Action::ManagePatientTexts)?;
        if !actor.sites.contains(&site) {
            return Err(AppError::NotFound);
        }
        let text = draft.validate()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let row = TemplateRow {
            site_id: site.as_uuid(),
            procedure: text.procedure.code().to_string(),
            locale: text.locale.code().to_string(),
            version: 0,
            title: text.title.clone(),
            body: text.body.clone(),
            created_by: actor.username.clone(),
            created_at: now,
        };
        let version = tx.insert_consent_template(&row).await?;
        let hash = consent::text_hash(&consent::shown_text(&text.title, &text.body));
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "consent_text",
                entity_id: format!("{site}/{}/{}/{version}", row.procedure, row.locale),
                patient_id: None,
                site_id: Some(site),
                before: vec![],
                after: vec![
                    ("version", version.to_string()),
                    ("hash", hash.clone()),
                    ("title", text.title.clone()),
                ],
            },
        )
        .await?;
        Ok(ConsentText {
            procedure: text.procedure,
            locale: text.locale,
            version,
            title: text.title,
            body: text.body,
            hash,
            changed_by: Some(actor.username.clone()),
            changed_at: Some(now),
        })
    }

    /// A plan's consent in `locale`: the text to sign now, the state, the signatures.
    pub async fn plan_consent(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        locale: Locale,
    ) -> Result<PlanConsent> {
        let action = if actor.role == Role::Patient {
            Action::ViewOwnRecord
        } else {
            Action::ViewPlans
        };
        authorize(actor, action)?;
        let mut tx = self.begin().await?;
        let plan = self.plan_for(&mut tx, actor, plan_id).await?;
        let text = text_in_force(&mut tx, plan.site_id, plan.plan.cell_source, locale).await?;
        let state = plan_consent_state(&mut tx, &plan).await?;
        let signatures = tx.consents_of_plan(plan_id).await?;
        Ok(PlanConsent {
            plan,
            text,
            state,
            signatures,
        })
    }

    async fn plan_for(&self, tx: &mut Tx, actor: &Actor, plan_id: PlanId) -> Result<TreatmentPlan> {
        let plan = match tx.plan(plan_id).await {
            Ok(plan) => plan,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        self.patient_in_scope(tx, actor, plan.patient_id).await?;
        Ok(plan)
    }

    /// The patient signs in their portal the text they were shown.
    /// `shown_hash` is the hash of the text on their screen: if the clinic
    /// changed the text since, the signature is refused and the new text shown.
    pub async fn sign_own_consent(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        locale: Locale,
        shown_hash: &str,
        draft: &SignatureDraft,
    ) -> Result<ConsentRow> {
        authorize(actor, Action::GiveOwnConsent)?;
        self.sign(actor, plan_id, locale, shown_hash, draft, SignedVia::Portal)
            .await
    }

    /// The patient signs on a staff device at the clinic, with a witness.
    pub async fn take_consent(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        locale: Locale,
        shown_hash: &str,
        draft: &SignatureDraft,
    ) -> Result<ConsentRow> {
        authorize(actor, Action::TakeConsent)?;
        self.sign(
            actor,
            plan_id,
            locale,
            shown_hash,
            draft,
            SignedVia::StaffDevice,
        )
        .await
    }

    async fn sign(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        locale: Locale,
        shown_hash: &str,
        draft: &SignatureDraft,
        via: SignedVia,
    ) -> Result<ConsentRow> {
        let signature: Signature = draft.validate(via)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let plan = self.plan_for(&mut tx, actor, plan_id).await?;
        if plan.status == PlanStatus::Declined {
            return Err(invalid("plan", IssueCode::NotEligible));
        }
        let text = text_in_force(&mut tx, plan.site_id, plan.plan.cell_source, locale).await?;
        if text.hash != shown_hash.trim() {
            return Err(invalid("text_hash", IssueCode::Outdated));
        }
        let row = ConsentRow {
            id: Uuid::now_v7(),
            plan_id: plan.id.as_uuid(),
            patient_id: plan.patient_id.as_uuid(),
            site_id: plan.site_id.as_uuid(),
            procedure: text.procedure.code().to_string(),
            locale: locale.code().to_string(),
            template_version: text.version,
            text_shown: consent::shown_text(&text.title, &text.body),
            text_hash: text.hash.clone(),
            typed_name: signature.typed_name,
            drawn_signature: signature.drawn_signature,
            witness_name: signature.witness_name,
            interpreter_name: signature.interpreter_name,
            interpreter_language: signature.interpreter_language,
            signed_via: via.code().to_string(),
            signed_by: actor.username.clone(),
            signed_at: now,
            withdrawn_at: None,
            withdrawn_by: None,
            withdrawal_reason: None,
        };
        let pdf = self.consent_pdf.as_ref().and_then(|render| render(&row));
        tx.insert_consent(&row, pdf.as_deref()).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "consent",
                entity_id: row.id.to_string(),
                patient_id: Some(plan.patient_id),
                site_id: Some(plan.site_id),
                before: vec![],
                after: vec![
                    ("plan_id", plan_id.to_string()),
                    ("template_version", text.version.to_string()),
                    ("text_hash", text.hash),
                    ("signed_via", via.code().to_string()),
                    ("witness_name", row.witness_name.clone().unwrap_or_default()),
                    (
                        "interpreter_name",
                        row.interpreter_name.clone().unwrap_or_default(),
                    ),
                ],
            },
        )
        .await?;
        Ok(row)
    }

    /// The patient withdraws their consent in the portal. Sessions of the
    /// plan are blocked until consent is given again.
    pub async fn withdraw_own_consent(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        reason: &str,
    ) -> Result<()> {
        authorize(actor, Action::GiveOwnConsent)?;
        self.withdraw(actor, plan_id, reason).await
    }

    /// Staff record a patient's withdrawal given at the clinic or by phone.
    pub async fn record_withdrawal(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        reason: &str,
    ) -> Result<()> {
        authorize(actor, Action::TakeConsent)?;
        self.withdraw(actor, plan_id, reason).await
    }

    async fn withdraw(&self, actor: &Actor, plan_id: PlanId, reason: &str) -> Result<()> {
        let reason = consent::withdrawal_reason(reason)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let plan = self.plan_for(&mut tx, actor, plan_id).await?;
        let latest = tx
            .consents_of_plan(plan_id)
            .await?
            .into_iter()
            .filter(|c| c.withdrawn_at.is_none())
            .max_by_key(|c| c.signed_at)
            .ok_or_else(|| invalid("plan", IssueCode::Required))?;
        if !tx
            .withdraw_consent(latest.id, &actor.username, reason.as_deref(), now)
            .await?
        {
            return Err(invalid("plan", IssueCode::Required));
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "consent",
                entity_id: latest.id.to_string(),
                patient_id: Some(plan.patient_id),
                site_id: Some(plan.site_id),
                before: vec![("state", "valid".into())],
                after: vec![
                    ("state", "withdrawn".into()),
                    ("reason", reason.unwrap_or_default()),
                ],
            },
        )
        .await?;
        Ok(())
    }

    /// The stored PDF of a signed consent (for the plan's readers).
    pub async fn consent_document(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        consent_id: Uuid,
    ) -> Result<Vec<u8>> {
        let action = if actor.role == Role::Patient {
            Action::ViewOwnRecord
        } else {
            Action::ViewPlans
        };
        authorize(actor, action)?;
        let mut tx = self.begin().await?;
        let plan = self.plan_for(&mut tx, actor, plan_id).await?;
        let row = tx
            .consent(consent_id)
            .await
            .map_err(|_| AppError::NotFound)?;
        if row.plan_id != plan.id.as_uuid() {
            return Err(AppError::NotFound);
        }
        tx.consent_pdf(consent_id).await?.ok_or(AppError::NotFound)
    }
}
