#!/usr/bin/env bash
# Builds and tests Descent as it is built where oneDNN and the C kernels are absent: the pure-Swift kernels and
# GEMM (the code paths of other platforms), with DESCENT_PORTABLE=1 and a build folder of its own. The suites
# that test the C kernels themselves are left out by the build; every other test must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
export DESCENT_PORTABLE=1
swift build --build-tests --build-path .build-portable
swift test --skip-build --build-path .build-portable "$@"
