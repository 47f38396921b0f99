//! The app's state, managed by Tauri: where its data lives, the settings, and the open inbox.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tauri::{AppHandle, Emitter};
use ts_rs::TS;

use crate::error::AppError;
use crate::launch::LaunchOptions;
use crate::session::Session;
use crate::settings::{InboxMode, Settings};

/// Sent to the webview whenever an inbox opens or closes; the payload is a [`SetupState`]-less
/// hint: the UI asks `setup_state` again.
pub const SESSION_EVENT: &str = "inlet://session";

pub struct AppState {
    pub options: LaunchOptions,
    pub data_dir: PathBuf,
    settings: Mutex<Settings>,
    /// A problem met while loading the settings, shown once in the UI.
    pub settings_problem: Option<String>,
    session: tokio::sync::RwLock<Option<Arc<Session>>>,
    /// Opening and closing inboxes one at a time.
    lifecycle: tokio::sync::Mutex<()>,
    /// Why the last attempt to open an inbox failed.
    open_problem: Mutex<Option<String>>,
}

/// Why the UI should show what it shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct InboxState {
    /// The inbox the operator chose (or `none`: the welcome screen).
    pub mode: InboxMode,
    /// The inbox is open and can be queried.
    pub open: bool,
    /// Why it could not be opened, if it could not.
    pub problem: Option<String>,
}

impl AppState {
    pub fn new(options: LaunchOptions, data_dir: PathBuf) -> AppState {
        let (settings, settings_problem) = Settings::load(&data_dir);
        if let Some(problem) = &settings_problem {
            tracing::warn!("{problem}");
        }
        AppState {
            options,
            data_dir,
            settings: Mutex::new(settings),
            settings_problem,
            session: tokio::sync::RwLock::new(None),
            lifecycle: tokio::sync::Mutex::new(()),
            open_problem: Mutex::new(None),
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Changes the settings and saves them; memory changes only if the file was written.
    pub fn update_settings(
        &self,
        change: impl FnOnce(&mut Settings),
    ) -> Result<Settings, AppError> {
        let mut guard = self
            .settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut next = guard.clone();
        change(&mut next);
        next.save(&self.data_dir)?;
        *guard = next.clone();
        Ok(next)
    }

    /// The open inbox, or [`AppError::NoInbox`].
    pub async fn session(&self) -> Result<Arc<Session>, AppError> {
        self.session.read().await.clone().ok_or(AppError::NoInbox)
    }

    pub async fn inbox_state(&self) -> InboxState {
        InboxState {
            mode: self.settings().mode,
            open: self.session.read().await.is_some(),
            problem: self
                .open_problem
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
        }
    }

    /// Closes the current inbox (if any) and opens the one of `mode`, remembering the choice.
    pub async fn open(&self, app: &AppHandle, mode: InboxMode) -> Result<(), AppError> {
        let _one_at_a_time = self.lifecycle.lock().await;
        let settings = self.update_settings(|s| s.mode = mode)?;
        if let Some(old) = self.session.write().await.take() {
            old.close().await;
        }
        let opened = Session::open(app, mode, &self.data_dir, &settings).await;
        let result = match opened {
            Ok(session) => {
                *self.session.write().await = Some(session);
                self.set_open_problem(None);
                Ok(())
            }
            Err(error) => {
                tracing::error!(%error, ?mode, "the inbox could not be opened");
                self.set_open_problem(Some(error.to_string()));
                Err(error)
            }
        };
        let _ = app.emit(SESSION_EVENT, ());
        result
    }

    /// Closes the open inbox and forgets the choice: the welcome screen comes back.
    pub async fn close(&self, app: &AppHandle) -> Result<(), AppError> {
        let _one_at_a_time = self.lifecycle.lock().await;
        self.update_settings(|s| s.mode = InboxMode::None)?;
        if let Some(old) = self.session.write().await.take() {
            old.close().await;
        }
        self.set_open_problem(None);
        crate::tray::show_unread(app, 0);
        let _ = app.emit(SESSION_EVENT, ());
        Ok(())
    }

    /// Restarts the open inbox's background work with the current settings and keys.
    pub async fn restart_sync(&self) -> Result<(), AppError> {
        let _one_at_a_time = self.lifecycle.lock().await;
        if let Some(session) = self.session.read().await.clone() {
            session.restart_workers(&self.settings()).await?;
        }
        Ok(())
    }

    /// Closes the inbox at exit.
    pub async fn shutdown(&self) {
        let _one_at_a_time = self.lifecycle.lock().await;
        if let Some(session) = self.session.write().await.take() {
            session.close().await;
        }
    }

    fn set_open_problem(&self, problem: Option<String>) {
        *self
            .open_problem
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = problem;
    }
}
