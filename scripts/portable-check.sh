#!/usr/bin/env bash
# Builds and tests Descent as it is built where oneDNN is absent: the pure-Swift GEMM (the code path of platforms
# with neither oneDNN nor Accelerate), with DESCENT_PORTABLE=1 and a build folder of its own. Everything else,
# Descent's own C kernels (CDescentKernels) included, is the same as in the default build; every test must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
export DESCENT_PORTABLE=1
swift build --build-tests --build-path .build-portable
swift test --skip-build --no-parallel --build-path .build-portable "$@"  # one at a time, as scripts/test.sh
