#!/usr/bin/env bash
# Checks the formatting of every Swift file against .swift-format (4 spaces, 120 columns) with the toolchain's
# swift-format; `swift format -i -r -p Sources Tests Package.swift` fixes what it reports.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict -r -p Sources Tests Package.swift
echo "lint: swift-format finds nothing to change"
