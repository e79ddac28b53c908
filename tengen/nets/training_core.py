"""The training loop every trainer shares: supervised learning, policy gradient and value
regression differ only by their ``Task`` (where batches come from, the loss, what
validation measures).

The loop owns the rest: learning-rate schedule (warm-up, cosine), optimizer, bf16
autocast and channels-last, a progress bar, ``train_log.csv`` and ``curves.png``,
``latest.pt`` (weights, optimizer, step, the task's sampler state) and ``best.pt``,
all written atomically, and exact resume: rerunning the same command continues with the
batches the interrupted run would have seen. Under ``torchrun`` the same loop trains
data-parallel (``distributed.py``): each rank takes its slice of the global batch,
gradients are averaged, rank 0 validates and writes.
"""
from __future__ import annotations

import csv
import math
import os
import sys
import time
from pathlib import Path
from typing import Protocol

import torch

from tengen.atomic import save_figure
from tengen.errors import UserError
from tengen.nets.checkpoint import read_checkpoint
from tengen.nets.device import resolve_device

from tengen.nets import distributed as ddp
from tengen.nets.model import ModelConfig, count_parameters
from tengen.nets.checkpoint import save_checkpoint
from tengen.nets.train_config import LoopConfig


class Task(Protocol):
    step_fields: list[str]  # what ``loss`` reports each step, averaged per log row
    eval_fields: list[str]  # what ``evaluate`` reports

    def next_batch(self):
        """The next training batch (anything ``loss`` understands)."""

    def loss(self, model, batch, device) -> tuple[torch.Tensor, dict]:
        """The loss to minimise, and this step's ``step_fields`` as floats."""

    # optional: ``chunks(batch) -> list`` splits a batch too large for one backward pass
    # (policy gradient over a minibatch of whole games); ``loss`` then gets each chunk
    # and returns its share of the batch's loss and fields, which the loop sums.

    def evaluate(self, model, device, bf16: bool) -> dict:
        """Validation: ``eval_fields`` as floats (model in eval mode, no gradients)."""

    def sampler_state(self):
        """What makes the next batch the same after a resume (picklable)."""

    def load_sampler_state(self, state) -> None: ...

    def close(self) -> None: ...


def lr_at(cfg: LoopConfig, step: int) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    if cfg.schedule == "constant":
        return cfg.lr
    t = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps))
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * t))


class ResumeError(UserError, RuntimeError):
    """A run folder whose state cannot be resumed as it is: never restarted silently."""


def _ways_on(out: Path) -> str:
    best = out / "best.pt"
    hint = (f"To go on from the best checkpoint, copy {best} to {out / 'latest.pt'} (its "
            "optimizer and step are kept only in latest.pt files); " if best.exists() else "")
    return hint + "to start afresh here, rerun with --restart (the old files are moved aside)"


# files a run leaves that a fresh start would overwrite or append to
RUN_FILES = ("pool", "games")


def _has_history(out: Path, cfg: LoopConfig) -> list[str]:
    found = []
    log = out / cfg.log_name
    if log.exists() and len(log.read_text().splitlines()) > 1:
        found.append(log.name)
    found += [name for name in RUN_FILES if (out / name).is_dir() and any((out / name).iterdir())]
    return found


def refuse_silent_restart(out: Path, cfg: LoopConfig) -> None:
    """No ``latest.pt`` but a log or pool of an earlier run: starting at step 0 would write
    the log twice and overwrite the pool. Say so, and how to go on."""
    found = _has_history(out, cfg)
    if found:
        raise ResumeError(f"{out / 'latest.pt'} is missing, but {out} holds an earlier run "
                          f"({', '.join(found)}). {_ways_on(out)}")


# settings a resumed run may change: where and how fast it runs, how far (a longer
# --steps is a second cosine cycle, docs/training.md), how often it checkpoints
RESUME_FREE = ("out", "steps", "device", "threads", "max_minutes", "restart", "data_workers",
               "checkpoint_every", "init", "name", "log_name")


def refuse_other_settings(latest: Path, saved: dict | None, asked: dict | None) -> None:
    """A run resumed with other data, rates or mixes would be half one run and half
    another, and its checkpoints would name only the second: refuse, naming them.
    Settings a checkpoint does not record (older code) are not compared."""
    if not saved or not asked:
        return
    diffs = [f"{k}: {saved[k]!r} there, {asked[k]!r} now" for k in sorted(set(saved) & set(asked))
             if k not in RESUME_FREE and saved[k] != asked[k]]
    if diffs:
        raise ResumeError(f"{latest} was trained with other settings ({'; '.join(diffs)}): "
                          "give its settings to resume it, or rerun with --restart to start "
                          "afresh here (its files are moved aside)")


def set_aside(out: Path, cfg: LoopConfig) -> None:
    """--restart: move the earlier run's files into ``out/previous-N`` (nothing deleted)."""
    names = [cfg.log_name, "latest.pt", "best.pt", *RUN_FILES]
    present = [n for n in names if (out / n).exists()]
    if not present:
        return
    k = 1
    while (out / f"previous-{k}").exists():
        k += 1
    aside = out / f"previous-{k}"
    aside.mkdir()
    for n in present:
        os.replace(out / n, aside / n)
    print(f"--restart: moved {', '.join(present)} to {aside}", file=sys.stderr)


def make_optimizer(cfg: LoopConfig, model):
    """No weight decay on biases and norms."""
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr)
    return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum,
                           nesterov=cfg.momentum > 0)


def run(task: Task, model, cfg: LoopConfig, meta: dict | None = None,
        progress: bool = True) -> dict:
    """Train ``model`` on ``task`` to ``cfg.steps`` (resuming from ``cfg.out/latest.pt``);
    returns the last logged metrics. ``meta`` goes into every checkpoint."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = resolve_device(cfg.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick kernels
    ranks = ddp.from_env(device.type)
    if ranks.active and device.type == "cuda":
        device = torch.device("cuda", ranks.local_rank)
        torch.cuda.set_device(device)
    model = model.to(device)
    opt = make_optimizer(cfg, model)
    latest = out / "latest.pt"
    step, best = 0, None
    if cfg.restart and ranks.main:
        set_aside(out, cfg)
    elif not latest.exists():
        refuse_silent_restart(out, cfg)
    if latest.exists():
        try:
            state = read_checkpoint(latest, map_location=device)
        except ValueError as e:
            raise ResumeError(f"cannot resume: {e}. {_ways_on(out)}") from None
        if ModelConfig(**state["config"]) != model.cfg:
            raise ValueError(f"{latest} holds a different model than the one asked for")
        refuse_other_settings(latest, state["meta"].get("train_config"),
                              (meta or {}).get("train_config"))
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        task.load_sampler_state(state["sampler"])
        step = state["meta"]["step"]
        best = state["meta"].get("best", state["meta"].get("best_val_top1"))  # older runs
        print(f"resumed {latest} at step {step}", file=sys.stderr)
    ddp.sync_start(model, ranks)
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train(not cfg.frozen_norm)
    main = ranks.main  # the one that logs, validates and writes
    if main:
        print(f"{cfg.name}: {count_parameters(model):,} parameters; device {device}"
              + (f"; {ranks.world} ranks" if ranks.active else ""), file=sys.stderr)
    fields = ([cfg.step_name, "samples", "lr"] + list(task.step_fields) + ["samples_per_s"]
              + list(task.eval_fields) + ["elapsed_s"])
    log_path = out / cfg.log_name
    if main and not log_path.exists():
        with open(log_path, "w", newline="") as f:
            csv.writer(f).writerow(fields)
    bar = None
    if progress and main:
        from tqdm import tqdm
        bar = tqdm(total=cfg.steps, initial=step, unit=cfg.step_name, file=sys.stderr,
                   desc=cfg.name)
    t_start = time.time()
    sums, n_window, t_window = dict.fromkeys(task.step_fields, 0.0), 0, time.time()
    metrics: dict = {}
    try:
        while step < cfg.steps:
            batch = ddp.shard(task.next_batch(), ranks)
            lr = lr_at(cfg, step)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad(set_to_none=True)
            parts = dict.fromkeys(task.step_fields, 0.0)
            for chunk in (task.chunks(batch) if hasattr(task, "chunks") else [batch]):
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                    loss, chunk_parts = task.loss(model, chunk, device)
                loss.backward()
                for k in task.step_fields:
                    parts[k] += chunk_parts[k]
            ddp.average_gradients(model, ranks)
            opt.step()
            ddp.sync_buffers(model, ranks)
            parts = ddp.mean_over_ranks(parts, ranks, device)
            step += 1
            for k in task.step_fields:
                sums[k] += parts[k]
            n_window += 1
            if bar:
                bar.update(1)
                bar.set_postfix({k: round(v, 3) for k, v in parts.items()}, refresh=False)
            do_eval = step % cfg.eval_every == 0 or step == cfg.steps
            out_of_time = ddp.rank0_says(
                bool(cfg.max_minutes) and (time.time() - t_start) > cfg.max_minutes * 60,
                ranks, device)
            if not (do_eval or step % cfg.checkpoint_every == 0 or out_of_time):
                continue
            if not main:  # rank 0 validates and writes; the others go on training
                sums, n_window, t_window = dict.fromkeys(task.step_fields, 0.0), 0, time.time()
                if out_of_time:
                    break
                continue
            sps = n_window * cfg.batch_size / max(time.time() - t_window, 1e-9)
            metrics = {cfg.step_name: step, "samples": step * cfg.batch_size, "lr": round(lr, 6),
                       **{k: round(v / n_window, 4) for k, v in sums.items()},
                       "samples_per_s": round(sps, 1), **dict.fromkeys(task.eval_fields, ""),
                       "elapsed_s": round(time.time() - t_start, 1)}
            if do_eval:
                model.eval()
                with torch.no_grad():
                    ev = task.evaluate(model, device, cfg.bf16)
                model.train(not cfg.frozen_norm)
                metrics.update({k: round(v, 4) for k, v in ev.items() if k in fields})
                if bar and cfg.best_metric:
                    bar.write(f"{cfg.step_name} {step}: {cfg.best_metric} "
                              f"{metrics[cfg.best_metric]}", file=sys.stderr)
            with open(log_path, "a", newline="") as f:
                csv.writer(f).writerow([metrics[k] for k in fields])
            sums, n_window, t_window = dict.fromkeys(task.step_fields, 0.0), 0, time.time()
            info = {**(meta or {}), "step": step, "samples": step * cfg.batch_size,
                    "best": best}
            if do_eval and cfg.best_metric and _better(metrics[cfg.best_metric], best, cfg):
                best = info["best"] = metrics[cfg.best_metric]
                info.update({k: metrics[k] for k in task.eval_fields})
                save_checkpoint(str(out / "best.pt"), model, info)
            save_checkpoint(str(latest), model, info,
                            extra={"optimizer": opt.state_dict(),
                                   "sampler": task.sampler_state()})
            plot_curves(log_path, out / "curves.png", cfg.step_name)
            if out_of_time:
                break
    finally:
        task.close()
        if bar:
            bar.close()
    ddp.finish(ranks)  # (not after an error: a barrier would wait for the failed rank)
    return metrics


def _better(value, best, cfg: LoopConfig) -> bool:
    if best is None:
        return True
    return value > best if cfg.best_higher else value < best


def plot_curves(log_path: Path, png: Path, step_name: str = "step") -> None:
    """Losses on the left; accuracies, MSEs and win rates on the right (atomic)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(csv.DictReader(open(log_path)))
    if not rows:
        return
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for key in rows[0]:
        if not (key.startswith("loss") or any(w in key for w in ("top", "mse", "rate"))):
            continue  # counts and speeds have their own scales
        pts = [(int(r[step_name]), float(r[key])) for r in rows if r[key] != ""]
        if not pts:
            continue
        ax = a1 if key.startswith("loss") else a2
        ax.plot(*zip(*pts), marker="o" if len(pts) < 30 else None, label=key)
    for ax in (a1, a2):
        ax.set_xlabel(step_name)
        if ax.has_data():
            ax.legend()
    fig.tight_layout()
    save_figure(fig, png, dpi=90)
    plt.close(fig)


__all__ = ["LoopConfig", "Task", "run", "lr_at", "make_optimizer",
           "plot_curves"]
