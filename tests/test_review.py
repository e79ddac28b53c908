"""``tengen review``: every position analysed, the record written back with Sabaki's win
rate property (SBKV) and a comment on every node, read back by Sabaki's own SGF library
(@sabaki/sgf), the original moves and comments kept; the curves drawn."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tengen.analysis.review import review
from tengen.engine.sgf import parse_sgf

from test_gtp_process import sabaki_node

HERE = Path(__file__).resolve().parent
RECORD = b"""(;FF[4]GM[1]SZ[9]KM[7.5]RU[Chinese]PB[b]PW[w]C[a game to review]
;B[ee]C[first move];W[cc];B[gc];W[cg];B[gg];W[eg];B[ec];W[dh];B[cd];W[dc];B[bc];W[bb];B[ge]
;W[];B[])"""


@pytest.fixture(scope="module")
def players():
    pytest.importorskip("torch")
    from helpers import tiny_search_players
    return tiny_search_players(2)


def test_a_reviewed_record_reads_back_in_sabakis_library(tmp_path, players):
    node = sabaki_node()
    game = tmp_path / "game.sgf"
    game.write_bytes(RECORD)
    summary = review(str(game), players, visits=16, progress=False)
    out = Path(summary["sgf"])
    assert out == tmp_path / "game-review.sgf" and Path(summary["png"]).stat().st_size > 0
    moves = parse_sgf(RECORD).moves
    assert summary["positions"] == len(moves) + 1
    p = subprocess.run([node, str(HERE / "sabaki" / "read_sgf.js"), str(out)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    nodes = json.loads(p.stdout)
    assert len(nodes) == len(moves) + 1
    # the moves are the original's, in order (passes as Sabaki reads them: empty)
    original = parse_sgf(out.read_bytes()).moves
    assert [(m.pla, m.loc) for m in original] == [(m.pla, m.loc) for m in moves]
    assert [n["color"] for n in nodes[1:]] == ["B", "W"] * 7 + ["B"]
    for k, n in enumerate(nodes):
        wr = float(n["SBKV"])
        assert 0 <= wr <= 100
        assert f"black {wr:.1f}%" in n["C"]  # the comment says the win rate Sabaki draws
        if k:
            assert f"move {k} {n['color']} " in n["C"] and " lost " in n["C"]
    # the record's own comments are kept, the review's added after them
    assert nodes[0]["C"].startswith("a game to review\n\n")
    assert nodes[1]["C"].startswith("first move\n\n")
    worst = summary["worst"]
    assert worst and all(w["winrate_loss"] >= worst[-1]["winrate_loss"] for w in worst)


def test_a_record_that_cannot_be_reviewed_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.sgf"
    bad.write_bytes(b"(;FF[4]SZ[9];B[ee];W[ee])")  # W plays on B's stone
    p = subprocess.run([sys.executable, "-m", "tengen", "review", str(bad), "--visits", "4",
                        "--backend", "torch"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and "tengen review" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "bad-review.sgf").exists()
