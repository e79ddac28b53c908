"""The network's own ownership and score outputs (KataGo's auxiliary heads) for analysis.

The search reads priors and values through its fast backends, which carry neither output;
analysis asks for them a few positions at a time (the root, the moves it reports), so one
forward pass a position, remembered by position, costs milliseconds a report. They run
on torch (``TorchHeads``) or, from the load cache, on ONNX Runtime (``OnnxHeads``: a start
that needs no torch). Where the net lacks them, analysis keeps the rollouts' margins and
ownership.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from tengen.engine.board import BLACK

Estimate = tuple  # (black-view ownership (n*n,) or None, black-minus-white margin or None)


def _aux_outputs(model, x):
    """The model's ownership logits and margin (each None where absent) of planes ``x``."""
    h = model.trunk(x)
    f = model.value_conv(h)
    return model.aux_heads(h, f, f.mean(dim=(2, 3)))


class TorchHeads:
    """Float32 planes ``(N, planes, n, n)`` -> ownership logits ``(N, n*n)`` or None and
    the mover's margin ``(N,)`` or None, on the model itself."""

    def __init__(self, model):
        self.model = model
        self.ownership, self.score = bool(model.cfg.ownership), bool(model.cfg.score)

    @classmethod
    def of(cls, model) -> "TorchHeads | None":
        return cls(model) if model.cfg.ownership or model.cfg.score else None

    def __call__(self, planes: np.ndarray):
        import torch
        model = self.model
        with torch.no_grad():
            x = torch.from_numpy(planes).float().to(next(model.parameters()).device)
            own, score = _aux_outputs(model, x)
        return (None if own is None else own.float().cpu().numpy(),
                None if score is None else score.float().cpu().numpy())

    def export(self) -> bytes:
        """These outputs as an ONNX graph (every batch and board size), for ``OnnxHeads``."""
        import torch
        model = self.model.cpu().eval()
        names = [n for n, on in (("ownership", self.ownership), ("score", self.score)) if on]

        class Aux(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.net = model  # a submodule: its weights go in as the graph's weights

            def forward(self, x):
                return tuple(o for o in _aux_outputs(self.net, x) if o is not None)
        from tengen.nets.onnx_backend import export_graph
        return export_graph(Aux(), {k: {0: "n"} for k in names})


class OnnxHeads:
    """``TorchHeads`` on ONNX Runtime, from the graph ``TorchHeads.export`` wrote."""

    def __init__(self, graph: bytes, threads: int):
        from tengen.nets.onnx_backend import session
        self.session = session(graph, threads)
        names = [o.name for o in self.session.get_outputs()]
        self.ownership, self.score = "ownership" in names, "score" in names
        self._names = names

    def __call__(self, planes: np.ndarray):
        out = dict(zip(self._names, self.session.run(None, {"planes": planes.astype(np.float32)})))
        return out.get("ownership"), out.get("score")


class NetHeads:
    def __init__(self, run, memory: int = 512):
        self.run = run  # TorchHeads or OnnxHeads
        self.ownership, self.score = run.ownership, run.score
        self._memory = memory
        self._seen: OrderedDict = OrderedDict()
        self._lock = threading.Lock()  # GTP's analysis thread and the JSON engine's

    @classmethod
    def of(cls, evaluator) -> "NetHeads | None":
        """The heads the evaluator has (``SharedEvaluator.heads``, ``SplitEvaluator.heads``),
        if any."""
        heads = getattr(evaluator, "heads", None)  # fakes in tests have none
        return cls(heads) if heads is not None else None

    def estimate(self, states: list) -> list[Estimate]:
        """Each game state's expected final ownership (+1 black, row-major from A19 as
        GTP's analysis writes it) and margin (black minus white, komi in)."""
        from tengen.nets.features import state_planes
        keys = [(s.size, s.komi, s.board.hash, s.to_play) for s in states]
        with self._lock:
            todo = [k for k, key in enumerate(keys) if key not in self._seen]
            if todo:
                own, score = self.run(np.stack([state_planes(states[k]) for k in todo])
                                      .astype(np.float32))
                for j, k in enumerate(todo):
                    s = states[k]
                    sign = 1.0 if s.to_play == BLACK else -1.0
                    o = None
                    if own is not None:  # P(the mover owns it) -> black's expected owner
                        # points in the network's index order, as MCTS.ownership gives them
                        o = sign * np.tanh(own[j].astype(np.float64) / 2)
                    m = None if score is None else sign * float(score[j])
                    self._seen[keys[k]] = (o, m)
                while len(self._seen) > self._memory:
                    self._seen.popitem(last=False)
            return [self._seen[key] for key in keys]


__all__ = ["NetHeads", "TorchHeads", "OnnxHeads"]
