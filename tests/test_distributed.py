"""Data-parallel training under a real ``torchrun --nproc-per-node 2`` (gloo on CPU): the
same losses and weights as one process on the same global batch, and an exact resume."""
import csv
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
import torch

from toy_tasks import toy_run

TOY = str(Path(__file__).with_name("toy_tasks.py"))


# gloo's C++ threads can abort a rank while the process group is torn down (seen once in
# CI, torch 2.13; not reproduced in 32 local runs). The command is the one a user
# reruns after any crash, and it resumes from the last checkpoint, so the test does that
# too, once, and only for this abort.
GLOO_TEARDOWN_ABORT = "terminate called without an active exception"


def torchrun(*args):
    exe = shutil.which("torchrun")
    if exe is None:
        pytest.skip("torchrun is not on PATH (it comes with torch)")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(TOY).parent)}
    cmd = [exe, "--standalone", "--nproc-per-node", "2", *map(str, args)]
    for attempt in range(2):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode == 0:
            return
        if attempt or GLOO_TEARDOWN_ABORT not in done.stderr:
            break
        warnings.warn(f"torchrun: a rank aborted in gloo's teardown; rerunning {args}")
    raise AssertionError(f"torchrun {args} exited {done.returncode}:\n{done.stderr[-4000:]}")


def losses(out):
    return [float(r["loss_value"]) for r in csv.DictReader(open(Path(out) / "train_log.csv"))]


def weights(out):
    return torch.load(Path(out) / "latest.pt", weights_only=False)["model"]


def test_two_ranks_train_as_one_process_on_the_global_batch(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    toy_run(str(one), frozen_norm=True)
    torchrun(TOY, two, "frozen")
    # batch norms frozen: the same arithmetic, summed in another order
    assert losses(two) == pytest.approx(losses(one), rel=1e-4)
    a, b = weights(one), weights(two)
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-5) for k in a)


def test_two_ranks_with_batch_norm_statistics_per_rank(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    toy_run(str(one))
    torchrun(TOY, two)
    # each rank normalises its own 8 samples instead of 16: close, not equal (5%)
    assert losses(two) == pytest.approx(losses(one), rel=0.05)


def test_two_ranks_resume_exactly(tmp_path):
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    torchrun(TOY, straight)
    torchrun(TOY, broken, "batch", 1e-9)  # stops after its first step, checkpointed
    assert torch.load(broken / "latest.pt", weights_only=False)["meta"]["step"] == 1
    torchrun(TOY, broken)
    a, b = weights(straight), weights(broken)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_rl_on_two_ranks_makes_the_one_process_update(tmp_path):
    """``tengen rl`` under torchrun: rank 0 plays the games, both ranks train on their
    halves of the learner's moves; the same weights as one process, the games written
    once."""
    import sys

    from tengen.nets.model import build_model
    from tengen.nets.checkpoint import save_checkpoint
    torch.manual_seed(0)
    net = str(tmp_path / "tiny.pt")
    save_checkpoint(net, build_model("b1c8"))

    def rl(out):
        return ["rl", "--out", out, "--net", net, "--size", "7", "--batch-size", "8",
                "--steps", "2", "--eval-every", "2", "--eval-games", "2", "--lr", "0.05",
                "--threads", "1", "--workers", "1", "--micro-batch", "16"]
    one, two = tmp_path / "one", tmp_path / "two"
    subprocess.run([sys.executable, "-m", "tengen.cli", *rl(str(one))], check=True,
                   capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    torchrun("-m", "tengen.cli", *rl(str(two)))
    a, b = weights(one), weights(two)
    start = torch.load(net, weights_only=False)["model"]
    assert any(not torch.equal(a[k], start[k]) for k in a)  # it learned something
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-5) for k in a)
    for it in range(2):
        folder = two / "games" / f"iter-{it:06d}"
        assert len(list(folder.glob("*.sgf"))) == 8 and (folder / "records.npz").exists()
    rows = list(csv.DictReader(open(two / "rl_log.csv")))
    assert [r["iteration"] for r in rows] == ["1", "2"]  # rank 0 alone logs
