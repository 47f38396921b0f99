//! Commands only automated tests may use: they refuse unless the app was started with
//! `INLET_TEST_HOOKS=1` (the end-to-end harness sets it), so an operator's app cannot be driven
//! into them by anything in the webview.

use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

/// Stops the embedded demo queue, to test what the operator sees offline.
#[tauri::command]
pub async fn test_stop_demo_queue(state: State<'_, AppState>) -> Result<(), AppError> {
    if !state.options.test_hooks {
        return Err(AppError::TestHooksDisabled);
    }
    state.session().await?.stop_demo_queue().await
}

/// Sets the path the next save or open dialog returns (a native dialog cannot be driven
/// through WebDriver); see `commands::export`.
#[tauri::command]
pub fn test_preset_dialog_path(
    state: State<'_, AppState>,
    answers: State<'_, crate::commands::export::DialogAnswers>,
    path: String,
) -> Result<(), AppError> {
    if !state.options.test_hooks {
        return Err(AppError::TestHooksDisabled);
    }
    answers.preset(path.into());
    Ok(())
}
