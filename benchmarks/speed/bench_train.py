"""Network speed on this machine: training samples/s (fp32, bf16 autocast, channels-last),
feature extraction positions/s, and policy evaluations/s at batch 1, 8 and 64.
Prints one JSON object as its last line.

Usage: python benchmarks/speed/bench_train.py [--model b6c64] [--seconds 10] [--device cpu]
       python benchmarks/speed/bench_train.py --probe b10c128,b6c64 --device cuda --batch 1024
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from tengen.engine.board import zobrist_table
from tengen.engine.game import GameState
from tengen.engine.playout import new_rng, random_move
from tengen.nets.features import NUM_PLANES, batch_planes, pack_position
from tengen.nets.model import CONFIGS, build_model

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/report.py
from report import add_json_arg, report  # noqa: E402


def positions(count: int, size: int = 19):
    """Packed positions from random games, 20-200 moves in."""
    rng = new_rng(1)
    rows = []
    while len(rows) < count:
        g = GameState(size, superko=False)
        for m in range(200):
            g.play(random_move(g.board.B, g.board.meta, g.to_play, rng))
            if m >= 20 and m % 9 == 0:
                rows.append((*pack_position(g), g.to_play))
    return rows[:count]


def feature_rate(seconds: float) -> float:
    rows = positions(512)
    packed = np.stack([r[0] for r in rows])
    ko, kp, pla = (np.array([r[i] for r in rows]) for i in (1, 2, 3))
    out = np.zeros((len(rows), NUM_PLANES, 19, 19), np.uint8)
    zob = zobrist_table(19)
    batch_planes(19, zob, packed[:8], ko[:8], kp[:8], pla[:8], out[:8])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        batch_planes(19, zob, packed, ko, kp, pla, out)
        n += len(rows)
    return n / (time.perf_counter() - t0)


def train_rate(model_name, device, batch, seconds, bf16=False, channels_last=False) -> float:
    model = build_model(CONFIGS[model_name]).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = (torch.rand(batch, NUM_PLANES, 19, 19, device=device) > 0.7).float()
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 362, (batch,), device=device)
    z = torch.rand(batch, device=device) * 2 - 1

    def step():
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits, v = model(x)
        loss = F.cross_entropy(logits.float(), y) + 0.25 * F.mse_loss(v.float(), z)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += batch
    if device.type == "cuda":
        torch.cuda.synchronize()
    return n / (time.perf_counter() - t0)


@torch.no_grad()
def eval_rate(model_name, device, batch, seconds) -> float:
    model = build_model(CONFIGS[model_name]).to(device).eval()
    x = (torch.rand(batch, NUM_PLANES, 19, 19, device=device) > 0.7).float()
    model(x)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        model(x)
        n += batch
    if device.type == "cuda":
        torch.cuda.synchronize()
    return n / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="b6c64")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--probe", metavar="MODELS",
                    help="comma-separated configs: only their training samples/s (bf16, "
                    "channels-last), one JSON object {model: samples/s}")
    add_json_arg(ap)
    args = ap.parse_args()
    dev = torch.device(args.device)
    if args.probe:  # what experiments/gpu_distill.py sizes its runs by
        torch.backends.cudnn.benchmark = True
        rates = {m: train_rate(m, dev, args.batch, args.seconds, bf16=True, channels_last=True)
                 for m in args.probe.split(",")}
        report(rates, args.json)
        return
    res = {"model": args.model, "device": args.device, "torch_threads": torch.get_num_threads(),
           "features_positions_per_s": round(feature_rate(args.seconds))}
    for name, kw in (("fp32", {}), ("bf16", {"bf16": True}),
                     ("channels_last", {"channels_last": True}),
                     ("bf16_channels_last", {"bf16": True, "channels_last": True})):
        res[f"train_samples_per_s_{name}"] = round(
            train_rate(args.model, dev, args.batch, args.seconds, **kw), 1)
        print(name, res[f"train_samples_per_s_{name}"], flush=True)
    for b in (1, 8, 64):
        res[f"eval_per_s_b{b}"] = round(eval_rate(args.model, dev, b, args.seconds), 1)
    report(res, args.json)


if __name__ == "__main__":
    main()
