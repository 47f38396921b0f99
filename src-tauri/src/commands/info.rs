//! `app_info`: what this build is and where it keeps its data (the About section).

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

/// Facts about this build and installation, shown in the About section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub os: String,
    pub arch: String,
    /// Version of the SQLite library linked into this binary.
    pub sqlite_version: String,
    /// Folder where Inlet keeps its data.
    pub data_dir: String,
    /// Started with `--demo`.
    pub demo: bool,
    /// One line for people, e.g. `Inlet 0.1.0 · core on linux/x86_64 · SQLite 3.50.2`.
    pub summary: String,
}

impl AppInfo {
    /// Describes this build; only `data_dir` and `demo` depend on how it was started.
    pub fn describe(data_dir: String, demo: bool) -> Self {
        let version = env!("CARGO_PKG_VERSION").to_owned();
        let os = std::env::consts::OS.to_owned();
        let arch = std::env::consts::ARCH.to_owned();
        let sqlite_version = rusqlite::version().to_owned();
        let summary = format!("Inlet {version} · core on {os}/{arch} · SQLite {sqlite_version}");
        AppInfo {
            version,
            os,
            arch,
            sqlite_version,
            data_dir,
            demo,
            summary,
        }
    }
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, AppError> {
    Ok(AppInfo::describe(
        state.data_dir.to_string_lossy().into_owned(),
        state.options.demo,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_version_platform_and_linked_sqlite() {
        let info = AppInfo::describe("/data".into(), false);
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(
            info.sqlite_version.starts_with("3."),
            "{}",
            info.sqlite_version
        );
        let expected = format!(
            "Inlet {} · core on {}/{} · SQLite {}",
            info.version,
            std::env::consts::OS,
            std::env::consts::ARCH,
            info.sqlite_version
        );
        assert_eq!(info.summary, expected);
    }

    #[test]
    fn data_dir_and_demo_are_passed_through() {
        let info = AppInfo::describe("/somewhere/else".into(), true);
        assert_eq!(info.data_dir, "/somewhere/else");
        assert!(info.demo);
    }
}
