"""``tengen analysis``, KataGo's JSON analysis protocol, driven as KaTrain drives KataGo:
the queries below have the fields KaTrain 1.20's ``KataGoEngine.request_analysis`` sends
(rules, priority, analyzeTurns, maxVisits, komi, board sizes, includeOwnership,
includeMovesOwnership, includePolicy, initialStones, initialPlayer, moves,
overrideSettings with reportAnalysisWinratesAs BLACK), and the answers are read the way
its reader thread and ``GameNode.set_analysis`` read them. (KaTrain itself is not run:
its engine class imports Kivy, a GUI toolkit this test machine does not carry.)"""
import io
import json
import subprocess
import sys

import pytest

from tengen.analysis.json_engine import AnalysisEngine, QueryError, parse_query
from tengen.engine.board import BLACK, WHITE

MOVE_KEYS = {"move", "visits", "winrate", "scoreLead", "scoreMean", "scoreStdev", "prior",
             "lcb", "utility", "order", "pv"}


def katrain_query(qid: str, moves, **extra) -> dict:
    q = {"id": qid, "rules": "chinese", "priority": 0, "analyzeTurns": [len(moves)],
         "maxVisits": 24, "komi": 7.5, "boardXSize": 9, "boardYSize": 9,
         "includeOwnership": True, "includeMovesOwnership": True, "includePolicy": True,
         "initialStones": [], "initialPlayer": "B", "moves": moves,
         "overrideSettings": {"reportAnalysisWinratesAs": "BLACK", "wideRootNoise": 0.0,
                              "maxTime": 600}}  # KaTrain sends one; a cold start must fit
    q.update(extra)
    return q


@pytest.fixture(scope="module")
def players():
    pytest.importorskip("torch")
    from helpers import tiny_search_players
    return tiny_search_players(2)


def run(players, queries) -> list[dict]:
    out = io.StringIO()
    AnalysisEngine(players, 24, out).serve(json.dumps(q) + "\n" for q in queries)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def results(lines, qid):
    return sorted((r for r in lines if r.get("id") == qid and "moveInfos" in r),
                  key=lambda r: r["turnNumber"])


def test_katrain_queries_get_katago_shaped_answers(players):
    moves = [["B", "E5"], ["W", "C3"], ["B", "G7"]]
    lines = run(players, [katrain_query("QUERY:1", moves, analyzeTurns=[0, 2, 3]),
                          {"id": "v", "action": "query_version"}])
    assert {"id": "v", "action": "query_version"}.items() <= next(
        r for r in lines if r["id"] == "v").items()
    # what tengen does not do is a warning, and the query still runs
    warned = {r["field"] for r in lines if "warning" in r}
    assert warned == {"overrideSettings"}
    got = results(lines, "QUERY:1")
    assert [r["turnNumber"] for r in got] == [0, 2, 3]
    for r in got:
        assert r["isDuringSearch"] is False and r["moveInfos"]
        for k, m in enumerate(r["moveInfos"]):
            assert MOVE_KEYS <= set(m) and m["order"] == k
            assert 0 <= m["winrate"] <= 1 and 0 <= m["prior"] <= 1 and m["pv"][0] == m["move"]
        root = r["rootInfo"]
        assert root["visits"] >= 24 and 0 <= root["winrate"] <= 1 and "scoreLead" in root
        assert len(r["ownership"]) == 81 and all(-1 <= x <= 1 for x in r["ownership"])
        assert len(r["policy"]) == 82 and abs(sum(x for x in r["policy"] if x >= 0) - 1) < 1e-3
    assert [r["rootInfo"]["currentPlayer"] for r in got] == ["B", "B", "W"]
    # the policy marks occupied points illegal: E5 (row 9-5 from the top, column E)
    after3 = got[2]["policy"]
    for vertex in ("E5", "C3", "G7"):
        col, row = "ABCDEFGHJ".index(vertex[0]), 9 - int(vertex[1])
        assert after3[row * 9 + col] == -1
    assert after3[9 * 4 + 3] >= 0  # D5 is empty


class Searched:
    """What a search player reports after a search: one move (white to move at E5 after
    black's D4), a black-minus-white margin of -3.5 below it, white owning A9 (after E5
    too)."""
    def move_infos(self):
        from tengen.engine.coords import gtp_to_loc
        from tengen.engine.search.mcts import MoveInfo
        loc = gtp_to_loc("E5", 9)
        return [MoveInfo(loc, 30, 0.7, 0.2, 0.6, [loc], -3.5, 10.0,
                         ownership=[-1.0] + [0.5] * 80)]

    def root_info(self, infos=None):
        return {"visits": 31, "winrate": 0.68, "score": (-3.0, 11.0)}

    def ownership(self):
        return [-1.0] + [0.25] * 80


@pytest.mark.parametrize("view, winrate, lead, a9", [
    ("BLACK", 0.3, -3.5, -1.0), ("WHITE", 0.7, 3.5, 1.0), ("SIDETOMOVE", 0.7, 3.5, 1.0)])
def test_every_figure_is_reported_from_the_perspective_asked(view, winrate, lead, a9):
    from tengen.analysis.json_engine import response
    q = katrain_query("p", [["B", "D4"]], includePolicy=False)
    q["overrideSettings"] = {"reportAnalysisWinratesAs": view}
    (job,), _ = parse_query(q, 10)
    assert job.state.to_play == WHITE
    r = response(job, Searched(), during=False)
    (m,) = r["moveInfos"]
    assert m["winrate"] == pytest.approx(winrate) and m["scoreLead"] == pytest.approx(lead)
    assert m["lcb"] == pytest.approx(0.6 if view != "BLACK" else 0.4)
    assert r["rootInfo"]["winrate"] == pytest.approx(0.68 if view != "BLACK" else 0.32)
    assert r["rootInfo"]["scoreLead"] == pytest.approx(3.0 if view != "BLACK" else -3.0)
    assert r["rootInfo"]["currentPlayer"] == "W"
    assert r["ownership"][0] == pytest.approx(a9) and len(r["ownership"]) == 81
    assert m["ownership"][0] == pytest.approx(a9) and len(m["ownership"]) == 81  # moves'


def test_bad_queries_are_answered_with_the_field_and_the_engine_goes_on(players):
    lines = run(players, [
        {"id": "x", "moves": [["B", "Z9"]], "rules": "chinese", "boardXSize": 9, "boardYSize": 9},
        {"id": "y", "moves": [["B", "E5"], ["W", "E5"]], "rules": "chinese",
         "boardXSize": 9, "boardYSize": 9},
        {"id": "z", "moves": [], "rules": "chinese", "boardXSize": 9, "boardYSize": 13},
        {"id": "k", "moves": [], "rules": "chinese", "boardXSize": 9, "boardYSize": 9,
         "komi": 7.3},
        {"moves": []},
        katrain_query("ok", [], includeMovesOwnership=False)])
    errors = {r.get("id"): r for r in lines if "error" in r}
    assert errors["x"]["field"] == "moves" and errors["y"]["field"] == "moves"
    assert "Illegal move 2" in errors["y"]["error"]
    assert errors["z"]["field"] == "boardYSize" and errors["k"]["field"] == "komi"
    assert None in errors  # no id: a general error
    assert results(lines, "ok")  # and the good query after them is analysed


def test_territory_rules_are_analysed_by_area_with_a_warning():
    jobs, warnings = parse_query({"id": "j", "moves": [["B", "D4"]], "rules": "japanese",
                                  "boardXSize": 9, "boardYSize": 9, "komi": 6.5}, 10)
    assert [w["field"] for w in warnings] == ["rules"] and "area" in warnings[0]["warning"]
    assert jobs[0].state.to_play == WHITE and jobs[0].state.komi == 6.5
    jobs, _ = parse_query({"id": "h", "moves": [], "rules": "chinese", "boardXSize": 9,
                           "boardYSize": 9, "initialStones": [["B", "C3"], ["B", "G7"]]}, 10)
    assert jobs[0].state.to_play == WHITE  # handicap stones: white moves first
    jobs, _ = parse_query({"id": "h", "moves": [], "rules": "chinese", "boardXSize": 9,
                           "boardYSize": 9, "initialPlayer": "B",
                           "initialStones": [["B", "C3"], ["B", "G7"]]}, 10)
    assert jobs[0].state.to_play == BLACK
    with pytest.raises(QueryError):
        parse_query({"id": "t", "moves": [], "rules": "chinese", "boardXSize": 9,
                     "boardYSize": 9, "analyzeTurns": [1]}, 10)


def test_terminate_is_acknowledged_and_its_query_answered(players):
    q = katrain_query("long", [], maxVisits=10_000_000, includeMovesOwnership=False)
    q["overrideSettings"] = {}
    lines = run(players[:1], [q, {"id": "t", "action": "terminate", "terminateId": "long"}])
    assert {"id": "t", "action": "terminate", "terminateId": "long"} in lines
    (r,) = [r for r in lines if r.get("id") == "long" and "turnNumber" in r]
    assert r["isDuringSearch"] is False


def test_the_command_speaks_the_protocol_on_stdout():
    q = katrain_query("cli", [["B", "E5"]], maxVisits=16, includeMovesOwnership=False)
    p = subprocess.run([sys.executable, "-m", "tengen", "analysis", "--visits", "16",
                        "--backend", "torch", "--parallel", "2"],
                       input=json.dumps(q) + "\n", capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    lines = [json.loads(line) for line in p.stdout.splitlines()]  # stdout: JSON lines only
    (r,) = results(lines, "cli")
    assert r["rootInfo"]["currentPlayer"] == "W" and len(r["ownership"]) == 81
