#!/usr/bin/env bash
# Builds trnsim and runs every test (C++ GoogleTest suites and the Python NKI suite) via ctest,
# then the hostile-input checks: 300 mutated traces through the binary (scripts/mutate_traces.py)
# and, when clang is installed, every libFuzzer target for a bounded time (scripts/fuzz.sh).
#   scripts/test.sh [CTEST ARGS]       the above
#   scripts/test.sh --sanitize [ARGS]  the whole suite built with ASan + UBSan (clang, out of
#                                      tree in build-sanitize/), no fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
if [ "${1:-}" = "--sanitize" ]; then
  shift
  scripts/sanitize_build.sh
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  cd "${TRNSIM_SANITIZE_DIR:-build-sanitize}"
  exec ctest --output-on-failure -j"$(nproc)" "$@"
fi
scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)" "$@")
/usr/bin/python3 scripts/mutate_traces.py --count 300 --jobs "$(nproc)" --bin build/trnsim
if command -v clang++ >/dev/null; then
  scripts/fuzz.sh "${TRNSIM_CI_FUZZ_SECONDS:-100}"
fi
