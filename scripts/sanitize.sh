#!/usr/bin/env bash
# The whole test suite under a sanitizer: `scripts/sanitize.sh address` (AddressSanitizer) or
# `scripts/sanitize.sh thread` (ThreadSanitizer), built in its own folder (.build-address, .build-thread) so the
# normal build is untouched, and run one test at a time like scripts/test.sh. The tests that start the `descent`
# binary run the sanitized one too. Leak detection is off: the leaks LeakSanitizer reports come from Foundation's
# Process and Open MPI's start-up, which allocate once per process and never free (the subject here is memory
# errors and data races, which stay fatal).
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer="${1:-}"
case "$sanitizer" in
  address) export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" ;;
  # ThreadSanitizer cannot see the fork/join synchronisation inside libgomp (OpenMP, which oneDNN and
  # Parallel.forEachChunk share, is not instrumented), so every parallel kernel would be reported as a race; the
  # thread run uses the portable build, whose Parallel.forEachChunk runs on Dispatch, which TSan understands.
  thread) export TSAN_OPTIONS="halt_on_error=1:${TSAN_OPTIONS:-}" DESCENT_PORTABLE=1 ;;
  *) echo "sanitize: usage: scripts/sanitize.sh address|thread" >&2; exit 64 ;;
esac
bash scripts/setup.sh
swift build --build-tests --sanitize="$sanitizer" --build-path ".build-$sanitizer"
swift test --skip-build --sanitize="$sanitizer" --build-path ".build-$sanitizer" --no-parallel
