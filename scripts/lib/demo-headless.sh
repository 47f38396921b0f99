#!/usr/bin/env bash
# Runs inside xvfb-run (see scripts/demo): starts the app, waits for its window to paint, takes
# screenshots until the time is up, then stops the app.
# Usage: demo-headless.sh APP OUT_DIR SECONDS [APP_ARGS...]
set -euo pipefail

app=$1 out=$2 seconds=$3
shift 3
deadline=$((SECONDS + seconds))

"$app" --demo "$@" >"$out/app.log" 2>&1 &
app_pid=$!
stop_app() {
  kill -TERM "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
}
trap stop_app EXIT

alive() { kill -0 "$app_pid" 2>/dev/null; }

# The window exists once X knows a top-level window titled "Inlet".
until xwininfo -root -tree 2>/dev/null | grep -q '"Inlet"'; do
  alive || { echo "the app exited before opening its window; see $out/app.log" >&2; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { echo "no Inlet window within ${seconds}s" >&2; exit 1; }
  sleep 0.2
done
echo "window is up after ${SECONDS}s"

# It has painted once the screen holds more than a handful of colours (a blank or half-drawn
# window has few; rendered text and the icon add hundreds through anti-aliasing).
probe="$out/.probe.png"
until import -window root "$probe" 2>/dev/null &&
  [ "$(convert "$probe" -format %k info:)" -gt 200 ]; do
  alive || { echo "the app exited; see $out/app.log" >&2; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { echo "the window did not paint within ${seconds}s" >&2; exit 1; }
  sleep 0.5
done
rm -f "$probe"
# Let data requested at start-up (the About text) arrive; a screenshot, not a test, so a short
# settle delay is fine here.
sleep 2
import -window root "$out/01-first-paint.png"
echo "saved $out/01-first-paint.png"

# One more screenshot every 10 s while the demo runs, the last just before the time is up.
n=2
while [ $((SECONDS + 10)) -lt "$deadline" ]; do
  sleep 10
  alive || { echo "the app exited early; see $out/app.log" >&2; exit 1; }
  file="$out/$(printf '%02d' "$n")-after-${SECONDS}s.png"
  import -window root "$file"
  echo "saved $file"
  n=$((n + 1))
done
