#!/usr/bin/env bash
# Resource errors (issue 16): `descent train` on an output location it cannot use must fail with one line, at
# once or before training where that can be known, and never leave a half-written file in place of a good one.
# - an output folder that cannot be created (a path through a file): one-line error, no training;
# - a file-size limit (`ulimit -f`) below a checkpoint's size: the write fails with "File too large" (the CLI
#   ignores SIGXFSZ), status 1, no temporary file left;
# - with a small tmpfs (when this user may mount one; else said and skipped): a file system too small for the
#   run is refused before training; a file system that fills up during training (a filler file written once
#   the first checkpoint exists) fails the next checkpoint write with "No space left on device", leaves the
#   latest checkpoint loadable and no temporary file, and after space is freed `--resume` finishes with
#   weights bitwise equal to an uninterrupted run.
# Usage: scripts/resource-check.sh [path/to/descent]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/descent}"
out="$(mktemp -d)"
mnt=""
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  if [ -n "$mnt" ]; then umount "$mnt" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT
fail() { echo "resource-check: $*" >&2; exit 1; }
args=(train --threads 2 --set data.train_samples=3000 --set training.epochs=3 --set checkpoint.every_steps=5
  --set tensorboard=false)
one_error_line() {  # one_error_line LOG PATTERN: the log ends with exactly one "Error: " line matching PATTERN
  local n
  n=$(grep -c '^Error: ' "$1" || true)
  [ "$n" -eq 1 ] || fail "expected one error line in $1, found $n: $(cat "$1")"
  grep -q "^Error: .*$2" "$1" || fail "the error in $1 does not say '$2': $(grep '^Error: ' "$1")"
}
no_temporaries() {
  local left
  left=$(find "$1" \( -name '.*.tmp-*' -o -name '*.partial' \) 2>/dev/null | head -3)
  [ -z "$left" ] || fail "temporary files or unfinished checkpoints left behind: $left"
}

# 1. An output folder inside a file.
touch "$out/file"
status=0
"$bin" "${args[@]}" --output "$out/file/run" > "$out/notdir.log" 2>&1 || status=$?
[ "$status" -ne 0 ] || fail "training into a folder inside a file succeeded"
one_error_line "$out/notdir.log" "cannot create the output folder: Not a directory"
! grep -q '^epoch ' "$out/notdir.log" || fail "training started although the output folder cannot be created"
echo "resource-check: output folder inside a file: '$(grep '^Error: ' "$out/notdir.log")' before training: ok"

# The uninterrupted reference.
"$bin" "${args[@]}" --output "$out/reference" > "$out/reference.log"

# 2. A file-size limit below a checkpoint's size (blocks of 1,024 bytes): the first checkpoint write fails.
status=0
(ulimit -f 256 && exec "$bin" "${args[@]}" --output "$out/limited") > "$out/limited.log" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "under ulimit -f 256 the run exited with status $status (expected 1): $(tail -3 "$out/limited.log")"
one_error_line "$out/limited.log" "File too large"
no_temporaries "$out/limited"
echo "resource-check: ulimit -f 256 KiB: '$(grep '^Error: ' "$out/limited.log" | cut -c1-160)…', status 1, no temporary file or unfinished checkpoint: ok"

# 3. A small file system.
mnt="$out/mnt"
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
  mnt=""
  echo "resource-check: skipped the full-file-system checks: this user cannot mount a tmpfs (run as root to include them)"
  exit 0
fi
status=0
"$bin" "${args[@]}" --output "$mnt/run" > "$out/small.log" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "on a 256 KiB file system the run exited with status $status (expected 1)"
one_error_line "$out/small.log" "not enough space for the run"
! grep -q '^epoch ' "$out/small.log" || fail "training started on a file system too small for its checkpoints"
echo "resource-check: 256 KiB file system: '$(grep '^Error: ' "$out/small.log" | cut -c1-200)' before training: ok"
umount "$mnt"

# The file system fills up during training.
mount -t tmpfs -o size=64m tmpfs "$mnt"
run="$mnt/run"
"$bin" "${args[@]}" --output "$run" > "$out/full.log" 2>&1 &
pid=$!
while [ ! -f "$run/checkpoints/latest" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
kill -0 "$pid" 2>/dev/null || fail "the run ended before its first checkpoint could be followed by a full disk"
dd if=/dev/zero of="$mnt/filler" bs=64k > /dev/null 2>&1 || true  # until the file system is full
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 1 ] || fail "with the file system full the run exited with status $status (expected 1): $(tail -3 "$out/full.log")"
one_error_line "$out/full.log" "No space left on device"
no_temporaries "$mnt"
rm -f "$mnt/filler"
"$bin" train --resume "$run" > "$out/resume.log" 2>&1 || fail "--resume after the full disk failed: $(tail -3 "$out/resume.log")"
grep -q '^resuming from ' "$out/resume.log" || fail "--resume did not load a checkpoint"
cmp -s "$out/reference/model.safetensors" "$run/model.safetensors" \
  || fail "after the full disk and --resume the final weights differ from the uninterrupted run"
echo "resource-check: file system full during training: '$(grep '^Error: ' "$out/full.log" | cut -c1-120)…', status 1," \
  "no temporary file; $(grep '^resuming from ' "$out/resume.log" | sed 's|.*(|(|'), final weights bitwise equal: ok"
