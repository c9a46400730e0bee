#!/usr/bin/env bash
# The calibration report (issue 10/11): the matmul tutorial's four schedules and the LayerNorm
# pair on trn1, simulated timing-only vs measured (kernels/nki/examples/calibration/).
# Usage: scripts/calibrate.sh [--small] [--trnsim BIN] [--out DIR] [--dma-issue ORDER] [--json]
# (default binary: $TRNSIM_BIN, else build/trnsim). Prints; never gates on accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 kernels/nki/examples/calibration/calibrate.py "$@"
