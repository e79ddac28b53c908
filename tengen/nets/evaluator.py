"""One network shared by many games, searches and threads.

``SharedEvaluator.evaluate(states)`` may be called from any thread. The caller computes
its positions' planes and queues them; whichever caller finds the network free runs it
for everything waiting (up to ``max_batch`` positions of one board size a pass) and
keeps going until the queue is empty, while later callers queue behind it. A single
caller never hands its work to another thread, and many callers share forward passes.
``parallel`` forward passes may run at once, each on the thread of the caller that
started it (a search with batches in flight keeps one core busy per pass).
CPU or CUDA, with bf16 autocast where it is asked for, or on CPUs ONNX Runtime in fp32 or
with its int8 tower where it measures faster (``backend``: ``tengen.nets.onnx_backend``,
``tengen.nets.int8``). Built from a load cache entry (``tengen.nets.file_load``) it runs
without a model, and without torch.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from tengen.engine.coords import apply_symmetry, undo_symmetry
from tengen.nets.backends import Router, build_router
from tengen.nets.features import NUM_PLANES, state_planes
from tengen.nets.heads import TorchHeads
from tengen.nets.int8 import Int8Gate


@dataclass
class EvaluatorConfig:
    device: str = "cpu"  # cpu, cuda, or auto (cuda when there is one)
    max_batch: int = 256  # positions per forward pass at most
    parallel: int = 1  # forward passes at once (each on its caller's thread)
    bf16: bool = False  # bf16 autocast (on CPUs with AMX/AVX512-BF16 and on GPUs)
    # torch; onnx (ONNX Runtime, CPU); int8 (ONNX Runtime, the tower quantized); auto: all
    # kept, the fastest measured at each batch size (CPU; torch alone where ONNX Runtime is
    # missing or disagrees; int8 only where it passes ``int8_gate``)
    backend: str = "torch"
    int8_gate: Int8Gate = field(default_factory=Int8Gate)
    # each forward pass sees the boards in one of the 8 symmetries, drawn at random, and
    # its move probabilities are turned back (AlphaGo, Leela Zero): a search then spreads
    # over the net's orientation quirks instead of following one orientation's
    random_symmetry: bool = False
    seed: int = 0  # of the symmetries' draws


class _Request:
    __slots__ = ("planes", "done", "probs", "values", "error")

    def __init__(self, planes: np.ndarray):
        self.planes = planes
        self.done = threading.Event()
        self.probs = self.values = self.error = None


def planes_of(states) -> np.ndarray:
    n = states[0].size
    planes = np.zeros((len(states), NUM_PLANES, n, n), np.uint8)
    for i, s in enumerate(states):
        state_planes(s, planes[i])
    return planes


class SharedEvaluator:
    """The tree search's ``Evaluator`` and the players' network, thread-safe."""

    def __init__(self, model, cfg: EvaluatorConfig | None = None,
                 router: Router | None = None, heads=None):
        """``model`` (a ``PolicyValueNet``), or None with the ``router`` (and ``heads``,
        ``nets.heads.OnnxHeads``) a load cache entry gave."""
        self.cfg = cfg or EvaluatorConfig()
        if model is None:
            self.device, self.model, self.router, self.heads = None, None, router, heads
        else:
            from tengen.nets.device import resolve_device
            self.device = resolve_device(self.cfg.device)
            self.model = model.to(self.device).eval()
            self.router = router or build_router(self.model, self.device, self.cfg.backend,
                                                 self.cfg.bf16, self.cfg.int8_gate)
            self.heads = TorchHeads.of(self.model)
        self._pending: list[_Request] = []
        self._queue_lock = threading.Lock()
        if self.cfg.parallel < 1:
            raise ValueError(f"parallel must be at least 1, not {self.cfg.parallel}")
        self._passes = threading.Semaphore(self.cfg.parallel)
        self._closed = False
        self.stats = {"forward_passes": 0, "positions": 0}
        self._symmetries = np.random.default_rng(self.cfg.seed) if self.cfg.random_symmetry \
            else None

    @property
    def routes(self) -> dict[int, str]:
        return self.router.routes

    @property
    def int8_check(self):
        return self.router.int8_check

    def evaluate(self, states) -> tuple[np.ndarray, np.ndarray]:
        """Move probabilities ``(len, n*n + 1)`` (pass last) and values in [-1, 1] for
        the side to move of each position."""
        return self.evaluate_planes(planes_of(states))

    def evaluate_planes(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``evaluate`` for input planes the caller has computed (``planes_of``): a
        ``SplitEvaluator`` computes them once for two networks."""
        if self._closed:
            raise RuntimeError("the evaluator is closed")
        req = _Request(planes)
        with self._queue_lock:
            self._pending.append(req)
        while not req.done.is_set():
            if self._passes.acquire(blocking=False):
                try:
                    self._serve(req)
                finally:
                    self._passes.release()
                # the queue was empty: ours is in a pass that another caller is running
                req.done.wait()
            else:  # other callers are running the network and will take ours too
                req.done.wait(0.002)  # (or, if it has just left, we run it ourselves)
        if req.error is not None:
            raise RuntimeError(f"network evaluation failed: {req.error}") from req.error
        return req.probs, req.values

    def close(self) -> None:
        self._closed = True

    def _serve(self, own: _Request) -> None:
        """Run the network until nothing is waiting (or, where passes run in parallel,
        until ``own`` is answered: the callers still waiting serve themselves): each pass
        takes the oldest request's board size and as many waiting requests of that size
        as fit."""
        while True:
            if self.cfg.parallel > 1 and own.done.is_set():
                return
            with self._queue_lock:
                if not self._pending:
                    return
                size = self._pending[0].planes.shape[-1]
                batch, rest, count = [], [], 0
                for r in self._pending:
                    if r.planes.shape[-1] == size and (not batch or count + len(r.planes)
                                                       <= self.cfg.max_batch):
                        batch.append(r)
                        count += len(r.planes)
                    else:
                        rest.append(r)
                self._pending = rest
            self._run(batch)

    def _run(self, batch: list[_Request]) -> None:
        try:
            planes = np.concatenate([r.planes for r in batch])
            k = 0
            if self._symmetries is not None:
                with self._queue_lock:  # passes may draw at once
                    k = int(self._symmetries.integers(8))
                planes = np.ascontiguousarray(apply_symmetry(planes, k))
            logits, values = self.router.forward(planes)
            probs = _softmax(logits)
            if k:
                n = planes.shape[-1]
                board = undo_symmetry(probs[:, :n * n].reshape(-1, n, n), k)
                probs = np.concatenate([board.reshape(-1, n * n), probs[:, n * n:]], axis=1)
            values = values.astype(np.float32)
            with self._queue_lock:  # passes may finish at once
                self.stats["forward_passes"] += 1
                self.stats["positions"] += len(planes)
            k = 0
            for r in batch:
                m = len(r.planes)
                r.probs, r.values = probs[k:k + m], values[k:k + m]
                k += m
        except BaseException as e:  # every waiting caller hears of it
            for r in batch:
                r.error = e
            if not isinstance(e, Exception):  # KeyboardInterrupt: ours to raise too
                raise
        finally:
            for r in batch:
                r.done.set()


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits.astype(np.float32) - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


class SplitEvaluator:
    """Priors from one network and values from another (AlphaGo's search: SL policy
    priors, value-network values); the planes are computed once for both.

    ``mix`` < 1 averages the two networks' values, ``mix`` of the value network's:
    the priors network's own value output comes with its priors at no cost, and two
    value estimates trained on different games (KGS outcomes, self-play) err apart."""

    def __init__(self, policy: SharedEvaluator, value: SharedEvaluator, mix: float = 1.0):
        if not 0.0 <= mix <= 1.0:
            raise ValueError(f"the value mix must lie in [0, 1], not {mix}")
        self.policy, self.value, self.mix = policy, value, mix

    @property
    def heads(self):
        """The value network's ownership and score outputs, else the policy network's."""
        return self.value.heads if self.value.heads is not None else self.policy.heads

    def evaluate(self, states) -> tuple[np.ndarray, np.ndarray]:
        planes = planes_of(states)
        probs, own = self.policy.evaluate_planes(planes)
        _, values = self.value.evaluate_planes(planes)
        if self.mix < 1.0:
            values = (self.mix * values + (1.0 - self.mix) * own).astype(np.float32)
        return probs, values

    def close(self) -> None:
        self.policy.close()
        self.value.close()


__all__ = ["SharedEvaluator", "SplitEvaluator", "EvaluatorConfig", "planes_of"]
