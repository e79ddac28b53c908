"""ONNX Runtime as the evaluator's backend: the same probabilities and values as torch on
every board size, routes chosen per batch size, and torch where it is asked for."""
import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime", reason="ONNX Runtime is installed with tengen")

from tengen.engine.game import GameState  # noqa: E402
from tengen.nets import SHIPPED_NET  # noqa: E402
from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator  # noqa: E402
from tengen.nets.int8 import Int8Gate  # noqa: E402
from tengen.nets.model import build_model  # noqa: E402
from tengen.nets.checkpoint import load_checkpoint  # noqa: E402
from tengen.nets.backends import OnnxBackend  # noqa: E402
from tengen.nets.onnx_backend import OnnxNet, measure_routes, route_for  # noqa: E402


def _positions(size, n=6, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = GameState(size, 7.5)
        for _ in range(int(rng.integers(0, 3 * size))):
            moves = g.sensible_moves()
            if not moves:
                break
            g.play(moves[int(rng.integers(len(moves)))])
        out.append(g)
    return out


@pytest.mark.parametrize("size", [9, 19])
def test_onnx_gives_torchs_answers(size):
    model = load_checkpoint(str(SHIPPED_NET))[0] if SHIPPED_NET.exists() else build_model("b1c8")
    states = _positions(size)
    here = SharedEvaluator(model, EvaluatorConfig(backend="torch"))
    there = SharedEvaluator(model, EvaluatorConfig(backend="onnx"))
    assert there.routes == {1: "onnx"} and here.routes == {1: "torch"}
    p1, v1 = here.evaluate(states)
    p2, v2 = there.evaluate(states)
    assert p2.shape == (len(states), size * size + 1)
    assert np.abs(p1 - p2).max() < 1e-4 and np.abs(v1 - v2).max() < 1e-4
    assert (p1.argmax(1) == p2.argmax(1)).all()


def test_routes_per_batch_size_and_auto():
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    routes = measure_routes(model, OnnxNet(model), batches=(1, 8), seconds=0.05)
    assert set(routes) == {1, 8} and set(routes.values()) <= {"onnx", "torch"}
    assert route_for({1: "onnx", 8: "torch"}, 1) == "onnx"
    assert route_for({1: "onnx", 8: "torch"}, 5) == "torch"
    assert route_for({1: "onnx", 8: "torch"}, 64) == "torch"
    auto = SharedEvaluator(model, EvaluatorConfig(backend="auto"))
    assert set(auto.routes) == {1, 8}
    p, v = auto.evaluate(_positions(9, n=3))
    assert np.allclose(p.sum(1), 1, atol=1e-5) and np.all(np.abs(v) <= 1)


def test_a_model_onnx_disagrees_with_stays_on_torch():
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    onnx = OnnxNet(model)
    with torch.no_grad():  # the model changes after export: the answers differ
        next(model.parameters()).add_(0.5)
    assert measure_routes(model, onnx, batches=(1, 8), seconds=0.01) == {1: "torch", 8: "torch"}


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError):
        SharedEvaluator(build_model("b1c8"), EvaluatorConfig(backend="tensorrt"))


@pytest.mark.parametrize("backend", ["onnx", "int8"])
def test_self_play_on_onnx_runtime(tmp_path, backend):
    """``tengen rl --backend onnx|int8``: the workers' networks run on ONNX Runtime, the
    games are whole and counted, the update trains the torch model."""
    from tengen.nets.checkpoint import save_checkpoint
    from tengen.selfplay.policy_gradient import train_rl
    from tengen.selfplay.records import load_records
    from tengen.selfplay.rl_config import RLConfig
    torch.manual_seed(0)
    net = str(tmp_path / "tiny.pt")
    save_checkpoint(net, build_model("b1c8"))
    cfg = RLConfig(out=str(tmp_path / "rl"), net=net, size=7, batch_size=4, steps=2, lr=0.05,
                   eval_every=2, eval_games=2, workers=2, threads=1, backend=backend,
                   keep_sgf=False)
    metrics = train_rl(cfg, progress=False)
    assert metrics["iteration"] == 2
    games, _ = load_records(str(tmp_path / "rl" / "games" / "iter-000001" / "records.npz"))
    assert len(games) == 4 and all(g.ended for g in games)
    with pytest.raises(ValueError):
        RLConfig(backend="tensorrt")


@pytest.mark.parametrize("size", [9, 19])
def test_int8_tower_keeps_the_shipped_networks_answers(size):
    """The int8 tower against fp32 on positions of both sizes (calibrated on 19x19 KGS
    positions alone): the same top move nearly everywhere, values within 0.1. On the 128
    held-out shipped positions the shipped net must pass the evaluator's own gate; that
    share carries about 2 points of sampling error (shipped nets so far: 96.9%, 95.3%,
    93.8%; the distilled one keeps 96.2% on 21,000 validation positions with top-1 within
    0.07 points of fp32, ``benchmarks/speed/bench_backends.py --games 100``)."""
    if not SHIPPED_NET.exists():
        pytest.skip("the shipped network is not in this checkout")
    model = load_checkpoint(str(SHIPPED_NET))[0]
    fp32 = SharedEvaluator(model, EvaluatorConfig(backend="onnx"))
    int8 = SharedEvaluator(model, EvaluatorConfig(backend="int8"))
    assert int8.routes == {1: "int8"} and "int8" in int8.router.backends
    same, diff = int8.int8_check  # on the shipped positions calibration did not see
    gate = Int8Gate()
    assert same >= gate.min_same_top and diff <= gate.max_value_diff
    states = _positions(size, n=24, seed=3)
    p1, v1 = fp32.evaluate(states)
    p2, v2 = int8.evaluate(states)
    assert np.abs(v1 - v2).max() < 0.1
    assert (p1.argmax(1) == p2.argmax(1)).mean() >= 0.8
    assert np.abs(p1 - p2).max() > 1e-6  # it is a different network, not fp32 again


def test_auto_takes_int8_only_through_its_gate(capsys):
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    shut = SharedEvaluator(model, EvaluatorConfig(backend="auto",
                                                  int8_gate=Int8Gate(min_same_top=1.01)))
    assert "int8" not in shut.router.backends and "int8" not in shut.routes.values()
    assert shut.int8_check is not None  # quantized and checked, then turned down
    assert "fp32 runs the network" in capsys.readouterr().err
    p, v = shut.evaluate(_positions(9, n=3))
    assert np.allclose(p.sum(1), 1, atol=1e-5)
    open_ = SharedEvaluator(model, EvaluatorConfig(backend="auto",
                                                   int8_gate=Int8Gate(0.0, 2.0)))
    assert "int8" in open_.router.backends and open_.int8_check is not None


def test_routes_take_int8_where_it_is_fastest_and_the_evaluator_runs_it():
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    onnx = OnnxNet(model)
    calls = []

    def instant(planes):  # a stand-in int8 network that answers at once
        calls.append(len(planes))
        return (np.zeros((len(planes), planes.shape[-1] ** 2 + 1), np.float32),
                np.full(len(planes), 0.25, np.float32))
    assert measure_routes(model, onnx, batches=(1, 8), seconds=0.05,
                          int8=instant) == {1: "int8", 8: "int8"}
    ev = SharedEvaluator(model, EvaluatorConfig(backend="onnx"))
    ev.router.backends["int8"] = OnnxBackend(instant, "int8")
    ev.router.routes, calls[:] = {1: "int8"}, []
    p, v = ev.evaluate(_positions(9, n=3))
    assert calls == [3] and np.allclose(v, 0.25)  # the int8 route ran that network


def test_shipped_calibration_positions_come_from_the_documented_command(tmp_path):
    """``data/calibration.npz`` is ``build_calibration`` on KGS-2017_04 (a training
    archive), as the int8 module says."""
    from conftest import KGS_DIR
    from tengen.nets.int8 import CALIBRATION, build_calibration, calibration_planes
    archive = KGS_DIR / "KGS-2017_04-19-913-.tar.gz"
    if not archive.exists():
        pytest.skip(f"{archive} is absent (set TENGEN_KGS_DIR to the KGS archives)")
    out = tmp_path / "cal.npz"
    build_calibration(str(archive), str(out))
    with np.load(out) as a, np.load(CALIBRATION) as b:
        assert (a["packed"] == b["packed"]).all() and (a["meta"] == b["meta"]).all()
    planes = calibration_planes(out)
    stones = planes[:, :3].sum(axis=(2, 3))  # own, opponent, empty planes cover the board
    assert planes.shape == (256, 49, 19, 19) and (stones.sum(1) == 361).all()
    assert stones[:, :2].sum() > 256 * 20  # real positions, not empty boards
