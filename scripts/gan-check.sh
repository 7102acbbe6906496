#!/usr/bin/env bash
# GAN checks (issue 17) on a release build. Usage: scripts/gan-check.sh [path/to/descent]
# 1. kill -9 and resume: a tiny conditional DCGAN on generated shapes, killed with SIGKILL at a random moment and
#    resumed with `descent gan train --resume`, ends with both models bitwise equal to an uninterrupted run.
# 2. With MNIST under $DESCENT_DATA (else skipped, with the reason): examples/gan-mnist.yaml (conditional, widths
#    32, batch 64) for one epoch of MNIST's 60,000 training images (937 steps; GAN_SAMPLES and GAN_EPOCHS change
#    it). Shorter runs do not learn the conditioning: with widths 16 and batch 32, 512 steps on 8,192 images gave
#    a classifier agreement of 13.5 % (chance 10 %), and 1,024 steps on 16,384 images a grid without one class per
#    column. Then
#    - the discriminator's accuracy on held-out real test images against as many fakes is away from chance
#      (>= 0.6);
#    - the fixed-noise samples are not constant: the mean over pixels of their variance across samples is >= 0.01
#      (real MNIST digits: about 0.09);
#    - an MLP trained by Descent on real MNIST (2 epochs, about 97% test accuracy) labels the generator's
#      conditional samples as the class they were asked for: the share is printed and must be >= MIN_AGREEMENT.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/descent}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
min_agreement="${GAN_MIN_AGREEMENT:-0.5}"

# --- 1. kill -9 during GAN training, resume, compare.
cat > "$out/tiny.yaml" <<'YAML'
seed: 5
report: false
data: {dataset: shapes, train_samples: 512, batch_size: 32, workers: 1}
model: {latent: 16, generator_features: 8, discriminator_features: 8}
training: {epochs: 3, log_every: 0, grid_samples: 20, evaluate_samples: 100}
checkpoint: {every_steps: 3}
YAML
start=$(date +%s%N)
"$bin" gan train "$out/tiny.yaml" --threads 2 --output "$out/reference" > "$out/reference.log"
nanoseconds=$(( $(date +%s%N) - start ))
delay=$(awk -v n="$nanoseconds" -v r="$RANDOM" 'BEGIN { printf "%.2f", n / 1e9 * (0.2 + 0.5 * r / 32767) }')
"$bin" gan train "$out/tiny.yaml" --threads 2 --output "$out/killed" > "$out/killed.log" 2>&1 &
pid=$!
sleep "$delay"
kill -KILL "$pid" 2>/dev/null || true
status=0
{ wait "$pid"; } 2>/dev/null || status=$?
latest="none"
[ -f "$out/killed/checkpoints/latest" ] && latest=$(cat "$out/killed/checkpoints/latest")
if [ ! -f "$out/killed/gan.json" ]; then
  echo "gan-check: killed after ${delay}s before the run folder was written; rerun" >&2
  exit 1
fi
"$bin" gan train --resume "$out/killed" > "$out/resumed.log"
for f in generator.safetensors discriminator.safetensors; do
  if ! cmp -s "$out/reference/$f" "$out/killed/$f"; then
    echo "gan-check: SIGKILL after ${delay}s (latest checkpoint $latest): resumed $f differs from the uninterrupted run" >&2
    exit 1
  fi
done
echo "gan-check: SIGKILL after ${delay}s of a $(awk -v n="$nanoseconds" 'BEGIN { printf "%.1f", n / 1e9 }') s GAN run (exit $status, latest checkpoint $latest), resumed: generator and discriminator bitwise equal to the uninterrupted run: ok"

# --- 2. MNIST.
data="${DESCENT_DATA:-}"
if [ -z "$data" ] || [ ! -f "$data/mnist/train-images-idx3-ubyte.gz" ]; then
  echo "gan-check: skipped the MNIST GAN: no mnist/train-images-idx3-ubyte.gz under DESCENT_DATA='${data}'"
  exit 0
fi
start=$(date +%s)
"$bin" gan train examples/gan-mnist.yaml --set data.directory="$data" --output "$out/gan" \
  --set data.train_samples="${GAN_SAMPLES:-60000}" --set training.epochs="${GAN_EPOCHS:-1}" \
  --set training.log_every=100 > "$out/gan.log"
gan_seconds=$(( $(date +%s) - start ))
tail -n 3 "$out/gan.log"
value() { sed -n "s/^ *\"$2\" : \([0-9.e+-]*\).*/\1/p" "$1/metrics.json"; }
accuracy=$(value "$out/gan" discriminatorAccuracy)
variance=$(value "$out/gan" sampleVariance)
for f in samples/epoch-001.png generator.safetensors discriminator.safetensors report.html history.json; do
  [ -s "$out/gan/$f" ] || { echo "gan-check: the GAN run folder lacks $f" >&2; exit 1; }
done
if awk -v a="$accuracy" 'BEGIN { exit !(a >= 0.6) }'; then
  echo "gan-check: discriminator accuracy on real vs fake test images $accuracy >= 0.6 (chance 0.5): ok"
else
  echo "gan-check: discriminator accuracy on real vs fake test images $accuracy is not away from chance" >&2
  exit 1
fi
if awk -v v="$variance" 'BEGIN { exit !(v >= 0.01) }'; then
  echo "gan-check: sample pixel variance across the fixed-noise samples $variance >= 0.01: ok"
else
  echo "gan-check: sample pixel variance $variance: the samples are (nearly) constant" >&2
  exit 1
fi

start=$(date +%s)
"$bin" train examples/mnist-mlp.yaml --set data.directory="$data" --set training.epochs=2 \
  --set data.validation_fraction=0.05 --set early_stopping=null --output "$out/classifier" > "$out/classifier.log"
echo "gan-check: classifier: $(grep '^test accuracy' "$out/classifier.log") ($(( $(date +%s) - start )) s)"
"$bin" gan sample "$out/gan" --count 1000 --output "$out/samples.npy" > /dev/null
[ -s "$out/samples.npy" ] && [ -s "$out/samples.labels.npy" ] && [ -s "$out/samples.png" ] \
  || { echo "gan-check: descent gan sample wrote no NPY files and grid" >&2; exit 1; }
line=$("$bin" gan check "$out/gan" --classifier "$out/classifier" --count 1000)
echo "gan-check: $line"
agreement=$(echo "$line" | sed -n 's/^classifier agreement \([0-9.]*\)%.*/\1/p')
if awk -v a="$agreement" -v m="$min_agreement" 'BEGIN { exit !(a / 100 >= m) }'; then
  echo "gan-check: the classifier labels ${agreement}% of the conditional samples as intended (>= $min_agreement; GAN trained in ${gan_seconds} s): ok"
else
  echo "gan-check: the classifier labels only ${agreement}% of the conditional samples as intended (< $min_agreement)" >&2
  exit 1
fi
