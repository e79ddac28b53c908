"""How many threads an engine runs, so that the search never oversubscribes its cores.

Measured on 2 cores (`benchmarks/speed/bench_mcts.py --batches 8`, shipped b6c64, README):
torch's default of one thread per core collapses as soon as anything else wants a core
(its OpenMP threads spin at a barrier while one of them is descheduled): 239 → 63
simulations/s for the value-only search beside one busy process, and the mixed
search's own rollout thread is such a competitor (147 quiet, against 174 with one
torch thread). One torch thread lost little when quiet (185 value-only) and held up
under competition (170). So the network gets half the cores left after the rollout
thread (at least one): a second engine on the same machine (Sabaki with two engines,
`tengen arena --jobs 2`) finds room, and on a large machine the network still gets
several threads. ``OMP_WAIT_POLICY=PASSIVE`` (set by ``tengen gtp`` unless the user set
it) makes those threads sleep instead of spinning when they wait.

Two forward passes run at once (``passes``; the search keeps two batches in flight,
``SearchConfig.in_flight``), sharing those threads (one each at least): on 2 cores, two single-threaded
passes fill both cores where one left the second idle (value-only search, int8, AVX-512
EPYC: 832 -> 1,244-1,310 simulations/s), and a single-threaded pass never spins, so
beside a busy process the search keeps 73-77% of that (951) instead of collapsing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ThreadPlan:
    torch_threads: int  # intra-op threads of each of the network's forward passes
    rollout_threads: int  # the search's rollout worker (0 for a value-only search)
    passes: int = 1  # forward passes at once (the search's batches in flight)

    def describe(self) -> str:
        return (f"threads: network {self.torch_threads} x {self.passes} passes, "
                f"rollouts {self.rollout_threads}")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may run on (taskset, cgroups)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_threads(rollouts: bool, cores: int | None = None, override: int = 0,
                 passes: int = 0) -> ThreadPlan:
    """``rollouts``: the search plays rollouts beside the network (lambda > 0);
    ``override``: the user's ``--threads`` for the network; ``passes``: the user's
    ``--passes``."""
    cores = cores or usable_cores()
    rollout = 1 if rollouts else 0
    passes = passes if passes > 0 else min(2, cores)
    # the passes share half the cores left (room for a second engine), one thread at least
    torch_threads = override if override > 0 else max(1, (cores - rollout) // (2 * passes))
    return ThreadPlan(torch_threads, rollout, passes)


def apply(plan: ThreadPlan) -> None:
    import torch
    torch.set_num_threads(plan.torch_threads)


__all__ = ["ThreadPlan", "apply", "plan_threads", "usable_cores"]
