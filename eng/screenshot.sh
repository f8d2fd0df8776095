#!/usr/bin/env bash
# Renders the built-in rehearsal's HTML page in headless Chromium (Debian: apt-get install chromium) and saves the
# screenshot the README shows: docs/simulate-builtin.png. Run from the repository root after a change to the page.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 2; }
page="$(mktemp --suffix=.html)"
trap 'rm -f "$page"' EXIT
dotnet run --project src/NvaFailover.Cli -- simulate --html "$page" >/dev/null
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,1180 \
  --screenshot="$PWD/docs/simulate-builtin.png" "file://$page" 2>/dev/null
echo "wrote docs/simulate-builtin.png"
