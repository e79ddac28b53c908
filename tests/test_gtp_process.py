"""``tengen gtp`` as a real process: stdout carries GTP only; and Sabaki's own client."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RESPONSE = re.compile(r"[=?]\d*( [^\n]*)?(\n[^\n]+)*\n\n")


def tengen_cmd():
    exe = shutil.which("tengen")
    return [exe] if exe else [sys.executable, "-m", "tengen.cli"]


def test_stdout_carries_only_gtp():
    script = ("1 name\nboardsize 9\n\n# comment\nplay b e5\r\ngenmove w\nbogus\n"
              "printsgf\nshowboard\nfinal_score\nquit\n")
    proc = subprocess.run(tengen_cmd() + ["gtp", "--seed", "1"], input=script.encode(),
                          capture_output=True, timeout=120)
    assert proc.returncode == 0
    out = proc.stdout.decode()
    pos = 0
    count = 0
    while pos < len(out):
        m = RESPONSE.match(out, pos)
        assert m, f"not a GTP response at {pos}: {out[pos:pos + 80]!r}"
        pos = m.end()
        count += 1
    assert count == 9


def test_eof_without_quit_exits_cleanly():
    proc = subprocess.run(tengen_cmd() + ["gtp"], input=b"name\n", capture_output=True,
                          timeout=120)
    assert proc.returncode == 0 and proc.stdout == b"= tengen\n\n"


def test_sabaki_client_attach_sync_undo_genmove_quit():
    """Driven by @sabaki/gtp exactly as Sabaki does (tests/sabaki/drive.js)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (.ci/run installs the Sabaki client)")
    if not (HERE / "sabaki" / "node_modules" / "@sabaki" / "gtp").is_dir():
        pytest.skip("run `npm ci --prefix tests/sabaki` first (.ci/run does)")
    proc = subprocess.run([node, str(HERE / "sabaki" / "drive.js")] + tengen_cmd()
                          + ["gtp", "--seed", "5"], capture_output=True, timeout=180)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    log = result["log"]
    sent = [(e["command"], e["args"]) for e in log]
    assert all(not e["error"] for e in log), log
    assert sent[:4] == [("name", []), ("version", []), ("protocol_version", []),
                        ("list_commands", [])]
    assert log[0]["content"] == "tengen" and log[2]["content"] == "2"
    # the tracker took back W G3 with `undo` and played C7 instead
    i = sent.index(("undo", []))
    assert sent[i - 1] == ("play", ["W", "G3"]) and sent[i + 1] == ("play", ["W", "C7"])
    genmove = next(e for e in log if e["command"] == "genmove")
    assert re.fullmatch(r"[A-HJ][1-9]|pass|resign", genmove["content"])
    sgf = next(e for e in log if e["command"] == "printsgf")["content"]
    assert ";B[ee];W[cg];B[gc];W[cc]" in sgf.replace("\n", "") and "KM[6.5]" in sgf
    assert "gg" not in sgf  # G3 was undone
    assert sent[-1] == ("quit", []) and result["exitCode"] == 0
