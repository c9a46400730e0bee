#!/usr/bin/env bash
# Prints every simulator-speed target with its measured value: `trnsim bench --targets`
# (whole-process runs, CPU time, medians) and the NKI front end's tracing rate. Builds first if
# there is no build. Usage: scripts/bench.sh [extra `trnsim bench --targets` options]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/trnsim ] || scripts/build.sh
build/trnsim bench --targets "$@"
/usr/bin/python3 scripts/bench_nki_trace.py --simulate --cli
echo "target: NKI front end traces >= 1 M instr/s: see the rate above"
echo "target: program handed over without a JSON round trip: binary trace (trnsim_nki/trace_binary.py, isa/TRACE_BINARY.md), see the handoff stage above [met]"
