"""A larger net grown from a smaller one, training from a net (``--init``), feature workers,
split shards, and distillation: each with a tiny config on a few games."""
import csv
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from tengen.nets.data import DataConfig, ShardSet, build_shards
from tengen.nets.distill import distill
from tengen.nets.features import NUM_PLANES
from tengen.nets.grow import grow
from tengen.nets.model import ModelConfig, build_model
from tengen.nets.checkpoint import load_checkpoint, save_checkpoint
from tengen.nets.train_config import DistillConfig, TrainConfig
from tengen.nets.train_sl import Prefetcher, evaluate, train

SMALL = ModelConfig(1, 8, policy_channels=4, value_channels=4, value_hidden=8)
BIG = ModelConfig(3, 16, policy_channels=6, value_channels=5, value_hidden=12, ownership=True)


def _planes(n=6, size=9, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, NUM_PLANES, size, size, generator=g) > 0.6).float()


def _trained_small():
    """A small net whose batch norms hold real statistics (not the identity defaults)."""
    torch.manual_seed(3)
    small = build_model(SMALL)
    small.train()
    with torch.no_grad():
        for _ in range(5):
            small(_planes(16, seed=9))
    return small.eval()


def test_grown_net_computes_what_the_small_one_did():
    small = _trained_small()
    big = grow(small, BIG)
    assert big.cfg == BIG
    x = _planes()
    with torch.no_grad():
        (p0, v0), (p1, v1) = small(x), big(x)
    assert torch.allclose(p0, p1, atol=1e-5) and torch.allclose(v0, v1, atol=1e-5)
    assert not torch.equal(big.tower[2].conv1.weight, torch.zeros_like(big.tower[2].conv1.weight))


def test_grown_net_can_learn_through_its_new_weights():
    big = grow(_trained_small(), BIG)
    big.train()
    logits, value = big(_planes(8))
    (logits.logsumexp(1).mean() - logits[:, 5].mean() + value.pow(2).mean()).backward()
    w = big.tower[0].conv1.weight.grad
    assert w[:8, 8:].abs().sum() > 0  # new channels into old ones: zero now, not for good
    assert big.tower[2].bn2.weight.grad.abs().sum() > 0  # an added block can switch on


def test_grow_refuses_to_shrink():
    with pytest.raises(ValueError, match="shrink"):
        grow(build_model(BIG), SMALL)


def test_parts_split_an_archive_without_losing_or_repeating_positions(games_dir, tmp_path):
    whole = build_shards([str(games_dir)], str(tmp_path / "one"), DataConfig())
    split = build_shards([str(games_dir)], str(tmp_path / "three"), DataConfig(parts=3, jobs=2))
    assert split["games"] == whole["games"] and split["positions"] == whole["positions"]
    assert split["skipped"] == whole["skipped"]
    a, b = ShardSet(tmp_path / "one" / "train"), ShardSet(tmp_path / "three" / "train")
    rows = lambda s: sorted(map(bytes, np.hstack(s.rows(np.arange(len(s))))))  # noqa: E731
    assert len(b.dirs) == 3 and rows(a) == rows(b)


def test_feature_workers_hand_out_the_same_batches_in_order(shards):
    data = ShardSet(shards / "train")
    got = []
    for workers in (1, 3):
        pre = Prefetcher(data, np.random.default_rng(4), 16, workers=workers)
        got.append([pre.get() for _ in range(6)])
        pre.close()
    rng = np.random.default_rng(4)  # what the sampler draws, batch after batch
    for (s1, x1, m1, _), (s3, x3, m3, _) in zip(*got):
        state = rng.bit_generator.state
        x, m, _ = data.batch(rng.integers(len(data), size=16), rng.integers(8, size=16))
        assert s1 == s3 == state
        assert np.array_equal(x1, x) and np.array_equal(x3, x)
        assert np.array_equal(m1, m) and np.array_equal(m3, m)


def _val_top1(net_path, shards):
    model, _ = load_checkpoint(str(net_path))
    with torch.no_grad():
        return evaluate(model, ShardSet(shards / "val"), 256, torch.device("cpu"))["val_top1"]


def test_training_from_a_smaller_net_starts_where_it_stood(shards, tmp_path):
    base = dict(data=str(shards), batch_size=32, lr=0.02, warmup_steps=5, val_positions=256,
                seed=5, optimizer="adamw")
    train(TrainConfig(out=str(tmp_path / "small"), model="b1c8", steps=40, eval_every=40,
                      **base), progress=False)
    small_top1 = _val_top1(tmp_path / "small" / "latest.pt", shards)
    assert small_top1 > 3 / 362
    # lr 0 and frozen statistics cannot move it: the grown net's first validation must
    # match the small net's (the model, not the log, is checked: eval mode, same rows)
    cfg = TrainConfig(out=str(tmp_path / "big"), model="b4c48", steps=1, eval_every=1,
                      init=str(tmp_path / "small" / "latest.pt"),
                      **{**base, "lr": 0.0, "optimizer": "sgd"})
    cfg.frozen_norm = True
    train(cfg, progress=False)
    big, state = load_checkpoint(str(tmp_path / "big" / "latest.pt"))
    assert big.cfg.blocks == 4 and state["meta"]["train_config"]["init"].endswith("latest.pt")
    assert _val_top1(tmp_path / "big" / "latest.pt", shards) == pytest.approx(small_top1)


def test_distilled_student_learns_the_teachers_distribution(shards, tmp_path):
    torch.manual_seed(11)
    teacher = build_model("b1c8")
    with torch.no_grad():  # a confident teacher with opinions the moves alone do not show
        teacher.policy_point.weight.mul_(8)
        teacher.policy_point.bias.fill_(0.5)
    save_checkpoint(str(tmp_path / "teacher.pt"), teacher.eval())
    cfg = DistillConfig(out=str(tmp_path / "student"), data=str(shards), model="b1c8",
                        teacher=str(tmp_path / "teacher.pt"), teacher_weight=1.0,
                        value_teacher=1.0, steps=60, batch_size=32, lr=0.02, warmup_steps=5,
                        eval_every=60, val_positions=128, optimizer="adamw", seed=2)
    distill(cfg, progress=False)
    log = list(csv.DictReader(open(tmp_path / "student" / "train_log.csv")))
    assert "loss_teacher" in log[0]
    student, state = load_checkpoint(str(tmp_path / "student" / "latest.pt"))
    assert state["meta"]["train_config"]["teacher"].endswith("teacher.pt")
    x = torch.from_numpy(ShardSet(shards / "val").batch(np.arange(128))[0]).float()
    fresh = build_model("b1c8").eval()
    with torch.no_grad():
        t = torch.log_softmax(teacher(x)[0], 1)
        kl = lambda m: (t.exp() * (t - torch.log_softmax(m(x)[0], 1))).sum(1).mean()  # noqa: E731
        assert kl(student) < 0.5 * kl(fresh)
        assert (student(x)[1] - teacher(x)[1]).abs().mean() < (fresh(x)[1] - teacher(x)[1]).abs().mean()


def test_distill_cli_needs_a_teacher(shards, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tengen.cli", "distill", "--data", str(shards),
                           "--out", str(tmp_path / "d"), "--steps", "1"],
                          capture_output=True, timeout=120)
    assert proc.returncode != 0 and b"teacher" in proc.stderr
    assert not (tmp_path / "d" / "latest.pt").exists()
