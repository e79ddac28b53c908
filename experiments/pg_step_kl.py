"""How far one policy-gradient step moves the policy: the mean and largest KL divergence
(nats a move) between the network before and after one plain SGD step, per step size,
on the learner's moves of saved self-play games (`tengen rl`'s loss and normalisation;
the distribution is the one self-play samples from: softmax over the sensible moves;
``--full-softmax`` measures the old loss over all 362 outputs instead).

    python experiments/pg_step_kl.py runs/rl/games/iter-000000/records.npz --games 16
"""
from __future__ import annotations

import argparse
import copy
import json

import numpy as np
import torch

from tengen.nets import SHIPPED_NET
from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.policy_gradient import sampled_log_probs
from tengen.selfplay.records import learner_examples, load_records


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("records", help="a records.npz of self-play games")
    p.add_argument("--net", default=str(SHIPPED_NET), help="the learner before the step")
    p.add_argument("--games", type=int, default=16)
    p.add_argument("--fraction", type=float, default=0.25, help="as --train-fraction")
    p.add_argument("--lrs", default="1e-5,3e-5,1e-4,3e-4,1e-3")
    p.add_argument("--full-softmax", action="store_true")
    args = p.parse_args(argv)
    games, info = load_records(args.records)
    games = games[:args.games]
    ex = learner_examples(games, int(info["size"]), float(info["komi"]), args.fraction,
                          np.random.default_rng(0))
    model, _ = load_checkpoint(args.net)
    model.eval()  # as tengen rl trains it: batch norms frozen
    x = torch.from_numpy(ex.unpack(np.arange(len(ex)))).float()
    a = torch.from_numpy(ex.actions)

    def log_probs(logits):  # (N, moves): what the loss differentiates
        return torch.log_softmax(logits, 1) if args.full_softmax else sampled_log_probs(logits, x)

    logits, _ = model(x)
    logp = log_probs(logits)
    loss = -(torch.from_numpy(ex.z) * logp.gather(1, a[:, None]).squeeze(1)).sum() / (
        len(games) * args.fraction)
    loss.backward()
    grads = [q.grad for q in model.parameters()]
    out = {"positions": len(ex), "loss": round(loss.item(), 3),
           "grad_norm": round(float(torch.sqrt(sum((g ** 2).sum() for g in grads
                                                   if g is not None))), 2)}
    with torch.no_grad():
        p0 = logp.exp()
        for lr in map(float, args.lrs.split(",")):
            stepped = copy.deepcopy(model)
            for q, g in zip(stepped.parameters(), grads):
                if g is not None:
                    q -= lr * g
            lp1 = log_probs(stepped(x)[0])
            kl = torch.where(p0 > 0, p0 * (logp - lp1), torch.zeros_like(p0)).sum(1)
            out[f"kl_lr_{lr:g}"] = {"mean": round(kl.mean().item(), 4),
                                   "max": round(kl.max().item(), 3)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
