"""``tengen train-loop`` with a tiny net on 9x9: killed (SIGKILL, the whole process
group) in each of its stages in turn and rerun, it ends with the same generations, the
same gate and anchor results and the same promoted net as a run never interrupted."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tengen.nets.checkpoint import read_checkpoint, save_checkpoint
from tengen.nets.model import build_model
from tengen.loop.train_loop import elo_chain

pytestmark = pytest.mark.slow


def loop_command(tmp_path: Path, out: Path, gnugo: str) -> list[str]:
    return [sys.executable, "-m", "tengen", "train-loop", "--out", str(out),
            "--generations", "2", "--net", str(tmp_path / "tiny.pt"), "--size", "9",
            "--games", "8", "--data-batch", "4", "--positions-per-game", "2", "--max-u", "30",
            "--workers", "1", "--backend", "torch", "--steps", "6", "--batch-size", "8",
            "--val-every", "2", "--eval-every", "3", "--checkpoint-every", "2",
            "--threads", "1", "--gate-visits", "8", "--gate-games", "2",
            "--promote-at", "0.5", "--anchor", gnugo, "--anchor-games", "1",
            "--anchor-visits", "8", "--jobs", "1", "--move-timeout", "120",
            "--value-mix", "0.5",  # the candidates' values averaged with the priors net's
            # generation 2's data judged by generation 1's candidate, which resigns games
            "--resign", "0.45", "--resign-after", "2", "--played-out", "0.5",
            # one network pass at a time on the torch backend: the same moves each time
            "--engine-args", "--resign 0.03 --threads 1 --passes 1 --backend torch"]


def kill_when(cmd: list[str], path: Path, timeout: float = 300) -> bool:
    """Start the loop; SIGKILL its process group once ``path`` exists. False if the
    loop ended first."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    end = time.time() + timeout
    while time.time() < end:
        if path.exists():
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return True
        if p.poll() is not None:
            return False
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGKILL)
    raise AssertionError(f"{path} did not appear in {timeout} s")


def outcome(out: Path) -> dict:
    """What a loop produced, without its timings."""
    stages = {}
    for marker in sorted(out.glob("gen-*/*.json")):
        r = json.loads(marker.read_text())
        stages[f"{marker.parent.name}/{marker.name}"] = {
            k: v for k, v in r.items() if k not in ("wall_s", "cpu_s", "runs")}
    rows = (out / "generations.csv").read_text().splitlines()
    header = rows[0].split(",")
    timed = {i for i, name in enumerate(header) if "hour" in name}  # costs, not results
    table = [[c for i, c in enumerate(r.split(",")) if i not in timed] for r in rows]
    return {"stages": stages, "table": table}


def test_killed_in_every_stage_the_loop_ends_as_an_uninterrupted_one(tmp_path, gnugo_cmd):
    torch.manual_seed(0)
    save_checkpoint(str(tmp_path / "tiny.pt"), build_model("b1c8"))
    gnugo = gnugo_cmd  # level 1: fast
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    # the uninterrupted run goes on beside the killed ones (the second core): the loop's
    # results do not depend on its timing, which is what the comparison checks
    with open(tmp_path / "straight.log", "w+") as log:
        first = subprocess.Popen(loop_command(tmp_path, straight, gnugo),
                                 stdout=subprocess.DEVNULL, stderr=log)
        try:
            cmd = loop_command(tmp_path, killed, gnugo)
            points = [killed / "gen-001" / "data" / "batch-000000" / "records.npz",
                      killed / "gen-001" / "train" / "latest.pt",  # training part-way
                      killed / "gen-001" / "gate" / "game-0000.json",  # 2nd gate game on
                      killed / "gen-000" / "anchor" / "logs",  # gen 0 anchor game on
                      killed / "gen-002" / "train" / "latest.pt"]
            kills = sum(kill_when(cmd, p) for p in points)
            assert kills >= 4  # a stage may end before the poll sees its file; most are cut
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            assert r.returncode == 0, r.stderr[-3000:]
            assert first.wait(timeout=900) == 0, (log.seek(0), log.read()[-3000:])[1]
        finally:  # a failed check leaves no loop running behind the test
            if first.poll() is None:
                first.kill()
                first.wait()
    a, b = outcome(straight), outcome(killed)
    assert a == b
    # a killed stage's cost is every run's: the markers say how many runs each took
    runs = [json.loads(m.read_text())["runs"] for m in killed.glob("gen-*/*.json")]
    assert max(runs) >= 2 and all(r >= 1 for r in runs)
    assert all(json.loads(m.read_text())["cpu_s"] > 0 for m in killed.glob("gen-*/*.json"))
    # the loop did what the test is about: a promotion, a later gate against it, anchors
    gates = [a["stages"][f"gen-{g:03d}/gate.json"] for g in (1, 2)]
    assert all(g["games"] == 2 for g in gates)
    promoted = [g for g in (1, 2) if a["stages"][f"gen-{g:03d}/gate.json"]["promoted"]]
    for g in promoted:
        assert f"gen-{g:03d}/anchor.json" in a["stages"]
    assert "gen-000/anchor.json" in a["stages"]
    if promoted and promoted[0] == 1:
        assert a["stages"]["gen-002/train.json"]["start"] == "gen-001/candidate.pt"
    # the candidates play with the mix, and a promoted one keeps it in later matches
    arena = [json.loads((straight / f"gen-{g:03d}" / "gate" / "config.json").read_text())
             for g in (1, 2)]
    assert all("--value-mix 0.5" in c["engine"] for c in arena)
    assert ("--value-mix 0.5" in arena[1]["opponent"]) == (promoted[:1] == [1])
    for g in (1, 2):  # every candidate, the promoted ones among them
        wa = read_checkpoint(str(straight / f"gen-{g:03d}" / "candidate.pt"))["model"]
        wb = read_checkpoint(str(killed / f"gen-{g:03d}" / "candidate.pt"))["model"]
        assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    assert (straight / "elo.png").stat().st_size > 0
    # resignation: generation 1's data by the priors net's own values, generation 2's by
    # generation 1's candidate (its weights' checksum in the data run's settings)
    from tengen.nets.checkpoint import load_checkpoint
    from tengen.selfplay.value_data import net_id
    claims = [json.loads((straight / f"gen-{g:03d}" / "data" / "config.json").read_text())
              for g in (1, 2)]
    assert "judge" not in claims[0] and claims[0]["resign"] == 0.45
    assert claims[1]["judge"] == net_id(load_checkpoint(str(straight / "gen-001" / "candidate.pt"))[0])


def test_elo_chain_adds_promotions_only():
    rows = [{"promoted": False},
            {"promoted": True, "gate_elo": 50.0, "gate_elo_low": 10.0, "gate_elo_high": 90.0},
            {"promoted": False, "gate_elo": -20.0, "gate_elo_low": -60.0, "gate_elo_high": 5.0},
            {"promoted": True, "gate_elo": 30.0, "gate_elo_low": -5.0, "gate_elo_high": 70.0}]
    chain = elo_chain(rows)
    assert chain[:3] == [(0.0, 0.0, 0.0), (50.0, 10.0, 90.0), (50.0, 10.0, 90.0)]
    # two promotions: their intervals' half-widths add in quadrature, not the last alone
    elo, low, high = chain[3]
    assert elo == 80.0
    assert abs(low - (80 - (40 ** 2 + 35 ** 2) ** 0.5)) < 1e-9
    assert abs(high - (80 + (40 ** 2 + 40 ** 2) ** 0.5)) < 1e-9


def test_a_loop_refuses_a_priors_net_replaced_under_the_same_path(tmp_path):
    from tengen.loop.train_loop import Loop, TrainLoopConfig
    from tengen.run_folder import FolderError
    net = tmp_path / "priors.pt"
    torch.manual_seed(0)
    save_checkpoint(str(net), build_model("b1c8"))
    cfg = TrainLoopConfig(out=str(tmp_path / "loop"), net=str(net), size=9)
    Loop(cfg, progress=False)
    (tmp_path / "loop" / "gen-001").mkdir()  # the loop has begun
    Loop(cfg, progress=False)  # the same weights: resumes
    torch.manual_seed(1)
    save_checkpoint(str(net), build_model("b1c8"))  # other weights, the same path
    with pytest.raises(FolderError, match="priors_id"):
        Loop(cfg, progress=False)


def test_an_engine_with_a_value_net_takes_its_mix_and_the_priors_engine_none(tmp_path):
    from tengen.loop.train_loop import Loop, TrainLoopConfig
    net = tmp_path / "priors.pt"
    torch.manual_seed(0)
    save_checkpoint(str(net), build_model("b1c8"))
    loop = Loop(TrainLoopConfig(out=str(tmp_path / "loop"), net=str(net), size=9,
                                value_mix=0.5), progress=False)
    cand = str(tmp_path / "loop" / "gen-001" / "candidate.pt")
    assert f"--value-net {cand} --value-mix 0.5 " in loop.engine(cand, 400, 0.5)
    assert "--value-mix" not in loop.engine(cand, 400, 1.0)
    assert "--value-net" not in loop.engine(None, 400, 0.5)


def test_training_positions_by_move_reach_the_trainer_and_may_change_between_generations(
        tmp_path, monkeypatch):
    """``--train-before`` / ``--train-per-game`` are passed to train-value, recorded in the
    generation's train.json, and, like the KGS mix, may change for generations whose
    training is not over."""
    import tengen.selfplay.value_train as value_train
    from tengen.loop.train_loop import Loop, TrainLoopConfig
    net = tmp_path / "priors.pt"
    save_checkpoint(str(net), build_model("b1c8"))
    seen = []

    def fake_train(tcfg, progress=True):
        seen.append((tcfg.positions_before, tcfg.positions_per_game))
        Path(tcfg.out).mkdir(parents=True, exist_ok=True)
        save_checkpoint(str(Path(tcfg.out) / "best.pt"), build_model("b1c8"), {"step": 3})
    monkeypatch.setattr(value_train, "train_value", fake_train)
    out = tmp_path / "loop"
    batch = out / "gen-001" / "data" / "batch-000000"
    batch.mkdir(parents=True)
    (batch / "records.npz").touch()
    plain = Loop(TrainLoopConfig(out=str(out), net=str(net), size=9), progress=False)
    assert "train_before" not in plain.train(1, None) and seen[-1] == (0, 0)
    drawn = Loop(TrainLoopConfig(out=str(out), net=str(net), size=9, train_before=300,
                                 train_per_game=16), progress=False)  # not refused
    record = drawn.train(1, None)
    assert seen[-1] == (300, 16)
    assert (record["train_before"], record["train_per_game"]) == (300, 16)


def test_a_window_without_an_earlier_generations_data_narrows_and_says_so(tmp_path, capsys):
    """A loop carried to a new machine without its data folders: generation 3 trains on
    what is there and records what was not; its own data gone stops it."""
    from tengen.loop.train_loop import Loop, TrainLoopConfig
    net = tmp_path / "priors.pt"
    save_checkpoint(str(net), build_model("b1c8"))
    loop = Loop(TrainLoopConfig(out=str(tmp_path / "loop"), net=str(net), size=9, window=3))
    for g in (1, 3):  # generation 2's data are gone
        batch = tmp_path / "loop" / f"gen-{g:03d}" / "data" / "batch-000000"
        batch.mkdir(parents=True)
        (batch / "records.npz").touch()
    have, missing = loop.window(3)
    assert [Path(f).parent.name for f in have] == ["gen-001", "gen-003"]
    assert [Path(f).parent.name for f in missing] == ["gen-002"]
    assert "lacks" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="data.json"):
        loop.window(2)  # generation 2's own data gone: nothing new to train on


def test_until_data_stops_a_loop_before_its_training_and_a_rerun_goes_on(tmp_path, gnugo_cmd):
    """``--until data`` plays a generation's data and stops (training wants the machine to
    itself); the same command with ``--until train`` trains on those data, playing none again."""
    torch.manual_seed(0)
    save_checkpoint(str(tmp_path / "tiny.pt"), build_model("b1c8"))
    out = tmp_path / "loop"
    cmd = loop_command(tmp_path, out, gnugo_cmd)
    cmd[cmd.index("--generations") + 1] = "1"
    r = subprocess.run(cmd + ["--until", "data"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "gen-001" / "data.json").exists()
    assert not (out / "gen-001" / "train").exists() and "before its training" in r.stderr
    played = json.loads((out / "gen-001" / "data.json").read_text())
    r = subprocess.run(cmd + ["--until", "train"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "gen-001" / "candidate.pt").exists()
    assert json.loads((out / "gen-001" / "data.json").read_text()) == played


def test_route_zero_plays_the_search_trains_one_net_and_gates_it_whole(tmp_path, gnugo_cmd):
    """``--route zero``: the data are the search's own games with visit-count targets,
    the candidate is the whole net trained on them, and the gate's engine runs it as its
    only net (priors and values), against the priors net."""
    from tengen.loop.train_loop import Loop, TrainLoopConfig
    torch.manual_seed(0)
    save_checkpoint(str(tmp_path / "tiny.pt"), build_model("b1c8"))
    out = tmp_path / "loop"
    cfg = TrainLoopConfig(out=str(out), route="zero", generations=1,
                          net=str(tmp_path / "tiny.pt"), size=9, games=4, data_batch=1,
                          full_visits=8, fast_visits=2, full_share=0.5, workers=1,
                          backend="torch", steps=4, batch_size=8, val_every=2, eval_every=2,
                          checkpoint_every=2, threads=1, gate_visits=8, gate_games=2,
                          jobs=1, move_timeout=120,
                          engine_args="--resign 0.03 --threads 1 --passes 1 --backend torch")
    loop = Loop(cfg, progress=False)
    loop.run()
    data = json.loads((out / "gen-001" / "data.json").read_text())
    assert data["games"] == 4 and data["targets"] > 0
    train = json.loads((out / "gen-001" / "train.json").read_text())
    assert train["route"] == "zero" and "val_top1" in train and "val_mse" in train
    cand = out / "gen-001" / "candidate.pt"
    start, trained = (read_checkpoint(str(p))["model"] for p in (tmp_path / "tiny.pt", cand))
    assert any(not torch.equal(start[k], trained[k]) for k in start)
    assert read_checkpoint(str(cand))["meta"]["route"] == "zero"
    gate = json.loads((out / "gen-001" / "gate.json").read_text())
    assert gate["games"] == 2
    engine = loop.engine(str(cand), 8)
    assert f"--net {cand} " in engine and "--value-net" not in engine
    assert f"--net {tmp_path / 'tiny.pt'} " in loop.engine(None, 8)
    summary = json.loads((out / "gen-001" / "gate" / "summary.json").read_text())
    assert str(cand) in summary["engine_command"]
