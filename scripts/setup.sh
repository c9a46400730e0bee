#!/usr/bin/env bash
# One command on a fresh Debian machine: install what is missing, build, and run the built-in
# default example (RMSNorm over a [128, 2048] bf16 tensor on trn2), writing results/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
build/trnsim run --out results/demo
