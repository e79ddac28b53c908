"""Compiled kernels follow their sources: a change to a kernel in one file reaches the
cached kernels of other files that inline it (Numba's own cache checks only the file of
the function it compiled)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tengen import numba_cache

PKG = Path(__file__).resolve().parent.parent / "tengen"

PLAYOUT_LENGTH = """
from tengen.engine.board import BLACK, Board, new_record
from tengen.engine.playout import new_rng, playout_batch
b = Board(9)
print(playout_batch(b.B, b.meta, b.zob, BLACK, 8, new_rng(1), new_record(9)) / 8)
"""


def _copy_package(dst: Path) -> Path:
    shutil.copytree(PKG, dst / "tengen", ignore=shutil.ignore_patterns(
        "__pycache__", "*.nbi", "*.nbc", "data"))
    return dst / "tengen"


def _moves_per_playout(root: Path, cache: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", PLAYOUT_LENGTH], env=env, cwd=root,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return float(out.stdout.strip().splitlines()[-1])


def test_a_changed_board_kernel_reaches_the_cached_playout(tmp_path):
    pkg = _copy_package(tmp_path / "src")
    cache = tmp_path / "cache"
    before = _moves_per_playout(tmp_path / "src", cache)
    assert before > 50  # random 9x9 playouts run to the end
    # no point is playable any more: playouts pass at once. is_playable lives in
    # board.py and is inlined into playout.py's cached random_move.
    board = pkg / "engine" / "board.py"
    src = board.read_text()
    head = 'def is_playable(B, meta, loc, pla):\n    """'
    i = src.index(head)
    j = src.index('"""', i + len(head)) + 3
    board.write_text(src[:j] + "\n    return False" + src[j:])
    assert _moves_per_playout(tmp_path / "src", cache) == 2.0
    assert len(list(cache.glob("tengen-*"))) == 2  # one folder per version


def test_digest_follows_kernel_sources_only(tmp_path):
    pkg = _copy_package(tmp_path)
    d0 = numba_cache.source_digest(pkg)
    (pkg / "cli.py").write_text((pkg / "cli.py").read_text() + "\n# no kernels here\n")
    assert numba_cache.source_digest(pkg) == d0
    play = pkg / "engine" / "playout.py"
    play.write_text(play.read_text() + "\n# a kernel file\n")
    assert numba_cache.source_digest(pkg) != d0


def test_cache_dir_bases_and_children(tmp_path):
    d = numba_cache.cache_dir(PKG, env={"NUMBA_CACHE_DIR": str(tmp_path)})
    assert d.parent == tmp_path and d.name.startswith("tengen-")
    # a child process inherits the folder its parent chose and keeps it
    assert numba_cache.cache_dir(PKG, env={"NUMBA_CACHE_DIR": str(d)}) == d
    x = numba_cache.cache_dir(PKG, env={"XDG_CACHE_HOME": str(tmp_path)})
    assert x.parent == tmp_path / "tengen" / "numba"
    # importing tengen pointed this process's Numba at this version's folder
    import numba

    assert Path(numba.config.CACHE_DIR).name == d.name
