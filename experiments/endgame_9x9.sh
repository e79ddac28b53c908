#!/usr/bin/env bash
# Finished 9x9 games against GNU Go level 10 (komi 7.5, colours alternating) for the
# end-of-game checks: the policy network alone and the search at 64 simulations.
# Rerun to resume; then: python tools/score_agreement.py benchmarks/results/endgame_9x9/*/
# Usage: bash experiments/endgame_9x9.sh [GAMES=40] [JOBS=1]
set -euo pipefail
GAMES=${1:-40}
JOBS=${2:-1}
OUT=benchmarks/results/endgame_9x9
declare -A ENGINES=(
  [policy]="tengen gtp --player policy"
  [lam05]="tengen gtp --visits 64 --lam 0.5 --move-time 30 --resign 0.03"
)
export OMP_NUM_THREADS=1
for name in policy lam05; do
  tengen arena --engine "${ENGINES[$name]}" --games "$GAMES" --size 9 --komi 7.5 \
    --jobs "$JOBS" --move-timeout 120 --out "$OUT/$name" | tail -n 1
done
