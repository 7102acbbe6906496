#!/usr/bin/env bash
# Integration checks on a release build: the main job (generated shapes, offline) and, when the real data is
# there ($DESCENT_DATA/free-spoken-digit), a CNN on augmented log-mel spectrograms of spoken digits that must
# reach at least 90% accuracy on the dataset's standard test split.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product descent
bin="$(swift build -c release --show-bin-path)/descent"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

accuracy() { sed -n 's/.*"accuracy" : \([0-9.]*\).*/\1/p' "$1/metrics.json"; }
require() {  # require NAME ACCURACY MINIMUM
  if awk -v a="$2" -v m="$3" 'BEGIN { exit !(a >= m) }'; then
    echo "integration: $1 test accuracy $2 >= $3: ok"
  else
    echo "integration: $1 test accuracy $2 is below $3" >&2
    exit 1
  fi
}

"$bin" train --epochs 3 --output "$out/shapes"
require "generated shapes (main job, 3 epochs)" "$(accuracy "$out/shapes")" 0.95
# The saved weights, loaded again by `descent evaluate`, give the same test accuracy.
evaluated=$("$bin" evaluate --model cnn-bn --weights "$out/shapes/model.safetensors" --dataset shapes \
  | sed -n 's/^accuracy \([0-9.]*\)%.*/\1/p')
if awk -v e="$evaluated" -v a="$(accuracy "$out/shapes")" 'BEGIN { d = e / 100 - a; exit !(d < 1e-4 && d > -1e-4) }'; then
  echo "integration: descent evaluate on the saved weights: ${evaluated}%: ok"
else
  echo "integration: descent evaluate gives ${evaluated}%, training reported $(accuracy "$out/shapes")" >&2
  exit 1
fi

data="${DESCENT_DATA:-}"
if [ -n "$data" ] && [ -d "$data/free-spoken-digit/recordings" ]; then
  "$bin" train --dataset free-spoken-digits --data-dir "$data" --augment --epochs 20 --patience 5 \
    --validation-fraction 0.1 --output "$out/fsdd"
  require "free spoken digits" "$(accuracy "$out/fsdd")" 0.90
else
  echo "integration: skipped the spoken-digit training: no free-spoken-digit/recordings under DESCENT_DATA='${data}'"
fi
