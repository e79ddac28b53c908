"""How far one policy-gradient step moves the policy: the mean and largest KL divergence
(nats a move) between the network before and after one plain SGD step, per step size,
on the learner's moves of saved self-play games (`tengen rl`'s loss and normalisation).

    python benchmarks/pg_step_kl.py runs/rl/games/iter-000000/records.npz --games 16
"""
from __future__ import annotations

import argparse
import copy
import json

import numpy as np
import torch

from tengen.nets import SHIPPED_NET
from tengen.nets.model import load_checkpoint
from tengen.selfplay.records import learner_examples, load_records


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("records", help="a records.npz of self-play games")
    p.add_argument("--net", default=str(SHIPPED_NET), help="the learner before the step")
    p.add_argument("--games", type=int, default=16)
    p.add_argument("--fraction", type=float, default=0.25, help="as --train-fraction")
    p.add_argument("--lrs", default="1e-5,3e-5,1e-4,3e-4,1e-3")
    args = p.parse_args(argv)
    games, info = load_records(args.records)
    games = games[:args.games]
    ex = learner_examples(games, int(info["size"]), float(info["komi"]), args.fraction,
                          np.random.default_rng(0))
    model, _ = load_checkpoint(args.net)
    model.eval()  # as tengen rl trains it: batch norms frozen
    x = torch.from_numpy(ex.unpack(np.arange(len(ex)))).float()
    logits, _ = model(x)
    logp = torch.log_softmax(logits, 1).gather(1, torch.from_numpy(ex.actions)[:, None])
    loss = -(torch.from_numpy(ex.z) * logp.squeeze(1)).sum() / (len(games) * args.fraction)
    loss.backward()
    grads = [q.grad for q in model.parameters()]
    out = {"positions": len(ex), "loss": round(loss.item(), 3),
           "grad_norm": round(float(torch.sqrt(sum((g ** 2).sum() for g in grads
                                                   if g is not None))), 2)}
    with torch.no_grad():
        p0 = torch.softmax(logits, 1)
        for lr in map(float, args.lrs.split(",")):
            stepped = copy.deepcopy(model)
            for q, g in zip(stepped.parameters(), grads):
                if g is not None:
                    q -= lr * g
            p1 = torch.softmax(stepped(x)[0], 1)
            kl = (p0 * (torch.log(p0 + 1e-12) - torch.log(p1 + 1e-12))).sum(1)
            out[f"kl_lr_{lr:g}"] = {"mean": round(kl.mean().item(), 4),
                                   "max": round(kl.max().item(), 3)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
