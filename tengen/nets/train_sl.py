"""Supervised training on KGS positions: predict the move played (policy) and the winner
(value, down-weighted: AlphaGo saw the value head overfit on human games).

Resumes exactly: the checkpoint holds weights, optimizer, step, and the sampler's random
state, so an interrupted run continues with the same batches it would have seen. Writes
``train_log.csv``, ``curves.png``, ``latest.pt`` (atomically) and ``best.pt`` (best
validation top-1) into the run folder.
"""
from __future__ import annotations

import csv
import math
import os
import sys
import threading
import queue
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .data import ShardSet
from .evaluate import accuracy_counts
from .model import CONFIGS, ModelConfig, build_model, count_parameters, save_checkpoint
from .train_config import TrainConfig


def lr_at(cfg: TrainConfig, step: int) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    t = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps))
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * t))


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class Prefetcher:
    """Computes the next batches' features in a thread while the model trains."""

    def __init__(self, data: ShardSet, rng: np.random.Generator, batch: int, depth: int = 3):
        self.data, self.rng, self.batch = data, rng, batch
        self.q: queue.Queue = queue.Queue(depth)
        self.stop = False
        # draw the indices here, in order, so the sampler state is exact at any step
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            state = self.rng.bit_generator.state  # the state *before* this batch
            idx = self.rng.integers(len(self.data), size=self.batch)
            sym = self.rng.integers(8, size=self.batch)
            item = (state, *self.data.batch(idx, sym))
            while not self.stop:
                try:
                    self.q.put(item, timeout=0.5)
                    break
                except queue.Full:
                    continue

    def get(self):
        return self.q.get()

    def close(self):
        self.stop = True


def evaluate(model, val: ShardSet, count: int, device, batch: int = 512,
             bf16: bool = False) -> dict:
    """Top-1/top-5 move accuracy and value MSE on the first ``count`` validation rows."""
    model.eval()
    n = min(count, len(val))
    # a fixed spread of rows across the whole validation set, identity symmetry
    idx = np.linspace(0, len(val) - 1, n).astype(np.int64)
    top1 = top5 = 0
    se = 0.0
    nv = 0
    with torch.no_grad():
        for i in range(0, n, batch):
            planes, moves, outcome = val.batch(idx[i:i + batch])
            x = torch.from_numpy(planes).to(device, torch.float32)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                logits, value = model(x)
            a, b, c, d = accuracy_counts(logits, value, torch.from_numpy(moves).to(device),
                                         torch.from_numpy(outcome).to(device))
            top1, top5, se, nv = top1 + a, top5 + b, se + c, nv + d
    model.train()
    return {"val_top1": top1 / n, "val_top5": top5 / n,
            "val_value_mse": se / max(nv, 1), "val_positions": n}


def _optimizer(cfg: TrainConfig, model):
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr)
    return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=True)


def train(cfg: TrainConfig, progress: bool = True) -> dict:
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = pick_device(cfg.device)
    train_set = ShardSet(Path(cfg.data) / "train")
    val_set = ShardSet(Path(cfg.data) / "val")
    latest = out / "latest.pt"
    torch.manual_seed(cfg.seed)  # the initial weights, so a run is reproducible
    model = build_model(CONFIGS[cfg.model]).to(device)
    opt = _optimizer(cfg, model)
    rng = np.random.default_rng(cfg.seed)
    step = 0
    best = 0.0
    if latest.exists():
        state = torch.load(latest, map_location=device, weights_only=False)
        if ModelConfig(**state["config"]) != model.cfg:
            raise ValueError(f"{latest} holds a different model than --model {cfg.model}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        rng.bit_generator.state = state["sampler"]
        step = state["meta"]["step"]
        best = state["meta"].get("best_val_top1", 0.0)
        print(f"resumed {latest} at step {step}", file=sys.stderr)
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    print(f"model {cfg.model}: {count_parameters(model):,} parameters; "
          f"{len(train_set):,} train / {len(val_set):,} val positions; device {device}",
          file=sys.stderr)

    log_path = out / "train_log.csv"
    fields = ["step", "samples", "lr", "loss_policy", "loss_value", "train_top1",
              "samples_per_s", "val_top1", "val_top5", "val_value_mse", "elapsed_s"]
    if not log_path.exists():
        with open(log_path, "w", newline="") as f:
            csv.writer(f).writerow(fields)

    pre = Prefetcher(train_set, rng, cfg.batch_size)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=cfg.steps, initial=step, unit="step", file=sys.stderr, desc="train-sl")
    t_start = time.time()
    window = {"lp": 0.0, "lv": 0.0, "acc": 0.0, "n": 0, "t": time.time()}
    sampler_state = rng.bit_generator.state
    metrics = {}
    try:
        while step < cfg.steps:
            sampler_state, planes, moves, outcome = pre.get()
            lr = lr_at(cfg, step)
            for g in opt.param_groups:
                g["lr"] = lr
            x = torch.from_numpy(planes).to(device, torch.float32)
            if cfg.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = torch.from_numpy(moves).to(device)
            z = torch.from_numpy(outcome).to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                logits, value = model(x)
            loss_p = F.cross_entropy(logits.float(), y)
            known = (z != 0).float()
            loss_v = ((value.float() - z) ** 2 * known).sum() / known.sum().clamp(min=1)
            loss = loss_p + cfg.value_weight * loss_v
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            window["lp"] += loss_p.item()
            window["lv"] += loss_v.item()
            window["acc"] += (logits.argmax(1) == y).float().mean().item()
            window["n"] += 1
            if bar:
                bar.update(1)
            do_eval = step % cfg.eval_every == 0 or step == cfg.steps
            out_of_time = cfg.max_minutes and (time.time() - t_start) > cfg.max_minutes * 60
            if do_eval or step % cfg.checkpoint_every == 0 or out_of_time:
                n = max(window["n"], 1)
                sps = window["n"] * cfg.batch_size / max(time.time() - window["t"], 1e-9)
                metrics = {"step": step, "samples": step * cfg.batch_size, "lr": round(lr, 6),
                           "loss_policy": round(window["lp"] / n, 4),
                           "loss_value": round(window["lv"] / n, 4),
                           "train_top1": round(window["acc"] / n, 4),
                           "samples_per_s": round(sps, 1), "val_top1": "", "val_top5": "",
                           "val_value_mse": "", "elapsed_s": round(time.time() - t_start, 1)}
                if do_eval:
                    ev = evaluate(model, val_set, cfg.val_positions, device, bf16=cfg.bf16)
                    metrics.update({k: round(v, 4) for k, v in ev.items() if k != "val_positions"})
                    if bar:
                        bar.set_postfix(top1=metrics["val_top1"], loss=metrics["loss_policy"])
                with open(log_path, "a", newline="") as f:
                    csv.writer(f).writerow([metrics[k] for k in fields])
                window = {"lp": 0.0, "lv": 0.0, "acc": 0.0, "n": 0, "t": time.time()}
                # the next batch was drawn from the state after this one
                next_state = _state_after(sampler_state, len(train_set), cfg.batch_size)
                meta = {"step": step, "samples": step * cfg.batch_size, "model": cfg.model,
                        "train_config": asdict(cfg), "best_val_top1": best,
                        "data": str(cfg.data), "train_positions": len(train_set)}
                if do_eval and metrics["val_top1"] > best:
                    best = metrics["val_top1"]
                    meta["best_val_top1"] = best
                    meta.update({k: metrics[k] for k in ("val_top1", "val_top5", "val_value_mse")})
                    save_checkpoint(str(out / "best.pt"), model, meta)
                save_checkpoint(str(latest), model, meta,
                                extra={"optimizer": opt.state_dict(), "sampler": next_state})
                plot_curves(log_path, out / "curves.png")
                if out_of_time:
                    break
    finally:
        pre.close()
        if bar:
            bar.close()
    return metrics


def _state_after(state: dict, n: int, batch: int) -> dict:
    """The sampler state after drawing one batch from ``state``."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    rng.integers(n, size=batch)
    rng.integers(8, size=batch)
    return rng.bit_generator.state


def plot_curves(log_path: Path, png: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(csv.DictReader(open(log_path)))
    if not rows:
        return
    steps = [int(r["step"]) for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(steps, [float(r["loss_policy"]) for r in rows], label="policy loss (train)")
    a1.plot(steps, [float(r["loss_value"]) for r in rows], label="value loss (train)")
    a1.set_xlabel("step")
    a1.legend()
    ev = [r for r in rows if r["val_top1"]]
    if ev:
        es = [int(r["step"]) for r in ev]
        a2.plot(es, [float(r["val_top1"]) for r in ev], marker="o", label="val top-1")
        a2.plot(es, [float(r["val_top5"]) for r in ev], marker="o", label="val top-5")
        a2.plot(steps, [float(r["train_top1"]) for r in rows], alpha=0.5, label="train top-1")
        a2.set_ylim(0, 1)
        a2.set_xlabel("step")
        a2.legend()
    fig.tight_layout()
    tmp = png.with_name(f"{png.stem}.tmp{os.getpid()}.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    os.replace(tmp, png)
