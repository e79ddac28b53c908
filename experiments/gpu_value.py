"""Value training on every KGS position on one GPU, inside a time budget: does a heavier value
loss, at scale, teach the nets who is winning?

1. ``tengen build-data`` on every core (all archives; ``KGS-2017_05`` goes to val/);
2. side by side, ``tengen train-sl --value-weight W`` (policy cross-entropy plus W times
   the value MSE, so the policy keeps regularising the trunk: AlphaGo saw a value net
   memorise game outcomes on KGS) for each net in ``--runs``: the b10c128 teacher of the
   distillation lease (``--teacher``) and the shipped b6c64 student, each from its own
   weights; steps from the feature workers' rate, so the cosine schedule ends annealed;
3. on the whole validation archive: ``tengen eval-value`` (MSE by phase, every net on the
   same positions) and ``tengen eval-policy`` (top-1, to show what the policy pays).
Model-only checkpoints, logs and a JSON summary go to ``--out`` as each phase ends.

Device run: ``python3 experiments/gpu_value.py --kgs .kgs --teacher runs/gpu-distill/teacher.pt
--out $OUT``. CPU rehearsal: ``python experiments/gpu_value.py --tiny --kgs DIR --out /tmp/gv``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gpu_distill import (VALIDATION, log, model_only, parse_lease_args, tengen,  # a sibling
                         tiny_net, wait, write_summary)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kgs", required=True, help="folder of KGS archives")
    ap.add_argument("--out", required=True, help="results folder")
    ap.add_argument("--work", default="/tmp/gpu-value", help="shards and run folders")
    ap.add_argument("--teacher", default="runs/gpu-distill/teacher.pt")
    ap.add_argument("--runs", default="teacher:b10c128:1.0,student:b6c64:1.0",
                    help="name:model:value-weight[:init], comma-separated (without init, "
                    "teacher starts from --teacher, the others from the shipped net)")
    ap.add_argument("--seconds", type=float, default=300, help="training time of each run")
    ap.add_argument("--rate", type=float, default=1900,
                    help="samples/s one feature worker feeds (the limit on a GPU)")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=0.02)
    a, out, work = parse_lease_args(ap)
    runs = [dict(zip(("name", "model", "weight", "init"), r.split(":"))) for r in a.runs.split(",")]
    if a.tiny:
        a.device, a.batch, a.seconds, a.rate = "cpu", 32, 20, 200
        a.teacher = tiny_net(work / "tiny-teacher.pt")
        for r in runs:
            r["model"] = "b1c8"
            r.pop("init", None)
    archives = sorted(str(p) for p in Path(a.kgs).glob("*.tar.gz"))
    if a.tiny:
        archives = [p for p in archives if "2017_02" in p or VALIDATION in p]
    summary: dict = {"args": vars(a), "runs": runs, "archives": [Path(p).name for p in archives]}

    def save_summary():
        write_summary(out, work, summary, [r["name"] for r in runs])

    # 1. shards on every core
    shards = work / "shards"
    wait(tengen("build-data", *archives, "--out", str(shards), "--jobs", str(a.jobs),
                "--parts", str(max(1, a.jobs // 4)), log_to=work / "build.log"))
    summary["shards"] = json.loads((shards / "summary.json").read_text())["positions"]
    log(f"{summary['shards']:,} positions")
    save_summary()

    # 2. the runs side by side, the feature workers shared out
    workers = max(1, (a.jobs - len(runs)) // len(runs))
    steps = max(20, int(a.rate * workers * a.seconds * 0.85 / a.batch))
    procs = []
    for r in runs:
        init = r.get("init") or (a.teacher if r["name"] == "teacher" or a.tiny else "sl")
        procs.append(tengen(
            "train-sl", "--data", str(shards), "--batch-size", str(a.batch), "--device", a.device,
            "--bf16", "--channels-last", "--val-positions", "512" if a.tiny else "16384",
            "--checkpoint-every", "200", "--seed", "7", "--model", r["model"], "--init", init,
            "--value-weight", r["weight"], "--out", str(work / r["name"]), "--steps", str(steps),
            "--lr", str(a.lr), "--warmup-steps", str(min(100, steps // 5)),
            "--eval-every", str(max(1, steps // 6)), "--data-workers", str(workers),
            "--max-minutes", str(a.seconds * 1.3 / 60), log_to=work / f"{r['name']}.log"))
    wait(*procs)
    for r in runs:
        model_only(work / r["name"] / "latest.pt", out / f"{r['name']}.pt")
    summary["steps"] = steps
    log(f"runs done: {steps} steps each")
    save_summary()

    # 3. the whole validation archive: value by phase (all nets on the same positions), top-1
    val = next(p for p in archives if VALIDATION in p)
    games = "20" if a.tiny else "0"
    nets = {"shipped": "sl", "teacher_before": a.teacher,
            **{f"{r['name']}_init": r["init"] for r in runs if r.get("init")},
            **{r["name"]: str(out / f"{r['name']}.pt") for r in runs}}
    value = tengen("eval-value", "--kgs", val, "--games", games, "--device", a.device,
                   "--workers", str(max(1, a.jobs - len(runs) - 1)),
                   *[x for n in nets.values() for x in ("--net", n)], log_to=work / "eval-value.log")
    policy = {r["name"]: tengen("eval-policy", "--net", str(out / f"{r['name']}.pt"), "--archive",
                                val, "--device", a.device, "--batch", "1024",
                                *(["--games", games] if a.tiny else []),
                                log_to=work / f"eval-{r['name']}.log") for r in runs}
    wait(value, *policy.values())
    lines = [json.loads(x) for x in (work / "eval-value.log").read_text().splitlines()
             if x.startswith("{")]
    by_path = {d["net"]: d["kgs"] for d in lines}
    summary["value"] = {name: by_path[path] for name, path in nets.items()}
    summary["policy"] = {k: json.loads((work / f"eval-{k}.log").read_text().strip()
                                       .splitlines()[-1]) for k in policy}
    log(json.dumps({k: v["mse"] for k, v in summary["value"].items()}))
    log(json.dumps({k: v["top1"] for k, v in summary["policy"].items()}))
    save_summary()
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
