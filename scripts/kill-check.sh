#!/usr/bin/env bash
# Crash safety under repeated SIGKILL: one `descent train` run (checkpoints every 5 steps, so that many kills land
# while a checkpoint is being written) is killed with SIGKILL at a random moment, resumed with
# `descent train --resume`, killed again, and so on, KILLS times in a row; then it is left to finish. Every resume
# must load the latest checkpoint (a resume that fails for any reason but the next kill fails the check), and the
# finished run's weights must be bitwise equal to an uninterrupted run's with the same seed.
# Usage: scripts/kill-check.sh [--kills N] [path/to/descent]   (default 50 kills)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=50
if [ "${1:-}" = --kills ]; then kills="$2"; shift 2; fi
bin="${1:-$(swift build -c release --show-bin-path)/descent}"
out="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT
args=(train --threads 2 --set data.train_samples=3000 --set training.epochs=3 --set checkpoint.every_steps=5
  --set tensorboard=false)

start=$(date +%s%N)
"$bin" "${args[@]}" --output "$out/reference" > "$out/reference.log"
seconds=$(awk -v n="$(( $(date +%s%N) - start ))" 'BEGIN { printf "%.3f", n / 1e9 }')

run="$out/killed"
done_kills=0 before_first=0 resumes=0 status=0
"$bin" "${args[@]}" --output "$run" > "$out/run-0.log" 2>&1 &
pid=$!
while true; do
  if [ "$done_kills" -lt "$kills" ]; then
    # A random moment within the first 8% of a whole run's time (start-up included), so that KILLS kills spread
    # over the run and many land in a checkpoint write.
    sleep "$(awk -v s="$seconds" -v r="$RANDOM" 'BEGIN { printf "%.3f", s * (0.01 + 0.07 * r / 32767) }')"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  status=0
  { wait "$pid"; } 2>/dev/null || status=$?
  pid=""
  if [ "$status" -eq 0 ]; then break; fi
  if [ "$status" -ne 137 ]; then
    echo "kill-check: after $done_kills kills the run exited with status $status (not a kill):" >&2
    cat "$out/run-$resumes.log" >&2
    exit 1
  fi
  done_kills=$((done_kills + 1))
  if [ ! -f "$run/checkpoints/latest" ]; then
    # Killed before its first checkpoint: nothing to resume yet, the run starts again.
    before_first=$((before_first + 1))
    rm -rf "$run"
    "$bin" "${args[@]}" --output "$run" > "$out/run-$resumes.log" 2>&1 &
  else
    resumes=$((resumes + 1))
    "$bin" train --resume "$run" > "$out/run-$resumes.log" 2>&1 &
  fi
  pid=$!
done

if ! cmp -s "$out/reference/model.safetensors" "$run/model.safetensors"; then
  echo "kill-check: after $done_kills SIGKILLs and $resumes resumes the final weights differ from the uninterrupted run" >&2
  exit 1
fi
echo "kill-check: $done_kills SIGKILLs at random moments of a ${seconds}s run ($before_first before the first checkpoint), $resumes resumes" \
  "each loading the latest checkpoint, 0 failures; final weights bitwise equal to the uninterrupted run: ok"
