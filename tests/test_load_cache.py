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
    entries = list((tmp_path / "cache" / "nets").iterdir())
    assert len(entries) == 1 and (entries[0] / "choice.json").exists()
    stamp = (entries[0] / "choice.json").stat().st_mtime_ns
    p = subprocess.run(cmd, env=env, input="genmove b\nquit\n", capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0 and p.stdout.startswith("= "), p.stderr[-2000:]
    assert list((tmp_path / "cache" / "nets").iterdir()) == entries
    assert (entries[0] / "choice.json").stat().st_mtime_ns == stamp  # read, not rewritten
