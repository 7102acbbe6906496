#!/usr/bin/env bash
# Sets up a fresh machine (scripts/setup.sh), builds Descent in release mode and runs the main job
# (offline, on built-in data). Extra arguments go to the `descent` command line instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product descent
if [ $# -eq 0 ]; then set -- train; fi
exec "$(swift build -c release --show-bin-path)/descent" "$@"
