//! Pages of the lab and the day board: receiving by scan, processing, quality control, release, donor lots.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
