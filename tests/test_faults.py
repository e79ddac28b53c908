"""Faults a careless or hostile user causes: shared checkpoints with code in them, a
typo in a match's command, a match resumed with other settings, Ctrl-C, empty or corrupt
data, runs whose state went missing. Each failed on the code before these fixes."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tengen.match.arena import ArenaConfig, MatchError, run_match
from tengen.match.refereed_game import GameConfig
from tengen.run_folder import FolderError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "tengen" / "data" / "policy.pt"


def gtp_start(*args, stdin="quit\n", timeout=120):
    return subprocess.run([sys.executable, "-m", "tengen", "gtp", *args], input=stdin,
                          text=True, capture_output=True, timeout=timeout)


# ---------------------------------------------------------------------- checkpoints


class Evil:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def bad_nets(tmp_path):
    torch = pytest.importorskip("torch")
    good = torch.load(SHIPPED, weights_only=True)
    data = SHIPPED.read_bytes()
    made = {}
    made["code"] = tmp_path / "evil.pt"
    torch.save({**good, "meta": Evil(tmp_path / "PWNED")}, made["code"])
    made["truncated"] = tmp_path / "trunc.pt"
    made["truncated"].write_bytes(data[: len(data) // 2])
    made["random bytes"] = tmp_path / "random.pt"
    made["random bytes"].write_bytes(np.random.default_rng(0).bytes(4096))
    made["empty"] = tmp_path / "empty.pt"
    made["empty"].write_bytes(b"")
    made["wrong config"] = tmp_path / "config.pt"
    torch.save({**good, "config": {**good["config"], "channels": 2 * good["config"]["channels"]}},
               made["wrong config"])
    made["feature set"] = tmp_path / "features.pt"
    torch.save({**good, "feature_set": "something-else"}, made["feature set"])
    made["not a net"] = tmp_path / "dict.pt"
    torch.save({"weights": torch.zeros(3)}, made["not a net"])
    return made


EXPECT = {"code": "refused, it holds more than weights", "truncated": "not a readable checkpoint",
          "random bytes": "not a readable checkpoint", "empty": "empty file",
          "wrong config": "size mismatch for", "feature set": "feature set 'something-else'",
          "not a net": "not a tengen network checkpoint"}


def test_a_checkpoint_cannot_run_code_and_every_bad_file_is_named(tmp_path):
    from tengen.nets.checkpoint import CheckpointError
    from tengen.nets.checkpoint import load_checkpoint
    for kind, path in bad_nets(tmp_path).items():
        with pytest.raises(CheckpointError) as e:
            load_checkpoint(str(path))
        assert str(path) in str(e.value) and EXPECT[kind] in str(e.value), kind
    assert not (tmp_path / "PWNED").exists()  # the pickle's os.system never ran


@pytest.mark.parametrize("flag", ["--net", "--value-net"])
def test_gtp_refuses_a_bad_net_at_start(tmp_path, flag):
    nets = bad_nets(tmp_path)
    for kind in ("code", "truncated", "wrong config"):
        r = gtp_start(flag, str(nets[kind]))
        assert r.returncode == 1 and r.stdout == "", kind  # no handshake answered
        assert flag in r.stderr and str(nets[kind]) in r.stderr and EXPECT[kind] in r.stderr
    assert not (tmp_path / "PWNED").exists()


def test_gtp_refuses_a_value_mix_without_a_value_net_or_outside_0_1(tmp_path):
    r = gtp_start("--value-mix", "0.5")
    assert r.returncode == 1 and r.stdout == "" and "needs --value-net" in r.stderr
    r = gtp_start("--value-net", "sl", "--value-mix", "1.5")
    assert r.returncode == 1 and "--value-mix 1.5" in r.stderr


def test_gtp_refuses_bad_rollout_weights_at_start_even_for_random_play(tmp_path):
    bad = tmp_path / "w.npz"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    r = gtp_start("--player", "random", "--rollout-weights", str(bad))
    assert r.returncode == 1 and str(bad) in r.stderr and "not a rollout weights" in r.stderr
    np.savez(tmp_path / "short.npz", w=np.zeros(5, np.float16), meta=np.zeros(0, np.uint8))
    r = gtp_start("--player", "random", "--rollout-weights", str(tmp_path / "short.npz"))
    assert r.returncode == 1 and "entries, expected" in r.stderr


# ---------------------------------------------------------------------- matches


def arena_cfg(tmp_path, gnugo_cmd, opponent=None, games=2, **kw):
    game = GameConfig(size=9, komi=7.5, referee=gnugo_cmd, move_timeout=60)
    return ArenaConfig(engine=gnugo_cmd, opponent=opponent or gnugo_cmd, games=games,
                       out=str(tmp_path / "m"), game=game, seed=1, **kw)


def test_an_opponent_that_cannot_start_stops_the_match(tmp_path, gnugo_cmd):
    cfg = arena_cfg(tmp_path, gnugo_cmd, opponent="/nonexistent/engine --gtp", games=6)
    with pytest.raises(MatchError, match="opponent failed before its first move.*cannot start"):
        run_match(cfg, progress=False)
    out = tmp_path / "m"
    assert not list(out.glob("game-*.json")) and not list(out.glob("game-*.sgf"))
    r = subprocess.run([sys.executable, "-m", "tengen", "arena", "--engine", gnugo_cmd,
                        "--opponent", "/nonexistent/engine --gtp", "--referee", gnugo_cmd,
                        "--games", "2", "--size", "9", "--seed", "1", "--out",
                        str(tmp_path / "cli")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "cannot start /nonexistent/engine" in r.stderr
    assert "win rate" not in r.stdout


def test_a_folder_holds_one_match(tmp_path, gnugo_cmd):
    run_match(arena_cfg(tmp_path, gnugo_cmd, games=1), progress=False)
    other = arena_cfg(tmp_path, gnugo_cmd.replace("--level 1", "--level 2"), games=2)
    other.engine = arena_cfg(tmp_path, gnugo_cmd).engine
    with pytest.raises(FolderError, match="another match.*opponent"):
        run_match(other, progress=False)
    komi = arena_cfg(tmp_path, gnugo_cmd, games=2)
    komi.game.komi = 0.5
    with pytest.raises(FolderError, match="komi"):
        run_match(komi, progress=False)
    # the same match with more games resumes
    s = run_match(arena_cfg(tmp_path, gnugo_cmd, games=2), progress=False)
    assert s["games"] == 2


def test_a_setting_added_since_a_folder_was_claimed_refuses_only_when_on(tmp_path):
    # a folder from before a setting existed resumes while that setting is left off
    from tengen.run_folder import claim
    claim(tmp_path, {"games": 2, "game": {"komi": 7.5}}, (), "match", started=False)
    claim(tmp_path, {"games": 2, "game": {"komi": 7.5, "untimed": ()}}, (), "match", True)
    claim(tmp_path, {"games": 2, "game": {"komi": 7.5, "untimed": ()}}, (), "match", True)
    old = tmp_path / "old"
    old.mkdir()
    claim(old, {"games": 2, "game": {"komi": 7.5}}, (), "match", started=False)
    with pytest.raises(FolderError, match="untimed"):  # turned on: another run
        claim(old, {"games": 2, "game": {"komi": 7.5, "untimed": ("opponent",)}}, (),
              "match", True)
    # a switch added since: off resumes, on is another run; a number is never "off"
    claim(old, {"games": 2, "game": {"komi": 7.5}, "symmetry": False}, (), "match", True)
    claim(old, {"games": 2, "game": {"komi": 7.5}}, (), "match", started=False)
    for on in (True, 0):
        with pytest.raises(FolderError, match="symmetry"):
            claim(old, {"games": 2, "game": {"komi": 7.5}, "symmetry": on}, (), "match", True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_a_match_and_keeps_every_game_it_wrote(tmp_path, gnugo_cmd, sig):
    out = tmp_path / "m"
    cmd = [sys.executable, "-m", "tengen", "arena", "--engine", gnugo_cmd, "--opponent",
           gnugo_cmd, "--referee", gnugo_cmd, "--games", "40", "--size", "9", "--seed", "1",
           "--jobs", "2", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not list(out.glob("game-*.json")) and time.time() < deadline:
        time.sleep(0.1)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "rerun the same command" in err
    sgfs = {p.stem for p in out.glob("game-*.sgf")}
    jsons = {p.stem for p in out.glob("game-*.json")}
    assert sgfs == jsons and 0 < len(jsons) < 40
    assert json.loads((out / "summary.json").read_text())["games"] == len(jsons)


# ---------------------------------------------------------------------- training runs


def rl(out, net, steps, *extra):
    cmd = [sys.executable, "-m", "tengen", "rl", "--out", str(out), "--net", str(net),
           "--size", "7", "--batch-size", "4", "--steps", str(steps), "--snapshot-every", "2",
           "--eval-every", "100", "--lr", "0.01", "--threads", "1", "--workers", "0",
           "--no-overlap", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


@pytest.fixture
def tiny_net(tmp_path):
    torch = pytest.importorskip("torch")
    from tengen.nets.model import build_model
    from tengen.nets.checkpoint import save_checkpoint
    torch.manual_seed(0)
    path = tmp_path / "nets" / "tiny.pt"
    path.parent.mkdir()
    save_checkpoint(str(path), build_model("b1c8"))
    return path


def test_a_run_never_restarts_silently_and_a_copied_run_reads_its_own_pool(tmp_path, tiny_net):
    import shutil
    import torch
    a, b = tmp_path / "a", tmp_path / "b"
    r = rl(a, tiny_net, 4)
    assert r.returncode == 0, r.stderr[-2000:]
    shutil.copytree(a, b)
    shutil.rmtree(a)  # the original is gone: the copy must not need it
    # a truncated pool snapshot is named and dropped, not an error iterations later
    snap = b / "pool" / "iter-000002.pt"
    snap.write_bytes(snap.read_bytes()[:1000])
    r = rl(b, tiny_net, 6)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "pool member dropped" in r.stderr and str(snap) in r.stderr
    pool = torch.load(b / "latest.pt", weights_only=True)["sampler"]["pool"]
    assert pool == [str(tiny_net), "pool/iter-000004.pt"]
    # latest.pt gone, log and pool present: an error naming it and the ways on
    rows = (b / "rl_log.csv").read_text()
    (b / "latest.pt").unlink()
    r = rl(b, tiny_net, 8)
    assert r.returncode != 0 and "latest.pt is missing" in r.stderr and "--restart" in r.stderr
    assert (b / "rl_log.csv").read_text() == rows  # nothing written twice
    r = rl(b, tiny_net, 2, "--restart")
    assert r.returncode == 0, r.stderr[-2000:]
    assert (b / "previous-1" / "rl_log.csv").read_text() == rows
    assert len((b / "rl_log.csv").read_text().splitlines()) == 1 + 2


def test_a_corrupt_latest_checkpoint_is_named_with_the_way_on(tmp_path, tiny_net):
    out = tmp_path / "a"
    assert rl(out, tiny_net, 2).returncode == 0
    (out / "latest.pt").write_bytes(b"\x80\x02garbage")
    r = rl(out, tiny_net, 4)
    assert r.returncode != 0 and str(out / "latest.pt") in r.stderr
    assert "--restart" in r.stderr and "Traceback" not in r.stderr


def test_train_sl_on_shards_without_positions_ends_with_a_clear_message(tmp_path):
    from tengen.nets.data import DataConfig, build_shard
    games = tmp_path / "games"
    games.mkdir()
    (games / "short.sgf").write_bytes(b"(;FF[4]SZ[19];B[dd];W[pp])")
    for split in ("train", "val"):
        build_shard(str(games), str(tmp_path / "shards" / split), DataConfig())
    r = subprocess.run([sys.executable, "-m", "tengen", "train-sl", "--data",
                        str(tmp_path / "shards"), "--out", str(tmp_path / "run"), "--steps", "2",
                        "--model", "b1c8", "--device", "cpu"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "hold no positions" in r.stderr


def test_build_data_keeps_the_games_before_a_truncation_and_always_summarises(tmp_path):
    import io
    import tarfile
    good = tmp_path / "good"
    good.mkdir()
    from tengen.engine.game import GameState
    from tengen.engine.sgf import game_to_sgf
    g = GameState(19)
    for _ in range(60):
        g.play(int(np.random.default_rng(len(g.moves)).choice(g.legal_moves())))
    sgf = game_to_sgf(g, result="B+R")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for i in range(40):
            info = tarfile.TarInfo(f"g{i}.sgf")
            data = sgf + b" " * (i * 997)  # differently sized members
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    whole = buf.getvalue()
    (tmp_path / "cut.tar.gz").write_bytes(whole[: len(whole) * 2 // 3])
    (tmp_path / "whole.tar.gz").write_bytes(whole)
    r = subprocess.run([sys.executable, "-m", "tengen", "build-data", str(tmp_path / "cut.tar.gz"),
                        str(tmp_path / "whole.tar.gz"), "--out", str(tmp_path / "shards"),
                        "--min-moves", "1"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    summary = json.loads((tmp_path / "shards" / "summary.json").read_text())
    cut = summary["sources"][str(tmp_path / "cut.tar.gz")]
    assert cut["skipped"]["corrupt archive"] == 1 and "source_error" in cut
    assert 0 < cut["games"] < 40 == summary["sources"][str(tmp_path / "whole.tar.gz")]["games"]
