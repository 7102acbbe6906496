#!/usr/bin/env bash
# Sets up a fresh machine (scripts/setup.sh) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
# One test at a time: several suites seed or draw from the documented process-wide defaults (the default random
# generator, the thread count), so two of them interleaving could make a reproducibility check flaky.
swift test --skip-build --no-parallel "$@"
