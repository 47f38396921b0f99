# shellcheck shell=bash
# Shared set-up for scripts/demo and scripts/test. Sourced, not run.
#
# Every function installs only what is missing and is a quick no-op when everything is present,
# so both commands can call it on every run.

INLET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export INLET_ROOT
INLET_TARGET_DIR="${CARGO_TARGET_DIR:-$INLET_ROOT/target}"
export INLET_TARGET_DIR
# cargo-installed tools (tauri-driver) live here.
export PATH="$HOME/.cargo/bin:$PATH"

# Debian packages: the Tauri build dependencies (webkit2gtk-4.1 and friends) and the tools the
# tests and the headless demo use (Xvfb, ImageMagick, xwininfo, WebKitWebDriver, D-Bus and
# gnome-keyring for the Secret Service tests, dunst and xdotool for the notification E2E test).
INLET_APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential pkg-config file libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth imagemagick x11-utils webkit2gtk-driver
  dbus dbus-x11 gnome-keyring libsecret-tools keyutils libdbus-1-dev
  chromium curl dunst xdotool
)

TAURI_DRIVER_VERSION=2.1.0
# Vite 8 needs at least this Node version.
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() {
  printf '\033[1;31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

setup_apt() {
  local missing=() pkg
  for pkg in "${INLET_APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

setup_rust() {
  if ! command -v cargo >/dev/null; then
    die "cargo not found. Install the Rust toolchain with rustup (https://rustup.rs):
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
then open a new shell (or run: . \"\$HOME/.cargo/env\") and run this command again."
  fi
  cargo fmt --version >/dev/null 2>&1 || die "rustfmt missing: rustup component add rustfmt"
  cargo clippy --version >/dev/null 2>&1 || die "clippy missing: rustup component add clippy"
}

setup_nextest() {
  command -v cargo-nextest >/dev/null && return 0
  say "installing cargo-nextest"
  cargo install cargo-nextest --locked
}

setup_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    die "Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR with npm is needed (https://nodejs.org or nvm)."
  fi
  local version major minor
  version="$(node --version)"
  IFS=. read -r major minor _ <<<"${version#v}"
  if [ "$major" -lt "$NODE_MIN_MAJOR" ] ||
    { [ "$major" -eq "$NODE_MIN_MAJOR" ] && [ "$minor" -lt "$NODE_MIN_MINOR" ]; }; then
    die "Node.js $version is too old; the UI build (Vite 8) needs $NODE_MIN_MAJOR.$NODE_MIN_MINOR or newer."
  fi
}

# `npm ci` only when node_modules is missing or older than the lock file. npm writes
# node_modules/.package-lock.json on every install, so its age is the age of the install.
setup_ui_deps() {
  local ui="$INLET_ROOT/ui"
  if [ -f "$ui/node_modules/.package-lock.json" ] &&
    ! [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
    return 0
  fi
  say "installing UI dependencies (npm ci)"
  npm ci --prefix "$ui" --no-audit --no-fund
}

setup_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  say "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION"
}

# The Python venv for the official-SDK conformance tests, only if they exist. pip runs only when
# requirements.txt changed since the last install (a checksum stamp in the venv).
setup_python() {
  local requirements="$INLET_ROOT/tests/sdk/requirements.txt"
  local venv="$INLET_ROOT/.venv"
  local stamp="$venv/.requirements.sha256"
  [ -f "$requirements" ] || return 0
  if [ ! -x "$venv/bin/python" ]; then
    say "creating the Python venv .venv"
    python3 -m venv "$venv"
  fi
  local sum
  sum="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    return 0
  fi
  say "installing Python test requirements"
  "$venv/bin/python" -m pip install --quiet -r "$requirements"
  echo "$sum" >"$stamp"
}
