#!/usr/bin/env bash
# End-to-end check of the image-data routes on a release build (issue 21), with the generated shapes written as
# PNG files (`descent images shapes`, 2,000 test images, 10 class folders): a list file naming the same files in
# the folder's order trains exactly as the folder does (the same test accuracy, bitwise the same weights);
# `descent shard` writes them as tar shards, and a shuffled run on the shards (shuffle buffer, loader workers)
# gives bitwise the same weights with 1 and with 2 workers. Usage: scripts/data-check.sh [path/to/descent]
# (DATA_CHECK_OUT=folder keeps the output there)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/check-lib.sh
check_setup "${1:-}" "${DATA_CHECK_OUT:-}"

"$bin" images shapes --output "$out/img" --split test > /dev/null
# The list: the folder's files in its order (class folders sorted bytewise, then file names), labels as names.
{
  echo "path,label"
  while IFS= read -r class; do
    while IFS= read -r file; do echo "img/test/$class/$file,$class"; done < <(LC_ALL=C ls -1 "$out/img/test/$class")
  done < <(LC_ALL=C ls -1 "$out/img/test")
} > "$out/list.csv"

train() {  # train NAME DATA: one epoch of the cnn on DATA (the data: entries), outputs in $out/NAME
  cat > "$out/$1.yaml" <<YAML
seed: 3
data: {$2, channels: 1, batch_size: 64, test_fraction: 0.2}
model: {name: cnn}
training: {epochs: 1}
YAML
  "$bin" train "$out/$1.yaml" --threads 2 --output "$out/$1" > "$out/$1.log"
}
accuracy() { sed -n 's/.*"accuracy" *: *\([0-9.]*\).*/\1/p' "$out/$1/metrics.json" | head -1; }

train folder "dataset: folder, path: img/test, workers: 2"
train list "dataset: folder, path: list.csv, workers: 2"
if cmp -s "$out/folder/model.safetensors" "$out/list/model.safetensors"; then
  echo "data-check: the list file trains as the folder: test accuracy $(accuracy list), weights bitwise equal: ok"
else
  echo "data-check: the list run (accuracy $(accuracy list)) differs from the folder run ($(accuracy folder))" >&2
  exit 1
fi

"$bin" shard "$out/img/test" --output "$out/shards" --samples-per-shard 256 --seed 1
train shards1 "dataset: shards, path: shards, shuffle_buffer: 300, workers: 1"
train shards2 "dataset: shards, path: shards, shuffle_buffer: 300, workers: 2"
if cmp -s "$out/shards1/model.safetensors" "$out/shards2/model.safetensors"; then
  echo "data-check: shards, 1 and 2 loader workers: weights bitwise equal (test accuracy $(accuracy shards2)): ok"
else
  echo "data-check: shards trained with 1 and 2 workers give different weights" >&2
  exit 1
fi
