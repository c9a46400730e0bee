#!/usr/bin/env bash
# Builds trnsim and runs every test (C++ GoogleTest suites and the Python NKI suite) via ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
