//! Two read queries the chat list needs that `inlet_core::Queries` does not offer (yet): how many
//! conversations a filter matches (the virtualised list sizes its scroll area with it instead of
//! loading 100,000 rows), and the channels for the filter bar. They belong in the core; they are
//! here, read-only and small, until it has them.

use inlet_core::StoreError;
use inlet_core::store::ConversationFilter;
use rusqlite::{Connection, params};
use serde::Serialize;
use ts_rs::TS;

/// One ChatApp channel / WhatsApp Business Account, for the chat list's filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ChannelSummary {
    /// WabaId, or else CustSpaceId: what `ConversationFilter::channel` takes.
    pub channel_key: String,
    pub channel_id: Option<String>,
    pub waba_id: Option<String>,
    /// The business numbers customers wrote to on this channel.
    pub business_numbers: Vec<String>,
    pub conversations: u32,
    pub unread: u32,
}

/// How many conversations `filter` matches, ignoring its `limit` and `offset`.
pub fn conversation_count(
    conn: &Connection,
    filter: &ConversationFilter,
) -> Result<u32, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM conversations c
             WHERE (?1 = 0 OR c.unread_count > 0)
               AND (?2 IS NULL OR c.channel_key = ?2)
               AND (?3 IS NULL OR c.archived = ?3)
               AND (?4 IS NULL OR EXISTS (SELECT 1 FROM conversation_labels cl
                                          WHERE cl.conversation_id = c.id AND cl.label_id = ?4))",
        )?
        .query_row(
            params![
                filter.unread_only,
                filter.channel,
                filter.archived,
                filter.label
            ],
            |r| r.get(0),
        )?)
}

/// Every channel that has conversations, by channel key.
pub fn channels(conn: &Connection) -> Result<Vec<ChannelSummary>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT channel_key, max(channel_id), max(waba_id),
                    group_concat(DISTINCT business_number), count(*),
                    coalesce(sum(unread_count), 0)
             FROM conversations GROUP BY channel_key ORDER BY channel_key",
        )?
        .query_map([], |r| {
            let numbers: Option<String> = r.get(3)?;
            Ok(ChannelSummary {
                channel_key: r.get(0)?,
                channel_id: r.get(1)?,
                waba_id: r.get(2)?,
                business_numbers: numbers
                    .map(|n| {
                        n.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                conversations: r.get(4)?,
                unread: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use inlet_core::store::{Incoming, Queries, Store};

    fn mo(waba: &str, from: &str, id: &str) -> Vec<u8> {
        format!(
            r#"{{"MessageId":"{id}","WabaId":"{waba}","CustSpaceId":"cams-1","From":"{from}",
                "To":"351912000100","Timestamp":1700000000000,"Type":"TEXT","Message":"hi"}}"#
        )
        .into_bytes()
    }

    fn store_with(messages: &[(&str, &str, &str)]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("inlet.sqlite3")).unwrap();
        let incoming: Vec<Incoming> = messages
            .iter()
            .enumerate()
            .map(|(i, (waba, from, id))| Incoming::decode(format!("q{i}"), mo(waba, from, id), 1))
            .collect();
        store.ingest(&incoming, 1_700_000_000_000).unwrap();
        (dir, store)
    }

    fn raw(store: &Store) -> Connection {
        Connection::open_with_flags(store.path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
    }

    #[test]
    fn count_agrees_with_the_core_listing_for_every_filter() {
        let (_dir, mut store) = store_with(&[
            ("waba-a", "111", "m1"),
            ("waba-a", "222", "m2"),
            ("waba-b", "333", "m3"),
        ]);
        let first = store.conversations(&ConversationFilter::default()).unwrap()[0].id;
        store.mark_read(first).unwrap();
        store.set_archived(first, true).unwrap();
        let label = store.create_label("VIP", "#ff0000", 1).unwrap();
        store.assign_label(first, label.id, 1).unwrap();
        let conn = raw(&store);
        let filters = [
            ConversationFilter::default(),
            ConversationFilter {
                unread_only: true,
                ..Default::default()
            },
            ConversationFilter {
                channel: Some("waba-a".into()),
                ..Default::default()
            },
            ConversationFilter {
                archived: Some(false),
                ..Default::default()
            },
            ConversationFilter {
                label: Some(label.id),
                ..Default::default()
            },
            ConversationFilter {
                label: Some(label.id + 1),
                ..Default::default()
            },
            ConversationFilter {
                archived: Some(true),
                limit: Some(1),
                offset: 5,
                ..Default::default()
            },
        ];
        for filter in filters {
            let listed = store
                .conversations(&ConversationFilter {
                    limit: None,
                    offset: 0,
                    ..filter.clone()
                })
                .unwrap()
                .len();
            assert_eq!(
                conversation_count(&conn, &filter).unwrap() as usize,
                listed,
                "{filter:?}"
            );
        }
    }

    #[test]
    fn channels_group_conversations_with_their_unread_counts() {
        let (_dir, store) = store_with(&[
            ("waba-a", "111", "m1"),
            ("waba-a", "222", "m2"),
            ("waba-a", "222", "m3"),
            ("waba-b", "333", "m4"),
        ]);
        let found = channels(&raw(&store)).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].channel_key, "waba-a");
        assert_eq!(found[0].conversations, 2);
        assert_eq!(found[0].unread, 3);
        assert_eq!(found[0].business_numbers, vec!["351912000100".to_string()]);
        assert_eq!(found[1].waba_id.as_deref(), Some("waba-b"));
        assert_eq!(found[1].channel_id.as_deref(), Some("cams-1"));
    }
}
