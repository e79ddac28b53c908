"""The load cache: a second load of the same net on the same machine reads its ONNX
graphs and backend routes back instead of exporting, quantizing and timing again, and
answers exactly as the first; another net, or a damaged entry, is computed afresh."""
import numpy as np
import pytest
import torch

from tengen.nets.backends import build_router
from tengen.nets.features import NUM_PLANES
from tengen.nets.load_cache import LoadCache, cache_root
from tengen.nets.model import build_model

pytest.importorskip("onnxruntime")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TENGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TENGEN_NO_LOAD_CACHE", raising=False)
    return tmp_path / "cache"


def net(seed: int):
    torch.manual_seed(seed)
    return build_model("b1c8").eval()


def planes(n=3):
    rng = np.random.default_rng(0)
    return (rng.random((n, NUM_PLANES, 19, 19)) < 0.3).astype(np.float32)


def test_a_second_load_reads_the_first_ones_work(cache):
    cpu = torch.device("cpu")
    first = build_router(net(1), cpu, "auto")
    assert "from the load cache" not in first.notes
    assert len(list((cache / "nets").iterdir())) == 1
    second = build_router(net(1), cpu, "auto")
    assert second.notes == ["from the load cache"]
    assert second.routes == first.routes and second.int8_check == first.int8_check
    assert set(second.backends) == set(first.backends)
    x = planes()
    for name in first.backends:
        a, b = first.backends[name].forward(x), second.backends[name].forward(x)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    # another net, or another backend asked for, is another entry
    assert "from the load cache" not in build_router(net(2), cpu, "auto").notes
    assert "from the load cache" not in build_router(net(1), cpu, "onnx").notes
    assert len(list((cache / "nets").iterdir())) == 3


def test_a_damaged_entry_is_computed_again(cache):
    cpu = torch.device("cpu")
    build_router(net(1), cpu, "onnx")
    (entry,) = (cache / "nets").iterdir()
    graph = entry / "fp32.onnx"
    graph.write_bytes(graph.read_bytes()[:-10])  # torn, as a full disk might leave it
    again = build_router(net(1), cpu, "onnx")
    assert "from the load cache" not in again.notes
    assert build_router(net(1), cpu, "onnx").notes == ["from the load cache"]  # rewritten


def test_the_cache_can_be_turned_off_and_moved(cache, monkeypatch):
    assert cache_root() == cache
    monkeypatch.setenv("TENGEN_NO_LOAD_CACHE", "1")
    assert LoadCache.for_model(net(1), "auto", None, 1) is None
    build_router(net(1), torch.device("cpu"), "onnx")
    assert not (cache / "nets").exists()


def test_gtp_prepare_fills_the_cache_a_start_then_reads(tmp_path):
    """``tengen gtp --prepare`` does a first start's work and exits; the entry it leaves is
    the one ``tengen gtp`` with the same settings reads (no second entry appears)."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, TENGEN_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("TENGEN_NO_LOAD_CACHE", None)
    cmd = [sys.executable, "-m", "tengen", "gtp", "--backend", "onnx"]
    p = subprocess.run(cmd + ["--prepare"], env=env, capture_output=True, text=True,
                       timeout=600, stdin=subprocess.DEVNULL)
    assert p.returncode == 0 and "prepared in" in p.stderr, p.stderr[-2000:]
    # the net's entry and the shipped file's (the one a start reads without torch)
    entries = sorted((tmp_path / "cache" / "nets").iterdir())
    assert len(entries) == 2 and all((e / "choice.json").exists() for e in entries)
    assert [e.name.startswith("file-") for e in entries] == [False, True]
    assert (entries[1] / "heads.onnx").exists()  # the shipped net's ownership and score
    stamps = [(e / "choice.json").stat().st_mtime_ns for e in entries]
    p = subprocess.run(cmd, env=env, input="genmove b\nquit\n", capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0 and p.stdout.startswith("= "), p.stderr[-2000:]
    assert sorted((tmp_path / "cache" / "nets").iterdir()) == entries
    # read, not rewritten
    assert [(e / "choice.json").stat().st_mtime_ns for e in entries] == stamps


_SECOND_LOAD = """
import json, sys
import numpy as np
from tengen.engine.game import GameState
from tengen.nets.evaluator import EvaluatorConfig
from tengen.nets.file_load import load_evaluator
from tengen.nets.heads import NetHeads
ev = load_evaluator(sys.argv[1], EvaluatorConfig(backend=sys.argv[2]), int(sys.argv[4]))
x = np.load(sys.argv[3])
logits, values = ev.router.forward(x)
g = GameState(9)
g.play(g.size * 2 + 2, g.to_play)
own, margin = NetHeads.of(ev).estimate([g])[0]
print(json.dumps({"torch": "torch" in sys.modules, "model": ev.model is not None,
                  "notes": ev.router.notes, "logits": logits.tolist(),
                  "values": values.tolist(), "own": own.tolist(), "margin": margin}))
"""


@pytest.mark.parametrize("backend", ["onnx", "int8"])  # auto may time torch faster
def test_a_file_loaded_before_loads_without_torch(cache, tmp_path, backend):
    """The second load of a network file (a fresh process, as every start of ``tengen
    gtp``) runs it from the file's cache entry without importing torch, and answers as
    the first load did: priors, values, and the ownership and score outputs."""
    import json
    import os
    import subprocess
    import sys

    from tengen.engine.game import GameState
    from tengen.nets.checkpoint import save_checkpoint
    from tengen.nets.evaluator import EvaluatorConfig
    from tengen.nets.file_load import load_evaluator
    from tengen.nets.heads import NetHeads
    from tengen.nets.model import CONFIGS, ModelConfig
    from dataclasses import asdict
    torch.manual_seed(3)
    model = build_model(ModelConfig(**{**asdict(CONFIGS["b1c8"]), "ownership": True,
                                       "score": True, "aux_channels": 4})).eval()
    path = tmp_path / "net.pt"
    save_checkpoint(str(path), model)
    threads = torch.get_num_threads()  # as this process has it (a test leaves it alone)
    first = load_evaluator(path, EvaluatorConfig(backend=backend), threads)
    assert first.model is not None and "from the load cache" not in first.router.notes
    x = planes()
    np.save(tmp_path / "x.npy", x)
    logits, values = first.router.forward(x)
    g = GameState(9)
    g.play(g.size * 2 + 2, g.to_play)
    own, margin = NetHeads.of(first).estimate([g])[0]

    def second():
        p = subprocess.run([sys.executable, "-c", _SECOND_LOAD, str(path), backend,
                            str(tmp_path / "x.npy"), str(threads)], capture_output=True,
                           text=True,
                           timeout=300, env=dict(os.environ))
        assert p.returncode == 0, p.stderr[-2000:]
        return json.loads(p.stdout.strip().splitlines()[-1])
    out = second()
    assert out["torch"] is False and out["model"] is False
    assert out["notes"][0] == "from the load cache"
    assert np.allclose(out["logits"], logits, atol=1e-5)
    assert np.allclose(out["values"], values, atol=1e-5)
    assert np.allclose(out["own"], own, atol=1e-4) and abs(out["margin"] - margin) < 1e-3
    # another file (here: the same weights saved again with other metadata) is loaded
    # afresh, with torch
    save_checkpoint(str(path), model, meta={"note": "changed"})
    assert second()["torch"] is True
