//! Labels and the private note per contact. Every rule (names, colours, note length) is the
//! core's (`inlet_core::store::organise`); these commands only carry values across.

use inlet_core::StoreError;
use inlet_core::events::Event;
use inlet_core::store::{ContactNote, Label, Organised as _, Queries as _, Store};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Runs a change on the writer; then the chat lists reload (labels show on their rows).
async fn write<T: Send + 'static>(
    state: &AppState,
    changed: Vec<i64>,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AppError> {
    let session = state.session().await?;
    let value = super::on_writer(session.store.clone(), f).await?;
    session.announce(Event::ConversationsChanged {
        changed,
        removed: vec![],
    });
    Ok(value)
}

/// Every label, by name, with how many chats carry it.
#[tauri::command]
pub async fn labels(state: State<'_, AppState>) -> Result<Vec<Label>, AppError> {
    let session = state.session().await?;
    session.readers.run(|conn| Ok(conn.core.labels()?)).await
}

#[tauri::command]
pub async fn create_label(
    state: State<'_, AppState>,
    name: String,
    colour: String,
) -> Result<Label, AppError> {
    write(&state, vec![], move |s| {
        s.create_label(&name, &colour, now_ms())
    })
    .await
}

#[tauri::command]
pub async fn rename_label(
    state: State<'_, AppState>,
    label_id: i64,
    name: String,
) -> Result<(), AppError> {
    write(&state, vec![], move |s| s.rename_label(label_id, &name)).await
}

#[tauri::command]
pub async fn set_label_colour(
    state: State<'_, AppState>,
    label_id: i64,
    colour: String,
) -> Result<(), AppError> {
    write(&state, vec![], move |s| {
        s.set_label_colour(label_id, &colour)
    })
    .await
}

#[tauri::command]
pub async fn delete_label(state: State<'_, AppState>, label_id: i64) -> Result<(), AppError> {
    write(&state, vec![], move |s| s.delete_label(label_id)).await
}

#[tauri::command]
pub async fn assign_label(
    state: State<'_, AppState>,
    conversation_id: i64,
    label_id: i64,
) -> Result<(), AppError> {
    write(&state, vec![conversation_id], move |s| {
        s.assign_label(conversation_id, label_id, now_ms())
    })
    .await
}

#[tauri::command]
pub async fn unassign_label(
    state: State<'_, AppState>,
    conversation_id: i64,
    label_id: i64,
) -> Result<(), AppError> {
    write(&state, vec![conversation_id], move |s| {
        s.unassign_label(conversation_id, label_id)
    })
    .await
}

/// The note about the contact of this chat's current number, if any.
#[tauri::command]
pub async fn contact_note(
    state: State<'_, AppState>,
    conversation_id: i64,
) -> Result<Option<ContactNote>, AppError> {
    let session = state.session().await?;
    session
        .readers
        .run(move |conn| {
            let chat = conn
                .core
                .conversation(conversation_id)?
                .ok_or_else(|| AppError::NotFound(format!("conversation {conversation_id}")))?;
            Ok(conn.core.contact_note(&chat.customer_number)?)
        })
        .await
}

/// Sets (or, when blank, deletes) the note about the contact of this chat's current number.
/// The chat, not a number, comes from the UI, so a note always belongs to a real contact.
#[tauri::command]
pub async fn set_contact_note(
    state: State<'_, AppState>,
    conversation_id: i64,
    text: String,
) -> Result<Option<ContactNote>, AppError> {
    write(&state, vec![conversation_id], move |s| {
        let chat = s
            .conversation(conversation_id)?
            .ok_or_else(|| StoreError::NotFound(format!("conversation {conversation_id}")))?;
        s.set_contact_note(&chat.customer_number, &text, now_ms())
    })
    .await
}
