"""experiments/gpu_loop.py's rehearsal: a generation's data and candidate made by the
device step (``run``, here on the CPU) from what ``carry`` packs, brought back by
``unpack``, equal the ones the loop makes here, and the loop goes on to their gate."""
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "gpu_loop.py"


def test_a_generation_made_elsewhere_joins_the_loop(tmp_path, gnugo_cmd):
    # no anchor matches (test_train_loop plays them): the round trip is what is checked;
    # GNU Go still referees the gates
    r = subprocess.run([sys.executable, str(SCRIPT), "rehearse", "--work", str(tmp_path / "gl"),
                        "--anchor", ""],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert "the same candidate as made here" in r.stdout
    loop = tmp_path / "gl" / "loop"
    assert (loop / "gen-002" / "gate.json").exists()  # the gate ran here, after the unpack
    assert (tmp_path / "gl" / "OUT" / "loop.tar.xz.00").exists()
