"""Second opinion from real games: every record in ../shared/kgs replays under our rules
(or is counted with its reason), and our board matches sgfmill's after every move."""
import json
import re
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from tengen.engine.replay import compare_with_sgfmill, replay_paths, summarize
from tengen.engine.sgf import iter_sgf_files, parse_sgf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def replayed(kgs_dir):
    """Every archive replayed once (two processes); both checks below read it."""
    archives = sorted(str(p) for p in kgs_dir.glob("*.tar.gz"))
    return archives, replay_paths(archives, jobs=2)


def test_every_kgs_record_replays_or_is_explained(replayed, tmp_path):
    archives, outcomes = replayed
    expected = sum(int(re.search(r"-19-(\d+)-", p).group(1)) for p in archives)
    report = summarize(outcomes)
    (tmp_path / "replay.json").write_text(json.dumps(report, indent=1))
    brief = {k: v for k, v in report.items() if k != "failures"}
    print("\nKGS replay:", json.dumps(brief))
    for f in report["failures"]:
        print(f"  {f['source']}/{f['name']}: {f['status']} {f['message']}")
    assert report["records"] == expected  # nothing lost, nothing crashed
    # a capture, ko or suicide bug would make thousands of legal games fail
    assert report["replayed_fully"] >= 0.999 * expected
    illegal = report["by_status"].get("illegal", 0)
    assert illegal <= 0.0002 * expected, report["failures_by_reason"]
    for f in report["failures"]:
        assert f["status"] in ("superko", "illegal", "parse", "content", "size")
        assert f["message"]


def test_superko_failures_really_repeat_a_position(replayed):
    """The records rejected for superko, in every archive, are checked on colours, not
    hashes."""
    archives, outcomes = replayed
    outcomes = [o for o in outcomes if o.status == "superko"]
    assert outcomes, "the 2001-2003 archives hold games with a repeated position"
    wanted = {(o.source, o.name): o for o in outcomes}
    sources = {src for src, _ in wanted}
    records = {(Path(a).name, name): data for a in archives if Path(a).name in sources
               for name, data in iter_sgf_files(a) if (Path(a).name, name) in wanted}
    assert records.keys() == wanted.keys()
    for key, o in wanted.items():
        rec = parse_sgf(records[key])
        g = rec.to_game_state(upto=0, superko=False)
        seen = [g.colors()]
        for m in rec.moves[: o.move]:
            g.play(m.loc, m.pla)
            seen.append(g.colors())
        assert any(np.array_equal(seen[-1], earlier) for earlier in seen[:-1]), o


def test_board_matches_sgfmill_after_every_move(kgs_dir):
    """600 games (60 from each archive): every point after every move."""
    checked = moves = 0
    for archive in sorted(kgs_dir.glob("*.tar.gz")):
        for name, data in islice(iter_sgf_files(archive), 60):
            rec = parse_sgf(data)
            assert compare_with_sgfmill(rec) is None, f"{archive.name}/{name}"
            checked += 1
            moves += len(rec.moves)
    print(f"\nsgfmill agreement: {checked} games, {moves} moves")
    assert checked >= 500
