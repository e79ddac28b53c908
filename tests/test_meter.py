"""A stage's cost over all its runs: the CPU of workers still at work is counted, and a
run killed with SIGKILL leaves its share for the next run to add to."""
import json
import os
import signal
import subprocess
import sys
import time

from tengen.loop.meter import StageMeter

STAGE = """
import subprocess, sys
from pathlib import Path
from tengen.loop.meter import StageMeter
with StageMeter(Path(sys.argv[1]), every=0.1):
    subprocess.run([sys.executable, "-c",
                    "import time\\nwhile time.process_time() < 60: pass"])
"""


def test_a_killed_stage_keeps_what_its_busy_workers_spent(tmp_path):
    path = tmp_path / "data.cost"
    p = subprocess.Popen([sys.executable, "-c", STAGE, str(path)], start_new_session=True)
    cpu, end = 0.0, time.time() + 120
    try:
        while cpu < 1.0 and time.time() < end:  # the worker's CPU, while it still runs
            time.sleep(0.1)
            if path.exists():
                cpu = json.loads(path.read_text())["cpu_s"]
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    assert cpu >= 1.0, "a live worker's CPU time was not counted"
    again = StageMeter(path)
    assert again.runs == 2 and again.prev_cpu >= 1.0 and again.prev_wall > 0
    with again:
        pass
    totals = again.totals()
    assert totals["cpu_s"] >= 1.0 and totals["runs"] == 2
    assert json.loads(path.read_text())["runs"] == 2
