"""Distillation on one GPU, inside a time budget: shards, a grown teacher, a distilled student and
its control, each net measured on the whole validation archive, all inside a time budget.

1. ``tengen build-data`` on every core (archives split into parts), while the GPU's training
   speed for both models is probed (random inputs, bf16, channels-last);
2. the teacher (``--teacher-model``, grown from ``--init`` so it starts at the shipped
   net's accuracy) trains for ``--teacher-seconds``: its step count is the probed speed
   times the budget, so its cosine schedule ends annealed;
3. the student (``tengen distill``, from ``--init``) and the control (``tengen train-sl``,
   the same start, seed, batches, steps and learning rate, moves alone) train side by side
   for ``--student-seconds``;
4. ``tengen eval-policy`` on the validation archive for the shipped net, teacher, student
   and control, side by side.
Model-only checkpoints, logs and a JSON summary go to ``--out`` as each phase ends, so a
lease that runs out still returns what was done.

Device run: ``python3 experiments/gpu_distill.py --kgs .kgs --out $OUT`` (docs/experiments/distillation.md).
CPU rehearsal: ``python experiments/gpu_distill.py --tiny --kgs DIR --out /tmp/gd-out``.
This process never imports tengen: every step runs in a child with the checkout on its
PYTHONPATH, so a GPU machine's bare image needs no install.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VALIDATION = "KGS-2017_05"
T0 = time.time()


def log(msg: str) -> None:
    print(f"[{time.time() - T0:6.1f}s] {msg}", flush=True)


def child_env() -> dict:
    """Children import tengen from this checkout, installed or not."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


def tengen(*args: str, log_to: Path | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tengen.cli", *args]
    log(" ".join(cmd[2:]))
    out = open(log_to, "w") if log_to else None
    return subprocess.Popen(cmd, cwd=ROOT, env=child_env(), stdout=out,
                            stderr=subprocess.STDOUT if out else None)


def python(code: str) -> None:
    """A few lines of Python in a child that imports tengen."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env(),
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)


def wait(*procs: subprocess.Popen) -> None:
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(f"{' '.join(map(str, p.args[2:]))} failed ({p.returncode})")


def probe(models: list[str], device: str, batch: int, seconds: float) -> dict:
    """Training samples/s of each model (``benchmarks/speed/bench_train.py --probe``: random
    inputs, bf16, channels-last), in a child so the parent holds no GPU memory."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / "speed" / "bench_train.py"), "--probe", ",".join(models),
           "--device", device, "--batch", str(batch), "--seconds", str(seconds)]
    out = subprocess.run(cmd, cwd=ROOT, env=child_env(), capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def model_only(src: Path, dst: Path) -> None:
    """A checkpoint without optimizer and sampler state (a quarter to a half the size)."""
    python("from tengen.nets.checkpoint import load_checkpoint, save_checkpoint\n"
           f"model, state = load_checkpoint({str(src)!r})\n"
           f"save_checkpoint({str(dst)!r}, model, state['meta'])")


def tiny_net(dst: Path) -> str:
    """A ``b1c8`` net at chance, for the CPU rehearsal."""
    python("from tengen.nets.model import build_model\nfrom tengen.nets.checkpoint import save_checkpoint\n"
           f"save_checkpoint({str(dst)!r}, build_model('b1c8'))")
    return str(dst)


def write_summary(out: Path, work: Path, summary: dict, runs) -> None:
    """``summary.json`` and a tarball of the logs, the runs' logs and curves, into ``out``
    (what a lease that runs out still returns)."""
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    with tarfile.open(out / "logs.tar.gz.tmp", "w:gz") as tar:
        for p in work.glob("*.log"):
            tar.add(p, arcname=p.name)
        for run in runs:
            for f in ("train_log.csv", "curves.png"):
                if (work / run / f).exists():
                    tar.add(work / run / f, arcname=f"{run}-{f}")
    os.replace(out / "logs.tar.gz.tmp", out / "logs.tar.gz")


def parse_lease_args(ap: argparse.ArgumentParser):
    """The options every lease script shares; (args, out folder, work folder), both made."""
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--tiny", action="store_true",
                    help="CPU rehearsal: two archives, small models, seconds not minutes")
    a = ap.parse_args()
    out, work = Path(a.out), Path(a.work)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    return a, out, work


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kgs", required=True, help="folder of KGS archives")
    ap.add_argument("--out", required=True, help="results folder")
    ap.add_argument("--work", default="/tmp/gpu-distill", help="shards and run folders")
    ap.add_argument("--init", default="sl", help="the net teacher, student and control start from")
    ap.add_argument("--teacher-model", default="b10c128")
    ap.add_argument("--student-model", default="b6c64")
    ap.add_argument("--teacher-seconds", type=float, default=210)
    ap.add_argument("--student-seconds", type=float, default=150)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--teacher-lr", type=float, default=0.04)
    ap.add_argument("--student-lr", type=float, default=0.03)
    a, out, work = parse_lease_args(ap)
    if a.tiny:
        a.teacher_model, a.student_model, a.device, a.batch = "b4c48", "b1c8", "cpu", 32
        a.init = tiny_net(work / "tiny-init.pt")
    archives = sorted(str(p) for p in Path(a.kgs).glob("*.tar.gz"))
    if a.tiny:
        archives = [p for p in archives if "2017_02" in p or VALIDATION in p]
    summary: dict = {"args": vars(a), "archives": [Path(p).name for p in archives]}

    def save_summary():
        write_summary(out, work, summary, ("teacher", "student", "control"))

    # 1. shards on the CPUs while the GPU is probed
    shards = work / "shards"
    build = tengen("build-data", *archives, "--out", str(shards), "--jobs", str(a.jobs),
                   "--parts", str(max(1, a.jobs // 4)), log_to=work / "build.log")
    rates = probe([a.teacher_model, a.student_model], a.device, a.batch, 1 if a.tiny else 5)
    wait(build)
    summary["probe_samples_per_s"] = {k: round(v) for k, v in rates.items()}
    summary["shards"] = json.loads((shards / "summary.json").read_text())["positions"]
    log(f"probe {summary['probe_samples_per_s']}; {summary['shards']:,} positions")
    save_summary()

    common = ["--data", str(shards), "--batch-size", str(a.batch), "--device", a.device,
              "--bf16", "--channels-last", "--val-positions", "512" if a.tiny else "16384",
              "--checkpoint-every", "200", "--seed", "7"]
    cores = max(1, a.jobs - 2)

    # 2. the teacher: steps from the probed speed (85%: feature work and validation)
    t_steps = max(20, int(rates[a.teacher_model] * a.teacher_seconds * 0.85 / a.batch))
    teacher = work / "teacher"
    wait(tengen("train-sl", *common, "--model", a.teacher_model, "--init", a.init,
                "--out", str(teacher), "--steps", str(t_steps), "--lr", str(a.teacher_lr),
                "--warmup-steps", str(min(100, t_steps // 5)),
                "--eval-every", str(max(1, t_steps // 6)), "--data-workers", str(cores),
                "--max-minutes", str(a.teacher_seconds * 1.3 / 60), log_to=work / "teacher.log"))
    model_only(teacher / "latest.pt", out / "teacher.pt")
    summary["teacher_steps"] = t_steps
    log(f"teacher done: {t_steps} steps")
    save_summary()

    # 3. student and control side by side: each sample costs a student step, a teacher
    # forward pass (a third of its training step) and a control step
    per_sample = 2 / rates[a.student_model] + 1 / (3 * rates[a.teacher_model])
    s_steps = max(20, int(a.student_seconds * 0.8 / per_sample / a.batch))
    same = [*common, "--model", a.student_model, "--init", a.init, "--steps", str(s_steps),
            "--lr", str(a.student_lr), "--warmup-steps", str(min(100, s_steps // 5)),
            "--eval-every", str(max(1, s_steps // 5)), "--data-workers", str(max(1, cores // 2)),
            "--max-minutes", str(a.student_seconds * 1.4 / 60)]
    student = tengen("distill", *same, "--teacher", str(out / "teacher.pt"),
                     "--out", str(work / "student"), log_to=work / "student.log")
    control = tengen("train-sl", *same, "--out", str(work / "control"),
                     log_to=work / "control.log")
    wait(student, control)
    for name in ("student", "control"):
        model_only(work / name / "latest.pt", out / f"{name}.pt")
    summary["student_steps"] = s_steps
    log(f"student and control done: {s_steps} steps each")
    save_summary()

    # 4. the whole validation archive, every net on the same path
    val = next(p for p in archives if VALIDATION in p)
    nets = {"shipped": a.init, "teacher": out / "teacher.pt", "student": out / "student.pt",
            "control": out / "control.pt"}
    games = ["--games", "20"] if a.tiny else []
    procs = {k: tengen("eval-policy", "--net", str(v), "--archive", val, "--device", a.device,
                       "--batch", "1024", *games, log_to=work / f"eval-{k}.log")
             for k, v in nets.items()}
    wait(*procs.values())
    summary["eval"] = {k: json.loads((work / f"eval-{k}.log").read_text().strip()
                                     .splitlines()[-1]) for k in nets}
    log(json.dumps({k: v["top1"] for k, v in summary["eval"].items()}))
    save_summary()
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
