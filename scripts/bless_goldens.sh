#!/usr/bin/env bash
# Re-blesses the end-to-end goldens traces/golden/<trace>.<target>.json (key stats of every trace
# in traces/ on trn1, trn2 and trn3) from the current simulator. This is the only way to change
# them: tests/traces/golden_test.cc compares fresh runs to them exactly (1e-9 relative).
# A re-bless changes what the simulator is held to: the commit that carries it must say why
# the numbers moved (which model change, and that the new numbers were checked).
# Usage: scripts/bless_goldens.sh [build dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
cmake --build "$BUILD" --target traces_tests -j2
rm -f traces/golden/*.json
TRNSIM_BLESS_GOLDENS=1 "$BUILD/tests/traces_tests" --gtest_filter='Goldens.EveryTrace*'
"$BUILD/tests/traces_tests" --gtest_filter='Goldens.*'
git status --short traces/golden || true
