//! Launch options from the command line and the environment.

use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variable that points Inlet at a data folder other than the platform default
/// (used by tests and by `scripts/demo` to keep their data apart from a real inbox).
pub const DATA_DIR_ENV: &str = "INLET_DATA_DIR";

/// Environment variable that unlocks the commands only automated tests may call (stopping the
/// embedded demo queue to test offline use). Set to `1` by the end-to-end harness.
pub const TEST_HOOKS_ENV: &str = "INLET_TEST_HOOKS";

/// How the app was started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// `--demo`: open the demo inbox fed by the local simulator instead of a real account.
    pub demo: bool,
    /// `INLET_DATA_DIR`, when set and not empty.
    pub data_dir: Option<PathBuf>,
    /// `INLET_TEST_HOOKS=1`: the test-only commands work.
    pub test_hooks: bool,
}

impl LaunchOptions {
    /// Reads the options from the arguments (without the program name) and `INLET_DATA_DIR`.
    ///
    /// Unknown arguments are ignored on purpose: desktop launchers and WebDriver add their own.
    pub fn parse(args: impl IntoIterator<Item = OsString>, data_dir: Option<OsString>) -> Self {
        let demo = args.into_iter().any(|arg| arg == "--demo");
        let data_dir = data_dir.filter(|dir| !dir.is_empty()).map(PathBuf::from);
        Self {
            demo,
            data_dir,
            test_hooks: false,
        }
    }

    /// Unlocks the test-only commands when `value` (of `INLET_TEST_HOOKS`) is exactly `1`.
    pub fn with_test_hooks(mut self, value: Option<OsString>) -> Self {
        self.test_hooks = value.is_some_and(|v| v == "1");
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn demo_flag_is_found_among_unknown_arguments() {
        let options = LaunchOptions::parse(args(&["--unknown", "--demo", "x"]), None);
        assert!(options.demo);
    }

    #[test]
    fn without_flag_or_env_everything_is_default() {
        let options = LaunchOptions::parse(args(&["--demonstration"]), None);
        assert_eq!(options, LaunchOptions::default());
    }

    #[test]
    fn test_hooks_need_exactly_one() {
        let parse = |value: Option<&str>| {
            LaunchOptions::parse(args(&[]), None)
                .with_test_hooks(value.map(OsString::from))
                .test_hooks
        };
        assert!(parse(Some("1")));
        assert!(!parse(Some("true")));
        assert!(!parse(Some("")));
        assert!(!parse(None));
    }

    #[test]
    fn data_dir_comes_from_env_and_empty_means_unset() {
        let set = LaunchOptions::parse(args(&[]), Some("/tmp/inlet".into()));
        assert_eq!(set.data_dir, Some(PathBuf::from("/tmp/inlet")));
        let empty = LaunchOptions::parse(args(&[]), Some(OsString::new()));
        assert_eq!(empty.data_dir, None);
    }
}
