#!/usr/bin/env bash
# tengen's Figure 2b: value networks trained on one self-play position a game, on K a game,
# on K a game with the ownership target, and on KGS positions, each validated on the same
# held-out self-play batches and KGS-2017_05 positions; then the curves.
#
#   bash experiments/value_experiments.sh DATA SHARDS OUT [STEPS] [VAL_EVERY] [EXTRA FLAGS...]
#   bash experiments/value_experiments.sh runs/vd16 runs/shards runs/vexp 600 5 --threads 1
#
# DATA: a value-data folder made with --positions-per-game K; SHARDS: build-data's folder
# (train/ and val/). Each run resumes when rerun (the training core's latest.pt).
set -euo pipefail
data=$1 shards=$2 out=$3 steps=${4:-600} val_every=${5:-5}
shift $(( $# < 5 ? $# : 5 ))
common=(--data "$data" --val-every "$val_every" --kgs-val "$shards/val" --kgs-positions 1024
        --steps "$steps" --batch-size 64 --lr 0.003 --warmup-steps 30 --eval-every 100
        --checkpoint-every 100 "$@")
tengen train-value --out "$out/one" --positions-per-game 1 --ownership-weight 0 "${common[@]}"
tengen train-value --out "$out/all" --ownership-weight 0 "${common[@]}"
tengen train-value --out "$out/all_own" --ownership-weight 1 "${common[@]}"
tengen train-value --out "$out/kgs" --train-on kgs --kgs-train "$shards/train" "${common[@]}"
python tools/value_curves.py "$out/one:1 a game" "$out/all:K a game" \
  "$out/all_own:K a game + ownership" "$out/kgs:KGS positions" --out "$out/value_curves.png"
