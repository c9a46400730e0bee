#!/usr/bin/env bash
# Configures and builds the sanitizer + fuzzing build (clang, ASan + UBSan, libFuzzer targets)
# into build-sanitize/ (or $TRNSIM_SANITIZE_DIR). Targets: all by default, or the ones named.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${TRNSIM_SANITIZE_DIR:-build-sanitize}"
# Warnings are the Release build's job (-Werror there); clang's differ, so they do not fail here.
CC=clang CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRNSIM_WERROR=OFF \
  -DTRNSIM_FUZZ=ON >/dev/null
if [ "$#" -gt 0 ]; then
  cmake --build "$dir" -j"$(nproc)" --target "$@"
else
  cmake --build "$dir" -j"$(nproc)"
fi
