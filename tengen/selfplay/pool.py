"""The opponent pool: the learner's past selves (AlphaGo: playing only the latest
network overfits to it; a pool of snapshots keeps the learner honest).

Members are checkpoint paths; the starting (SL) network is the first. A snapshot is the
learner's weights at an iteration, written atomically as ``pool/iter-NNNNNN.pt`` under the
run folder. The member list is part of the run's resumable state, so a kill between a
snapshot's write and the next checkpoint only rewrites the same file.
"""
from __future__ import annotations

import os
import sys

from tengen.nets.checkpoint import save_checkpoint


class OpponentPool:
    """Members are kept relative to the run folder where they live in it (a copied or
    moved run reads its own snapshots); ``draw`` hands out paths to open."""

    def __init__(self, folder: str, first: str):
        self.folder = folder
        self.run = os.path.dirname(os.path.abspath(folder))
        self.members: list[str] = [self._stored(first)]

    def _stored(self, path: str) -> str:
        full = os.path.abspath(path)
        inside = os.path.commonpath([full, self.run]) == self.run
        return os.path.relpath(full, self.run) if inside else full

    def path(self, member: str) -> str:
        return member if os.path.isabs(member) else os.path.join(self.run, member)

    def add(self, model, iteration: int, meta: dict | None = None) -> str:
        os.makedirs(self.folder, exist_ok=True)
        path = os.path.join(self.folder, f"iter-{iteration:06d}.pt")
        save_checkpoint(path, model, {**(meta or {}), "iteration": iteration})
        member = self._stored(path)
        if member not in self.members:
            self.members.append(member)
        return path

    def draw(self, rng) -> str:
        """A member uniformly at random."""
        return self.path(self.members[int(rng.integers(len(self.members)))])

    def state(self) -> list[str]:
        return list(self.members)

    def load_state(self, members: list[str]) -> None:
        """The saved member list. Older runs stored absolute paths: a snapshot of this
        run's pool is found under this folder. A snapshot that cannot be read (truncated,
        deleted) leaves the pool with a warning naming it, instead of failing iterations
        later with an error that names no file."""
        from tengen.nets.checkpoint import CheckpointError, read_checkpoint
        kept = []
        for m in members:
            if os.path.isabs(m) and os.path.basename(os.path.dirname(m)) == "pool":
                local = os.path.join(self.folder, os.path.basename(m))
                if os.path.exists(local) or not os.path.exists(m):
                    m = self._stored(local)
            try:
                read_checkpoint(self.path(m))
            except CheckpointError as e:
                print(f"rl: pool member dropped: {e}", file=sys.stderr)
                continue
            kept.append(m)
        if not kept:
            raise CheckpointError("no readable member left in the opponent pool "
                                  f"({', '.join(members)})")
        self.members = kept


__all__ = ["OpponentPool"]
