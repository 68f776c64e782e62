//! The audit trail's tamper evidence: each entry's hash covers its content
//! and the previous entry's hash, so an edited, deleted or reordered entry
//! breaks the chain at the first place it was touched.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The hash that the first entry chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    View,
    Create,
    Update,
    Delete,
    SignIn,
    SignInFailed,
    SignOut,
}

impl AuditAction {
    pub const ALL: [AuditAction; 7] = [
        AuditAction::View,
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Delete,
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::View => "view",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
        }
    }

    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// The content of one audit entry, everything the hash covers but the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// The acting user's id and name, empty for the system itself.
    pub user_id: String,
    pub username: String,
    pub role: String,
    pub site_id: String,
    pub action: String,
    /// The kind of record (`patient`, `medication`, `user`...).
    pub entity: String,
    pub entity_id: String,
    /// The patient the record belongs to, when it belongs to one.
    pub patient_id: String,
    /// Field values before and after a change, encoded by the store.
    pub before: String,
    pub after: String,
}

impl AuditRecord {
    /// The chain hash of this record at position `seq` after `prev_hash`.
    pub fn chain_hash(&self, seq: i64, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        let at = self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let seq = seq.to_string();
        let fields: [&str; 13] = [
            &seq,
            prev_hash,
            &at,
            &self.user_id,
            &self.username,
            &self.role,
            &self.site_id,
            &self.action,
            &self.entity,
            &self.entity_id,
            &self.patient_id,
            &self.before,
            &self.after,
        ];
        for field in fields {
            // Length-prefixed so that moving bytes between fields changes the hash.
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

/// A stored entry: its position, the hash it chains to, and its own hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    pub seq: i64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// Why the chain is broken at an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's content does not match its hash: it was edited.
    ContentChanged { seq: i64 },
    /// The entry does not chain to the one before it: an entry before it
    /// was deleted or the entries were reordered.
    LinkBroken { seq: i64 },
    /// A position is missing: entries were deleted.
    Gap { expected: i64, found: i64 },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::ContentChanged { seq } | ChainBreak::LinkBroken { seq } => *seq,
            ChainBreak::Gap { found, .. } => *found,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::ContentChanged { seq } => {
                write!(
                    f,
                    "entry {seq} does not match its hash (edited, or moved from another position)"
                )
            }
            ChainBreak::LinkBroken { seq } => {
                write!(
                    f,
                    "entry {seq} does not follow the entry before it (deleted or reordered)"
                )
            }
            ChainBreak::Gap { expected, found } => {
                write!(
                    f,
                    "entry {expected} is missing (next entry found is {found})"
                )
            }
        }
    }
}

/// Walks entries in stored order and checks each link, carrying the state
/// across calls so that a long log can be read in pages.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    /// Checks the next entry; the first break found is returned.
    pub fn next(&mut self, entry: &ChainedEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                expected: self.expected_seq,
                found: entry.seq,
            });
        }
        if entry.record.chain_hash(entry.seq, &entry.prev_hash) != entry.hash {
            return Err(ChainBreak::ContentChanged { seq: entry.seq });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(ChainBreak::LinkBroken { seq: entry.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = entry.hash.clone();
        self.checked += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: i64) -> AuditRecord {
        AuditRecord {
            at: DateTime::from_timestamp(1_700_000_000 + n, 0).expect("valid"),
            user_id: "u".into(),
            username: "nurse".into(),
            role: "nurse".into(),
            site_id: "s".into(),
            action: "view".into(),
            entity: "patient".into(),
            entity_id: format!("p{n}"),
            patient_id: format!("p{n}"),
            before: String::new(),
            after: String::new(),
        }
    }

    fn chain(n: i64) -> Vec<ChainedEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let rec = record(seq);
                let hash = rec.chain_hash(seq, &prev);
                let entry = ChainedEntry {
                    seq,
                    record: rec,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    fn verify(entries: &[ChainedEntry]) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::default();
        entries.iter().try_for_each(|e| v.next(e))
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(()));
    }

    #[test]
    fn edits_deletions_and_reorders_are_found_at_the_first_bad_entry() {
        let mut edited = chain(5);
        edited[2].record.after = "tampered".into();
        assert_eq!(verify(&edited), Err(ChainBreak::ContentChanged { seq: 3 }));

        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(
            verify(&deleted),
            Err(ChainBreak::Gap {
                expected: 2,
                found: 3
            })
        );

        let mut reordered = chain(5);
        // Swap the content of two entries but keep positions.
        let (a, b) = (reordered[1].clone(), reordered[2].clone());
        reordered[1] = ChainedEntry { seq: 2, ..b };
        reordered[2] = ChainedEntry { seq: 3, ..a };
        assert_eq!(verify(&reordered).map_err(|b| b.seq()), Err(2));
    }
}
