#!/usr/bin/env bash
# Builds trnsim and runs every test (C++ GoogleTest suites, the Python NKI suite, 300 mutated
# traces) via ctest, then prints the calibration report (full-size calibration set, simulated vs
# measured; a benchmark that never gates: tests/nki/test_calibration.py checks that it runs),
# then, if $TRNSIM_CI_FUZZ_SECONDS is set and clang is installed, every libFuzzer target for
# that many seconds in total after replaying its corpus (scripts/fuzz.sh).
#   scripts/test.sh [CTEST ARGS]       the above
#   scripts/test.sh --sanitize [ARGS]  the whole suite built with ASan + UBSan (clang, out of
#                                      tree in build-sanitize/), no fuzzing
#   scripts/test.sh --fuzz-smoke       the sanitizer job of CI: builds only the ASan + UBSan
#                                      trnsim and the libFuzzer targets, runs each target
#                                      $TRNSIM_SMOKE_FUZZ_SECONDS (default 20) s after replaying
#                                      its seeds and regressions, then 300 mutated traces
#                                      (scripts/mutate_traces.py) through the sanitized trnsim
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
if [ "${1:-}" = "--sanitize" ]; then
  shift
  # Only what ctest runs: trnsim and one test binary per tests/<folder> with *_test.cc files
  # (the libFuzzer targets are scripts/fuzz.sh's).
  targets=(trnsim)
  for d in tests/*/; do
    if [ -n "$(find "$d" -name '*_test.cc' -print -quit)" ]; then
      targets+=("$(basename "$d")_tests")
    fi
  done
  scripts/sanitize_build.sh "${targets[@]}"
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  cd "${TRNSIM_SANITIZE_DIR:-build-sanitize}"
  exec ctest --output-on-failure -j"$(nproc)" "$@"
fi
if [ "${1:-}" = "--fuzz-smoke" ]; then
  dir="${TRNSIM_SANITIZE_DIR:-build-sanitize}"
  targets=(fuzz_trace fuzz_hw_config fuzz_npy fuzz_safetensors fuzz_hf_config)
  scripts/sanitize_build.sh trnsim "${targets[@]}"
  scripts/fuzz.sh $(( ${TRNSIM_SMOKE_FUZZ_SECONDS:-20} * ${#targets[@]} ))
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  exec /usr/bin/python3 scripts/mutate_traces.py --count 300 --jobs "$(nproc)" --bin "$dir/trnsim"
fi
scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)" "$@")
scripts/calibrate.sh --trnsim build/trnsim --out build/calibration ||
  echo "calibration report: could not run (a benchmark, not a gate)"
if [ -n "${TRNSIM_CI_FUZZ_SECONDS:-}" ] && command -v clang++ >/dev/null; then
  scripts/fuzz.sh "$TRNSIM_CI_FUZZ_SECONDS"
fi
