"""``tengen gtp`` as a real process: stdout carries GTP only; and Sabaki's own client."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import tengen_cmd

HERE = Path(__file__).resolve().parent
RESPONSE = re.compile(r"[=?]\d*( [^\n]*)?(\n[^\n]+)*\n\n")


def sabaki_node() -> str:
    """The node binary, once the Sabaki client library is installed (else skip)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (.ci/run installs the Sabaki client)")
    if not (HERE / "sabaki" / "node_modules" / "@sabaki" / "gtp").is_dir():
        pytest.skip("run `npm ci --prefix tests/sabaki` first (.ci/run does)")
    return node


def test_stdout_carries_only_gtp():
    script = ("1 name\nboardsize 9\n\n# comment\nplay b e5\r\ngenmove w\nbogus\n"
              "printsgf\nshowboard\nfinal_score\nquit\n")
    proc = subprocess.run(tengen_cmd() + ["gtp", "--seed", "1", "--move-time", "1"],
                          input=script.encode(),
                          capture_output=True, timeout=120)
    assert proc.returncode == 0
    out = proc.stdout.decode()
    pos = 0
    answers = []
    while pos < len(out):
        m = RESPONSE.match(out, pos)
        assert m, f"not a GTP response at {pos}: {out[pos:pos + 80]!r}"
        pos = m.end()
        answers.append(m.group(0))
    assert len(answers) == 9
    # what the engine believed goes to stderr, one line a move, naming the answered move
    answer = answers[3][1:].strip()  # name, boardsize, play, genmove
    summary = re.search(r"^tengen: move 2 W (\S+) [\d.]+ s winrate ([\d.]+)( top (.+) pv )?",
                        proc.stderr.decode(), re.M)
    assert summary, proc.stderr.decode()
    assert summary.group(1) == answer and 0 <= float(summary.group(2)) <= 1
    if summary.group(3):  # the search had visits within its second (not on a cold start)
        # the move played is one the search visited most (LCB picks among them)
        assert answer in [t.split()[0] for t in summary.group(4).split(", ")]


def test_eof_without_quit_exits_cleanly():
    proc = subprocess.run(tengen_cmd() + ["gtp"], input=b"name\n", capture_output=True,
                          timeout=120)
    assert proc.returncode == 0 and proc.stdout == b"= tengen\n\n"


def test_sabaki_client_attach_sync_undo_genmove_quit():
    """Driven by @sabaki/gtp exactly as Sabaki does (tests/sabaki/drive.js)."""
    node = sabaki_node()
    proc = subprocess.run([node, str(HERE / "sabaki" / "drive.js")] + tengen_cmd()
                          + ["gtp", "--seed", "5", "--move-time", "1"], capture_output=True,
                          timeout=180)
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


def test_sabaki_analysis_stream_interrupted_by_next_command():
    """Sabaki's analysis mode through @sabaki/gtp (tests/sabaki/analyze.js): lz-analyze
    streams info lines until the next command arrives; genmove_analyze ends with play."""
    node = sabaki_node()
    proc = subprocess.run([node, str(HERE / "sabaki" / "analyze.js")] + tengen_cmd()
                          + ["gtp", "--move-time", "2"], capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    r = json.loads(proc.stdout)
    assert not r["analysis"]["error"] and not r["name"]["error"], r
    assert r["name"]["content"] == "tengen"  # the interrupting command got its own answer
    assert len(r["info"]) >= 3
    for line in r["info"]:
        for entry in line.split(" info ")[:3]:
            m = re.fullmatch(r"(?:info )?move ([A-HJ-T]\d+|pass) visits (\d+) winrate (\d+) "
                             r"prior (\d+) lcb (\d+) order (\d+) pv( [A-HJ-T]\d+| pass)+",
                             entry.strip())
            assert m, entry
            assert int(m.group(2)) >= 1 and 0 <= int(m.group(3)) <= 10000
    visits = [int(re.search(r"visits (\d+)", line).group(1)) for line in r["info"]]
    assert visits[-1] >= visits[0]  # the search kept going between reports
    lines = r["genmove"]["content"].strip().splitlines()
    assert not r["genmove"]["error"] and re.fullmatch(r"play ([A-HJ-T]\d+|pass)", lines[-1])
    move = lines[-1].split()[1]
    assert r["genInfo"], "genmove_analyze streamed no info line"
    assert "O" in r["board"]["content"] or move == "pass"


def test_kata_analyze_streams_katago_lines_from_a_fresh_engine():
    """``kata-analyze`` sent right after the handshake, as a KataGo GUI (Lizzie, KaTrain)
    does on attach: well-formed lines with the score lead, an ownership map, and one for
    each move (``movesOwnership``, from the shipped net's ownership output).
    (How soon the first comes is measured by ``benchmarks/startup/bench_gtp_latency.py``.)"""
    p = subprocess.Popen(tengen_cmd() + ["gtp"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        p.stdin.write("protocol_version\n"
                      "kata-analyze b 10 ownership true movesOwnership true\n")
        p.stdin.flush()
        assert p.stdout.readline() == "= 2\n" and p.stdout.readline() == "\n"
        assert p.stdout.readline() == "=\n"
        lines = [p.stdout.readline(), p.stdout.readline()]
        p.stdin.write("name\n")
        p.stdin.flush()
    finally:
        out, _ = p.communicate("quit\n", timeout=60)
    assert "= tengen" in out
    number = r"-?\d+(?:\.\d+)?"
    move = (rf"info move (?:[A-HJ-T]\d+|pass) visits \d+ edgeVisits \d+ utility {number} "
            rf"winrate {number} scoreMean {number} scoreStdev {number} scoreLead {number} "
            rf"scoreSelfplay {number} prior {number} lcb {number} utilityLcb {number} "
            rf"order \d+ pv(?: [A-HJ-T]\d+| pass)+")
    def board_map(text):
        values = [float(x) for x in text.split()]
        return len(values) == 361 and all(-1 <= v <= 1 for v in values)
    for line in lines:
        body, own = line.rstrip("\n").split(" ownership ")
        assert board_map(own)
        entries = body.split(" info ")
        assert len(entries) >= 2
        for entry in entries:
            info, moves_own = entry.split(" movesOwnership ")
            assert re.fullmatch(move, "info " + info.removeprefix("info ")), info[:300]
            assert board_map(moves_own)
