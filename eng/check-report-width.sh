#!/usr/bin/env bash
# Checks that the rehearsal's HTML page needs no horizontal scrolling on a narrow screen (a phone: 420 px wide) in
# headless Chromium (Debian: apt-get install chromium), and saves a screenshot of it at that width. The page has no
# script of its own; the check loads a copy that lays the page out in a box of that width (headless Chromium's window
# is never narrower than 500 px) and writes the width its content needs into the title, which --dump-dom prints.
# Exit 0 when the page fits, 1 when it does not (with the widths), 2 when Chromium is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 2; }
width="${1:-420}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet run --project src/NvaFailover.Cli -- simulate --html "$work/report.html" >/dev/null
sed -e "s#</head>#<style>html{width:${width}px}</style></head>#" \
  -e 's#</body>#<script>document.title="widths "+document.body.scrollWidth+" "+document.body.clientWidth</script></body>#' \
  "$work/report.html" > "$work/probe.html"
dom=$(chromium --headless=new --no-sandbox --disable-gpu --window-size="$width",2400 --virtual-time-budget=2000 \
  --dump-dom "file://$work/probe.html" 2>/dev/null)
read -r page window < <(grep -o '<title>widths [0-9]* [0-9]*' <<<"$dom" | awk '{print $2, $3}')
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width",2400 \
  --screenshot="$work/narrow.png" "file://$work/report.html" 2>/dev/null
mkdir -p artifacts && cp "$work/narrow.png" "artifacts/report-${width}px.png"
if [ -z "${page:-}" ]; then
  echo "could not measure the page (Chromium printed no title)" >&2
  exit 1
fi
if [ "$page" -gt "$window" ]; then
  echo "at ${width} px the report's content is ${page} px wide in a ${window} px wide body: it scrolls sideways (screenshot: artifacts/report-${width}px.png)" >&2
  exit 1
fi
echo "the report fits ${width} px: its content is ${page} px wide in a ${window} px wide body (screenshot: artifacts/report-${width}px.png)"
