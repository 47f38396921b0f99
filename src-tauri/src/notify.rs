//! Native notifications for new messages, and the tray's unread count.
//!
//! Notifications are coalesced: at most one every [`MIN_GAP`], naming the chats that got
//! messages since the last one, and none while the window has focus (the operator is looking)
//! or for muted channels. Message text is untrusted and some Linux notification servers read
//! the body as markup, so angle brackets are swapped for look-alikes before it is shown.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use inlet_core::events::Event;
use inlet_core::store::{ConversationSummary, Queries as _};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt as _;

use crate::readers::Readers;
use crate::settings::NotificationSettings;
use crate::state::AppState;

/// Shortest time between two notifications.
const MIN_GAP: Duration = Duration::from_secs(5);
/// Longest text shown from a message.
const MAX_BODY_CHARS: usize = 160;
/// Messages stored this soon after the inbox opened are the backlog collected while the app
/// was closed, not news: they are in the list, but do not pop up one notification after another.
const QUIET_START: Duration = Duration::from_secs(15);
/// With test hooks on (`INLET_TEST_HOOKS=1`), tests may shorten [`QUIET_START`] to this many
/// milliseconds, so they need not wait 15 s before a message counts as news.
const QUIET_START_ENV: &str = "INLET_NOTIFY_QUIET_MS";

pub struct Notifier {
    app: AppHandle,
    readers: Arc<Readers>,
    pending: BTreeSet<i64>,
    messages: u32,
    last_sent: Option<Instant>,
    opened: Instant,
    quiet_start: Duration,
}

impl Notifier {
    pub fn new(app: AppHandle, readers: Arc<Readers>) -> Notifier {
        Notifier {
            app,
            readers,
            pending: BTreeSet::new(),
            messages: 0,
            last_sent: None,
            opened: Instant::now(),
            quiet_start: quiet_start(),
        }
    }

    /// Looks at one flushed batch of events. Called on every flush tick, with or without events,
    /// so a notification held back by [`MIN_GAP`] goes out once the gap has passed.
    pub fn observe(&mut self, events: &[Event]) {
        for event in events {
            match event {
                Event::MessagesAdded {
                    count,
                    conversation_ids,
                } => {
                    self.pending.extend(conversation_ids.iter().copied());
                    self.messages = self.messages.saturating_add(*count);
                }
                Event::Counts { counts } => crate::tray::show_unread(&self.app, counts.unread),
                _ => {}
            }
        }
        if self.opened.elapsed() < self.quiet_start {
            self.pending.clear();
            self.messages = 0;
            return;
        }
        let due = self.last_sent.is_none_or(|sent| sent.elapsed() >= MIN_GAP);
        if self.pending.is_empty() || !due {
            return;
        }
        let ids: Vec<i64> = std::mem::take(&mut self.pending).into_iter().collect();
        let messages = std::mem::take(&mut self.messages);
        self.last_sent = Some(Instant::now());
        if self.window_has_focus() {
            tracing::debug!("no notification: the window has focus");
            return;
        }
        let Some(settings) = self
            .app
            .try_state::<AppState>()
            .map(|state| state.settings().notifications)
        else {
            return;
        };
        if !settings.enabled {
            tracing::debug!("no notification: turned off in settings");
            return;
        }
        let app = self.app.clone();
        let readers = self.readers.clone();
        tauri::async_runtime::spawn(async move {
            let summaries = readers
                .run(move |conn| {
                    let mut found = Vec::new();
                    for id in ids {
                        found.extend(conn.core.conversation(id)?);
                    }
                    Ok(found)
                })
                .await;
            match summaries {
                Ok(summaries) => {
                    if let Some((title, body)) = compose(&summaries, messages, &settings) {
                        show(&app, &title, &body);
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "no notification: the chats could not be read")
                }
            }
        });
    }

    fn window_has_focus(&self) -> bool {
        self.app
            .get_webview_window("main")
            .and_then(|window| window.is_focused().ok())
            .unwrap_or(false)
    }
}

fn quiet_start() -> Duration {
    let hooks = std::env::var_os(crate::launch::TEST_HOOKS_ENV).is_some_and(|v| v == "1");
    hooks
        .then(|| std::env::var(QUIET_START_ENV).ok()?.parse().ok())
        .flatten()
        .map_or(QUIET_START, Duration::from_millis)
}

fn show(app: &AppHandle, title: &str, body: &str) {
    if let Err(error) = app.notification().builder().title(title).body(body).show() {
        // No notification server (e.g. a bare X session) is not worth more than a log line.
        tracing::debug!(%error, "the notification could not be shown");
    }
}

/// Title and body for new messages in `chats`, leaving out muted channels; `None` if nothing
/// is left to tell.
pub fn compose(
    chats: &[ConversationSummary],
    messages: u32,
    settings: &NotificationSettings,
) -> Option<(String, String)> {
    let chats: Vec<&ConversationSummary> = chats
        .iter()
        .filter(|c| settings.notifies(&c.channel_key))
        .collect();
    match chats.as_slice() {
        [] => None,
        [chat] => Some((
            plain(&chat_name(chat), 80),
            plain(
                chat.last_message_preview
                    .as_deref()
                    .unwrap_or("New message"),
                MAX_BODY_CHARS,
            ),
        )),
        [first, second, rest @ ..] => {
            let names = match rest.len() {
                0 => format!("{} and {}", chat_name(first), chat_name(second)),
                n => format!("{}, {} and {n} more", chat_name(first), chat_name(second)),
            };
            let title = if messages as usize >= chats.len() {
                format!("{messages} new messages")
            } else {
                "New messages".to_owned()
            };
            Some((title, plain(&names, MAX_BODY_CHARS)))
        }
    }
}

fn chat_name(chat: &ConversationSummary) -> String {
    chat.display_name
        .as_deref()
        .or(chat.name.as_deref())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map_or_else(|| format!("+{}", chat.customer_number), str::to_owned)
}

/// One line of at most `max` characters with no markup: `<` and `>` become `‹` and `›`.
fn plain(text: &str, max: usize) -> String {
    let mut out: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| match c {
            '<' => '‹',
            '>' => '›',
            other => other,
        })
        .take(max + 1)
        .collect();
    if out.chars().count() > max {
        out = out.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(id: i64, channel: &str, name: Option<&str>, preview: &str) -> ConversationSummary {
        ConversationSummary {
            id,
            channel_key: channel.into(),
            channel_id: None,
            waba_id: None,
            business_number: "351912000100".into(),
            customer_number: format!("55119888{id:04}"),
            customer_numbers: vec![],
            display_name: name.map(str::to_owned),
            name: None,
            last_message_id: Some(id),
            last_message_preview: Some(preview.into()),
            last_message_ms: Some(0),
            unread_count: 1,
            pinned: false,
            archived: false,
            label_ids: vec![],
        }
    }

    #[test]
    fn one_chat_shows_its_name_and_preview_without_markup() {
        let chats = [chat(
            1,
            "w",
            Some("<b>Maria</b>"),
            "Olá <img src=x onerror=alert(1)>",
        )];
        let (title, body) = compose(&chats, 1, &NotificationSettings::default()).unwrap();
        assert_eq!(title, "‹b›Maria‹/b›");
        assert_eq!(body, "Olá ‹img src=x onerror=alert(1)›");
    }

    #[test]
    fn several_chats_are_summarised_and_nameless_ones_show_their_number() {
        let chats = [
            chat(1, "w", Some("Maria"), "a"),
            chat(2, "w", None, "b"),
            chat(3, "w", Some("Li"), "c"),
            chat(4, "w", Some("Ana"), "d"),
        ];
        let (title, body) = compose(&chats, 7, &NotificationSettings::default()).unwrap();
        assert_eq!(title, "7 new messages");
        assert_eq!(body, "Maria, +551198880002 and 2 more");
    }

    #[test]
    fn muted_channels_and_disabled_notifications_stay_silent() {
        let chats = [
            chat(1, "muted", Some("Maria"), "a"),
            chat(2, "loud", Some("Li"), "b"),
        ];
        let settings = NotificationSettings {
            enabled: true,
            muted_channels: vec!["muted".into()],
        };
        let (title, _) = compose(&chats, 2, &settings).unwrap();
        assert_eq!(title, "Li");
        let only_muted = [chat(1, "muted", Some("Maria"), "a")];
        assert_eq!(compose(&only_muted, 1, &settings), None);
        let off = NotificationSettings {
            enabled: false,
            muted_channels: vec![],
        };
        assert_eq!(compose(&chats, 2, &off), None);
    }

    #[test]
    fn long_text_is_cut_to_one_line() {
        let text = "word\n".repeat(100);
        let cut = plain(&text, 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with('…') && !cut.contains('\n'));
    }
}
