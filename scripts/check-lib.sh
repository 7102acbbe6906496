# shellcheck shell=bash
# Sourced by the end-to-end check scripts: `check_setup [BINARY] [KEEP]` sets
#   bin: the descent binary given, else that of a fresh release build;
#   out: the folder KEEP (created and kept) when given, else a temporary folder removed when the script exits.
check_setup() {
  if [ -n "${1:-}" ]; then
    bin="$1"
  else
    swift build -c release --product descent
    bin="$(swift build -c release --show-bin-path)/descent"
  fi
  if [ -n "${2:-}" ]; then
    out="$2"; mkdir -p "$out"
  else
    out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
  fi
}
