#!/usr/bin/env bash
# End-to-end check of `descent lab` on a release build: `descent lab all` must finish in under 3 minutes and
# write every experiment's summary and plots; every SVG must parse as XML (`descent lab check`, so no Python or
# xmllint is needed); a real headless browser (Debian's chromium, installed with apt when missing) must render
# lab/index.html and every SVG to a non-empty PNG.
# Usage: scripts/lab-check.sh [path/to/descent]   (LAB_OUT=folder keeps the output there)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/check-lib.sh
check_setup "${1:-}" "${LAB_OUT:-}"

start=$(date +%s.%N)
"$bin" lab all --output "$out/lab" > "$out/lab.log"
seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
if awk -v t="$seconds" 'BEGIN { exit !(t < 180) }'; then
  echo "lab-check: descent lab all took ${seconds} s (limit 180 s): ok"
else
  echo "lab-check: descent lab all took ${seconds} s, over the 180 s limit" >&2
  exit 1
fi

for e in lr optimizers decay weight-decay batch early-stopping dropout clipping batchnorm augmentation; do
  [ -s "$out/lab/$e/summary.txt" ] || { echo "lab-check: lab/$e/summary.txt is missing" >&2; exit 1; }
  ls "$out/lab/$e/"*.svg > /dev/null 2>&1 || { echo "lab-check: lab/$e has no SVG" >&2; exit 1; }
  grep -q "id=\"$e\"" "$out/lab/index.html" || { echo "lab-check: index.html does not list $e" >&2; exit 1; }
done
echo "lab-check: every experiment wrote summary.txt and its SVGs, and index.html lists them: ok"

"$bin" lab check --output "$out/lab"

if ! command -v chromium > /dev/null 2>&1; then
  echo "lab-check: installing chromium"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
fi
render() {  # render URL PNG
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,900 \
    --screenshot="$2" "$1" > /dev/null 2>&1 || true
  [ -s "$2" ] || { echo "lab-check: chromium did not render $1" >&2; exit 1; }
}
mkdir -p "$out/browser"
render "file://$out/lab/index.html" "$out/browser/index.png"
count=1
for svg in "$out"/lab/*/*.svg; do
  name="$(basename "$(dirname "$svg")")-$(basename "$svg" .svg)"
  render "file://$svg" "$out/browser/$name.png"
  count=$((count + 1))
done
echo "lab-check: chromium rendered index.html and every SVG ($count PNGs in $out/browser): ok"
