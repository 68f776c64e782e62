//! Patient records: insert, read, optimistic update, and search by the
//! folded name key, phone digits, record number or date of birth.

use crate::{Result, StoreError, Tx, execute, fetch_optional, unique_as};
use cellpath_domain::patient::{Patient, RecordNumber, Sex};
use cellpath_domain::search::{SearchQuery, like_escape};
use cellpath_domain::{Locale, PatientId, SiteId};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

#[derive(Debug, sqlx::FromRow)]
struct PatientRow {
    id: Uuid,
    site_id: Uuid,
    record_number: String,
    given_name: String,
    family_name: String,
    other_script_name: Option<String>,
    date_of_birth: NaiveDate,
    sex: String,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    preferred_language: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, site_id, record_number, given_name, family_name, other_script_name, date_of_birth, \
     sex, phone, email, address, preferred_language, version, created_at, updated_at";

impl TryFrom<PatientRow> for Patient {
    type Error = StoreError;

    fn try_from(row: PatientRow) -> Result<Patient> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("patient {}: {what}", row.id));
        Ok(Patient {
            id: PatientId::from_uuid(row.id),
            site_id: SiteId::from_uuid(row.site_id),
            record_number: RecordNumber::parse("record_number", &row.record_number)
                .map_err(|_| corrupt("record number"))?,
            given_name: row.given_name,
            family_name: row.family_name,
            other_script_name: row.other_script_name,
            date_of_birth: row.date_of_birth,
            sex: Sex::parse("sex", &row.sex).map_err(|_| corrupt("sex"))?,
            phone: row.phone,
            email: row.email,
            address: row.address,
            preferred_language: Locale::parse(&row.preferred_language)
                .ok_or_else(|| corrupt("language"))?,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A value bound into a query built at run time.
enum Param {
    Uuid(Uuid),
    Text(String),
    Date(NaiveDate),
}

fn phone_key(patient: &Patient) -> String {
    cellpath_domain::search::phone_key(patient.phone.as_deref().unwrap_or_default())
}

impl Tx {
    pub async fn insert_patient(&mut self, p: &Patient) -> Result<()> {
        execute!(
            self,
            "INSERT INTO patients (id, site_id, record_number, given_name, family_name, other_script_name, \
             date_of_birth, sex, phone, email, address, preferred_language, name_key, phone_key, version, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            p.id.as_uuid(),
            p.site_id.as_uuid(),
            p.record_number.as_str(),
            &p.given_name,
            &p.family_name,
            &p.other_script_name,
            p.date_of_birth,
            p.sex.code(),
            &p.phone,
            &p.email,
            &p.address,
            p.preferred_language.code(),
            p.name_key(),
            phone_key(p),
            p.version,
            p.created_at,
            p.updated_at
        )
        .map_err(unique_as("record_number"))?;
        Ok(())
    }

    pub async fn patient(&mut self, id: PatientId) -> Result<Patient> {
        let sql = format!("SELECT {COLUMNS} FROM patients WHERE id = $1");
        fetch_optional!(self, PatientRow, sqlx::AssertSqlSafe(sql), id.as_uuid())?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// Writes `p` over the stored record if it is still at `expected_version`;
    /// `p.version` must be the next version.
    pub async fn update_patient(&mut self, p: &Patient, expected_version: i64) -> Result<()> {
        let changed = execute!(
            self,
            "UPDATE patients SET record_number = $3, given_name = $4, family_name = $5, other_script_name = $6, \
             date_of_birth = $7, sex = $8, phone = $9, email = $10, address = $11, preferred_language = $12, \
             name_key = $13, phone_key = $14, version = $15, updated_at = $16 \
             WHERE id = $1 AND version = $2",
            p.id.as_uuid(),
            expected_version,
            p.record_number.as_str(),
            &p.given_name,
            &p.family_name,
            &p.other_script_name,
            p.date_of_birth,
            p.sex.code(),
            &p.phone,
            &p.email,
            &p.address,
            p.preferred_language.code(),
            p.name_key(),
            phone_key(p),
            p.version,
            p.updated_at
        )
        .map_err(unique_as("record_number"))?;
        if changed == 0 {
            let current = self.patient(p.id).await?;
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        Ok(())
    }

    /// Patients of `sites` matching `query`, by name, at most `limit` from `offset`.
    pub async fn search_patients(
        &mut self,
        sites: &[SiteId],
        query: &SearchQuery,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Patient>> {
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let mut params: Vec<Param> = sites.iter().map(|s| Param::Uuid(s.as_uuid())).collect();
        let placeholders: Vec<String> = (1..=sites.len()).map(|i| format!("${i}")).collect();
        let mut sql = format!(
            "SELECT {COLUMNS} FROM patients WHERE site_id IN ({})",
            placeholders.join(", ")
        );
        let next = |params: &mut Vec<Param>, p: Param| {
            params.push(p);
            format!("${}", params.len())
        };
        match query {
            SearchQuery::All => {}
            SearchQuery::BirthDate(date) => {
                let p = next(&mut params, Param::Date(*date));
                sql.push_str(&format!(" AND date_of_birth = {p}"));
            }
            SearchQuery::Number { digits, record } => {
                // Phone numbers are found by any run of their digits (people
                // type them with or without the country code).
                let phone = next(
                    &mut params,
                    Param::Text(format!("%{}%", like_escape(digits))),
                );
                let rec = next(
                    &mut params,
                    Param::Text(format!("{}%", like_escape(record))),
                );
                sql.push_str(&format!(
                    " AND (phone_key LIKE {phone} ESCAPE '\\' OR record_number LIKE {rec} ESCAPE '\\')"
                ));
            }
            SearchQuery::Text { words, record } => {
                let mut name_terms = Vec::new();
                for word in words {
                    let p = next(
                        &mut params,
                        Param::Text(format!("% {}%", like_escape(word))),
                    );
                    name_terms.push(format!("name_key LIKE {p} ESCAPE '\\'"));
                }
                let rec = next(
                    &mut params,
                    Param::Text(format!("{}%", like_escape(record))),
                );
                sql.push_str(&format!(
                    " AND (({}) OR record_number LIKE {rec} ESCAPE '\\')",
                    name_terms.join(" AND ")
                ));
            }
        }
        sql.push_str(&format!(
            " ORDER BY family_name, given_name, id LIMIT {limit} OFFSET {offset}"
        ));
        let rows: Vec<PatientRow> = crate::on_tx!(self, |conn| {
            let mut q = sqlx::query_as::<_, PatientRow>(sqlx::AssertSqlSafe(sql));
            for p in &params {
                q = match p {
                    Param::Uuid(u) => q.bind(*u),
                    Param::Text(t) => q.bind(t.clone()),
                    Param::Date(d) => q.bind(*d),
                };
            }
            q.fetch_all(conn).await
        })?;
        rows.into_iter().map(Patient::try_from).collect()
    }
}
