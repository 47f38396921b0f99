//! First run and settings: the demo, the AccessKey (keychain only), the queue connection and
//! its test, and the operator's preferences.

use std::sync::Arc;

use chrono::Utc;
use inlet_core::secrets::{self, AccessKey, KeySource, SecretsError};
use inlet_mns::{CredentialProvider, MnsClient, MnsError, StaticCredentials};
use serde::Serialize;
use tauri::{AppHandle, State};
use ts_rs::TS;

use crate::error::AppError;
use crate::session::provider_for;
use crate::settings::{
    ConnectionSettings, InboxMode, MapSettings, MediaSettings, NotificationSettings, Settings,
    Theme,
};
use crate::state::{AppState, InboxState};

/// Where the AccessKey in use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyOrigin {
    Keychain,
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET`: these win over the keychain.
    Environment,
}

/// The AccessKey as the UI may see it: its ID, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CredentialsStatus {
    pub access_key_id: Option<String>,
    pub origin: Option<KeyOrigin>,
    /// The keychain could not be read, with what to do about it.
    pub problem: Option<String>,
}

/// Everything the UI needs to decide what to show at start and in Settings.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SetupState {
    pub inbox: InboxState,
    pub settings: Settings,
    pub credentials: CredentialsStatus,
    /// The settings file was damaged or unreadable at start.
    pub settings_problem: Option<String>,
    /// Whether the demo queue is running now (false once stopped, e.g. by a test).
    pub demo_queue_running: bool,
}

#[tauri::command]
pub async fn setup_state(state: State<'_, AppState>) -> Result<SetupState, AppError> {
    describe(&state).await
}

async fn describe(state: &AppState) -> Result<SetupState, AppError> {
    let demo_queue_running = match state.session().await {
        Ok(session) => session.demo_running().await,
        Err(_) => false,
    };
    Ok(SetupState {
        inbox: state.inbox_state().await,
        settings: state.settings(),
        credentials: read_credentials_status().await?,
        settings_problem: state.settings_problem.clone(),
        demo_queue_running,
    })
}

/// Opens the demo inbox (starting its local queue).
#[tauri::command]
pub async fn start_demo(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<SetupState, AppError> {
    state.open(&app, InboxMode::Demo).await?;
    describe(&state).await
}

/// Closes the open inbox and goes back to the welcome screen (its data stays on disk).
#[tauri::command]
pub async fn close_inbox(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<SetupState, AppError> {
    state.close(&app).await?;
    describe(&state).await
}

#[tauri::command]
pub async fn credentials_status() -> Result<CredentialsStatus, AppError> {
    read_credentials_status().await
}

async fn read_credentials_status() -> Result<CredentialsStatus, AppError> {
    let resolved = tauri::async_runtime::spawn_blocking(secrets::resolve).await?;
    Ok(match resolved {
        Ok((key, source)) => CredentialsStatus {
            access_key_id: Some(key.id),
            origin: Some(match source {
                KeySource::Keychain => KeyOrigin::Keychain,
                KeySource::Environment => KeyOrigin::Environment,
            }),
            problem: None,
        },
        Err(SecretsError::Missing) => CredentialsStatus {
            access_key_id: None,
            origin: None,
            problem: None,
        },
        Err(other) => CredentialsStatus {
            access_key_id: None,
            origin: None,
            problem: Some(other.to_string()),
        },
    })
}

/// An AccessKey as typed: both parts trimmed and required; the secret only ever goes to the
/// keychain or into a request signature.
fn typed_key(access_key_id: &str, access_key_secret: &str) -> Result<AccessKey, AppError> {
    let id = access_key_id.trim();
    let secret = access_key_secret.trim();
    if id.is_empty() || secret.is_empty() {
        return Err(AppError::Invalid(
            "enter both the AccessKey ID and the AccessKey Secret".into(),
        ));
    }
    if id.chars().any(char::is_whitespace) || secret.chars().any(char::is_whitespace) {
        return Err(AppError::Invalid(
            "an AccessKey has no spaces: copy it again from the Alibaba Cloud console".into(),
        ));
    }
    Ok(AccessKey {
        id: id.to_owned(),
        secret: secret.to_owned(),
        security_token: None,
    })
}

/// Puts a typed AccessKey into the OS keychain (and nowhere else).
async fn store_key(access_key_id: &str, access_key_secret: &str) -> Result<(), AppError> {
    let key = typed_key(access_key_id, access_key_secret)?;
    tauri::async_runtime::spawn_blocking(move || secrets::save_to_keychain(&key)).await??;
    Ok(())
}

async fn forget_key() -> Result<bool, AppError> {
    Ok(tauri::async_runtime::spawn_blocking(secrets::delete_from_keychain).await??)
}

/// Stores (or replaces) the AccessKey in the OS keychain and restarts syncing with it.
#[tauri::command]
pub async fn save_credentials(
    state: State<'_, AppState>,
    access_key_id: String,
    access_key_secret: String,
) -> Result<CredentialsStatus, AppError> {
    store_key(&access_key_id, &access_key_secret).await?;
    if state.settings().mode == InboxMode::Live {
        state.restart_sync().await?;
    }
    read_credentials_status().await
}

/// Removes the AccessKey from the keychain; the live inbox stays readable but stops syncing.
#[tauri::command]
pub async fn remove_credentials(state: State<'_, AppState>) -> Result<CredentialsStatus, AppError> {
    forget_key().await?;
    if state.settings().mode == InboxMode::Live {
        state.restart_sync().await?;
    }
    read_credentials_status().await
}

/// Saves the queue connection and opens (or restarts) the live inbox with it.
#[tauri::command]
pub async fn save_connection(
    app: AppHandle,
    state: State<'_, AppState>,
    connection: ConnectionSettings,
) -> Result<SetupState, AppError> {
    let connection = connection.validated()?;
    let previous_mode = state.settings().mode;
    state.update_settings(|s| s.connection = connection)?;
    if previous_mode == InboxMode::Live && state.session().await.is_ok() {
        state.restart_sync().await?;
    } else {
        state.open(&app, InboxMode::Live).await?;
    }
    describe(&state).await
}

/// One queue's answer to "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct QueueTest {
    pub queue: String,
    /// `None`: the queue answered. Otherwise the exact failure, as a sentence for the operator.
    pub error: Option<String>,
    /// Messages waiting to be collected.
    #[ts(type = "number | null")]
    pub waiting: Option<u64>,
    /// Messages received by a collector and not yet deleted.
    #[ts(type = "number | null")]
    pub in_flight: Option<u64>,
    /// When the temporary key from the token service expires.
    #[ts(type = "number | null")]
    pub token_expires_ms: Option<i64>,
}

/// Tries the connection without saving anything: fetches temporary keys from the token service
/// (when used) and reads each queue's attributes. With `access_key_id`/`access_key_secret`,
/// tests a key that is typed but not saved yet; otherwise the stored one.
#[tauri::command]
pub async fn test_connection(
    connection: ConnectionSettings,
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
) -> Result<Vec<QueueTest>, AppError> {
    let connection = connection.validated()?;
    let key = match (access_key_id, access_key_secret) {
        (Some(id), Some(secret)) if !id.trim().is_empty() || !secret.trim().is_empty() => {
            typed_key(&id, &secret)?
        }
        _ => {
            tauri::async_runtime::spawn_blocking(secrets::resolve)
                .await??
                .0
        }
    };
    let endpoints = connection.endpoints();
    let mut results = Vec::new();
    for queue in &connection.queues {
        let outcome = test_queue(
            &key,
            queue,
            &endpoints.mns,
            &endpoints.token,
            connection.use_token_service,
        )
        .await;
        results.push(match outcome {
            Ok(test) => test,
            Err(error) => QueueTest {
                queue: queue.clone(),
                error: Some(error.operator_message()),
                waiting: None,
                in_flight: None,
                token_expires_ms: None,
            },
        });
    }
    Ok(results)
}

async fn test_queue(
    key: &AccessKey,
    queue: &str,
    mns_endpoint: &str,
    token_endpoint: &str,
    use_token_service: bool,
) -> Result<QueueTest, MnsError> {
    let (provider, token_expires_ms): (Arc<dyn CredentialProvider>, Option<i64>) =
        if use_token_service {
            let mut config = inlet_mns::TokenConfig::new(queue);
            config.endpoint = token_endpoint.to_owned();
            let token = inlet_mns::ChatAppTokenProvider::new(&key.id, &key.secret, config)?
                .fetch()
                .await?;
            let expires = token.expires_at.timestamp_millis();
            (
                Arc::new(StaticCredentials::new(token.credentials)),
                Some(expires),
            )
        } else {
            (provider_for(key, queue, token_endpoint, false)?, None)
        };
    let attributes = MnsClient::new(mns_endpoint, provider)?
        .queue(queue)
        .attributes()
        .await?;
    Ok(QueueTest {
        queue: queue.to_owned(),
        error: None,
        waiting: Some(attributes.active_messages),
        in_flight: Some(attributes.inactive_messages),
        token_expires_ms: token_expires_ms.filter(|ms| *ms > Utc::now().timestamp_millis() - 1),
    })
}

/// The settings an operator changes in Settings besides the connection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, TS)]
#[ts(export)]
pub struct Preferences {
    pub media: MediaSettings,
    pub maps: MapSettings,
    pub theme: Theme,
    pub notifications: NotificationSettings,
}

impl Preferences {
    fn validated(mut self) -> Result<Self, AppError> {
        self.maps.tile_url = self.maps.tile_url.trim().to_owned();
        if self.maps.enabled {
            let url = &self.maps.tile_url;
            let placeholders = ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p));
            let probe = url
                .replace("{z}", "1")
                .replace("{x}", "0")
                .replace("{y}", "0");
            let web = url::Url::parse(&probe).is_ok_and(|u| matches!(u.scheme(), "https" | "http"));
            if !placeholders || !web {
                return Err(AppError::Invalid(format!(
                    "the tile server {url:?} must be an http(s) address with {{z}}, {{x}} and {{y}}"
                )));
            }
            if self.maps.attribution.trim().is_empty() {
                return Err(AppError::Invalid(
                    "say whose map tiles these are (the attribution the tile server requires)"
                        .into(),
                ));
            }
        }
        if self.media.size_cap_mb == 0 {
            return Err(AppError::Invalid(
                "the largest attachment must be at least 1 MB".into(),
            ));
        }
        Ok(self)
    }
}

/// Saves preferences; restarts the media keeper when what it does changed.
#[tauri::command]
pub async fn save_preferences(
    state: State<'_, AppState>,
    preferences: Preferences,
) -> Result<Settings, AppError> {
    let p = preferences.validated()?;
    let before = state.settings();
    let after = state.update_settings(|s| {
        s.media = p.media;
        s.maps = p.maps;
        s.theme = p.theme;
        s.notifications = p.notifications;
    })?;
    if before.media != after.media || before.maps != after.maps {
        state.restart_sync().await?;
    }
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_keys_are_trimmed_and_need_both_parts() {
        let key = typed_key("  LTAI5tExample ", "\tsecret\n").unwrap();
        assert_eq!(
            (key.id.as_str(), key.secret.as_str()),
            ("LTAI5tExample", "secret")
        );
        assert!(matches!(typed_key("LTAI", " "), Err(AppError::Invalid(_))));
        assert!(matches!(typed_key("LT AI", "s"), Err(AppError::Invalid(_))));
    }

    fn prefs(tile_url: &str) -> Preferences {
        Preferences {
            media: MediaSettings::default(),
            maps: MapSettings {
                tile_url: tile_url.into(),
                ..MapSettings::default()
            },
            theme: Theme::Dark,
            notifications: NotificationSettings::default(),
        }
    }

    #[test]
    fn tile_servers_need_placeholders_and_a_web_address() {
        assert!(
            prefs(" https://tiles.example.com/{z}/{x}/{y}.png ")
                .validated()
                .is_ok()
        );
        assert!(
            prefs("https://tiles.example.com/{z}/{x}.png")
                .validated()
                .is_err()
        );
        assert!(prefs("file:///{z}/{x}/{y}.png").validated().is_err());
        let mut off = prefs("");
        off.maps.enabled = false;
        assert!(
            off.validated().is_ok(),
            "no tile server is needed when maps are off"
        );
    }

    fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    /// Against a real Secret Service: `scripts/test` runs tests named `keychain` under
    /// `dbus-run-session` with an unlocked throw-away gnome-keyring.
    #[tokio::test]
    #[ignore = "needs a Secret Service session; scripts/test runs it under dbus-run-session"]
    async fn keychain_credentials_saved_through_the_app_stay_out_of_its_files() {
        let data = tempfile::tempdir().unwrap();
        let secret = format!("inlet-app-secret-{}", std::process::id());
        // Everything the app writes beside the key: live settings and a store with a message.
        let mut settings = Settings {
            mode: InboxMode::Live,
            ..Settings::default()
        };
        settings.connection.queues = vec!["Alicom-Queue-1-ChatAppInbound".into()];
        settings.save(data.path()).unwrap();
        let mut store = inlet_core::store::Store::open(data.path().join("inlet.sqlite3")).unwrap();
        let body = br#"{"MessageId":"m1","From":"1","Type":"TEXT","Message":"hi"}"#.to_vec();
        store
            .ingest(
                &[inlet_core::store::Incoming::decode("q1".into(), body, 1)],
                1,
            )
            .unwrap();
        drop(store);

        store_key(" LTAI5tAppTest ", &format!(" {secret} "))
            .await
            .unwrap();
        let status = read_credentials_status().await.unwrap();
        assert_eq!(status.access_key_id.as_deref(), Some("LTAI5tAppTest"));
        assert_eq!(status.origin, Some(KeyOrigin::Keychain));
        let (stored, _) = secrets::resolve().unwrap();
        assert_eq!(
            stored.secret, secret,
            "the keychain holds the trimmed secret"
        );
        let shown = serde_json::to_string(&status).unwrap();
        assert!(
            !shown.contains(&secret),
            "the UI never receives the secret: {shown}"
        );
        for file in files_under(data.path()) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the secret is in {}",
                file.display()
            );
        }

        assert!(forget_key().await.unwrap());
        assert_eq!(read_credentials_status().await.unwrap().access_key_id, None);
    }

    /// Against the real local queue: a good key passes, a wrong secret gets the operator
    /// sentence from the token service, not a generic failure.
    #[tokio::test]
    async fn connection_test_reports_queue_figures_or_the_exact_failure() {
        let queue = "Alicom-Queue-1234567890123456-ChatAppInbound";
        let mut config = inlet_sim::SimConfig::new("LTAI5tGood", "good-secret");
        config.queues.push(queue.into());
        let sim = inlet_sim::Sim::start(config).await.unwrap();
        sim.send_chatapp(
            queue,
            r#"{"MessageId":"m1","From":"1","Type":"TEXT","Message":"hi"}"#,
        )
        .unwrap();
        let connection = ConnectionSettings {
            queues: vec![queue.into()],
            site: crate::settings::Site::Custom,
            mns_endpoint: sim.endpoint(),
            token_endpoint: sim.endpoint(),
            use_token_service: true,
        };
        let ok = test_connection(
            connection.clone(),
            Some("LTAI5tGood".into()),
            Some("good-secret".into()),
        )
        .await
        .unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].error, None);
        assert_eq!(ok[0].waiting, Some(1));
        assert!(ok[0].token_expires_ms.is_some());

        let bad = test_connection(connection, Some("LTAI5tGood".into()), Some("wrong".into()))
            .await
            .unwrap();
        let message = bad[0].error.clone().expect("a wrong secret fails");
        assert!(message.contains("LTAI5tGood"), "names the key: {message}");
        sim.shutdown().await;
    }
}
