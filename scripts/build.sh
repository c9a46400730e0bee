#!/usr/bin/env bash
# Configures and builds trnsim (Release, warnings as errors) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTRNSIM_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
