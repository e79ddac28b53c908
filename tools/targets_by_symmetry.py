"""How well a net predicts search-data targets (the root's visit shares) in each of the
eight board symmetries, with its batch norms as they play (eval mode) and as a
fine-tuning in train mode would see them (statistics of each batch).

A search evaluates every position in one orientation, so its visit shares follow that
orientation's quirks as well as the position's; the gap between symmetry 0 and the
others is what no training with random symmetries can learn. The gap between eval and
train mode is what a fine-tuning's batch norms change before any weight moves.

    python tools/targets_by_symmetry.py runs/loop_zero/gen-001/data --positions 256
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn.functional as F

from tengen.engine.coords import apply_symmetry
from tengen.nets import SHIPPED_NET, net_path
from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.zero_config import ZeroTrainConfig
from tengen.selfplay.zero_train import load_split, symmetric_policy


def cross_entropies(model, examples, pi, idx, train_mode: bool, batch: int = 64) -> list:
    """Mean cross-entropy to the targets at ``idx`` in each symmetry."""
    n = examples.size
    model.train(train_mode)
    out = []
    for k in range(8):
        ces = []
        for j in range(0, len(idx), batch):
            ii = idx[j:j + batch]
            x = torch.from_numpy(np.ascontiguousarray(apply_symmetry(examples.unpack(ii), k)))
            target = torch.from_numpy(symmetric_policy(pi[ii], n, k))
            with torch.no_grad():
                logits, _ = model(x.float())
            ces.append(float(-(target * F.log_softmax(logits.float(), 1)).sum(1).mean()))
        out.append(float(np.mean(ces)))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="folder(s) of search-data batches, comma-separated")
    ap.add_argument("--net", default="", help="checkpoint ('' = the shipped network)")
    ap.add_argument("--positions", type=int, default=256, help="training positions drawn")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    (train, train_pi), _ = load_split(ZeroTrainConfig(data=args.data, kgs_mix=0))
    model, _ = load_checkpoint(net_path(args.net or SHIPPED_NET))
    idx = np.random.default_rng(args.seed).integers(len(train), size=args.positions)
    print(f"{args.positions} training positions; cross-entropy to the visit shares")
    print("mode   " + " ".join(f"  k={k} " for k in range(8)))
    for mode in (False, True):
        ces = cross_entropies(model, train, train_pi, idx, mode)
        print(f"{'train' if mode else 'eval ':6s} " + " ".join(f"{c:6.3f}" for c in ces))


if __name__ == "__main__":
    main()
