//! Pages of the session day at the bedside: check-in, steps, records, the bedside check, labels, discharge.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
