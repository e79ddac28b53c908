"""ONNX Runtime as the evaluator's backend: the same probabilities and values as torch on
every board size, routes chosen per batch size, and torch where it is asked for."""
import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime", reason="ONNX Runtime is installed with tengen")

from tengen.engine.game import GameState  # noqa: E402
from tengen.nets import SHIPPED_NET  # noqa: E402
from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator  # noqa: E402
from tengen.nets.model import build_model, load_checkpoint  # noqa: E402
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


def test_self_play_on_onnx_runtime(tmp_path):
    """``tengen rl --backend onnx``: the workers' networks run on ONNX Runtime, the games
    are whole and counted, the update trains the torch model."""
    from tengen.nets.model import save_checkpoint
    from tengen.selfplay.policy_gradient import train_rl
    from tengen.selfplay.records import load_records
    from tengen.selfplay.rl_config import RLConfig
    torch.manual_seed(0)
    net = str(tmp_path / "tiny.pt")
    save_checkpoint(net, build_model("b1c8"))
    cfg = RLConfig(out=str(tmp_path / "rl"), net=net, size=7, batch_size=4, steps=2, lr=0.05,
                   eval_every=2, eval_games=2, workers=2, threads=1, backend="onnx",
                   keep_sgf=False)
    metrics = train_rl(cfg, progress=False)
    assert metrics["iteration"] == 2
    games, _ = load_records(str(tmp_path / "rl" / "games" / "iter-000001" / "records.npz"))
    assert len(games) == 4 and all(g.ended for g in games)
    with pytest.raises(ValueError):
        RLConfig(backend="tensorrt")
