#!/usr/bin/env bash
# Integration checks on a release build:
# - the main job (generated shapes, offline), its run folder, and `descent evaluate --run` on it;
# - `descent predict` on the run;
# - checkpoints: a run killed with SIGKILL and one stopped with Ctrl-C, resumed, end bitwise equal (resume-check.sh);
#   one run killed with SIGKILL 10 times in a row at random moments, resumed each time, ends bitwise equal, and
#   so do a search and a 2-rank data-parallel run killed 3 times each (kill-check.sh; more kills by hand);
# - resource errors: an output folder that cannot be created, a file-size limit, a file system too small and
#   one that fills up during training: one-line errors, nothing half-written, resume bitwise (resource-check.sh);
# - a search killed with SIGKILL and resumed reruns no finished trial and ends like an uninterrupted one
#   (search-check.sh);
# - data-parallel training on Open MPI: 2 ranks match 1 process, a killed rank ends the job and --resume
#   completes (distributed-check.sh);
# - GANs (gan-check.sh): a GAN run killed with SIGKILL and resumed ends bitwise equal; with MNIST, a short
#   conditional DCGAN's discriminator accuracy on real vs fake, its samples' variance and a real-data classifier's
#   agreement with the conditional samples' labels;
# - sequence to sequence (seq2seq-check.sh): examples/seq2seq-numbers.yaml at a small size spells at least 90% of
#   the held-out numbers exactly, `descent evaluate --run` agrees, and ONNX Runtime's decoding of the exported run
#   (its Loop) spells the numbers as `descent predict` does;
# - a character-level language model on Debian's fortunes: held-out perplexity at most 0.75 × the unigram
#   baseline's, `descent generate` deterministic for a seed, `descent evaluate --run` agreeing (lm-check.sh);
# - `descent lab all` in under 3 minutes, its SVGs well-formed, index.html and every SVG rendered by chromium
#   (lab-check.sh);
# - with the real data under $DESCENT_DATA: the W2 CNN on all of MNIST (examples/mnist-cnn.yaml) must reach
#   99.0% test accuracy within 5 epochs, and so must the same images written as PNG files in class folders
#   (descent images, examples/mnist-folder.yaml); a CNN on spoken-digit log-mel spectrograms 90%, and a GRU reading the
#   same spectrograms as sequences of frames (examples/free-spoken-digits-gru.yaml) 95%;
# - image lists and tar shards (data-check.sh): a list file trains as its folder does (bitwise equal weights), a
#   shuffled run on `descent shard`'s shards gives bitwise equal weights with 1 and 2 loader workers;
# - sentiment on the committed toy table (examples/sentiment.yaml) and `descent predict` on new texts;
# - every zoo model exported to ONNX agrees with ONNX Runtime within 1e-4 (skipped without Python's onnxruntime).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product descent
bin="$(swift build -c release --show-bin-path)/descent"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

accuracy() { sed -n 's/^ *"accuracy" : \([0-9.]*\).*/\1/p' "$1/metrics.json"; }
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
for f in config.yaml run.json model.safetensors history.json metrics.json log.csv log.jsonl report.html loss.svg \
         accuracy.svg learning_rate.svg confusion_matrix.svg checkpoints/latest checkpoints/best/model.safetensors; do
  [ -s "$out/shapes/$f" ] || { echo "integration: the run folder lacks $f" >&2; exit 1; }
done
events=("$out"/shapes/events.out.tfevents.*)
[ -s "${events[0]}" ] || { echo "integration: the run folder lacks events.out.tfevents.* (TensorBoard)" >&2; exit 1; }
echo "integration: the run folder holds the weights, logs, TensorBoard events, report and checkpoints: ok"

# The saved run, loaded again by `descent evaluate`, gives the same test accuracy.
evaluated=$("$bin" evaluate --run "$out/shapes" | sed -n 's/^accuracy \([0-9.]*\)%.*/\1/p')
if awk -v e="$evaluated" -v a="$(accuracy "$out/shapes")" 'BEGIN { d = e / 100 - a; exit !(d < 1e-4 && d > -1e-4) }'; then
  echo "integration: descent evaluate --run on the saved weights: ${evaluated}%: ok"
else
  echo "integration: descent evaluate gives ${evaluated}%, training reported $(accuracy "$out/shapes")" >&2
  exit 1
fi

bash scripts/resume-check.sh "$bin"
bash scripts/kill-check.sh --kills 10 "$bin"
bash scripts/kill-check.sh --mode search --kills 3 "$bin"
bash scripts/kill-check.sh --mode distributed --kills 3 "$bin"
bash scripts/resource-check.sh "$bin"
bash scripts/search-check.sh "$bin"
bash scripts/distributed-check.sh "$bin"
bash scripts/lab-check.sh "$bin"
bash scripts/gan-check.sh "$bin"
bash scripts/seq2seq-check.sh "$bin"
bash scripts/lm-check.sh "$bin"
bash scripts/data-check.sh "$bin"

data="${DESCENT_DATA:-}"
if [ -n "$data" ] && [ -f "$data/mnist/train-images-idx3-ubyte.gz" ]; then
  start=$(date +%s)
  "$bin" train examples/mnist-cnn.yaml --set data.directory="$data" --threads 2 --output "$out/mnist"
  echo "integration: MNIST W2 CNN trained and tested in $(( $(date +%s) - start )) s"
  require "MNIST W2 CNN (examples/mnist-cnn.yaml, 5 epochs)" "$(accuracy "$out/mnist")" 0.990
  "$bin" predict "$data/mnist/t10k-images-idx3-ubyte.gz" --run "$out/mnist" --output "$out/predictions.csv"
  rows=$(( $(wc -l < "$out/predictions.csv") - 1 ))
  [ "$rows" -eq 10000 ] || { echo "integration: descent predict wrote $rows predictions, expected 10000" >&2; exit 1; }
  echo "integration: descent predict on the 10,000 MNIST test images: ok ($(sed -n 2p "$out/predictions.csv"))"
  # The same images as PNG files in class folders (descent images), trained from examples/mnist-folder.yaml.
  start=$(date +%s)
  "$bin" images mnist --output "$out/mnist-png" --data-dir "$data"
  "$bin" train examples/mnist-folder.yaml --set data.path="$out/mnist-png/train" \
    --set data.test_path="$out/mnist-png/test" --threads 2 --output "$out/mnist-folder"
  echo "integration: MNIST as 70,000 PNG files written, trained and tested in $(( $(date +%s) - start )) s"
  require "MNIST W2 CNN from an image folder (examples/mnist-folder.yaml)" "$(accuracy "$out/mnist-folder")" 0.990
else
  echo "integration: skipped MNIST: no mnist/train-images-idx3-ubyte.gz under DESCENT_DATA='${data}'"
fi

if [ -n "$data" ] && [ -d "$data/free-spoken-digit/recordings" ]; then
  "$bin" train examples/free-spoken-digits.yaml --set data.directory="$data" --output "$out/fsdd"
  require "free spoken digits" "$(accuracy "$out/fsdd")" 0.90
  start=$(date +%s)
  "$bin" train examples/free-spoken-digits-gru.yaml --set data.directory="$data" --threads 1 \
    --output "$out/fsdd-gru"
  echo "integration: spoken digits as sequences (GRU) trained and tested in $(( $(date +%s) - start )) s"
  require "free spoken digits as sequences (audio_rnn GRU)" "$(accuracy "$out/fsdd-gru")" 0.95
else
  echo "integration: skipped the spoken-digit training: no free-spoken-digit/recordings under DESCENT_DATA='${data}'"
fi

# Sentiment on the committed toy table (offline), then `descent predict` on new texts with the run's tokenizer.
"$bin" train examples/sentiment.yaml --output "$out/sentiment"
require "sentiment toy table (examples/sentiment.yaml)" "$(accuracy "$out/sentiment")" 0.95
printf 'the plot was not dull\nthe acting was great but the ending was not good\nthe film was moving\n' > "$out/reviews.txt"
"$bin" predict "$out/reviews.txt" --run "$out/sentiment" --output "$out/reviews.csv"
classes=$(sed 1d "$out/reviews.csv" | cut -d, -f2 | tr '\n' ' ')
[ "$classes" = "1 0 1 " ] || { echo "integration: descent predict on texts gave classes '$classes', expected '1 0 1 '" >&2; exit 1; }
echo "integration: descent predict on three new reviews: positive, negative, positive: ok"

# Every zoo model exported to ONNX (reference inputs and outputs written by the test suite's debug build) must run in
# ONNX Runtime and agree with Descent within 1e-4 relative (needs Python's onnx and onnxruntime, oracles only).
if python3 -c "import onnx, onnxruntime" 2> /dev/null; then
  DESCENT_ONNX_REFERENCE_DIR="$out/onnx" swift test --skip-build --filter writesReferenceFiles > "$out/onnx-tests.log"
  python3 Tests/Fixtures/check_onnx_export.py "$out/onnx" | tail -3
  echo "integration: every exported zoo model agrees with ONNX Runtime: ok"
else
  echo "integration: skipped the ONNX Runtime comparison: python3 lacks onnx or onnxruntime (pip install onnx onnxruntime)"
fi
