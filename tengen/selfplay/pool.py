"""The opponent pool: the learner's past selves (AlphaGo: playing only the latest
network overfits to it; a pool of snapshots keeps the learner honest).

Members are checkpoint paths; the starting (SL) network is the first. A snapshot is the
learner's weights at an iteration, written atomically as ``pool/iter-NNNNNN.pt`` under the
run folder. The member list is part of the run's resumable state, so a kill between a
snapshot's write and the next checkpoint only rewrites the same file.
"""
from __future__ import annotations

import os

from tengen.nets.model import save_checkpoint


class OpponentPool:
    def __init__(self, folder: str, first: str):
        self.folder = folder
        self.members: list[str] = [first]

    def add(self, model, iteration: int, meta: dict | None = None) -> str:
        os.makedirs(self.folder, exist_ok=True)
        path = os.path.join(self.folder, f"iter-{iteration:06d}.pt")
        save_checkpoint(path, model, {**(meta or {}), "iteration": iteration})
        if path not in self.members:
            self.members.append(path)
        return path

    def draw(self, rng) -> str:
        """A member uniformly at random."""
        return self.members[int(rng.integers(len(self.members)))]

    def state(self) -> list[str]:
        return list(self.members)

    def load_state(self, members: list[str]) -> None:
        self.members = list(members)


__all__ = ["OpponentPool"]
