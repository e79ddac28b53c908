"""Who plays self-play games: local worker processes (``local``) or Ray actors
(``ray_actors``), both behind the ``Workers`` protocol (``protocol``); what runs inside a
worker is ``shares``. ``make_workers`` picks one from the command line's options."""
from __future__ import annotations

from tengen.selfplay.workers.protocol import GamesInFlight, Opponent, Workers, WorkersConfig


def make_workers(ray: str, workers: int, device: str = "cpu", bf16: bool = False,
                 backend: str = "torch") -> Workers:
    """Ray actors when ``ray`` names a cluster (``auto``, ``ray://...``, ``local``), else
    ``workers`` local processes (0 = one per core)."""
    if ray:
        from tengen.selfplay.workers.ray_actors import RayConfig, RayWorkers
        return RayWorkers(RayConfig(ray, workers or 2, device=device, backend=backend,
                                    bf16=bf16))
    from tengen.selfplay.workers.local import SelfPlayWorkers
    return SelfPlayWorkers(WorkersConfig(workers, device, bf16, backend=backend))


__all__ = ["GamesInFlight", "Opponent", "Workers", "WorkersConfig", "make_workers"]
