import sys, pathlib; sys.path.insert(0, str(pathlib.Path(__file__).parent))
import os
import shutil
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
    from tengen.selfplay.match.gtp_client import gnugo_command
    if not (os.path.exists("/usr/games/gnugo") or shutil.which("gnugo")):
        pytest.skip("GNU Go is not installed (apt-get install gnugo; .ci/run does it)")
    return gnugo_command(level=1)
