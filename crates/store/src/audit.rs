//! The append-only, hash-chained audit trail. Appends are serialised by the
//! `audit_head` row (PostgreSQL row lock; SQLite's single writer), so the
//! chain has one order whatever the concurrency.

use crate::{Result, StoreError, Tx, execute, fetch_all};
use cellpath_domain::audit::{AuditRecord, ChainBreak, ChainVerifier, ChainedEntry};
use chrono::{DateTime, Utc};

/// Encodes before/after field values as a JSON object, in the given order.
pub fn encode_fields(fields: &[(&str, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredAudit {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub user_id: String,
    pub username: String,
    pub role: String,
    pub site_id: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub patient_id: String,
    pub before_state: String,
    pub after_state: String,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredAudit {
    fn chained(&self) -> ChainedEntry {
        ChainedEntry {
            seq: self.seq,
            record: AuditRecord {
                at: self.at,
                user_id: self.user_id.clone(),
                username: self.username.clone(),
                role: self.role.clone(),
                site_id: self.site_id.clone(),
                action: self.action.clone(),
                entity: self.entity.clone(),
                entity_id: self.entity_id.clone(),
                patient_id: self.patient_id.clone(),
                before: self.before_state.clone(),
                after: self.after_state.clone(),
            },
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }
}

/// One page of the trail, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<StoredAudit>,
    pub has_more: bool,
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
}

const COLUMNS: &str = "seq, at, user_id, username, role, site_id, action, entity, entity_id, patient_id, \
     before_state, after_state, prev_hash, hash";

impl Tx {
    /// Appends an entry at the end of the chain and returns its position.
    pub async fn append_audit(&mut self, record: &AuditRecord) -> Result<i64> {
        let head = crate::fetch_optional!(
            self,
            Head,
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash"
        )?
        .ok_or_else(|| StoreError::Corrupt("audit head row is missing".into()))?;
        let hash = record.chain_hash(head.seq, &head.hash);
        execute!(
            self,
            "INSERT INTO audit_log (seq, at, user_id, username, role, site_id, action, entity, entity_id, \
             patient_id, before_state, after_state, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            head.seq,
            record.at,
            &record.user_id,
            &record.username,
            &record.role,
            &record.site_id,
            &record.action,
            &record.entity,
            &record.entity_id,
            &record.patient_id,
            &record.before,
            &record.after,
            &head.hash,
            &hash
        )?;
        execute!(self, "UPDATE audit_head SET hash = $1 WHERE id = 1", &hash)?;
        Ok(head.seq)
    }

    /// A page of the trail, newest first, optionally only one patient's entries.
    pub async fn audit_page(
        &mut self,
        patient_id: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<AuditPage> {
        let mut entries = match patient_id {
            Some(p) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM audit_log WHERE patient_id = $1 ORDER BY seq DESC LIMIT {} OFFSET {offset}",
                    limit + 1
                );
                fetch_all!(self, StoredAudit, sqlx::AssertSqlSafe(sql), p)?
            }
            None => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT {} OFFSET {offset}",
                    limit + 1
                );
                fetch_all!(self, StoredAudit, sqlx::AssertSqlSafe(sql))?
            }
        };
        let has_more = entries.len() as i64 > limit;
        entries.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(AuditPage { entries, has_more })
    }

    /// Walks the whole trail in stored order; `Ok(n)` when all `n` entries
    /// chain, else the first break.
    pub async fn verify_audit(&mut self) -> Result<std::result::Result<u64, ChainBreak>> {
        let mut verifier = ChainVerifier::default();
        let mut after: i64 = 0;
        loop {
            let sql =
                format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000");
            let batch = fetch_all!(self, StoredAudit, sqlx::AssertSqlSafe(sql), after)?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for entry in &batch {
                if let Err(broken) = verifier.next(&entry.chained()) {
                    return Ok(Err(broken));
                }
            }
        }
        // Deleting the newest entries leaves no gap: the head remembers the last position.
        let head =
            crate::fetch_optional!(self, Head, "SELECT seq, hash FROM audit_head WHERE id = 1")?
                .ok_or_else(|| StoreError::Corrupt("audit head row is missing".into()))?;
        if head.seq != after {
            return Ok(Err(ChainBreak::Gap {
                expected: after + 1,
                found: head.seq,
            }));
        }
        Ok(Ok(verifier.checked))
    }
}
