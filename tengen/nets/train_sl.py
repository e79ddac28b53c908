"""Supervised training on KGS positions: predict the move played (policy) and the winner
(value, down-weighted: AlphaGo saw the value head overfit on human games).

The loop, exact resume, logs, curves and checkpoints are the training core's
(``training_core.run``); this module is the task: shards in, cross-entropy plus value
MSE, validation top-1/top-5/value MSE. Writes ``train_log.csv``, ``curves.png``,
``latest.pt`` and ``best.pt`` (best validation top-1) into the run folder.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from tengen.nets.data import ShardSet
from tengen.nets.accuracy import accuracy_counts
from tengen.nets.grow import initial_model
from tengen.nets.model import CONFIGS, build_model
from tengen.nets.train_config import TrainConfig
from tengen.nets.training_core import run


class Prefetcher:
    """Computes the next batches' features in worker threads while the model trains (the
    feature kernel releases the GIL, so ``workers`` threads use that many cores; a GPU
    eats one core's worth of b6c64 batches in a fraction of a second)."""

    def __init__(self, data: ShardSet, rng: np.random.Generator, batch: int, depth: int = 3,
                 workers: int = 1):
        self.data, self.rng, self.batch = data, rng, batch
        self.pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="planes")
        self.q: queue.Queue = queue.Queue(max(depth, 2 * workers))
        self.stop = False
        # draw the indices here, in order, so the sampler state is exact at any step
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self._fill()
        except BaseException as e:  # handed to the trainer, which would otherwise wait forever
            self.q.put((None, e))

    def _fill(self):
        while not self.stop:
            state = self.rng.bit_generator.state  # the state *before* this batch
            idx = self.rng.integers(len(self.data), size=self.batch)
            sym = self.rng.integers(8, size=self.batch)
            try:
                item = (state, self.pool.submit(self.data.batch, idx, sym))
            except RuntimeError:  # closed between the check and the submit
                return
            while not self.stop:
                try:
                    self.q.put(item, timeout=0.5)
                    break
                except queue.Full:
                    continue

    def get(self):
        state, batch = self.q.get()
        if state is None:
            raise RuntimeError(f"the batch prefetcher failed: {batch}") from batch
        return (state, *batch.result())

    def close(self):
        self.stop = True
        self.pool.shutdown(wait=False, cancel_futures=True)


def evaluate(model, val: ShardSet, count: int, device, batch: int = 512,
             bf16: bool = False) -> dict:
    """Top-1/top-5 move accuracy and value MSE on the first ``count`` validation rows."""
    n = min(count, len(val))
    # a fixed spread of rows across the whole validation set, identity symmetry
    idx = np.linspace(0, len(val) - 1, n).astype(np.int64)
    top1 = top5 = 0
    se = 0.0
    nv = 0
    for i in range(0, n, batch):
        planes, moves, outcome = val.batch(idx[i:i + batch])
        x = torch.from_numpy(planes).to(device).float()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits, value = model(x)
        a, b, c, d = accuracy_counts(logits, value, torch.from_numpy(moves).to(device),
                                     torch.from_numpy(outcome).to(device))
        top1, top5, se, nv = top1 + a, top5 + b, se + c, nv + d
    return {"val_top1": top1 / n, "val_top5": top5 / n,
            "val_value_mse": se / max(nv, 1), "val_positions": n}


class SupervisedTask:
    """KGS moves and outcomes from shards: the SL policy-value network's task."""
    step_fields = ["loss_policy", "loss_value", "train_top1"]
    eval_fields = ["val_top1", "val_top5", "val_value_mse"]

    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg
        self.train_set = ShardSet(Path(cfg.data) / "train")
        self.val_set = ShardSet(Path(cfg.data) / "val")
        self.rng = np.random.default_rng(cfg.seed)
        self._pre: Prefetcher | None = None  # started at the first batch, after a resume
        self._last = None  # the sampler state before the last batch handed out

    def next_batch(self):
        if self._pre is None:
            self._pre = Prefetcher(self.train_set, self.rng, self.cfg.batch_size,
                                   workers=self.cfg.data_workers)
        self._last, planes, moves, outcome = self._pre.get()
        return planes, moves, outcome

    def tensors(self, batch, device):
        """Planes as float (copied as bytes: a quarter of the transfer to a GPU), moves,
        outcomes."""
        planes, moves, outcome = batch
        x = torch.from_numpy(planes).to(device, non_blocking=True).float()
        if self.cfg.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, torch.from_numpy(moves).to(device), torch.from_numpy(outcome).to(device)

    def loss(self, model, batch, device):
        x, y, z = self.tensors(batch, device)
        logits, value = model(x)
        loss_p = F.cross_entropy(logits.float(), y)
        known = (z != 0).float()
        loss_v = ((value.float() - z) ** 2 * known).sum() / known.sum().clamp(min=1)
        top1 = (logits.argmax(1) == y).float().mean().item()
        return (loss_p + self.cfg.value_weight * loss_v,
                {"loss_policy": loss_p.item(), "loss_value": loss_v.item(), "train_top1": top1})

    def evaluate(self, model, device, bf16):
        return evaluate(model, self.val_set, self.cfg.val_positions, device, bf16=bf16)

    def sampler_state(self):
        if self._last is None:
            return self.rng.bit_generator.state
        # the next batch is drawn from the state after the last one handed out
        return _state_after(self._last, len(self.train_set), self.cfg.batch_size)

    def load_sampler_state(self, state) -> None:
        self.rng.bit_generator.state = state

    def close(self) -> None:
        if self._pre is not None:
            self._pre.close()


def train(cfg: TrainConfig, progress: bool = True, task_cls=SupervisedTask) -> dict:
    task = task_cls(cfg)
    torch.manual_seed(cfg.seed)  # the initial weights, so a run is reproducible
    if cfg.init and not (Path(cfg.out) / "latest.pt").exists():
        model = initial_model(cfg.init, CONFIGS[cfg.model])  # a resume loads latest.pt instead
    else:
        model = build_model(CONFIGS[cfg.model])
    meta = {"model": cfg.model, "train_config": asdict(cfg), "data": str(cfg.data),
            "train_positions": len(task.train_set)}
    return run(task, model, cfg, meta, progress)


def _state_after(state: dict, n: int, batch: int) -> dict:
    """The sampler state after drawing one batch from ``state``."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    rng.integers(n, size=batch)
    rng.integers(8, size=batch)
    return rng.bit_generator.state
