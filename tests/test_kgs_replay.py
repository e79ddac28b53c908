"""Second opinion from real games: every record in ../shared/kgs replays under our rules
(or is counted with its reason), and our board matches sgfmill's after every move."""
import json
import re
from itertools import islice

import numpy as np
import pytest

from tengen.engine.replay import compare_with_sgfmill, replay_paths, summarize
from tengen.engine.sgf import iter_sgf_files, parse_sgf

pytestmark = pytest.mark.slow


def test_every_kgs_record_replays_or_is_explained(kgs_dir, tmp_path):
    archives = sorted(str(p) for p in kgs_dir.glob("*.tar.gz"))
    expected = sum(int(re.search(r"-19-(\d+)-", p).group(1)) for p in archives)
    report = summarize(replay_paths(archives, jobs=2))
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


def test_superko_failures_really_repeat_a_position(kgs_dir):
    """The records rejected for superko are checked on colours, not hashes."""
    archives = sorted(str(p) for p in kgs_dir.glob("*.tar.gz"))
    outcomes = [o for o in replay_paths(archives[:3], jobs=2) if o.status == "superko"]
    assert outcomes, "the 2001-2003 archives hold games with a repeated position"
    for o in outcomes:
        data = dict(iter_sgf_files(next(a for a in archives if a.endswith(o.source))))[o.name]
        rec = parse_sgf(data)
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
