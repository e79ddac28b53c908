"""The network's own ownership and score outputs (KataGo's auxiliary heads) for analysis.

The search reads priors and values through its fast backends, which carry neither output;
analysis asks for them a few positions at a time (the root, the moves it reports), so one
torch forward pass a position, remembered by position, costs milliseconds a report. Where
the net lacks them, analysis keeps the rollouts' margins and ownership.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from tengen.engine.board import BLACK

Estimate = tuple  # (black-view ownership (n*n,) or None, black-minus-white margin or None)


class NetHeads:
    def __init__(self, model, memory: int = 512):
        self.model = model
        self.ownership = bool(model.cfg.ownership)
        self.score = bool(model.cfg.score)
        self._memory = memory
        self._seen: OrderedDict = OrderedDict()
        self._lock = threading.Lock()  # GTP's analysis thread and the JSON engine's

    @classmethod
    def of(cls, evaluator) -> "NetHeads | None":
        """The heads of the evaluator's value network (else its only one), if it has any."""
        from tengen.nets.evaluator import SharedEvaluator, SplitEvaluator
        if isinstance(evaluator, SplitEvaluator):
            nets = [evaluator.value, evaluator.policy]
        else:
            nets = [evaluator] if isinstance(evaluator, SharedEvaluator) else []
        for ev in nets:
            if ev.model.cfg.ownership or ev.model.cfg.score:
                return cls(ev.model)
        return None

    def estimate(self, states: list) -> list[Estimate]:
        """Each game state's expected final ownership (+1 black, row-major from A19 as
        GTP's analysis writes it) and margin (black minus white, komi in)."""
        import torch

        from tengen.nets.features import state_planes
        keys = [(s.size, s.komi, s.board.hash, s.to_play) for s in states]
        with self._lock:
            todo = [k for k, key in enumerate(keys) if key not in self._seen]
            if todo:
                x = torch.from_numpy(np.stack([state_planes(states[k]) for k in todo])).float()
                with torch.no_grad():
                    model = self.model
                    h = model.trunk(x.to(next(model.parameters()).device))
                    f = model.value_conv(h)
                    own, score = model.aux_heads(h, f, f.mean(dim=(2, 3)))
                for j, k in enumerate(todo):
                    s = states[k]
                    sign = 1.0 if s.to_play == BLACK else -1.0
                    o = None
                    if own is not None:  # P(the mover owns it) -> black's expected owner
                        # points in the network's index order, as MCTS.ownership gives them
                        o = sign * np.tanh(own[j].float().cpu().numpy().astype(np.float64) / 2)
                    m = None if score is None else sign * float(score[j])
                    self._seen[keys[k]] = (o, m)
                while len(self._seen) > self._memory:
                    self._seen.popitem(last=False)
            return [self._seen[key] for key in keys]


__all__ = ["NetHeads"]
