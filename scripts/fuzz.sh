#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS in total (default 100, split evenly),
# after replaying the regression inputs of tests/fuzz/regressions/<target>/. Seeds: the
# checked-in files of each input surface, compacted and capped to the target's input length
# (tests/fuzz/make_seeds.py), plus tests/fuzz/corpus/<surface>/; the growing corpus lives in
# build-sanitize/fuzz-corpus/<target>/. Crashers are written to
# build-sanitize/fuzz-crashes/ and fail the run (exit 1). Prints executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-100}"
dir="${TRNSIM_SANITIZE_DIR:-build-sanitize}"
targets=(fuzz_trace fuzz_hw_config fuzz_npy fuzz_safetensors fuzz_hf_config)
scripts/sanitize_build.sh "${targets[@]}"

# Longest input per target (bytes): a little above its largest seed. Short inputs keep each
# execution fast; the input formats' size checks are unit-tested on large inputs elsewhere.
max_len() {
  case "$1" in
    fuzz_trace) echo 4096 ;;
    fuzz_hw_config) echo 10240 ;;
    fuzz_hf_config) echo 2048 ;;
    *) echo 1024 ;;
  esac
}

per_target=$((seconds / ${#targets[@]}))
[ "$per_target" -ge 1 ] || per_target=1
total=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in "${targets[@]}"; do
  corpus="$dir/fuzz-corpus/$t"
  crashes="$dir/fuzz-crashes"
  mkdir -p "$corpus" "$crashes"
  /usr/bin/python3 tests/fuzz/make_seeds.py "$t" "$corpus" --max-len "$(max_len "$t")" >/dev/null
  regressions="tests/fuzz/regressions/$t"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    "$dir/tests/fuzz/$t" -runs=0 "$regressions"/* >"$dir/$t.replay.log" 2>&1 ||
      { cat "$dir/$t.replay.log"; echo "fuzz: $t fails a regression input" >&2; exit 1; }
  fi
  log="$dir/$t.log"
  if ! /usr/bin/time -o "$dir/$t.cpu" -f "%U %S" "$dir/tests/fuzz/$t" "$corpus" \
       -max_total_time="$per_target" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 -artifact_prefix="$crashes/$t-" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t found a crash (input in $crashes)" >&2
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$dir/$t.cpu")
  # CPU seconds as well as wall time: on a loaded machine the executions follow the CPU share.
  echo "fuzz: $t: ${execs:-0} executions in ${per_target} s (${cpu} CPU s)," \
       "corpus $(ls "$corpus" | wc -l) inputs"
  total=$((total + ${execs:-0}))
done
echo "fuzz: $total executions over ${#targets[@]} targets, 0 crashes"
