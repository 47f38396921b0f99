//! The inbox: chat list, timelines, status-bar figures, quarantine, search, and the operator's
//! marks (read, pinned, archived).

use inlet_core::events::Event;
use inlet_core::media::{LocationMap, MediaItem, location_map, media_of_message};
use inlet_core::search::{SearchPage, SearchQuery};
use inlet_core::store::{
    ConversationFilter, ConversationSummary, Counts, QuarantineItem, Queries as _, Search as _,
    Store, TimelineMessage,
};
use inlet_core::{Content, StoreError};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::error::AppError;
use crate::queries::{self, ChannelSummary};
use crate::readers::ReadConn;
use crate::state::AppState;
use crate::status::SyncStatus;

/// Messages per timeline page when the UI does not say.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;
/// Conversations per chat-list page at most (the list asks for what is on screen).
const MAX_LIST_PAGE: u32 = 1000;

/// A window of the chat list and how many conversations the filter matches in all.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConversationPage {
    pub total: u32,
    pub offset: u32,
    pub items: Vec<ConversationSummary>,
}

#[tauri::command]
pub async fn list_conversations(
    state: State<'_, AppState>,
    filter: ConversationFilter,
) -> Result<ConversationPage, AppError> {
    let filter = ConversationFilter {
        limit: Some(filter.limit.unwrap_or(200).min(MAX_LIST_PAGE)),
        ..filter
    };
    let session = state.session().await?;
    session
        .readers
        .run(move |conn| {
            // Two connections, so a commit may land in between: the next event reloads both.
            let total = queries::conversation_count(&conn.raw, &filter)?;
            let items = conn.core.conversations(&filter)?;
            Ok(ConversationPage {
                total,
                offset: filter.offset,
                items,
            })
        })
        .await
}

#[tauri::command]
pub async fn channels(state: State<'_, AppState>) -> Result<Vec<ChannelSummary>, AppError> {
    let session = state.session().await?;
    session
        .readers
        .run(|conn| Ok(queries::channels(&conn.raw)?))
        .await
}

#[tauri::command]
pub async fn conversation(
    state: State<'_, AppState>,
    conversation_id: i64,
) -> Result<Option<ConversationSummary>, AppError> {
    let session = state.session().await?;
    session
        .readers
        .run(move |conn| Ok(conn.core.conversation(conversation_id)?))
        .await
}

/// Where a timeline page ends: pass the first message's `(timestamp_ms, id)` to page back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelineCursor {
    #[ts(type = "number")]
    pub timestamp_ms: i64,
    #[ts(type = "number")]
    pub id: i64,
}

/// Messages of one conversation, oldest first, with the details their bubbles need.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TimelinePage {
    pub messages: Vec<TimelineMessage>,
    /// The attachments of these messages, with progress and retry times.
    pub media: Vec<MediaItem>,
    /// The offline maps of these messages' locations.
    pub maps: Vec<LocationMap>,
    /// What must be shown under maps.
    pub map_attribution: String,
    pub has_older: bool,
    pub has_newer: bool,
    /// Opened at a message (a search hit): its index in `messages`.
    pub target_index: Option<u32>,
}

#[tauri::command]
pub async fn timeline(
    state: State<'_, AppState>,
    conversation_id: i64,
    before: Option<TimelineCursor>,
    limit: Option<u32>,
) -> Result<TimelinePage, AppError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let session = state.session().await?;
    let attribution = session.map_attribution();
    session
        .readers
        .run(move |conn| {
            let messages = conn.core.timeline(
                conversation_id,
                before.map(|c| (c.timestamp_ms, c.id)),
                limit,
            )?;
            let has_older = messages.len() == limit as usize;
            page(conn, messages, attribution, has_older, false, None)
        })
        .await
}

/// A conversation opened at message `rowid` (e.g. a search hit), with context on both sides.
#[tauri::command]
pub async fn timeline_around(
    state: State<'_, AppState>,
    conversation_id: i64,
    rowid: i64,
) -> Result<TimelinePage, AppError> {
    let session = state.session().await?;
    let attribution = session.map_attribution();
    session
        .readers
        .run(move |conn| {
            let around = conn.core.timeline_around(conversation_id, rowid, 30, 30)?;
            page(
                conn,
                around.messages,
                attribution,
                around.has_older,
                around.has_newer,
                Some(around.target_index),
            )
        })
        .await
}

fn page(
    conn: &ReadConn,
    messages: Vec<TimelineMessage>,
    map_attribution: String,
    has_older: bool,
    has_newer: bool,
    target_index: Option<u32>,
) -> Result<TimelinePage, AppError> {
    let mut media = Vec::new();
    let mut maps = Vec::new();
    for message in &messages {
        if message.media.is_some() {
            media.extend(media_of_message(&conn.core, message.id)?);
        }
        if matches!(message.content, Content::Location { .. }) {
            maps.extend(location_map(&conn.core, message.id)?);
        }
    }
    Ok(TimelinePage {
        messages,
        media,
        maps,
        map_attribution,
        has_older,
        has_newer,
        target_index,
    })
}

/// Runs a change on the writer, then tells every view (and the tray) what changed.
async fn change(
    state: &AppState,
    conversation_id: i64,
    f: impl FnOnce(&mut Store) -> Result<(), StoreError> + Send + 'static,
) -> Result<(), AppError> {
    let session = state.session().await?;
    let counts = super::on_writer(session.store.clone(), move |store| {
        f(store)?;
        store.counts()
    })
    .await?;
    session.announce(Event::ConversationsChanged {
        changed: vec![conversation_id],
        removed: vec![],
    });
    session.announce(Event::Counts { counts });
    Ok(())
}

#[tauri::command]
pub async fn mark_read(state: State<'_, AppState>, conversation_id: i64) -> Result<(), AppError> {
    change(&state, conversation_id, move |s| {
        s.mark_read(conversation_id)
    })
    .await
}

#[tauri::command]
pub async fn mark_unread(state: State<'_, AppState>, conversation_id: i64) -> Result<(), AppError> {
    change(&state, conversation_id, move |s| {
        s.mark_unread(conversation_id)
    })
    .await
}

#[tauri::command]
pub async fn set_pinned(
    state: State<'_, AppState>,
    conversation_id: i64,
    pinned: bool,
) -> Result<(), AppError> {
    change(&state, conversation_id, move |s| {
        s.set_pinned(conversation_id, pinned)
    })
    .await
}

#[tauri::command]
pub async fn set_archived(
    state: State<'_, AppState>,
    conversation_id: i64,
    archived: bool,
) -> Result<(), AppError> {
    change(&state, conversation_id, move |s| {
        s.set_archived(conversation_id, archived)
    })
    .await
}

#[tauri::command]
pub async fn counts(state: State<'_, AppState>) -> Result<Counts, AppError> {
    let session = state.session().await?;
    session.readers.run(|conn| Ok(conn.core.counts()?)).await
}

/// The link to the queue(s), the last sync and the current problem (the status bar).
#[tauri::command]
pub async fn connectivity(state: State<'_, AppState>) -> Result<SyncStatus, AppError> {
    Ok(state.session().await?.status.snapshot())
}

#[tauri::command]
pub async fn list_quarantine(state: State<'_, AppState>) -> Result<Vec<QuarantineItem>, AppError> {
    let session = state.session().await?;
    session
        .readers
        .run(|conn| Ok(conn.core.list_quarantine()?))
        .await
}

#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: SearchQuery,
) -> Result<SearchPage, AppError> {
    let session = state.session().await?;
    session
        .readers
        .run(move |conn| Ok(conn.core.search(&query)?))
        .await
}
