#!/usr/bin/env bash
# Crash safety under repeated SIGKILL: a job is killed with SIGKILL at a random moment (every process of it: the
# signal goes to its whole session), resumed, killed again, and so on, KILLS times in a row; then it is left to
# finish. Every resume must load what the job saved (a resume that fails for any reason but the next kill fails
# the check), and the finished job must equal an uninterrupted one with the same seed bitwise.
# Modes:
#   train        `descent train` (checkpoints every 5 steps, so that many kills land in a checkpoint write),
#                resumed with `descent train --resume`; the final weights are compared;
#   search       `descent search` (a 4-trial grid, 2 trials at a time, each checkpointing every 5 steps), resumed
#                with `descent search --resume`; every trial's final weights and metric are compared;
#   distributed  `mpirun -np 2 descent train` (data-parallel, checkpoints every 5 steps), resumed with
#                `mpirun -np 2 descent train --resume`; the final weights are compared.
# The kills fall at random moments between OFFSET and OFFSET + SPREAD of an uninterrupted job's time after each
# (re)start (SPREAD 0.07 by default, 0.3 for a search; --spread overrides it): a job killed KILLS times makes
# little progress per start; a larger spread kills fewer times before the job finishes.
# Usage: scripts/kill-check.sh [--mode train|search|distributed] [--kills N] [--spread F] [path/to/descent]
#        (default: train, 50 kills)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=50
mode=train
spread_override=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --spread) spread_override="$2"; shift 2 ;;
    *) break ;;
  esac
done
bin="${1:-$(swift build -c release --show-bin-path)/descent}"
out="$(mktemp -d)"
pid=""
offset=0.01
kill_job() { pkill -KILL -s "$1" 2>/dev/null || true; kill -KILL "$1" 2>/dev/null || true; }
cleanup() {
  if [ -n "$pid" ]; then kill_job "$pid"; fi
  rm -rf "$out"
}
trap cleanup EXIT

train_args=(train --threads 2 --set data.train_samples=3000 --set training.epochs=3 --set checkpoint.every_steps=5
  --set tensorboard=false)
case "$mode" in
  train)
    start_job() { "$bin" "${train_args[@]}" --output "$1"; }
    resume_job() { "$bin" train --resume "$1"; }
    saved() { [ -f "$1/checkpoints/latest" ]; }
    spread=0.07 ;;
  search)
    search_args=(search --set data.train_samples=4000 --set data.test_samples=200 --set model.name=mlp
      --set 'model.hidden=[64]' --set training.epochs=3 --set checkpoint.every_steps=5 --set report=false
      --set tensorboard=false --grid optimizer.lr=0.1,0.01 --grid optimizer.name=sgd,adam --parallel 2
      --threads-per-trial 1)
    start_job() { "$bin" "${search_args[@]}" --output "$1"; }
    resume_job() { "$bin" search --resume "$1"; }
    saved() { [ -f "$1/results.json" ]; }
    spread=0.3 ;;
  distributed)
    command -v mpirun > /dev/null || { echo "kill-check: mpirun not found (scripts/setup.sh installs Open MPI)" >&2; exit 1; }
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    mpi=(mpirun -np 2 --oversubscribe --mca mpi_yield_when_idle 1)
    start_job() { "${mpi[@]}" "$bin" "${train_args[@]}" --threads 1 --output "$1"; }
    resume_job() { "${mpi[@]}" "$bin" train --resume "$1"; }
    saved() { [ -f "$1/checkpoints/latest" ]; }
    offset=0.12 spread=0.15 ;;  # mpirun's start-up takes the first second or two
  *) echo "kill-check: unknown mode '$mode' (train, search or distributed)" >&2; exit 2 ;;
esac

spread="${spread_override:-$spread}"
# Each job runs in its own session (setsid), so one signal reaches all its processes (trials, ranks).
start=$(date +%s%N)
setsid bash -c "$(declare -f start_job); $(declare -p bin train_args ${search_args+search_args} ${mpi+mpi}); start_job \"\$1\"" _ \
  "$out/reference" > "$out/reference.log" 2>&1 || { cat "$out/reference.log" >&2; exit 1; }
seconds=$(awk -v n="$(( $(date +%s%N) - start ))" 'BEGIN { printf "%.3f", n / 1e9 }')

launch() {  # launch start|resume RUN LOG
  local fn=start_job
  [ "$1" = resume ] && fn=resume_job
  setsid bash -c "$(declare -f "$fn"); $(declare -p bin train_args ${search_args+search_args} ${mpi+mpi}); exec 2>&1; $fn \"\$1\"" _ \
    "$2" > "$3" 2>&1 &
  pid=$!
}

run="$out/killed"
done_kills=0 before_first=0 resumes=0 status=0
launch start "$run" "$out/run-0.log"
while true; do
  if [ "$done_kills" -lt "$kills" ]; then
    # A random moment within the first part of a whole job's time (start-up included), so that KILLS kills
    # spread over the job and many land in a checkpoint write.
    sleep "$(awk -v s="$seconds" -v o="$offset" -v f="$spread" -v r="$RANDOM" 'BEGIN { printf "%.3f", s * (o + f * r / 32767) }')"
    { kill_job "$pid"; } 2>/dev/null  # bash's "Killed" job notice goes too
  fi
  status=0
  { wait "$pid"; } 2>/dev/null || status=$?
  pid=""
  if [ "$status" -eq 0 ]; then break; fi
  if [ "$status" -ne 137 ]; then
    echo "kill-check ($mode): after $done_kills kills the job exited with status $status (not a kill):" >&2
    cat "$out/run-$resumes.log" >&2
    exit 1
  fi
  done_kills=$((done_kills + 1))
  if ! saved "$run"; then
    # Killed before anything was saved: nothing to resume yet, the job starts again.
    before_first=$((before_first + 1))
    rm -rf "$run"
    launch start "$run" "$out/run-$resumes.log"
  else
    resumes=$((resumes + 1))
    launch resume "$run" "$out/run-$resumes.log"
  fi
done

compared=""
case "$mode" in
  train|distributed)
    cmp -s "$out/reference/model.safetensors" "$run/model.safetensors" || {
      echo "kill-check ($mode): after $done_kills SIGKILLs and $resumes resumes the final weights differ from the uninterrupted run" >&2
      exit 1
    }
    compared="final weights" ;;
  search)
    for folder in "$out/reference/trials"/*/; do
      t=$(basename "$folder")
      cmp -s "$folder/model.safetensors" "$run/trials/$t/model.safetensors" || {
        echo "kill-check (search): trial $t's final weights differ from the uninterrupted search's" >&2
        exit 1
      }
      compared="$compared $t"
    done
    metrics() { jq -c '[.trials[] | {number, status, metric}]' "$1/results.json"; }
    [ "$(metrics "$out/reference")" = "$(metrics "$run")" ] || {
      echo "kill-check (search): results differ: $(metrics "$out/reference") vs $(metrics "$run")" >&2
      exit 1
    }
    compared="the weights of trials$compared and every trial's metric" ;;
esac
echo "kill-check ($mode): $done_kills SIGKILLs at random moments of a ${seconds}s job ($before_first before anything was saved)," \
  "$resumes resumes, 0 failures; $compared bitwise equal to the uninterrupted job: ok"
