//! Questionnaires: the shipped definitions (pain NRS, KOOS, Oswestry) and
//! their scoring, also offered to other systems as a service. Scoring reads
//! and keeps no patient data, so it is not audited.

use crate::{Actor, AppError, Result};
use cellpath_domain::questionnaire::{Definition, Scores, definitions, score};
use std::collections::BTreeMap;

impl crate::App {
    /// The questionnaires the clinic can give, in a stable order.
    pub fn questionnaires(&self, _actor: &Actor) -> Vec<Definition> {
        definitions()
    }

    /// Scores `answers` (item code → value) to the questionnaire `code`:
    /// every score, `None` where too few items were answered; every
    /// unknown item or answer out of range is refused at once, by item.
    pub fn score_questionnaire(
        &self,
        _actor: &Actor,
        code: &str,
        answers: &BTreeMap<String, i64>,
    ) -> Result<Scores> {
        let definition = Definition::by_code(code).ok_or(AppError::NotFound)?;
        score(&definition, answers).map_err(AppError::Invalid)
    }
}
