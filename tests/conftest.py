import sys, pathlib; sys.path.insert(0, str(pathlib.Path(__file__).parent))
import os
import shutil
from itertools import islice
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KGS_DIR = Path(os.environ.get("TENGEN_KGS_DIR", ROOT.parent / "shared" / "kgs"))
VALIDATION_ARCHIVE = "KGS-2017_05-19-847-.tar.gz"


@pytest.fixture(scope="session")
def kgs_dir() -> Path:
    if not KGS_DIR.is_dir() or not list(KGS_DIR.glob("*.tar.gz")):
        pytest.skip(f"KGS archives not found in {KGS_DIR} (see sgf_data/README.md); "
                    "set TENGEN_KGS_DIR to run the replay checks")
    return KGS_DIR


@pytest.fixture(scope="session")
def gnugo_cmd() -> str:
    from tengen.match.gtp_client import gnugo_command
    if not (os.path.exists("/usr/games/gnugo") or shutil.which("gnugo")):
        pytest.skip("GNU Go is not installed (apt-get install gnugo; .ci/run does it)")
    return gnugo_command(level=1)


@pytest.fixture(scope="session")
def games_dir(tmp_path_factory):
    """A folder of SGFs: 12 real KGS games when the archives are here, else 12 games our
    own SGF writer makes, in which each move is the first empty point after the previous
    one (learnable from the last-move plane, unlike random moves); plus one corrupt, one
    9x9 and one short record."""
    from tengen.engine.coords import to_loc
    from tengen.engine.game import GameState
    from tengen.engine.sgf import game_to_sgf, iter_sgf_files
    d = tmp_path_factory.mktemp("games")
    archive = KGS_DIR / "KGS-2017_05-19-847-.tar.gz"
    if archive.exists():
        for i, (_, data) in enumerate(islice(iter_sgf_files(archive), 12)):
            (d / f"kgs{i:02d}.sgf").write_bytes(data)
    else:
        points = sorted(to_loc(r, c, 19) for r in range(19) for c in range(19))
        for i in range(12):
            g = GameState(19)
            k = 23 * i
            for _ in range(120):
                while not g.is_legal(points[k % len(points)]):
                    k += 1
                g.play(points[k % len(points)])
            (d / f"rand{i:02d}.sgf").write_bytes(game_to_sgf(g, result="B+R"))
    (d / "corrupt.sgf").write_bytes(b"(;FF[4]SZ[19];B[dd];W[")
    (d / "small.sgf").write_bytes((ROOT / "sgf_data" / "selfplay_9x9_random.sgf").read_bytes())
    (d / "short.sgf").write_bytes(b"(;FF[4]SZ[19];B[dd];W[pp])")
    return d


@pytest.fixture(scope="session")
def shards(games_dir, tmp_path_factory):
    """Those games as a training and a validation shard (the same games in both)."""
    from tengen.nets.data import DataConfig, build_shard
    out = tmp_path_factory.mktemp("shards")
    build_shard(str(games_dir), str(out / "train"), DataConfig())
    build_shard(str(games_dir), str(out / "val"), DataConfig())
    return out


@pytest.fixture(scope="session", autouse=True)
def kernels_compiled():
    """Every kernel compiled once, as ``tengen gtp --prepare`` does after an install: a
    ``tengen gtp`` a test starts then searches from its first move. (On an empty cache
    its first moves would be the stand-in's: ``test_stand_in.py`` tests that on a cache
    of its own.)"""
    import fcntl
    import subprocess
    import tempfile

    from helpers import tengen_cmd
    from tengen.players.precompile import KernelPrecompile
    # pytest-xdist's workers start together: one compiles, the others wait and read
    with open(Path(tempfile.gettempdir()) / "tengen-tests-prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not KernelPrecompile.cached():
            subprocess.run(tengen_cmd() + ["gtp", "--prepare"], check=True,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=900)
