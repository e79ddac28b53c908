#!/usr/bin/env bash
# AlphaGo Figure 4's ablation against GNU Go level 10 on 19x19 (komi 7.5, colours
# alternating): policy network alone, and the search at a fixed 64 simulations per move
# with lam = 0 (value network), 0.5 (mixed) and 1 (rollouts). Runs in rounds of ROUND
# games per player so every row grows together; rerun to resume (arena keeps each game).
# Usage: bash experiments/ablation.sh [GAMES=40] [ROUND=10] [JOBS=2] [OUT] [ROWS] [MATCH] [ENGINE]
#   OUT   results folder (default benchmarks/results/ablation_19x19)
#   ROWS  which players, e.g. "lam0 lam05" (default "policy lam0 lam05 lam1"); lam05s is
#         lam05 with the score utility (--score-weight 0.3)
#   MATCH arena options after the defaults, e.g. "--handicap 5 --komi 0.5 --engine-colour
#         white" when the policy row alone wins nearly every even game; "--seed 1": game
#         i's GNU Go plays with seed i+1
#   ENGINE options added to every tengen command, e.g. "--seed {seed}" (with --seed in
#         MATCH: each game's rollouts drawn from their own seed)
set -euo pipefail
GAMES=${1:-40}
ROUND=${2:-10}
JOBS=${3:-2}
OUT=${4:-benchmarks/results/ablation_19x19}
ROWS=${5:-policy lam0 lam05 lam1}
MATCH=${6:-}
ENGINE=${7:-}
VISITS=64
declare -A ENGINES=(
  [policy]="tengen gtp --player policy"
  [lam0]="tengen gtp --visits $VISITS --lam 0 --move-time 30 --resign 0.03"
  [lam05]="tengen gtp --visits $VISITS --lam 0.5 --move-time 30 --resign 0.03"
  [lam1]="tengen gtp --visits $VISITS --lam 1 --move-time 30 --resign 0.03"
  [lam05s]="tengen gtp --visits $VISITS --lam 0.5 --score-weight 0.3 --move-time 30 --resign 0.03"
)
export OMP_NUM_THREADS=1  # two games at a time on two cores: one thread per engine
for ((n = ROUND; n <= GAMES; n += ROUND)); do
  for name in $ROWS; do
    tengen arena --engine "${ENGINES[$name]} $ENGINE" --games "$n" --size 19 --komi 7.5 \
      --jobs "$JOBS" --move-timeout 120 --out "$OUT/$name" $MATCH | tail -n 1
  done
done
