"""Data-parallel training across processes started by ``torchrun``: one global batch
split across ranks, gradients averaged, everything written by rank 0.

Every rank draws the same global batch (the task's sampler is the same on all ranks, so
resume stays exact) and trains on its own slice. After a step's last backward pass the
gradients are averaged in one flat all-reduce (gloo on CPUs, NCCL on GPUs): the update
is the one a single process would make on the whole batch. Why not the
``DistributedDataParallel`` wrapper: its reducer expects every parameter to get a
gradient in every backward pass, but a value-only task leaves the policy head unused,
and a chunked step (policy gradient over whole games) would synchronise once per chunk.
Batch norms see each rank's slice (synchronised statistics need GPUs); rank 0's running
statistics are broadcast after every step so the ranks stay identical.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


@dataclass
class Ranks:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


def from_env(device_type: str) -> Ranks:
    """The process group torchrun describes in the environment (none without torchrun)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Ranks()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device_type == "cuda" else "gloo")
    return Ranks(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def shard(batch, r: Ranks):
    """This rank's slice of every array (or tensor) in a batch tuple, along axis 0."""
    if not r.active:
        return batch

    def part(a):
        if isinstance(a, (np.ndarray, torch.Tensor)) and a.ndim:
            n = len(a)
            lo, hi = n * r.rank // r.world, n * (r.rank + 1) // r.world
            return a[lo:hi]
        return a
    return tuple(part(a) for a in batch) if isinstance(batch, tuple) else part(batch)


def sync_start(model, r: Ranks) -> None:
    """Every rank starts from rank 0's weights and buffers."""
    if r.active:
        for t in list(model.parameters()) + list(model.buffers()):
            dist.broadcast(t.data, 0)


def average_gradients(model, r: Ranks) -> None:
    if not r.active:
        return
    params = list(model.parameters())
    # a parameter that no rank's loss reached keeps no gradient (so no weight decay); one
    # that some rank's reached gets the average on every rank, so the ranks stay equal
    used = torch.tensor([p.grad is not None for p in params], dtype=torch.int32,
                        device=params[0].device)
    dist.all_reduce(used, op=dist.ReduceOp.MAX)
    used = used.tolist()
    for p, u in zip(params, used):
        if u and p.grad is None:
            p.grad = torch.zeros_like(p)
    flat = torch.cat([p.grad.reshape(-1) if u else torch.zeros(p.numel(), dtype=p.dtype,
                                                               device=p.device)
                      for p, u in zip(params, used)])
    dist.all_reduce(flat)
    flat /= r.world
    k = 0
    for p, u in zip(params, used):
        n = p.numel()
        if u:
            p.grad.copy_(flat[k:k + n].view_as(p))
        k += n


def sync_buffers(model, r: Ranks) -> None:
    if r.active:
        for b in model.buffers():
            dist.broadcast(b.data, 0)


def mean_over_ranks(parts: dict, r: Ranks, device="cpu") -> dict:
    if not r.active or not parts:
        return parts
    keys = sorted(parts)
    t = torch.tensor([float(parts[k]) for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return {k: float(v) / r.world for k, v in zip(keys, t.tolist())}


def rank0_says(flag: bool, r: Ranks, device="cpu") -> bool:
    """Rank 0's decision (e.g. out of time), the same on every rank."""
    if not r.active:
        return flag
    t = torch.tensor([1 if flag else 0], device=device)
    dist.broadcast(t, 0)
    return bool(t.item())


def finish(r: Ranks) -> None:
    """Tear the process group down once every rank is done: left to interpreter exit,
    gloo's threads can abort a rank ("terminate called without an active exception")."""
    if r.active and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


__all__ = ["Ranks", "from_env", "finish", "shard", "sync_start", "average_gradients", "sync_buffers",
           "mean_over_ranks", "rank0_says"]
