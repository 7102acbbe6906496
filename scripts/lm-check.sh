#!/usr/bin/env bash
# End-to-end check of the character-level language model on a release build, with Debian's fortunes
# (scripts/setup.sh installs them): a small LSTM trained for 6 epochs on two fortune files (about 80,000
# characters; under 2 minutes on a quiet 2-core machine) must reach a held-out test perplexity of at most
# 0.75 × the unigram baseline's (the training characters' frequencies, add-one smoothing, on the same test
# characters); `descent generate` with a seed must print the same text twice, of the prompt's length plus
# --length characters; and `descent evaluate --run` must give the test perplexity that training reported.
# Usage: scripts/lm-check.sh [path/to/descent]   (LM_OUT=folder keeps the output there)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/check-lib.sh
check_setup "${1:-}" "${LM_OUT:-}"
corpus=/usr/share/games/fortunes
[ -f "$corpus/fortunes" ] || { echo "lm-check: no $corpus/fortunes (run scripts/setup.sh: apt-get install fortunes)" >&2; exit 1; }

cat > "$out/lm.yaml" <<YAML
seed: 1
data:
  dataset: text
  task: language_model
  path: $corpus
  files: [fortunes, literature]
  separator: "%"
  tokenizer: character
  sequence_length: 64
  validation_fraction: 0.1
  test_fraction: 0.1
  batch_size: 32
model: {name: rnn_lm, cell: lstm, embedding_dim: 32, hidden: 128}
optimizer: {name: adam, lr: 0.005}
training: {epochs: 6, clip_grad_norm: 5}
YAML
start=$(date +%s)
"$bin" train "$out/lm.yaml" --output "$out/run" > "$out/train.log"
echo "lm-check: trained in $(( $(date +%s) - start )) s: $(grep "^test perplexity" "$out/train.log" || true)"
value() { sed -n "s/^ *\"$1\" : \([0-9.e+-]*\).*/\1/p" "$out/run/metrics.json"; }
ppl=$(value perplexity); unigram=$(value unigramPerplexity)
if awk -v p="$ppl" -v u="$unigram" 'BEGIN { exit !(p > 0 && p <= 0.75 * u) }'; then
  echo "lm-check: test perplexity $ppl <= 0.75 x unigram baseline $unigram: ok"
else
  echo "lm-check: test perplexity '$ppl' is not at most 0.75 x the unigram baseline '$unigram'" >&2
  exit 1
fi

prompt="The "; length=120
"$bin" generate "$out/run" --prompt "$prompt" --length $length --temperature 0.8 --seed 7 > "$out/a.txt"
"$bin" generate "$out/run" --prompt "$prompt" --length $length --temperature 0.8 --seed 7 > "$out/b.txt"
cmp -s "$out/a.txt" "$out/b.txt" || { echo "lm-check: descent generate with --seed 7 printed two different texts" >&2; exit 1; }
chars=$(python3 -c 'import sys; print(len(sys.stdin.read()) - 1)' < "$out/a.txt" 2>/dev/null || true)
if [ -z "$chars" ]; then chars=$(( $(LC_ALL=C.UTF-8 wc -m < "$out/a.txt") - 1 )); fi
[ "$chars" -eq $(( ${#prompt} + length )) ] || {
  echo "lm-check: descent generate printed $chars characters, expected $(( ${#prompt} + length ))" >&2; exit 1; }
echo "lm-check: descent generate --seed 7 twice: the same $chars characters: ok"

evaluated=$("$bin" evaluate --run "$out/run" | sed -n 's/^perplexity \([0-9.]*\) .*/\1/p')
if awk -v e="$evaluated" -v p="$ppl" 'BEGIN { d = e - p; exit !(e != "" && d < 1e-3 * p && d > -1e-3 * p) }'; then
  echo "lm-check: descent evaluate --run: test perplexity $evaluated (training reported $ppl): ok"
else
  echo "lm-check: descent evaluate --run gives perplexity '$evaluated', training reported $ppl" >&2
  exit 1
fi
