//! The operator's names for quick-reply button payloads (shown on REPLY bubbles).

use inlet_core::store::{Organised as _, PayloadName};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

/// Every payload seen in a reply or named, named ones first.
#[tauri::command]
pub async fn payload_names(state: State<'_, AppState>) -> Result<Vec<PayloadName>, AppError> {
    let session = state.session().await?;
    session
        .readers
        .run(|conn| Ok(conn.core.payload_names()?))
        .await
}

/// Names a payload (a blank name removes it); returns the name as stored.
#[tauri::command]
pub async fn set_payload_name(
    state: State<'_, AppState>,
    payload: String,
    name: String,
) -> Result<Option<String>, AppError> {
    let session = state.session().await?;
    super::on_writer(session.store.clone(), move |store| {
        store.set_payload_name(&payload, &name, super::organise::now_ms())
    })
    .await
}
