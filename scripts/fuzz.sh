#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS in total (default 100, split evenly),
# after replaying the regression inputs of tests/fuzz/regressions/<target>/. Seeds: the
# checked-in files of each input surface, compacted and capped to the target's input length
# (tests/fuzz/make_seeds.py), plus tests/fuzz/corpus/<surface>/; the growing corpus lives in
# build-sanitize/fuzz-corpus/<target>/. Crashers are written to
# build-sanitize/fuzz-crashes/ and fail the run (exit 1). Prints executions per target.
# $TRNSIM_FUZZ_JOBS targets (default: the number of cores) run at the same time, each a single
# libFuzzer process, so the run takes about SECONDS / 5 * ceil(5 / JOBS) of wall time.
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
jobs="${TRNSIM_FUZZ_JOBS:-$(nproc)}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
crashes="$dir/fuzz-crashes"
mkdir -p "$crashes"

# Replays the target's regressions, then fuzzes it; writes $dir/$t.status (ok, regression,
# crash) and, when ok, $dir/$t.summary.
fuzz_one() {
  local t="$1" corpus="$dir/fuzz-corpus/$1" log="$dir/$1.log" regressions="tests/fuzz/regressions/$1"
  mkdir -p "$corpus"
  /usr/bin/python3 tests/fuzz/make_seeds.py "$t" "$corpus" --max-len "$(max_len "$t")" >/dev/null
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    if ! "$dir/tests/fuzz/$t" -runs=0 "$regressions"/* >"$dir/$t.replay.log" 2>&1; then
      echo regression >"$dir/$t.status"
      return
    fi
  fi
  if ! /usr/bin/time -o "$dir/$t.cpu" -f "%U %S" "$dir/tests/fuzz/$t" "$corpus" \
       -max_total_time="$per_target" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 -artifact_prefix="$crashes/$t-" >"$log" 2>&1; then
    echo crash >"$dir/$t.status"
    return
  fi
  local execs cpu
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$dir/$t.cpu")
  # CPU seconds as well as wall time: on a loaded machine the executions follow the CPU share.
  echo "fuzz: $t: ${execs:-0} executions in ${per_target} s (${cpu} CPU s)," \
       "corpus $(ls "$corpus" | wc -l) inputs" >"$dir/$t.summary"
  echo "${execs:-0}" >"$dir/$t.execs"
  echo ok >"$dir/$t.status"
}

running=0
for t in "${targets[@]}"; do
  rm -f "$dir/$t.status" "$dir/$t.summary" "$dir/$t.execs"
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

total=0
failed=0
for t in "${targets[@]}"; do
  case "$(cat "$dir/$t.status" 2>/dev/null || echo missing)" in
    ok)
      cat "$dir/$t.summary"
      total=$((total + $(cat "$dir/$t.execs")))
      ;;
    regression)
      cat "$dir/$t.replay.log"
      echo "fuzz: $t fails a regression input" >&2
      failed=1
      ;;
    *)
      tail -40 "$dir/$t.log" 2>/dev/null || true
      echo "fuzz: $t found a crash (input in $crashes) or could not run (log: $dir/$t.log)" >&2
      failed=1
      ;;
  esac
done
[ "$failed" = 0 ] || exit 1
echo "fuzz: $total executions over ${#targets[@]} targets, 0 crashes"
