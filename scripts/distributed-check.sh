#!/usr/bin/env bash
# End-to-end check of data-parallel training on Open MPI (README: Data-parallel training):
# - equivalence: `mpirun -np 2` (32 samples per rank) against one process, both with the global batch 64, the
#   same seed and 1 thread per process, for an MLP and a small CNN without batch norm, and a CNN with batch norm
#   under `training.sync_batch_norm: true` (SyncBatchNorm: statistics over the global batch; the layers before
#   batch norm without bias, whose gradient is zero up to rounding and which Adam would turn into ±lr steps of
#   pure rounding noise), on the generated shapes
#   (909 training samples, so the last batch of 13 splits 7/6): the final weights agree within 1e-4 (absolute;
#   the summation order of the gradient differs, see the README for why this bound) and the per-epoch
#   training and validation losses within 1e-4;
# - faults: one rank killed with SIGKILL mid-run (after the checkpoint of step 40 of 171) ends the job within 10 s with mpirun naming
#   the rank; `--resume` with 2 ranks, and with 1 (another N), completes and matches the uninterrupted run within
#   the same tolerance; SIGUSR1 to mpirun stops every rank after the same step with a checkpoint (status 130) and
#   --resume matches too; a rank that throws ends the job at once with an error naming it.
# Usage: scripts/distributed-check.sh [path/to/descent]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/descent}"
command -v mpirun > /dev/null || { echo "distributed-check: mpirun not found (scripts/setup.sh installs Open MPI)" >&2; exit 1; }
command -v pgrep > /dev/null || { echo "distributed-check: pgrep (procps) not found" >&2; exit 1; }
# Open MPI refuses to run as root without these (containers, CI).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out="$(mktemp -d)"
mpirun_pid=""
cleanup() {
  if [ -n "$mpirun_pid" ]; then kill -9 "$mpirun_pid" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT
tolerance=1e-4
mpi=(mpirun -np 2 --oversubscribe)

common='data:
  dataset: shapes
  train_samples: 1010
  validation_fraction: 0.1
  test_samples: 200
  batch_size: 64
optimizer:
  name: adam
  lr: 0.003
training:
  epochs: 2
threads: 1
seed: 11'
printf '%s\n%s\n' "$common" 'model:
  layers:
    - flatten
    - {name: linear, out_features: 64}
    - relu
    - {name: linear, out_features: classes}' > "$out/mlp.yaml"
printf '%s\n%s\n' "$common" 'model:
  layers:
    - {name: conv2d, out_channels: 8, kernel_size: 3, padding: 1}
    - relu
    - {name: max_pool2d, kernel_size: 2}
    - {name: conv2d, out_channels: 16, kernel_size: 3, padding: 1}
    - relu
    - {name: max_pool2d, kernel_size: 2}
    - flatten
    - {name: linear, out_features: classes}' > "$out/cnn.yaml"
printf '%s\n%s\n' "$common" 'model:
  layers:
    - {name: conv2d, out_channels: 8, kernel_size: 3, padding: 1, bias: false}
    - batch_norm2d
    - relu
    - {name: max_pool2d, kernel_size: 2}
    - flatten
    - {name: linear, out_features: 32, bias: false}
    - batch_norm1d
    - relu
    - {name: linear, out_features: classes}' > "$out/cnn-bn.yaml"

losses() { cut -d, -f2,4 "$1/log.csv" | tail -n +2 | tr ',\n' '  '; }
same_losses() {  # same_losses RUN_A RUN_B: per-epoch train and validation losses within the tolerance
  awk -v a="$(losses "$1")" -v b="$(losses "$2")" -v t="$tolerance" 'BEGIN {
    n = split(a, x, " "); m = split(b, y, " "); if (n != m || n == 0) exit 1
    for (i = 1; i <= n; i++) { d = x[i] - y[i]; if (d > t || d < -t) exit 1 } }'
}

for model in mlp cnn cnn-bn; do
  sync=(); [ "$model" = cnn-bn ] && sync=(--set training.sync_batch_norm=true)
  "$bin" train "$out/$model.yaml" --output "$out/$model-1" > "$out/$model-1.log"
  "${mpi[@]}" "$bin" train "$out/$model.yaml" "${sync[@]}" --output "$out/$model-2" > "$out/$model-2.log" 2>&1 \
    || { cat "$out/$model-2.log" >&2; exit 1; }
  diff=$("$bin" compare-weights "$out/$model-1/model.safetensors" "$out/$model-2/model.safetensors" --tolerance "$tolerance")
  same_losses "$out/$model-1" "$out/$model-2" || {
    echo "distributed-check: $model: the loss curves differ: $(losses "$out/$model-1") / $(losses "$out/$model-2")" >&2
    exit 1
  }
  echo "distributed-check: $model, 2 ranks x 32 against 1 process x 64: $diff; losses within $tolerance: ok"
done

# Faults. The reference: the MLP, uninterrupted, one process, 3 epochs of 3,600 samples.
args=(--set data.train_samples=4000 --set training.epochs=3 --set checkpoint.every_steps=10)
"$bin" train "$out/mlp.yaml" "${args[@]}" --output "$out/reference" > "$out/reference.log"
"${mpi[@]}" "$bin" train "$out/mlp.yaml" "${args[@]}" --output "$out/killed" > "$out/killed.log" 2>&1 &
mpirun_pid=$!
# Kill rank 1 mid-run: once the checkpoint of step 40 or later is complete (of 171 steps).
step() { sed -n 's/^step-0*\([0-9][0-9]*\)$/\1/p' "$out/killed/checkpoints/latest" 2>/dev/null || true; }
for _ in $(seq 600); do [ "$(step)" -ge 40 ] 2>/dev/null && break; sleep 0.05; done
[ "$(step)" -ge 40 ] 2>/dev/null || { echo "distributed-check: no checkpoint of step 40 appeared" >&2; exit 1; }
victim=""
for p in $(pgrep -P "$mpirun_pid" || true); do
  if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then victim=$p; fi
done
[ -n "$victim" ] || { echo "distributed-check: rank 1 not found among mpirun's children" >&2; exit 1; }
kill -KILL "$victim"
start=$(date +%s%N)
status=0
wait "$mpirun_pid" || status=$?
mpirun_pid=""
ms=$(( ($(date +%s%N) - start) / 1000000 ))
latest=$(cat "$out/killed/checkpoints/latest")
if [ "$status" -eq 0 ] || [ "$ms" -gt 10000 ] || ! grep -q "rank 1" "$out/killed.log"; then
  echo "distributed-check: after SIGKILL of rank 1 mpirun ended with status $status after $ms ms" >&2
  cat "$out/killed.log" >&2
  exit 1
fi
echo "distributed-check: rank 1 killed (SIGKILL) after $latest: the job ended in $ms ms (status $status), naming rank 1: ok"
cp -r "$out/killed" "$out/killed-1"
for n in 2 1; do
  run="$out/killed"; [ "$n" = 1 ] && run="$out/killed-1"
  mpirun -np "$n" --oversubscribe "$bin" train --resume "$run" > "$run-resumed.log" 2>&1 \
    || { cat "$run-resumed.log" >&2; exit 1; }
  diff=$("$bin" compare-weights "$out/reference/model.safetensors" "$run/model.safetensors" --tolerance "$tolerance")
  echo "distributed-check: resumed with $n rank(s) from $latest, against the uninterrupted run: $diff: ok"
done

# A graceful stop: mpirun forwards SIGUSR1 to every rank (SIGINT makes it end the job at once); the ranks agree
# on the step to stop after, rank 0 checkpoints it, the job exits with 130, and --resume ends like the reference.
"${mpi[@]}" "$bin" train "$out/mlp.yaml" "${args[@]}" --output "$out/stopped" > "$out/stopped.log" 2>&1 &
mpirun_pid=$!
for _ in $(seq 600); do [ -f "$out/stopped/checkpoints/latest" ] && break; sleep 0.05; done
kill -USR1 "$mpirun_pid"
status=0
wait "$mpirun_pid" || status=$?
mpirun_pid=""
if [ "$status" -ne 130 ] || ! grep -q "^interrupted at step" "$out/stopped.log"; then
  echo "distributed-check: after SIGUSR1 mpirun ended with status $status, expected 130" >&2
  cat "$out/stopped.log" >&2
  exit 1
fi
mpirun -np 2 --oversubscribe "$bin" train --resume "$out/stopped" > "$out/stopped-resumed.log" 2>&1 \
  || { cat "$out/stopped-resumed.log" >&2; exit 1; }
diff=$("$bin" compare-weights "$out/reference/model.safetensors" "$out/stopped/model.safetensors" --tolerance "$tolerance")
echo "distributed-check: SIGUSR1 to mpirun: $(grep -m1 "^interrupted at step" "$out/stopped.log" | cut -d';' -f1), exit 130; resumed: $diff: ok"

# A rank that throws (rank 1 gets a config its data cannot satisfy) ends the job at once, naming the rank.
status=0
mpirun -np 1 "$bin" train "$out/mlp.yaml" --output "$out/failed" : \
  -np 1 "$bin" train "$out/mlp.yaml" --output "$out/failed" --set data.path=/nonexistent.csv --dataset csv \
  > "$out/failed.log" 2>&1 || status=$?
if [ "$status" -eq 0 ] || ! grep -q "descent train: rank 1: " "$out/failed.log"; then
  echo "distributed-check: a failing rank 1 gave status $status" >&2
  cat "$out/failed.log" >&2
  exit 1
fi
echo "distributed-check: rank 1 failing ends the job (status $status): $(grep -m1 "descent train: rank 1: " "$out/failed.log")"
