"""One network shared by many games, searches and threads.

``SharedEvaluator.evaluate(states)`` may be called from any thread. The caller computes
its positions' planes; a worker thread gathers whatever requests are waiting (up to
``max_batch`` positions of one board size) into a single forward pass, so a hundred
self-play games or a search and a GTP analysis share one batch. CPU or CUDA, with
bf16 autocast where it is asked for.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import numpy as np
import torch

from tengen.nets.features import NUM_PLANES, state_planes
from tengen.nets.model import PolicyValueNet


@dataclass
class EvaluatorConfig:
    device: str = "cpu"  # cpu, cuda, or auto (cuda when there is one)
    max_batch: int = 256  # positions per forward pass at most
    max_wait: float = 0.0005  # seconds to wait for more requests once one has arrived
    bf16: bool = False  # bf16 autocast (on CPUs with AMX/AVX512-BF16 and on GPUs)


class _Request:
    __slots__ = ("planes", "done", "probs", "values", "error")

    def __init__(self, planes: np.ndarray):
        self.planes = planes
        self.done = threading.Event()
        self.probs = self.values = self.error = None


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


class SharedEvaluator:
    """The tree search's ``Evaluator`` and the players' network, thread-safe."""

    def __init__(self, model: PolicyValueNet, cfg: EvaluatorConfig | None = None):
        self.cfg = cfg or EvaluatorConfig()
        self.device = resolve_device(self.cfg.device)
        self.model = model.to(self.device).eval()
        self._queue: queue.Queue = queue.Queue()
        self._closed = False
        self.stats = {"forward_passes": 0, "positions": 0}
        self._worker = threading.Thread(target=self._serve, daemon=True)
        self._worker.start()

    # ------------------------------------------------------------------ callers

    def evaluate(self, states) -> tuple[np.ndarray, np.ndarray]:
        """Move probabilities ``(len, n*n + 1)`` (pass last) and values in [-1, 1] for
        the side to move of each position."""
        n = states[0].size
        planes = np.zeros((len(states), NUM_PLANES, n, n), np.uint8)
        for i, s in enumerate(states):
            state_planes(s, planes[i])
        return self.evaluate_planes(planes)

    def evaluate_planes(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._closed:
            raise RuntimeError("the evaluator is closed")
        req = _Request(planes)
        self._queue.put(req)
        req.done.wait()
        if req.error is not None:
            raise RuntimeError(f"network evaluation failed: {req.error}") from req.error
        return req.probs, req.values

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._worker.join(timeout=5)

    # ------------------------------------------------------------------ worker

    def _serve(self) -> None:
        held = None  # a request of another board size, first in the next batch
        while True:
            first = held if held is not None else self._queue.get()
            held = None
            if first is None:
                return
            batch, count = [first], len(first.planes)
            size = first.planes.shape[-1]
            while count < self.cfg.max_batch:
                try:
                    req = self._queue.get(timeout=self.cfg.max_wait)
                except queue.Empty:
                    break
                if req is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                if req.planes.shape[-1] != size:
                    held = req
                    break
                batch.append(req)
                count += len(req.planes)
            self._run(batch)

    @torch.no_grad()
    def _run(self, batch: list[_Request]) -> None:
        try:
            planes = np.concatenate([r.planes for r in batch])
            x = torch.from_numpy(planes).to(self.device).float()
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.cfg.bf16):
                logits, value = self.model(x)
            probs = torch.softmax(logits.float(), dim=1).cpu().numpy()
            values = value.float().cpu().numpy().reshape(-1)
            self.stats["forward_passes"] += 1
            self.stats["positions"] += len(planes)
            k = 0
            for r in batch:
                m = len(r.planes)
                r.probs, r.values = probs[k:k + m], values[k:k + m]
                k += m
        except Exception as e:  # every waiting caller hears of it
            for r in batch:
                r.error = e
        for r in batch:
            r.done.set()


__all__ = ["SharedEvaluator", "EvaluatorConfig", "resolve_device"]
