//! IPC commands the UI calls with `invoke`. Each is a thin adapter: gather inputs, call the
//! core on a blocking thread where it touches the database, map errors to [`AppError`].

pub mod export;
pub mod inbox;
pub mod info;
pub mod media;
pub mod organise;
pub mod payloads;
pub mod setup;
pub mod test_hooks;

pub use info::AppInfo;

use inlet_core::StoreError;
use inlet_core::store::Store;
use inlet_core::sync::SharedStore;

use crate::error::AppError;

/// Runs `f` with the one writer connection, on a blocking thread (it may wait for a commit of
/// the sync engine). Every command that changes the store goes through here.
pub(crate) async fn on_writer<T: Send + 'static>(
    store: SharedStore,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(move || {
        let mut store = store
            .lock()
            .map_err(|_| AppError::Internal("the store is poisoned".into()))?;
        Ok(f(&mut store)?)
    })
    .await?
}
