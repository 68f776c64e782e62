//! The store contract on both engines: round trips, uniqueness, optimistic
//! concurrency, search keys, atomic counters, the audit chain, and the two
//! migration trees kept in step.

use cellpath_domain::audit::{AuditRecord, ChainBreak};
use cellpath_domain::patient::{Patient, RecordNumber, Sex};
use cellpath_domain::search::SearchQuery;
use cellpath_domain::{Locale, PatientId, SiteId};
use cellpath_store::{SiteRow, Store, StoreError};
use cellpath_test_support::{Backend, both_backends, raw_sql, store};
use chrono::NaiveDate;
use std::collections::BTreeSet;

async fn site(store: &Store, code: &str) -> SiteId {
    let row = SiteRow {
        id: SiteId::new().as_uuid(),
        code: code.into(),
        name: format!("{code} clinic"),
        record_prefix: code.into(),
        created_at: cellpath_store::now(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_site(&row).await.expect("site");
    tx.commit().await.expect("commit");
    SiteId::from_uuid(row.id)
}

fn patient(site_id: SiteId, record: &str, given: &str, family: &str, phone: &str) -> Patient {
    let now = cellpath_store::now();
    Patient {
        id: PatientId::new(),
        site_id,
        record_number: RecordNumber::parse("record_number", record).expect("record number"),
        given_name: given.into(),
        family_name: family.into(),
        other_script_name: None,
        date_of_birth: NaiveDate::from_ymd_opt(1970, 1, 2).expect("date"),
        sex: Sex::Female,
        phone: Some(phone.into()),
        email: None,
        address: None,
        preferred_language: Locale::Ar,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

async fn insert(store: &Store, p: &Patient) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    tx.insert_patient(p).await?;
    tx.commit().await
}

fn audit_record(n: usize) -> AuditRecord {
    AuditRecord {
        at: cellpath_store::now(),
        user_id: "u".into(),
        username: "tester".into(),
        role: "nurse".into(),
        site_id: String::new(),
        action: "view".into(),
        entity: "patient".into(),
        entity_id: format!("p{n}"),
        patient_id: format!("p{n}"),
        before: String::new(),
        after: format!("{{\"n\":\"{n}\"}}"),
    }
}

async fn append(store: &Store, n: usize) {
    let mut tx = store.begin().await.expect("begin");
    tx.append_audit(&audit_record(n)).await.expect("append");
    tx.commit().await.expect("commit");
}

async fn verify(store: &Store) -> Result<u64, ChainBreak> {
    let mut tx = store.begin().await.expect("begin");
    tx.verify_audit().await.expect("verify runs")
}

#[test]
fn migration_trees_have_the_same_files() {
    let (sqlite, postgres) = cellpath_store::migration_names();
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must be mirrored by file name"
    );
}

/// The two migrated schemas have the same tables, columns and nullability.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrated_schemas_match() {
    let Some(pg_backend) = Backend::postgres() else {
        return;
    };
    let (sqlite_store, sqlite_db) = store(&Backend::Sqlite).await;
    let (pg_store, pg_db) = store(&pg_backend).await;
    drop((sqlite_store, pg_store));

    use sqlx::{Connection, Row};
    let mut lite = sqlx::SqliteConnection::connect(&sqlite_db.url)
        .await
        .expect("sqlite");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut lite)
    .await
    .expect("tables");
    let mut sqlite_columns = BTreeSet::new();
    for table in &tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({table})")))
            .fetch_all(&mut lite)
            .await
            .expect("columns");
        for row in rows {
            let name: String = row.get("name");
            let not_null: i64 = row.get("notnull");
            let pk: i64 = row.get("pk");
            sqlite_columns.insert((table.clone(), name, not_null == 1 || pk > 0));
        }
    }
    let mut pg = sqlx::PgConnection::connect(&pg_db.url)
        .await
        .expect("postgres");
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, is_nullable::text AS n FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut pg)
    .await
    .expect("columns");
    let pg_columns: BTreeSet<(String, String, bool)> = rows
        .iter()
        .map(|r| (r.get("t"), r.get("c"), r.get::<String, _>("n") == "NO"))
        .collect();
    assert_eq!(
        sqlite_columns, pg_columns,
        "the SQLite and PostgreSQL schemas drifted apart"
    );
}

both_backends! {
    async fn a_patient_round_trips_exactly(backend: Backend) {
        let (store, _db) = store(&backend).await;
        let site_id = site(&store, "MAIN").await;
        let p = patient(site_id, "CP-1", "فاطمة", "الزهراء", "+971 50 123 4567");
        insert(&store, &p).await.expect("insert");
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(tx.patient(p.id).await.expect("read"), p);
        assert!(matches!(tx.patient(PatientId::new()).await, Err(StoreError::NotFound)));
    }

    async fn a_duplicate_record_number_is_refused_per_site(backend: Backend) {
        let (store, _db) = store(&backend).await;
        let main = site(&store, "MAIN").await;
        let north = site(&store, "NORTH").await;
        insert(&store, &patient(main, "CP-7", "A", "B", "123456")).await.expect("first");
        let again = insert(&store, &patient(main, "cp-7", "C", "D", "123456")).await;
        assert!(matches!(again, Err(StoreError::Duplicate { field: "record_number" })), "{again:?}");
        insert(&store, &patient(north, "CP-7", "E", "F", "123456")).await.expect("same number at another site");
    }

    async fn an_update_from_a_stale_version_is_a_conflict(backend: Backend) {
        let (store, _db) = store(&backend).await;
        let main = site(&store, "MAIN").await;
        let p = patient(main, "CP-2", "Sara", "Nasser", "123456");
        insert(&store, &p).await.expect("insert");
        let first = Patient { given_name: "Sarah".into(), version: 2, ..p.clone() };
        let mut tx = store.begin().await.expect("begin");
        tx.update_patient(&first, 1).await.expect("first edit");
        tx.commit().await.expect("commit");
        let second = Patient { family_name: "Nassar".into(), version: 2, ..p.clone() };
        let mut tx = store.begin().await.expect("begin");
        let result = tx.update_patient(&second, 1).await;
        assert!(matches!(result, Err(StoreError::Conflict { current_version: 2 })), "{result:?}");
        drop(tx);
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(tx.patient(p.id).await.expect("read").given_name, "Sarah");
    }

    async fn search_finds_by_folded_name_phone_record_and_birth_date_within_sites(backend: Backend) {
        let (store, _db) = store(&backend).await;
        let main = site(&store, "MAIN").await;
        let north = site(&store, "NORTH").await;
        let fatimah = patient(main, "CP-10", "فاطمة", "الزهراء", "+971 50 123 4567");
        let ahmed = patient(main, "CP-11", "أحمد", "Okafor", "+44 7700 900101");
        let elsewhere = patient(north, "NO-1", "فاطمة", "Other", "+971 50 999 9999");
        for p in [&fatimah, &ahmed, &elsewhere] {
            insert(&store, p).await.expect("insert");
        }
        let cases: &[(&str, &[&Patient])] = &[
            ("فاطمه", &[&fatimah]),
            ("احمد", &[&ahmed]),
            ("okaf", &[&ahmed]),
            ("الزهر", &[&fatimah]),
            ("cp-1", &[&fatimah, &ahmed]),
            ("4567", &[&fatimah]),
            ("1970-01-02", &[&fatimah, &ahmed]),
            ("nobody", &[]),
            ("50%", &[]),
        ];
        for (text, expected) in cases {
            let mut tx = store.begin().await.expect("begin");
            let found = tx.search_patients(&[main], &SearchQuery::parse(text), 50, 0).await.expect("search");
            let mut got: Vec<PatientId> = found.iter().map(|p| p.id).collect();
            let mut want: Vec<PatientId> = expected.iter().map(|p| p.id).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "search {text:?}");
        }
    }

    async fn counters_never_hand_out_a_number_twice(backend: Backend) {
        let (store, _db) = store(&backend).await;
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin().await.expect("begin");
                let n = tx.next_counter("site", "record_number").await.expect("next");
                tx.commit().await.expect("commit");
                n
            }));
        }
        let mut numbers = Vec::new();
        for task in tasks {
            numbers.push(task.await.expect("task"));
        }
        numbers.sort();
        assert_eq!(numbers, (1..=40).collect::<Vec<i64>>());
    }

    async fn concurrent_audit_appends_form_one_intact_chain(backend: Backend) {
        let (store, _db) = store(&backend).await;
        let mut tasks = Vec::new();
        for n in 0..30 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move { append(&store, n).await }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(verify(&store).await, Ok(30));
    }

    async fn an_edited_audit_entry_is_found(backend: Backend) {
        let (store, db) = store(&backend).await;
        for n in 0..5 {
            append(&store, n).await;
        }
        assert_eq!(raw_sql(&db.url, "UPDATE audit_log SET after_state = '{}' WHERE seq = 3").await, 1);
        assert_eq!(verify(&store).await, Err(ChainBreak::ContentChanged { seq: 3 }));
    }

    async fn a_deleted_audit_entry_is_found(backend: Backend) {
        let (store, db) = store(&backend).await;
        for n in 0..5 {
            append(&store, n).await;
        }
        raw_sql(&db.url, "DELETE FROM audit_log WHERE seq = 2").await;
        assert_eq!(verify(&store).await, Err(ChainBreak::Gap { expected: 2, found: 3 }));
        // Deleting the newest entry leaves no gap in the log, but the head remembers.
        let (store, db) = cellpath_test_support::store(&backend).await;
        for n in 0..3 {
            append(&store, n).await;
        }
        raw_sql(&db.url, "DELETE FROM audit_log WHERE seq = 3").await;
        assert_eq!(verify(&store).await, Err(ChainBreak::Gap { expected: 3, found: 3 }));
    }

    async fn reordered_audit_entries_are_found(backend: Backend) {
        let (store, db) = store(&backend).await;
        for n in 0..5 {
            append(&store, n).await;
        }
        // Swap positions 2 and 4, keeping every row's own content and hash.
        raw_sql(&db.url, "UPDATE audit_log SET seq = 100 WHERE seq = 2").await;
        raw_sql(&db.url, "UPDATE audit_log SET seq = 2 WHERE seq = 4").await;
        raw_sql(&db.url, "UPDATE audit_log SET seq = 4 WHERE seq = 100").await;
        let broken = verify(&store).await.expect_err("reordering is detected");
        assert_eq!(broken.seq(), 2, "{broken}");
    }
}
