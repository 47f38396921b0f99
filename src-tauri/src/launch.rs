//! Launch options from the command line and the environment.

use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variable that points Inlet at a data folder other than the platform default
/// (used by tests and by `scripts/demo` to keep their data apart from a real inbox).
pub const DATA_DIR_ENV: &str = "INLET_DATA_DIR";

/// How the app was started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// `--demo`: open the demo inbox fed by the local simulator instead of a real account.
    pub demo: bool,
    /// `INLET_DATA_DIR`, when set and not empty.
    pub data_dir: Option<PathBuf>,
}

impl LaunchOptions {
    /// Reads the options from the arguments (without the program name) and `INLET_DATA_DIR`.
    ///
    /// Unknown arguments are ignored on purpose: desktop launchers and WebDriver add their own.
    pub fn parse(args: impl IntoIterator<Item = OsString>, data_dir: Option<OsString>) -> Self {
        let demo = args.into_iter().any(|arg| arg == "--demo");
        let data_dir = data_dir.filter(|dir| !dir.is_empty()).map(PathBuf::from);
        Self { demo, data_dir }
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
    fn data_dir_comes_from_env_and_empty_means_unset() {
        let set = LaunchOptions::parse(args(&[]), Some("/tmp/inlet".into()));
        assert_eq!(set.data_dir, Some(PathBuf::from("/tmp/inlet")));
        let empty = LaunchOptions::parse(args(&[]), Some(OsString::new()));
        assert_eq!(empty.data_dir, None);
    }
}
