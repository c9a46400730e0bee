#!/usr/bin/env bash
# A Slurm job array that runs one NKI rank sweep as N shards, one per array task, then joins
# them. Submit from the source tree (the shards' folders must be on a shared file system):
#   sbatch scripts/rank_sbatch.sh            # the 8 shards below
#   # when every task has finished:
#   build/trnsim rank merge results/rank_sweep/shard_*/rank.json --out results/rank_sweep
# Each task ranks the points whose index % N == its task id; `rank merge` re-ranks them all.
#SBATCH --job-name=trnsim-rank
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=results/rank_sweep/slurm_%A_%a.log
set -euo pipefail
SHARDS=8
TASK="${SLURM_ARRAY_TASK_ID:?run under sbatch (SLURM_ARRAY_TASK_ID is not set)}"
EXAMPLE=kernels/nki/examples/rank
mkdir -p results/rank_sweep
build/trnsim rank "$EXAMPLE/matmul_variants.py::matmul_tiled,matmul_blocked" \
  --ref "$EXAMPLE/reference.py::forward" \
  --shape lhsT=8192x4096:bfloat16 --shape rhs=8192x8192:bfloat16 \
  --grid TILES_IN_BLOCK_M=1,2,4 --grid TILES_IN_BLOCK_N=1,2 \
  --target trn1 --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet \
  --shard "$TASK/$SHARDS" --out "results/rank_sweep/shard_$TASK"
