#!/usr/bin/env bash
# End-to-end check of checkpoints and resume: a run killed with SIGKILL at a random moment, and a run stopped
# with Ctrl-C (SIGINT, three times), each resumed with `descent train --resume`, must end with weights bitwise equal to an
# uninterrupted run with the same seed. Usage: scripts/resume-check.sh [path/to/descent]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/descent}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
args=(train --threads 2 --set data.train_samples=4000 --set training.epochs=3 --set checkpoint.every_steps=15)

start=$(date +%s%N)
"$bin" "${args[@]}" --output "$out/reference" > "$out/reference.log"
nanoseconds=$(( $(date +%s%N) - start ))

interrupt() {  # interrupt SIGNAL NAME: start a run, send SIGNAL at a random moment, resume it, compare weights
  local signal=$1 name=$2 delay status
  delay=$(awk -v n="$nanoseconds" -v r="$RANDOM" 'BEGIN { printf "%.2f", n / 1e9 * (0.15 + 0.6 * r / 32767) }')
  "$bin" "${args[@]}" --output "$out/$name" > "$out/$name.log" 2>&1 &
  local pid=$!
  sleep "$delay"
  kill "-$signal" "$pid" 2>/dev/null || true
  status=0
  { wait "$pid"; } 2>/dev/null || status=$?
  local latest="none"
  [ -f "$out/$name/checkpoints/latest" ] && latest=$(cat "$out/$name/checkpoints/latest")
  if [ "$signal" = INT ] && [ "$status" -ne 130 ] && [ "$status" -ne 0 ]; then
    echo "resume-check: after Ctrl-C the run exited with status $status, expected 130" >&2
    cat "$out/$name.log" >&2
    exit 1
  fi
  "$bin" train --resume "$out/$name" > "$out/$name-resumed.log"
  if cmp -s "$out/reference/model.safetensors" "$out/$name/model.safetensors"; then
    echo "resume-check: SIG$signal after ${delay}s (exit $status, latest checkpoint $latest), resumed: final weights bitwise equal to the uninterrupted run: ok"
  else
    echo "resume-check: SIG$signal after ${delay}s (latest checkpoint $latest): resumed weights differ from the uninterrupted run" >&2
    exit 1
  fi
}

interrupt KILL killed
for n in 1 2 3; do interrupt INT "interrupted-$n"; done
