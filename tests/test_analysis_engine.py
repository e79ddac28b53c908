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
                              "maxTime": 30}}
    q.update(extra)
    return q


@pytest.fixture(scope="module")
def players():
    torch = pytest.importorskip("torch")
    from tengen.engine.rollout.policy import RolloutPolicy
    from tengen.engine.search.mcts import SearchConfig
    from tengen.engine.search.search_player import SearchPlayer
    from tengen.nets.evaluator import SharedEvaluator
    from tengen.nets.model import build_model
    torch.manual_seed(0)
    net = SharedEvaluator(build_model("b1c8"))
    return [SearchPlayer(net, SearchConfig(lam=0.5, batch=8), RolloutPolicy(seed=k))
            for k in (1, 2)]


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
    assert warned == {"includeMovesOwnership", "overrideSettings"}
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


def test_perspective_black_and_side_to_move(players):
    # white to move: BLACK reports black's win rate, SIDETOMOVE white's
    moves = [["B", "E5"]]
    out = {}
    for view in ("BLACK", "SIDETOMOVE"):
        q = katrain_query("p", moves, maxVisits=40, includeMovesOwnership=False)
        q["overrideSettings"] = {"reportAnalysisWinratesAs": view}
        (r,) = results(run(players[:1], [q]), "p")
        out[view] = r
    b, s = out["BLACK"], out["SIDETOMOVE"]
    # two searches of one position differ a little; their views are opposite
    assert abs(b["rootInfo"]["winrate"] - (1 - s["rootInfo"]["winrate"])) < 0.25
    tb, ts = sum(b["ownership"]), sum(s["ownership"])
    assert tb * ts < 0 or abs(tb) < 5  # opposite signs unless nearly even


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
