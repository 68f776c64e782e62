//! `/api/v1` for the session day and the lab: check-in, steps, records, the
//! bedside check, units and donor lots, the day board, site label settings.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
