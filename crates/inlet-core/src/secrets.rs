//! The operator's AccessKey lives only in the OS keychain (Secret Service, macOS Keychain, Windows
//! Credential Manager), or in the standard `ALIBABA_CLOUD_*` environment variables for headless
//! collectors. It is never written to SQLite, logs or config files.

use std::fmt;

/// Keychain service name; the identifier of the desktop app.
pub const SERVICE: &str = "dev.inlet.desktop";
/// Keychain entry that holds the AccessKey ID (the secret is stored under the ID itself).
const ID_ENTRY: &str = "alibaba-cloud-access-key-id";

pub const ENV_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub const ENV_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub const ENV_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

#[derive(Debug, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", content = "message")]
pub enum SecretsError {
    #[error(
        "the system keychain is not available ({0}); on Linux start a Secret Service such as GNOME Keyring, or set {ENV_ID} and {ENV_SECRET}"
    )]
    Unavailable(String),
    #[error("the system keychain refused the request: {0}")]
    Keychain(String),
    #[error(
        "no AccessKey is configured: add one in Settings → Credentials, or set {ENV_ID} and {ENV_SECRET}"
    )]
    Missing,
}

/// An Alibaba Cloud AccessKey pair. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    /// Only for temporary (STS) keys given through `ALIBABA_CLOUD_SECURITY_TOKEN`.
    pub security_token: Option<String>,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Where a key came from, so the UI can say which key failed and where to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    Environment,
    Keychain,
}

fn entry(user: &str) -> Result<keyring::Entry, SecretsError> {
    keyring::Entry::new(SERVICE, user).map_err(|e| SecretsError::Unavailable(e.to_string()))
}

fn keychain_error(e: keyring::Error) -> SecretsError {
    match e {
        keyring::Error::NoStorageAccess(_)
        | keyring::Error::PlatformFailure(_)
        | keyring::Error::NoDefaultStore => SecretsError::Unavailable(e.to_string()),
        other => SecretsError::Keychain(other.to_string()),
    }
}

/// Stores (or replaces) the AccessKey in the OS keychain.
pub fn save_to_keychain(key: &AccessKey) -> Result<(), SecretsError> {
    if let Some(old) = load_from_keychain()?
        && old.id != key.id
    {
        delete_secret(&old.id)?;
    }
    entry(&key.id)?
        .set_password(&key.secret)
        .map_err(keychain_error)?;
    entry(ID_ENTRY)?
        .set_password(&key.id)
        .map_err(keychain_error)
}

/// Reads the AccessKey from the OS keychain; `None` when none is stored.
pub fn load_from_keychain() -> Result<Option<AccessKey>, SecretsError> {
    let id = match entry(ID_ENTRY)?.get_password() {
        Ok(id) => id,
        Err(keyring::Error::NoEntry) => return Ok(None),
        Err(e) => return Err(keychain_error(e)),
    };
    match entry(&id)?.get_password() {
        Ok(secret) => Ok(Some(AccessKey {
            id,
            secret,
            security_token: None,
        })),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keychain_error(e)),
    }
}

/// Removes the AccessKey from the OS keychain. Returns whether one was stored.
pub fn delete_from_keychain() -> Result<bool, SecretsError> {
    let Some(key) = load_from_keychain()? else {
        return Ok(false);
    };
    delete_secret(&key.id)?;
    match entry(ID_ENTRY)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(true),
        Err(e) => Err(keychain_error(e)),
    }
}

fn delete_secret(id: &str) -> Result<(), SecretsError> {
    match entry(id)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keychain_error(e)),
    }
}

/// The AccessKey from environment variables, read through `get` so it can be tested without
/// touching the process environment.
pub fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Option<AccessKey> {
    let non_empty = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    Some(AccessKey {
        id: non_empty(ENV_ID)?,
        secret: non_empty(ENV_SECRET)?,
        security_token: non_empty(ENV_TOKEN),
    })
}

/// The AccessKey to use: the environment wins when both variables are set (explicit beats
/// stored, as with every Alibaba Cloud tool); otherwise the keychain.
pub fn resolve() -> Result<(AccessKey, KeySource), SecretsError> {
    if let Some(key) = from_env_with(|name| std::env::var(name).ok()) {
        return Ok((key, KeySource::Environment));
    }
    load_from_keychain()?
        .map(|k| (k, KeySource::Keychain))
        .ok_or(SecretsError::Missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn env_needs_both_id_and_secret() {
        let vars: HashMap<&str, &str> =
            [(ENV_ID, "LTAIid"), (ENV_SECRET, "s3cret"), (ENV_TOKEN, "")].into();
        let key = from_env_with(|k| vars.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(key.id, "LTAIid");
        assert_eq!(key.secret, "s3cret");
        assert_eq!(key.security_token, None, "an empty token is no token");
        let only_id: HashMap<&str, &str> = [(ENV_ID, "LTAIid")].into();
        assert!(from_env_with(|k| only_id.get(k).map(|v| v.to_string())).is_none());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = AccessKey {
            id: "LTAIid".into(),
            secret: "s3cret-value".into(),
            security_token: Some("tok-value".into()),
        };
        let shown = format!("{key:?}");
        assert!(shown.contains("LTAIid"));
        assert!(
            !shown.contains("s3cret-value") && !shown.contains("tok-value"),
            "{shown}"
        );
    }

    /// Against a real Secret Service: `scripts/test` runs this under `dbus-run-session` with
    /// gnome-keyring unlocked in a throw-away XDG_DATA_HOME.
    #[test]
    #[ignore = "needs a Secret Service session; scripts/test runs it under dbus-run-session"]
    fn keychain_round_trip_leaves_no_secret_in_files() {
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("inlet-test-secret-{}", std::process::id());
        let key = AccessKey {
            id: "LTAI5tKeychainTest".into(),
            secret: secret.clone(),
            security_token: None,
        };
        save_to_keychain(&key).expect("store in the Secret Service");
        assert_eq!(load_from_keychain().unwrap(), Some(key.clone()));

        // What the app writes next to the keychain entry: a store with data in it.
        drop(crate::store::Store::open(dir.path().join("inlet.sqlite3")).unwrap());
        for file in walk(dir.path()) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "secret found in {}",
                file.display()
            );
        }

        let replaced = AccessKey {
            id: "LTAI5tReplaced".into(),
            secret: "other".into(),
            security_token: None,
        };
        save_to_keychain(&replaced).unwrap();
        assert_eq!(load_from_keychain().unwrap(), Some(replaced));
        assert!(
            entry(&key.id).unwrap().get_password().is_err(),
            "the old secret was left behind"
        );

        assert!(delete_from_keychain().unwrap());
        assert_eq!(load_from_keychain().unwrap(), None);
        assert!(!delete_from_keychain().unwrap());
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path))
            } else {
                out.push(path)
            }
        }
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }
}
