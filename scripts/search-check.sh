#!/usr/bin/env bash
# End-to-end check of `descent search --resume` after SIGKILL: a small grid search (generated shapes, 4 trials,
# 3 epochs, 2 at a time) is killed with SIGKILL once results.json shows a trial done and one running that has
# saved a checkpoint, then resumed. The finished trials must not run again (their results.json entries, history.json, model.safetensors
# and train.log byte-for-byte unchanged), every trial must end `done` in results.json and results.csv, best.yaml
# and report.html must exist, and an uninterrupted search of the same space must give every trial the same
# metric. Then, with mpirun, a 4-trial search under `mpirun -np 2` must run trials on both ranks and finish.
# Usage: scripts/search-check.sh [path/to/descent]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/descent}"
out="$(mktemp -d)"
search_pid=""
strays=""
cleanup() {  # the killed search's trial processes, if any outlived it: only those whose command line names $out
  local p
  for p in $strays $(jq -r '.trials[].pid // empty' "$out/killed/results.json" 2>/dev/null || true); do
    if grep -qF -- "$out" "/proc/$p/cmdline" 2>/dev/null; then kill -9 "$p" 2>/dev/null || true; fi
  done
  if [ -n "$search_pid" ]; then kill -9 "$search_pid" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT
fail() { echo "search-check: $*" >&2; exit 1; }

args=(search --set data.train_samples=8000 --set data.test_samples=200 --set data.validation_fraction=0.2
      --set model.name=mlp --set 'model.hidden=[64]' --set training.epochs=3 --set report=false
      --grid optimizer.lr=0.1,0.01 --grid optimizer.name=sgd,adam --parallel 2 --threads-per-trial 1)
start=$(date +%s)
count() { jq "[.trials[] | select(.status == \"$1\")] | length" "$out/killed/results.json" 2>/dev/null || echo 0; }

checkpointed() {  # a running trial with a checkpoint
  local n
  for n in $(jq -r '.trials[] | select(.status == "running") | .number' "$out/killed/results.json" 2>/dev/null); do
    [ -f "$out/killed/trials/$(printf %03d "$n")/checkpoints/latest" ] && return 0
  done
  return 1
}

# Started outside this shell's jobs (so that bash reports no "Killed" job), then polled through /proc.
search_pid=$("$bin" "${args[@]}" --output "$out/killed" > "$out/killed.log" 2>&1 & echo $!)
seen=""
for _ in $(seq 1 1200); do  # at most 60 s
  if [ "$(count done)" -ge 1 ] && checkpointed; then seen=1; break; fi
  [ -d "/proc/$search_pid" ] || break
  sleep 0.05
done
[ -n "$seen" ] || fail "never saw a trial done and a running one with a checkpoint; log:
$(cat "$out/killed.log")"
strays=$(pgrep -P "$search_pid" || true)
kill -9 "$search_pid"
for _ in $(seq 1 100); do [ -d "/proc/$search_pid" ] || break; sleep 0.05; done
search_pid=""
[ "$(count running)" -ge 1 ] || fail "no trial was running when the search was killed"
done_trials=$(jq -r '.trials[] | select(.status == "done") | .number' "$out/killed/results.json")
echo "search-check: SIGKILL after $(( $(date +%s) - start )) s with trials $(echo $done_trials) done," \
     "$(count running) running"

fingerprint() {  # the done trials' results.json entries and the hashes of their files
  local n folder
  for n in $done_trials; do
    jq -c ".trials[] | select(.number == $n)" "$out/killed/results.json"
    folder="$out/killed/trials/$(printf %03d "$n")"
    sha256sum "$folder/history.json" "$folder/model.safetensors" "$folder/train.log"
  done
}
before=$(fingerprint)

"$bin" search --resume "$out/killed" > "$out/resumed.log" 2>&1 || fail "the resumed search failed:
$(cat "$out/resumed.log")"
after=$(fingerprint)
[ "$before" = "$after" ] || fail "finished trials changed on --resume:
before: $before
after:  $after"
echo "search-check: resumed; the finished trials were not run again (results and files byte-for-byte equal): ok"

[ "$(count done)" -eq 4 ] || fail "after --resume $(count done) of 4 trials are done"
rows=$(tail -n +2 "$out/killed/results.csv" | grep -c ',done,' || true)
[ "$rows" -eq 4 ] || fail "results.csv has $rows done rows, expected 4"
for f in best.yaml report.html test.txt; do [ -s "$out/killed/$f" ] || fail "the search folder lacks $f"; done
grep -q '^trial  ' "$out/resumed.log" || fail "the resumed search printed no final table"
echo "search-check: all 4 trials done in results.json and results.csv; best.yaml, test.txt, report.html: ok"

"$bin" "${args[@]}" --output "$out/reference" > "$out/reference.log" 2>&1 || fail "the reference search failed"
metrics() { jq -c '[.trials[] | {number, parameters, status, metric, bestEpoch, epochs}]' "$1/results.json"; }
[ "$(metrics "$out/killed")" = "$(metrics "$out/reference")" ] || fail "the resumed search's metrics differ:
resumed:       $(metrics "$out/killed")
uninterrupted: $(metrics "$out/reference")"
echo "search-check: the uninterrupted search gives every trial the same metric: ok" \
     "($(( $(date +%s) - start )) s in all)"

# `mpirun -np 2 descent search`: rank 0 schedules and writes, both ranks run trials (skipped without mpirun).
if command -v mpirun > /dev/null; then
  mpi_start=$(date +%s)
  if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
  timeout 120 mpirun -np 2 --oversubscribe "$bin" search --set data.train_samples=600 --set data.test_samples=100 \
      --set model.name=mlp --set 'model.hidden=[16]' --set training.epochs=1 --set report=false \
      --grid optimizer.lr=0.1,0.01,0.001,0.0001 --output "$out/mpi" > "$out/mpi.log" 2>&1 \
    || fail "mpirun -np 2 descent search failed:
$(cat "$out/mpi.log")"
  [ "$(jq '[.trials[] | select(.status == "done")] | length' "$out/mpi/results.json")" -eq 4 ] \
    || fail "under mpirun not every trial is done: $(jq -c '[.trials[].status]' "$out/mpi/results.json")"
  grep -q 'running on rank 1' "$out/mpi.log" || fail "no trial ran on rank 1:
$(cat "$out/mpi.log")"
  grep -q 'running on rank 0' "$out/mpi.log" || fail "no trial ran on rank 0"
  for f in best.yaml test.txt; do [ -s "$out/mpi/$f" ] || fail "the MPI search folder lacks $f"; done
  echo "search-check: mpirun -np 2: 4 trials done on ranks 0 and 1, results on rank 0: ok" \
       "($(( $(date +%s) - mpi_start )) s)"
else
  echo "search-check: skipped the MPI search: no mpirun"
fi
