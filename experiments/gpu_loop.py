"""The training loop's next generation on a lent GPU machine: its value-data games on every
core, its candidate trained on the GPU, brought back to the loop folder here, where its
gate and anchor matches run (their engine commands name this machine's paths).

Three steps, each a subcommand:

1. here, ``carry``: what the device needs of the loop folder (its settings, every stage's
   marker, the candidates, the records of the generations the next candidate trains on,
   not the SGFs) and the KGS archives its ``--kgs-train`` shards were built from, into a
   folder of the checkout that ``.git/info/exclude`` ignores:

       python experiments/gpu_loop.py carry --loop runs/loop --to .loop-carry

2. on the device, ``run`` (sgfmill, tengen's one package the image lacks, travels as a
   wheel in ``.whl``; see /work/.library/device/README.md):

       python3 experiments/gpu_loop.py run --carry .loop-carry --out $OUT --minutes 8

   It builds the KGS shards on every core, runs ``tengen train-loop`` with the loop's own
   settings (``--until train``: it stops before the gate; ``--workers``, ``--device`` and
   the paths are the settings a loop lets change), stops it at the deadline (every stage
   resumes), and packs every file it made or changed into ``$OUT/loop.tar.xz.NN`` parts
   of 15 MiB, with ``gpu_loop.json`` (stages done, timings, the device).

3. here, ``unpack``: the parts into the loop folder; rerun the loop to go on.

       python experiments/gpu_loop.py unpack --loop runs/loop /work/.device/.../loop.tar.xz.*

CPU rehearsal: ``python experiments/gpu_loop.py rehearse --work /tmp/gl`` (a tiny net on
9x9: a generation here, its successor's data and candidate by ``run`` on the CPU, unpacked,
and the loop here goes on to that candidate's gate).
This process never imports tengen: every step runs in a child with the checkout on its
PYTHONPATH, so a GPU machine's bare image needs no install.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gpu_distill import ROOT, child_env, log, python, tiny_net  # noqa: E402  (a sibling)

PART = 15 << 20  # bytes a returned file holds (the device returns files of 16 MiB at most)
MARKERS = ("data.json", "train.json", "gate.json", "anchor.json")
RECORDED_ONLY = ("priors_id",)  # in the loop's config.json, not a flag


def settings(loop: Path) -> dict:
    return json.loads((loop / "config.json").read_text())


def next_generation(loop: Path) -> int:
    """The first generation whose gate is not over: the one the device works on."""
    gen = 1
    while (loop / f"gen-{gen:03d}" / "gate.json").exists():
        gen += 1
    return gen


def carry(a) -> int:
    loop, to = Path(a.loop), Path(a.to)
    cfg = settings(loop)
    if to.exists():
        shutil.rmtree(to)
    (to / "loop").mkdir(parents=True)
    shutil.copy2(loop / "config.json", to / "loop" / "config.json")
    gen = next_generation(loop)
    window = range(max(1, gen - cfg["window"] + 1), gen + 1)
    for d in sorted(loop.glob("gen-*")):
        dst = to / "loop" / d.name
        dst.mkdir()
        for name in (*MARKERS, "candidate.pt"):
            if (d / name).exists():
                shutil.copy2(d / name, dst / name)
        g = int(d.name.split("-")[1])
        if g in window and (d / "data").exists():  # records, not SGFs
            for f in (d / "data").glob("**/*"):
                if f.is_file() and (f.suffix != ".sgf"):
                    out = dst / "data" / f.relative_to(d / "data")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(f, out)
    archives = []
    if cfg.get("kgs_mix", 0) > 0:
        summary = json.loads((Path(cfg["kgs_train"]).parent / "summary.json").read_text())
        (to / "kgs").mkdir()
        for src in summary["sources"]:
            shutil.copy2(src, to / "kgs" / Path(src).name)
            archives.append(Path(src).name)
    size = sum(f.stat().st_size for f in to.glob("**/*") if f.is_file())
    log(f"carry {to}: generation {gen} next, {len(archives)} KGS archives, {size / 2**20:.1f} MiB")
    if size > 40 << 20:  # the checkout travels too, 64 MiB in all
        raise SystemExit(f"{to} holds {size / 2**20:.1f} MiB: too much to travel")
    return 0


def files_of(folder: Path) -> dict:
    return {str(f.relative_to(folder)): (f.stat().st_size, f.stat().st_mtime_ns)
            for f in folder.glob("**/*") if f.is_file()}


def run(a) -> int:
    t0 = time.time()
    deadline = t0 + a.minutes * 60
    src, out, work = Path(a.carry), Path(a.out), Path(a.work)
    out.mkdir(parents=True, exist_ok=True)
    if work.exists():
        shutil.rmtree(work)
    loop = work / "loop"
    shutil.copytree(src / "loop", loop)
    before = files_of(loop)
    cfg = settings(loop)
    cores = os.cpu_count() or 2
    report = {"device": a.device, "cores": cores, "generation": next_generation(loop)}
    if a.device == "cuda":
        report["gpu"] = subprocess.run(
            [sys.executable, "-c", "import torch; print(torch.cuda.get_device_name(0))"],
            capture_output=True, text=True).stdout.strip()
    over = {"out": str(loop), "workers": a.workers or max(1, cores - 2), "ray": "",
            "device": a.device, "threads": a.threads, "until": "train", "peers": ""}
    if cfg.get("kgs_mix", 0) > 0:
        archives = sorted(str(p) for p in (src / "kgs").glob("*.tar.gz"))
        t = time.time()
        subprocess.run([sys.executable, "-m", "tengen.cli", "build-data", *archives, "--out",
                        str(work / "kgs"), "--jobs", str(cores)], cwd=ROOT, env=child_env(),
                       check=True, stdout=subprocess.DEVNULL)
        report["kgs_shards_s"] = round(time.time() - t, 1)
        over["kgs_train"] = str(work / "kgs" / "train")
    args = []
    for k, v in {**cfg, **over}.items():
        flag = k.replace('_', '-')
        if k in RECORDED_ONLY:
            continue
        if isinstance(v, bool):  # a switch: --flag or --no-flag, no value
            args.append(f"--{flag}" if v else f"--no-{flag}")
        else:
            args += [f"--{flag}", str(v)]
    cmd = [sys.executable, "-m", "tengen.cli", "train-loop", *args]
    log(" ".join(cmd[2:]))
    with open(work / "train-loop.log", "w") as lf:
        p = subprocess.Popen(cmd, cwd=ROOT, env=child_env(), stdout=lf, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            report["loop_exit"] = p.wait(timeout=max(1.0, deadline - time.time()))
        except subprocess.TimeoutExpired:  # every stage resumes where it was
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            report["loop_exit"] = "stopped at the deadline"
    report["loop_s"] = round(time.time() - t0, 1)
    changed = sorted(k for k, v in files_of(loop).items() if before.get(k) != v)
    report["stages_done"] = sorted(k for k in changed if k.split("/")[-1] in MARKERS)
    report["files"] = len(changed)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as tar:
        for k in changed:
            tar.add(loop / k, arcname=k)
        tar.add(work / "train-loop.log", arcname="gpu-train-loop.log")
    data = buf.getvalue()
    for i in range(0, len(data), PART):
        (out / f"loop.tar.xz.{i // PART:02d}").write_bytes(data[i:i + PART])
    report["returned_mib"] = round(len(data) / 2**20, 2)
    (out / "gpu_loop.json").write_text(json.dumps(report, indent=1))
    log(json.dumps(report))
    return 0


def unpack(a) -> int:
    loop = Path(a.loop)
    parts = sorted(a.parts, key=lambda p: int(Path(p).name.rsplit(".", 1)[1]))
    data = b"".join(Path(p).read_bytes() for p in parts)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as tar:
        members = [m for m in tar.getmembers() if m.name != "config.json"]  # ours stays
        for m in members:
            if not m.isfile() or m.name.startswith("/") or ".." in Path(m.name).parts:
                raise SystemExit(f"{m.name}: not a file of the loop folder")
        tar.extractall(loop, members=members, filter="data")
    log(f"unpacked {len(members)} files into {loop}; rerun the loop to go on")
    return 0


def rehearse(a) -> int:
    """A tiny loop on the CPU through all three steps; fails if the loop cannot go on."""
    work = Path(a.work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    net = tiny_net(work / "tiny.pt")
    gnugo = a.anchor
    loop = work / "loop"
    base = [sys.executable, "-m", "tengen.cli", "train-loop", "--out", str(loop), "--net", net,
            "--size", "9", "--games", "8", "--data-batch", "4", "--positions-per-game", "2",
            "--max-u", "30", "--workers", "1", "--backend", "torch", "--steps", "6",
            "--batch-size", "8", "--val-every", "2", "--eval-every", "3",
            "--checkpoint-every", "2", "--threads", "1", "--gate-visits", "8",
            "--gate-games", "2", "--promote-at", "0.5", "--anchor", gnugo,
            "--anchor-games", "1", "--anchor-visits", "8", "--jobs", "1",
            "--engine-args", "--resign 0.03 --threads 1 --passes 1 --backend torch"]

    def loop_run(*extra: str) -> None:
        subprocess.run([*base, *extra], cwd=ROOT, env=child_env(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    loop_run("--generations", "1")  # generation 1 whole, here
    loop_run("--generations", "2", "--until", "train")  # ... and 2's candidate, here too
    shutil.copy2(loop / "gen-002" / "candidate.pt", work / "candidate-here.pt")
    shutil.rmtree(loop / "gen-002")  # the device makes it again
    ns = argparse.Namespace
    carry(ns(loop=str(loop), to=str(work / "carry")))
    run(ns(carry=str(work / "carry"), out=str(work / "OUT"), work=str(work / "device"),
           minutes=a.minutes, device="cpu", workers=1, threads=1))
    unpack(ns(loop=str(loop), parts=[str(p) for p in (work / "OUT").glob("loop.tar.xz.*")]))
    report = json.loads((work / "OUT" / "gpu_loop.json").read_text())
    assert "gen-002/train.json" in report["stages_done"], report
    # the same settings, seeds and one worker on one core: the same weights
    python("import torch\nfrom tengen.nets.checkpoint import read_checkpoint\n"
           f"a = read_checkpoint({str(work / 'candidate-here.pt')!r})\n"
           f"b = read_checkpoint({str(loop / 'gen-002' / 'candidate.pt')!r})\n"
           "assert a['model'].keys() == b['model'].keys()\n"
           "bad = [k for k in a['model'] if not torch.equal(a['model'][k], b['model'][k])]\n"
           "assert not bad, bad")
    loop_run("--generations", "2")  # the gate and anchor of generation 2, here
    gate = json.loads((loop / "gen-002" / "gate.json").read_text())
    log(f"rehearsal: device stages {report['stages_done']}, the same candidate as made "
        f"here; generation 2's gate here: {gate['wins']} of {gate['games']}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="step", required=True)
    c = sub.add_parser("carry")
    c.add_argument("--loop", required=True)
    c.add_argument("--to", default=".loop-carry")
    r = sub.add_parser("run")
    r.add_argument("--carry", default=".loop-carry")
    r.add_argument("--out", required=True)
    r.add_argument("--work", default="/tmp/gpu-loop")
    r.add_argument("--minutes", type=float, default=8.0, help="the loop stops at this deadline")
    r.add_argument("--device", default="cuda")
    r.add_argument("--workers", type=int, default=0, help="value-data workers (0: cores - 2)")
    r.add_argument("--threads", type=int, default=4, help="torch threads of the learner")
    u = sub.add_parser("unpack")
    u.add_argument("--loop", required=True)
    u.add_argument("parts", nargs="+")
    h = sub.add_parser("rehearse")
    h.add_argument("--work", default="/tmp/gpu-loop-rehearsal")
    h.add_argument("--minutes", type=float, default=10.0)
    h.add_argument("--anchor", default="/usr/games/gnugo --mode gtp --level 1 --chinese-rules",
                   help="the tiny loop's anchor engine ('': no anchor matches)")
    a = ap.parse_args()
    return {"carry": carry, "run": run, "unpack": unpack, "rehearse": rehearse}[a.step](a)


if __name__ == "__main__":
    sys.exit(main())
