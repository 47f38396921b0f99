//! The operator's settings: everything except the AccessKey, as JSON in `<data dir>/settings.json`.
//!
//! The AccessKey secret never comes here: it lives in the OS keychain (`inlet_core::secrets`),
//! and nothing in this struct can hold it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use inlet_core::media::{DEFAULT_SIZE_CAP, OSM_ATTRIBUTION, OSM_TILE_URL, TileConfig};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::AppError;

pub const FILE_NAME: &str = "settings.json";

/// Which inbox the app opens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum InboxMode {
    /// First run: the welcome screen.
    #[default]
    None,
    /// The demo inbox fed by the embedded local queue.
    Demo,
    /// The operator's own ChatApp queue(s).
    Live,
}

/// Which Alibaba Cloud site the account is on; picks the endpoints unless `Custom`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Site {
    /// China site (cn-hangzhou).
    #[default]
    China,
    /// International site (ap-southeast-1, Singapore).
    International,
    /// Endpoints typed by the operator (e.g. `inlet sim` on this computer).
    Custom,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct ConnectionSettings {
    /// `Alicom-Queue-<AliUid>-ChatAppInbound`, one per Alibaba Cloud account whose messages
    /// this inbox collects.
    pub queues: Vec<String>,
    pub site: Site,
    /// Used when `site` is `Custom`.
    pub mns_endpoint: String,
    /// Used when `site` is `Custom`.
    pub token_endpoint: String,
    /// Get temporary queue keys through `QueryTokenForMnsQueue` (the ChatApp way). Off: sign
    /// queue requests with the AccessKey itself (a queue in the operator's own account).
    pub use_token_service: bool,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            queues: Vec::new(),
            site: Site::China,
            mns_endpoint: inlet_mns::DEFAULT_MNS_ENDPOINT.to_owned(),
            token_endpoint: inlet_mns::DEFAULT_TOKEN_ENDPOINT.to_owned(),
            use_token_service: true,
        }
    }
}

/// The endpoints a [`ConnectionSettings`] resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub mns: String,
    pub token: String,
}

impl ConnectionSettings {
    pub fn endpoints(&self) -> Endpoints {
        match self.site {
            Site::China => Endpoints {
                mns: inlet_mns::DEFAULT_MNS_ENDPOINT.to_owned(),
                token: inlet_mns::DEFAULT_TOKEN_ENDPOINT.to_owned(),
            },
            Site::International => Endpoints {
                mns: inlet_mns::INTL_MNS_ENDPOINT.to_owned(),
                token: inlet_mns::INTL_TOKEN_ENDPOINT.to_owned(),
            },
            Site::Custom => Endpoints {
                mns: self.mns_endpoint.trim().to_owned(),
                token: self.token_endpoint.trim().to_owned(),
            },
        }
    }

    /// Trims the queue names, drops empty ones and duplicates, and checks what can be checked
    /// without a network: at least one queue, and endpoints that are HTTPS (or HTTP to this
    /// computer, for a local queue).
    pub fn validated(mut self) -> Result<Self, AppError> {
        let mut queues: Vec<String> = Vec::new();
        for queue in self.queues.iter().map(|q| q.trim()) {
            if !queue.is_empty() && !queues.iter().any(|known| known == queue) {
                queues.push(queue.to_owned());
            }
        }
        if queues.is_empty() {
            return Err(AppError::Invalid(
                "enter the queue name, e.g. Alicom-Queue-1234567890123456-ChatAppInbound".into(),
            ));
        }
        if let Some(bad) = queues.iter().find(|q| !valid_queue_name(q)) {
            return Err(AppError::Invalid(format!(
                "{bad:?} is not a queue name: use letters, digits and hyphens, \
                 starting with a letter (at most 256 characters)"
            )));
        }
        self.queues = queues;
        let endpoints = self.endpoints();
        check_endpoint("queue endpoint", &endpoints.mns)?;
        if self.use_token_service {
            check_endpoint("token endpoint", &endpoints.token)?;
        }
        if self.site == Site::Custom {
            self.mns_endpoint = endpoints.mns;
            self.token_endpoint = endpoints.token;
        }
        Ok(self)
    }
}

/// MNS queue names: a letter first, then letters, digits and `-`, at most 256 characters.
fn valid_queue_name(name: &str) -> bool {
    name.len() <= 256
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn check_endpoint(what: &str, endpoint: &str) -> Result<(), AppError> {
    let url = url::Url::parse(endpoint)
        .map_err(|e| AppError::Invalid(format!("the {what} {endpoint:?} is not a URL ({e})")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(AppError::Invalid(format!(
            "the {what} must start with https:// (plain http only to this computer), \
             not {endpoint:?}"
        ))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct MediaSettings {
    /// Attachments larger than this many megabytes are not downloaded (shown as too large).
    pub size_cap_mb: u32,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            size_cap_mb: u32::try_from(DEFAULT_SIZE_CAP / 1_000_000).unwrap_or(100),
        }
    }
}

impl MediaSettings {
    pub fn size_cap_bytes(&self) -> u64 {
        u64::from(self.size_cap_mb.max(1)) * 1_000_000
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct MapSettings {
    /// Fetch the few map tiles around each shared location, once, so maps work offline.
    pub enabled: bool,
    /// Tile server with `{z}`, `{x}` and `{y}`.
    pub tile_url: String,
    /// What must be shown under the map (the tile server's licence).
    pub attribution: String,
}

impl Default for MapSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            tile_url: OSM_TILE_URL.to_owned(),
            attribution: OSM_ATTRIBUTION.to_owned(),
        }
    }
}

impl MapSettings {
    /// The media keeper's tile configuration (`None`: locations show as cards).
    pub fn tile_config(&self) -> Option<TileConfig> {
        if !self.enabled {
            return None;
        }
        Some(if self.tile_url == OSM_TILE_URL {
            TileConfig::openstreetmap()
        } else {
            TileConfig::custom(&self.tile_url, &self.attribution)
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct NotificationSettings {
    pub enabled: bool,
    /// Channel keys (WabaId, or else CustSpaceId) whose new messages do not notify.
    pub muted_channels: Vec<String>,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            muted_channels: Vec::new(),
        }
    }
}

impl NotificationSettings {
    pub fn notifies(&self, channel_key: &str) -> bool {
        self.enabled && !self.muted_channels.iter().any(|c| c == channel_key)
    }
}

/// Everything the operator can set, except the AccessKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Settings {
    pub mode: InboxMode,
    pub connection: ConnectionSettings,
    pub media: MediaSettings,
    pub maps: MapSettings,
    pub theme: Theme,
    pub notifications: NotificationSettings,
}

impl Settings {
    /// Reads `dir/settings.json`; defaults when there is none. A file that cannot be read as
    /// settings is moved aside (never deleted) and defaults are used, with a sentence saying so.
    pub fn load(dir: &Path) -> (Settings, Option<String>) {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Settings::default(), None);
            }
            Err(e) => {
                let problem = format!(
                    "The settings in {} could not be read ({e}); using defaults.",
                    path.display()
                );
                return (Settings::default(), Some(problem));
            }
        };
        match serde_json::from_str(&text) {
            Ok(settings) => (settings, None),
            Err(e) => {
                let aside = path.with_extension("json.unreadable");
                let moved = std::fs::rename(&path, &aside).is_ok();
                let problem = if moved {
                    format!(
                        "The settings file was damaged ({e}); it was kept as {} and defaults are used.",
                        aside.display()
                    )
                } else {
                    format!(
                        "The settings file {} is damaged ({e}); defaults are used.",
                        path.display()
                    )
                };
                (Settings::default(), Some(problem))
            }
        }
    }

    /// Writes `dir/settings.json` atomically: a crash leaves the old file or the new one.
    pub fn save(&self, dir: &Path) -> Result<(), AppError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::io(format!("creating {}", dir.display()), e))?;
        let path = dir.join(FILE_NAME);
        let temp: PathBuf = dir.join(format!(".{FILE_NAME}.tmp"));
        let json = serde_json::to_vec_pretty(self).map_err(|e| {
            AppError::Settings(format!("the settings cannot be written as JSON: {e}"))
        })?;
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)
        };
        write().map_err(|e| AppError::io(format!("saving {}", path.display()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(queues: &[&str]) -> ConnectionSettings {
        ConnectionSettings {
            queues: queues.iter().map(|q| q.to_string()).collect(),
            ..ConnectionSettings::default()
        }
    }

    #[test]
    fn missing_file_gives_defaults_without_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, problem) = Settings::load(dir.path());
        assert_eq!(settings, Settings::default());
        assert_eq!(problem, None);
        assert_eq!(settings.mode, InboxMode::None);
        assert_eq!(settings.maps.attribution, OSM_ATTRIBUTION);
    }

    #[test]
    fn saved_settings_load_back_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings {
            mode: InboxMode::Live,
            theme: Theme::Dark,
            ..Settings::default()
        };
        settings.connection.queues = vec!["Alicom-Queue-1-ChatAppInbound".into()];
        settings.notifications.muted_channels = vec!["104857362910384".into()];
        settings.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()), (settings, None));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec![FILE_NAME.to_string()]);
    }

    #[test]
    fn a_damaged_file_is_kept_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"{ not json").unwrap();
        let (settings, problem) = Settings::load(dir.path());
        assert_eq!(settings, Settings::default());
        let problem = problem.expect("the damage is reported");
        assert!(problem.contains("damaged"), "{problem}");
        let kept = std::fs::read(dir.path().join("settings.json.unreadable")).unwrap();
        assert_eq!(kept, b"{ not json");
    }

    #[test]
    fn unknown_and_missing_fields_do_not_break_loading() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            br#"{"theme":"light","future_field":1,"connection":{"queues":["q-1"]}}"#,
        )
        .unwrap();
        let (settings, problem) = Settings::load(dir.path());
        assert_eq!(problem, None);
        assert_eq!(settings.theme, Theme::Light);
        assert_eq!(settings.connection.queues, vec!["q-1".to_string()]);
        assert!(settings.connection.use_token_service);
    }

    #[test]
    fn queue_names_are_trimmed_deduplicated_and_required() {
        let ok = connection(&[
            " Alicom-Queue-1-ChatAppInbound ",
            "",
            "Alicom-Queue-1-ChatAppInbound",
        ])
        .validated()
        .unwrap();
        assert_eq!(ok.queues, vec!["Alicom-Queue-1-ChatAppInbound".to_string()]);
        assert!(matches!(
            connection(&["  "]).validated(),
            Err(AppError::Invalid(_))
        ));
        let bad = connection(&["queue/../x"])
            .validated()
            .unwrap_err()
            .to_string();
        assert!(bad.contains("is not a queue name"), "{bad}");
    }

    #[test]
    fn sites_pick_their_endpoints() {
        let china = connection(&["q"]);
        assert_eq!(china.endpoints().mns, inlet_mns::DEFAULT_MNS_ENDPOINT);
        let intl = ConnectionSettings {
            site: Site::International,
            ..china.clone()
        };
        assert_eq!(intl.endpoints().token, inlet_mns::INTL_TOKEN_ENDPOINT);
    }

    #[test]
    fn custom_endpoints_must_be_https_or_local_http() {
        let custom = |mns: &str| ConnectionSettings {
            site: Site::Custom,
            mns_endpoint: mns.into(),
            token_endpoint: "https://dybaseapi.example.com".into(),
            ..connection(&["q"])
        };
        assert!(custom("https://1.mns.example.com").validated().is_ok());
        assert!(custom("http://127.0.0.1:9000").validated().is_ok());
        assert!(custom(" http://localhost:9000 ").validated().is_ok());
        let clear = custom("http://1.mns.example.com").validated().unwrap_err();
        assert!(clear.to_string().contains("https://"), "{clear}");
        assert!(custom("not a url").validated().is_err());
    }

    #[test]
    fn size_cap_is_in_megabytes_and_never_zero() {
        let media = MediaSettings { size_cap_mb: 0 };
        assert_eq!(media.size_cap_bytes(), 1_000_000);
        assert_eq!(MediaSettings::default().size_cap_bytes(), DEFAULT_SIZE_CAP);
    }

    #[test]
    fn muted_channels_and_the_master_switch_silence_notifications() {
        let mut n = NotificationSettings::default();
        assert!(n.notifies("waba-1"));
        n.muted_channels.push("waba-1".into());
        assert!(!n.notifies("waba-1") && n.notifies("waba-2"));
        n.enabled = false;
        assert!(!n.notifies("waba-2"));
    }
}
