#!/usr/bin/env bash
# Configures and builds trnsim (Release, warnings as errors) into build/.
# Usage: scripts/build.sh [--no-tests]   (--no-tests: the tool only, no GoogleTest suites)
set -euo pipefail
cd "$(dirname "$0")/.."
TESTS=ON
for arg in "$@"; do
  case "$arg" in
    --no-tests) TESTS=OFF ;;
    *) echo "scripts/build.sh: unknown option $arg (known: --no-tests)" >&2; exit 2 ;;
  esac
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTRNSIM_WERROR=ON -DTRNSIM_TESTS="$TESTS" >/dev/null
cmake --build build -j"$(nproc)"
