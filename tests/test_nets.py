"""The network path with a tiny config on a few games: model, checkpoints, shards,
symmetries, training (overfit, exact resume), eval-policy, the policy player."""
import json
import subprocess
import sys
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
import torch

from tengen.engine.board import PASS
from tengen.engine.coords import from_loc, gtp_to_loc, to_loc
from tengen.engine.game import GameState
from tengen.engine.gtp import GtpEngine
from tengen.engine.sgf import game_to_sgf, iter_sgf_files, parse_sgf
from tengen.engine.coords import apply_symmetry, symmetry_maps
from tengen.nets.data import DataConfig, ShardSet, build_shard
from tengen.nets.features import NUM_PLANES, state_planes
from tengen.nets.model import build_model, count_parameters
from tengen.nets.checkpoint import load_checkpoint, save_checkpoint
from tengen.players.policy import PolicyPlayer
from tengen.nets.train_sl import TrainConfig, train
from toy_tasks import ToyValueTask

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("size", [9, 13, 19])
def test_model_is_fully_convolutional(size):
    model = build_model("b1c8").eval()
    logits, value = model(torch.zeros(3, NUM_PLANES, size, size))
    assert logits.shape == (3, size * size + 1) and value.shape == (3,)
    assert (value.abs() <= 1).all()


def test_named_configs_and_checkpoint_round_trip(tmp_path):
    assert count_parameters(build_model("b6c64")) < count_parameters(build_model("b10c128"))
    model = build_model("b1c8")
    path = tmp_path / "net.pt"
    save_checkpoint(str(path), model, {"step": 7})
    loaded, state = load_checkpoint(str(path))
    assert state["meta"]["step"] == 7 and state["config"]["channels"] == 8
    x = torch.rand(2, NUM_PLANES, 9, 9)
    model.eval()
    assert torch.allclose(loaded(x)[0], model(x)[0])
    state["feature_set"] = "something else"
    torch.save(state, path)
    with pytest.raises(ValueError):
        load_checkpoint(str(path))


def test_shards_count_games_positions_and_skips(shards, games_dir):
    stats = json.loads((shards / "train" / games_dir.name / "stats.json").read_text())
    assert stats["skipped"] == {"corrupt": 1, "wrong size": 1, "too short": 1}
    assert stats["games"] == 12
    total_moves = sum(len(parse_sgf(p.read_bytes()).moves)
                      for p in games_dir.glob("*.sgf") if p.name[:3] in ("kgs", "ran"))
    assert stats["positions"] == total_moves == len(ShardSet(shards / "train"))


def test_shard_rows_rebuild_the_real_positions(shards, games_dir):
    """Row k of a game is the position before move k: its planes match state_planes."""
    first = sorted(p for p in games_dir.glob("*.sgf") if p.name[:3] in ("kgs", "ran"))[0]
    rec = parse_sgf(first.read_bytes())
    data = ShardSet(shards / "train")
    for k in (0, 1, 37, len(rec.moves) - 1):
        planes, moves, outcome = data.batch(np.array([k]))
        g = rec.to_game_state(upto=k, superko=False)
        g.to_play = rec.moves[k].pla
        assert np.array_equal(planes[0], state_planes(g))
        m = rec.moves[k].loc
        assert moves[0] == (361 if m == PASS else from_loc(m, 19)[0] * 19 + from_loc(m, 19)[1])


def test_symmetries_transform_planes_and_moves_together(shards):
    data = ShardSet(shards / "train")
    idx = np.arange(0, len(data), 11)
    base_planes, base_moves, _ = data.batch(idx)
    maps = symmetry_maps(19)
    for k in range(8):
        planes, moves, _ = data.batch(idx, np.full(len(idx), k))
        assert np.array_equal(planes, apply_symmetry(base_planes, k))
        assert np.array_equal(moves, maps[k][base_moves])
        played = moves < 361
        r, c = np.divmod(moves[played], 19)
        assert planes[played, 2, r, c].all()  # the target is an empty point
        assert planes[played, 46, r, c].mean() > 0.95  # and almost always sensible


def test_training_overfits_and_resumes_exactly(shards, tmp_path):
    base = dict(data=str(shards), model="b1c8", batch_size=32, lr=0.02, warmup_steps=5,
                eval_every=40, val_positions=256, checkpoint_every=10, seed=5,
                optimizer="adamw")
    straight = train(TrainConfig(out=str(tmp_path / "a"), steps=40, **base), progress=False)
    train(TrainConfig(out=str(tmp_path / "b"), steps=40, max_minutes=1e-9, **base),
          progress=False)  # stops after its first checkpoint (step 1)
    resumed = train(TrainConfig(out=str(tmp_path / "b"), steps=40, **base), progress=False)
    a = torch.load(tmp_path / "a" / "latest.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "b" / "latest.pt", weights_only=False)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert straight["val_top1"] == resumed["val_top1"]
    assert straight["val_top1"] > 3 / 362  # learned something: well above chance
    assert (tmp_path / "a" / "curves.png").exists() and (tmp_path / "a" / "best.pt").exists()
    # resumed with another rate, it would be half one run and half another: refused
    from tengen.nets.training_core import ResumeError
    with pytest.raises(ResumeError, match="lr: 0.02 there, 0.03 now"):
        train(TrainConfig(out=str(tmp_path / "b"), steps=40, **{**base, "lr": 0.03}),
              progress=False)
    # where and how long it runs may change (a longer --steps: a second cosine cycle)
    more = train(TrainConfig(out=str(tmp_path / "b"), steps=41, threads=1, **base),
                 progress=False)
    assert more["step"] == 41


def test_eval_policy_cli(shards, games_dir, tmp_path):
    net = tmp_path / "net.pt"
    save_checkpoint(str(net), build_model("b1c8"))
    proc = subprocess.run([sys.executable, "-m", "tengen.cli", "eval-policy", "--net", str(net),
                           "--archive", str(games_dir), "--games", "3"],
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert result["games"] == 3 and result["positions"] > 100
    assert 0 <= result["top1"] <= result["top5"] <= 1 and result["value_mse"] >= 0


def test_policy_player_never_plays_illegal_and_ends_games(tmp_path):
    net = tmp_path / "net.pt"
    torch.manual_seed(0)
    save_checkpoint(str(net), build_model("b1c8"))
    player = PolicyPlayer(str(net))
    engine = GtpEngine(player, size=9)
    referee = GameState(9)
    color = "b"
    for _ in range(300):
        answer = engine.handle_line(f"genmove {color}").strip()
        vertex = answer[2:]
        if vertex == "resign":
            break
        referee.play(gtp_to_loc(vertex, 9))
        color = "w" if color == "b" else "b"
        if referee.is_over():
            break
    assert referee.is_over() or vertex == "resign"


def test_policy_player_samples_with_a_temperature(tmp_path):
    net = tmp_path / "net.pt"
    torch.manual_seed(0)
    save_checkpoint(str(net), build_model("b1c8"))
    player = PolicyPlayer(str(net))
    g = GameState(9)
    best = player.choose(g, 1)
    assert abs(best.policy.sum() - 1) < 1e-5 and -1 <= best.value <= 1
    assert all(player.choose(g, 1).loc == best.loc for _ in range(3))  # T = 0: the argmax
    drawn = {player.choose(g, 1, temperature=1.0).loc for _ in range(20)}
    assert len(drawn) > 3 and all(g.is_legal(loc) for loc in drawn)


def test_shared_evaluator_gathers_threads_into_one_forward_pass():
    """Many threads submit positions at once; the worker answers each with what the
    network says of its own positions, in fewer forward passes than requests."""
    import threading
    from tengen.engine.game import from_ascii
    from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    positions = [GameState(9)]
    g = GameState(9)
    for v in ("E5", "C3", "G7", "D4", "F6", "B2"):
        g.play(gtp_to_loc(v, 9))
        positions.append(g.copy())
    positions.append(from_ascii("X O .\n. X O\n. . X"))  # another size in the same queue
    with torch.no_grad():
        expected = [torch.softmax(model(torch.from_numpy(state_planes(p)[None]).float())[0][0],
                                  0).numpy() for p in positions]
    ev = SharedEvaluator(model, EvaluatorConfig())
    results = [None] * (4 * len(positions))
    start = threading.Barrier(len(results))

    def ask(k):
        start.wait()
        results[k] = ev.evaluate([positions[k % len(positions)]])[0][0]

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, probs in enumerate(results):
        np.testing.assert_allclose(probs, expected[k % len(positions)], atol=1e-5)
    assert ev.stats["positions"] == len(results)
    assert ev.stats["forward_passes"] < len(results)
    ev.close()
    with pytest.raises(RuntimeError):
        ev.evaluate(positions[:1])


def test_random_symmetry_turns_each_pass_and_its_answer_back():
    """With ``random_symmetry`` every answer is the network's on one symmetry of the
    board, its probabilities moved back point by point (by the index maps, not the
    inverse the evaluator uses), and the symmetries drawn vary; without it, the board
    as it stands."""
    from tengen.engine.coords import apply_symmetry, symmetry_maps
    from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    g = GameState(9)
    for v in ("E5", "C3", "G7", "D4"):
        g.play(gtp_to_loc(v, 9))
    planes = state_planes(g)
    maps = symmetry_maps(9)
    expected = []
    for k in range(8):
        with torch.no_grad():
            out = torch.softmax(model(torch.from_numpy(
                np.ascontiguousarray(apply_symmetry(planes, k))[None]).float())[0][0], 0).numpy()
        expected.append(out[maps[k]])  # the original point i sits at maps[k][i]
    assert not np.allclose(expected[0], expected[1], atol=1e-4)  # the net is not symmetric
    ev = SharedEvaluator(model, EvaluatorConfig(random_symmetry=True, seed=3))
    seen = set()
    for _ in range(40):
        probs = ev.evaluate([g])[0][0]
        matches = [k for k in range(8) if np.allclose(probs, expected[k], atol=1e-5)]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) >= 6
    plain = SharedEvaluator(model, EvaluatorConfig())
    np.testing.assert_allclose(plain.evaluate([g])[0][0], expected[0], atol=1e-5)


@pytest.mark.parametrize("parallel", [1, 2])
def test_shared_evaluator_runs_parallel_passes_at_once(parallel):
    """``parallel`` callers run forward passes at the same time (a search with two
    batches in flight keeps two cores busy), never more; every caller gets its own
    positions' answers."""
    import threading
    import time
    from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    ev = SharedEvaluator(model, EvaluatorConfig(parallel=parallel))
    running, most, served = [0], [0], [0]
    lock = threading.Lock()
    run = ev._run

    def slow_run(batch):
        with lock:
            running[0] += 1
            served[0] += len(batch)
            most[0] = max(most[0], running[0])
        # hold the pass until every request is either in a pass or queued: a caller that
        # could start a pass of its own has had its chance by then (no sleep to guess it)
        deadline = time.monotonic() + 30
        while served[0] + len(ev._pending) < len(games) and time.monotonic() < deadline:
            time.sleep(0.001)
        run(batch)
        with lock:
            running[0] -= 1
    ev._run = slow_run
    games = [GameState(9) for _ in range(4)]
    for k, g in enumerate(games):
        g.play(gtp_to_loc(("C3", "D4", "E5", "F6")[k], 9))
    planes = [state_planes(g)[None] for g in games]
    with torch.no_grad():
        expected = [model(torch.from_numpy(p).float())[1].numpy().reshape(-1) for p in planes]
    results = [None] * len(games)
    start = threading.Barrier(len(games))

    def ask(k):
        start.wait()
        results[k] = ev.evaluate_planes(planes[k])[1]
    threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(games))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == parallel
    for got, want in zip(results, expected):
        np.testing.assert_allclose(got, want, atol=1e-5)
    with pytest.raises(ValueError):
        SharedEvaluator(model, EvaluatorConfig(parallel=0))


def test_search_cache_tells_move_histories_apart():
    """The same stones reached by different move orders show different "turns since"
    planes, so the network's cache must not hand one the other's answer."""
    from tengen.engine.search.state import SimState
    a, b = GameState(9), GameState(9)
    for v in ("E5", "C3", "G7"):
        a.play(gtp_to_loc(v, 9))
    for v in ("G7", "C3", "E5"):
        b.play(gtp_to_loc(v, 9))
    sa, sb = SimState.from_game(a), SimState.from_game(b)
    assert sa.B[0].tolist() == sb.B[0].tolist()  # the same board...
    assert not np.array_equal(state_planes(a), state_planes(b))  # ...seen differently
    assert sa.key() != sb.key()
    assert np.array_equal(state_planes(sa), state_planes(a))  # search and game agree


def test_training_core_runs_another_task_and_resumes_exactly(tmp_path):
    from tengen.nets.train_config import LoopConfig
    from tengen.nets.training_core import run

    def go(out, **kw):
        torch.manual_seed(1)
        cfg = LoopConfig(out=str(out), steps=30, batch_size=16, optimizer="adamw", lr=0.01,
                         warmup_steps=2, eval_every=10, checkpoint_every=5, device="cpu",
                         best_metric="val_value_mse", best_higher=False, name="toy", **kw)
        return run(ToyValueTask(), build_model("b1c8"), cfg, progress=False)

    straight = go(tmp_path / "a")
    go(tmp_path / "b", max_minutes=1e-9)  # stops after its first step, checkpointed
    resumed = go(tmp_path / "b")
    a = torch.load(tmp_path / "a" / "latest.pt", weights_only=False)
    b = torch.load(tmp_path / "b" / "latest.pt", weights_only=False)
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert straight == {**resumed, "elapsed_s": straight["elapsed_s"],
                        "samples_per_s": straight["samples_per_s"]}
    rows = (tmp_path / "a" / "train_log.csv").read_text().splitlines()
    first, last = (float(r.split(",")[-2]) for r in (rows[2], rows[-1]))  # val_value_mse
    assert last < first  # it learned
    best = torch.load(tmp_path / "a" / "best.pt", weights_only=False)["meta"]
    assert best["best"] == min(float(r.split(",")[-2]) for r in rows[1:] if r.split(",")[-2])
    assert (tmp_path / "a" / "curves.png").exists()
