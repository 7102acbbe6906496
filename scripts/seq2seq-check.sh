#!/usr/bin/env bash
# Sequence to sequence on a release build: examples/seq2seq-numbers.yaml at a small size (20,000 numbers, 1,000 of
# them for validation, 2 epochs, 1,000 test numbers; 20-26 s on one thread of the loaded development machine) must
# spell at least 90% of the held-out test numbers exactly by greedy decoding (94.80% on the development machine),
# write the exact match, token accuracy and perplexity to metrics.json and the vocabulary to tokenizer.json, and
# `descent evaluate --run` on the saved run must give the same exact match; `descent predict --run` must spell
# the numbers of a text file, one row each.
# Usage: scripts/seq2seq-check.sh [path/to/descent]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/check-lib.sh
check_setup "${1:-}"
minimum=0.90

start=$(date +%s)
"$bin" train examples/seq2seq-numbers.yaml --set data.train_samples=20000 --set data.test_samples=1000 \
  --set training.epochs=2 --output "$out/run" > "$out/train.log"
echo "seq2seq-check: trained and tested in $(( $(date +%s) - start )) s"
field() { sed -n "s/^ *\"$1\" : \([0-9.e+-]*\).*/\1/p" "$out/run/metrics.json"; }
exact=$(field exactMatch)
[ -n "$exact" ] && [ -n "$(field tokenAccuracy)" ] && [ -n "$(field perplexity)" ] \
  || { echo "seq2seq-check: metrics.json lacks exactMatch, tokenAccuracy or perplexity" >&2; exit 1; }
[ -s "$out/run/tokenizer.json" ] || { echo "seq2seq-check: the run folder lacks tokenizer.json" >&2; exit 1; }
grep -q '^test exact match ' "$out/train.log" \
  || { echo "seq2seq-check: descent train printed no test exact match" >&2; exit 1; }
if awk -v e="$exact" -v m="$minimum" 'BEGIN { exit !(e >= m) }'; then
  echo "seq2seq-check: test exact match $exact >= $minimum: ok ($(grep '^test exact match ' "$out/train.log"))"
else
  echo "seq2seq-check: test exact match $exact is below $minimum" >&2
  exit 1
fi

evaluated=$("$bin" evaluate --run "$out/run" | sed -n 's/^exact match \([0-9.]*\)%.*/\1/p')
if awk -v e="$evaluated" -v a="$exact" 'BEGIN { d = e / 100 - a; exit !(d < 1e-4 && d > -1e-4) }'; then
  echo "seq2seq-check: descent evaluate --run on the saved weights: ${evaluated}%: ok"
else
  echo "seq2seq-check: descent evaluate gives '${evaluated}'%, training reported $exact" >&2
  exit 1
fi

printf '40213\n123456\n' > "$out/numbers.txt"
"$bin" predict "$out/numbers.txt" --run "$out/run" --output "$out/spelled.csv" 2> /dev/null
rows=$(( $(wc -l < "$out/spelled.csv") - 1 ))
[ "$rows" -eq 2 ] || { echo "seq2seq-check: descent predict wrote $rows rows for 2 numbers" >&2; exit 1; }
echo "seq2seq-check: descent predict --run spells a file of numbers: ok ($(sed -n 2p "$out/spelled.csv"))"

# The same run exported to ONNX: ONNX Runtime's greedy decoding (the graph's Loop) must spell the numbers as
# `descent predict` did (needs Python's onnx and onnxruntime, oracles only).
if python3 -c "import onnx, onnxruntime" 2> /dev/null; then
  "$bin" export "$out/run" --output "$out/seq2seq.onnx" > /dev/null
  python3 Tests/Fixtures/check_onnx_export.py --spellings "$out/seq2seq.onnx" "$out/numbers.txt" "$out/spelled.csv"
  echo "seq2seq-check: ONNX Runtime decodes the exported run as descent predict does: ok"
else
  echo "seq2seq-check: skipped the ONNX Runtime comparison: python3 lacks onnx or onnxruntime (pip install onnx onnxruntime)"
fi
