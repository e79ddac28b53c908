"""The network behind the tree search's ``Evaluator`` interface: planes for a batch of
search positions, one forward pass, probabilities and values back as numpy."""
from __future__ import annotations

import numpy as np
import torch

from ..engine.board import COLOR
from ..engine.search_state import SimState
from .features import NUM_PLANES, ages_from_moves, compute_planes, new_ladder_records
from .model import PolicyValueNet


def sim_planes(s: SimState, out: np.ndarray) -> None:
    """The 49 planes of a search position (the ladder reader plays on a scratch copy)."""
    compute_planes(s.B.copy(), s.meta.copy(), s.zob, s.to_play,
                   ages_from_moves(s.size, s.recent, s.B[COLOR]), out, new_ladder_records(s.size))


class NetEvaluator:
    def __init__(self, model: PolicyValueNet, device: str = "cpu"):
        self.model = model.to(device).eval()
        self.device = torch.device(device)
        self._buf: dict[tuple[int, int], np.ndarray] = {}

    @torch.no_grad()
    def evaluate(self, states: list[SimState]) -> tuple[np.ndarray, np.ndarray]:
        n = states[0].size
        key = (len(states), n)
        if key not in self._buf:
            self._buf[key] = np.zeros((len(states), NUM_PLANES, n, n), np.uint8)
        planes = self._buf[key]
        for i, s in enumerate(states):
            sim_planes(s, planes[i])
        x = torch.from_numpy(planes).to(self.device).float()
        logits, value = self.model(x)
        probs = torch.softmax(logits.float(), dim=1)
        return probs.cpu().numpy(), value.float().cpu().numpy().reshape(-1)


__all__ = ["NetEvaluator", "sim_planes"]
