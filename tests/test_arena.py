"""The match runner against real GNU Go; fault cases with a scripted fake engine."""
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tengen.engine.sgf import read_sgf, result_margin
from tengen.match.arena import (ArenaConfig, MatchError, format_summary, game_commands,
                                run_match, summarize)
from tengen.match.refereed_game import GameConfig
from tengen.match.stats import elo_from_rate, match_stats, sprt, wilson_interval

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
FAKE = f"{sys.executable} {HERE / 'fake_gtp_engine.py'}"
TENGEN = f"{sys.executable} -m tengen.cli gtp --player policy --seed 3"


def config(tmp_path, gnugo_cmd, **kw):
    # a fresh checkout's first genmove compiles every Numba kernel (bench_first_start.py):
    # on a busy machine that alone can take half a minute, so a hang here means 2 minutes
    game = GameConfig(size=9, komi=7.5, referee=gnugo_cmd, move_timeout=120)
    for k in ("move_timeout", "max_moves", "handicap", "time", "move_time", "untimed",
              "setup_timeout"):
        if k in kw:
            setattr(game, k, kw.pop(k))
    return ArenaConfig(engine=kw.pop("engine", TENGEN), opponent=kw.pop("opponent", gnugo_cmd),
                       out=str(tmp_path / "match"), game=game, **kw)


def test_short_match_against_gnugo_end_to_end(tmp_path, gnugo_cmd):
    s = run_match(config(tmp_path, gnugo_cmd, games=2, jobs=2), progress=False)
    out = tmp_path / "match"
    assert s["games"] == 2 == s["wins"] + s["losses"] + s["draws"] + s["void"] + s["forfeits"]
    assert s["by_color"]["black"]["games"] == s["by_color"]["white"]["games"] == 1
    assert s["by_color"]["black"]["wins"] + s["by_color"]["white"]["wins"] == s["wins"]
    assert 0 <= s["wilson_low"] <= s["win_rate"] <= s["wilson_high"] <= 1
    assert s["elo_low"] <= s["elo"] <= s["elo_high"]
    assert s["failures"] == {}
    assert json.loads((out / "summary.json").read_text())["games"] == 2
    assert (out / "win_rate.png").stat().st_size > 1000
    for i in range(2):
        rec = json.loads((out / f"game-{i:04d}.json").read_text())
        game = read_sgf(out / rec["sgf"])
        g = game.to_game_state()  # every recorded move replays legally
        assert len(game.moves) == rec["moves"] == len(rec["seconds"]["engine"]) + len(
            rec["seconds"]["opponent"])
        assert game.result == rec["result"] and game.komi == 7.5
        assert "GNU Go" in (game.white_name + game.black_name)
        assert all(c and re.match(r"\d+\.\d\ds( |$)", c) for c in game.comments)  # times
        # tengen's moves carry what it believed (its stderr line a move); GNU Go's do not
        first = 0 if rec["black"] == "engine" else 1
        assert all("winrate" in c for c in game.comments[first::2])
        assert not any("winrate" in c for c in game.comments[1 - first::2])
        if rec["reason"] == "score":
            assert g.is_over()
            assert result_margin(rec["referee_score"]) == result_margin(game.result)
            assert set(rec["own_scores"]) == {"engine", "opponent"}
    # colours alternate: tengen is black in game 0, white in game 1
    recs = [json.loads((out / f"game-{i:04d}.json").read_text()) for i in range(2)]
    assert [r["black"] for r in recs] == ["engine", "opponent"]


def test_handicap_match_with_the_engine_giving_the_stones(tmp_path, gnugo_cmd):
    # a handicap match as Go players play one: the stronger side is always white
    s = run_match(config(tmp_path, gnugo_cmd, games=2, jobs=2, handicap=3,
                         engine_colour="white", seed=11), progress=False)
    assert s["handicap"] == 3
    assert s["by_color"]["white"]["games"] == 2 and s["by_color"]["black"]["games"] == 0
    for i in range(2):
        rec = json.loads((tmp_path / "match" / f"game-{i:04d}.json").read_text())
        assert rec["white"] == "engine" and rec["black"] == "opponent"
        game = read_sgf(tmp_path / "match" / rec["sgf"])
        assert len(game.to_game_state(upto=0).handicap) == 3  # GNU Go's fixed stones
        assert game.moves[0].pla == 2  # white moves first after the stones
        assert rec["commands"]["opponent"] == f"{gnugo_cmd} --seed {11 + i}"
    with pytest.raises(ValueError, match="alternate, black or white"):
        run_match(config(tmp_path, gnugo_cmd, games=1, engine_colour="red"), progress=False)


def test_match_seed_is_per_game_and_reaches_both_engines(gnugo_cmd):
    cfg = ArenaConfig(engine="tengen gtp --seed {seed}", opponent="gnugo --mode gtp", seed=5)
    assert [game_commands(cfg, i) for i in (0, 3)] == [
        ("tengen gtp --seed 5", "gnugo --mode gtp --seed 5"),
        ("tengen gtp --seed 8", "gnugo --mode gtp --seed 8")]
    cfg.engine, cfg.opponent = "tengen gtp", "other-engine --random-seed={seed} --gtp"
    assert game_commands(cfg, 2) == ("tengen gtp", "other-engine --random-seed=7 --gtp")
    cfg.seed = None
    with pytest.raises(ValueError, match="give the match a --seed"):
        game_commands(cfg, 0)  # a template with no seed to put in it
    cfg.opponent, cfg.seed = "gnugo --mode gtp", 0
    with pytest.raises(ValueError, match="at least 1"):
        game_commands(cfg, 0)
    # the point of it: GNU Go facing the same handicap stones answers differently under
    # different seeds (seeds 1, 2, 4 and 6 gave four different openings when this was
    # written), and the same seed gives the same answers
    def opening(seed):
        gtp = "boardsize 19\nkomi 0.5\nfixed_handicap 3\n" + "genmove w\ngenmove b\n" * 2 + "quit\n"
        out = subprocess.run(f"{gnugo_cmd} --seed {seed}".split(), input=gtp, text=True,
                             capture_output=True, timeout=120).stdout
        return re.findall(r"\b[A-T]\d{1,2}\b", out)
    runs = {s: opening(s) for s in (1, 2, 4)}
    assert all(len(m) == 4 + 3 for m in runs.values())  # 3 stones, 4 moves
    assert len({tuple(m) for m in runs.values()}) >= 2
    assert opening(2) == runs[2]


def test_killed_match_resumes_without_replaying(tmp_path, gnugo_cmd):
    out = tmp_path / "match"
    cmd = [sys.executable, "-m", "tengen.cli", "arena", "--engine", TENGEN, "--opponent",
           gnugo_cmd, "--referee", gnugo_cmd, "--games", "3", "--size", "9", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (out / "game-0000.json").exists() and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = (out / "game-0000.json").read_text()
    first_sgf = (out / "game-0000.sgf").read_bytes()
    s = run_match(config(tmp_path, gnugo_cmd, games=3), progress=False)
    assert s["games"] == 3
    assert (out / "game-0000.json").read_text() == first  # not replayed
    assert (out / "game-0000.sgf").read_bytes() == first_sgf
    assert not list(out.glob("*.tmp*"))
    # a third run has nothing left to play and changes nothing
    again = run_match(config(tmp_path, gnugo_cmd, games=3), progress=False)
    assert again == s


@pytest.mark.parametrize("mode, kind", [("illegal", "illegal"), ("die", "crash"),
                                        ("hang", "timeout"), ("garbage", "protocol")])
def test_faulty_engine_loses_with_the_right_reason(tmp_path, gnugo_cmd, mode, kind):
    cfg = config(tmp_path, gnugo_cmd, games=2, engine=f"{FAKE} {mode}", move_timeout=3)
    s = run_match(cfg, progress=False)
    assert s["failures"] == {kind: 2}
    assert s["failures_by_side"]["engine"] == {kind: 2}
    if kind == "illegal":  # an illegal move is the engine's own play: a loss that counts
        assert s["losses"] == 2 and s["forfeits"] == 0 and s["play_losses"]["illegal"] == 2
        assert s["by_color"]["black"]["losses"] + s["by_color"]["white"]["losses"] == 2
    else:  # a crash, a hang or garbage says nothing of strength: counted apart
        assert s["losses"] == 0 and s["wins"] == 0 and s["forfeits"] == 2
        assert s["forfeit_wins"] == {"engine": 0, "opponent": 2}
        assert s["by_color"]["black"]["games"] + s["by_color"]["white"]["games"] == 0
        assert "forfeits (not counted above): 0 won by the engine, 2 by the opponent" \
            in format_summary(s)
    assert s["with_forfeits"]["losses"] == 2
    for i in range(2):
        rec = json.loads((tmp_path / "match" / f"game-{i:04d}.json").read_text())
        assert rec["failure"] == kind and rec["failed_side"] == "engine"
        assert rec["winner"] == "opponent" and rec["result"].endswith("+Forfeit")
        sgf = read_sgf(tmp_path / "match" / rec["sgf"])  # the record is still written
        assert sgf.result == rec["result"]


def test_clock_flags_a_slow_engine_and_sends_time_left(tmp_path, gnugo_cmd):
    # the fake answers an error to any genmove not preceded by its time_left
    cfg = config(tmp_path, gnugo_cmd, games=2, engine=f"{FAKE} slow", time="canadian 0 2 1")
    s = run_match(cfg, progress=False)
    # a loss on time is the engine's own play: it counts, as in any tournament
    assert s["failures"] == {"time": 2} and s["losses"] == 2 and s["forfeits"] == 0
    assert s["play_losses"] == {"time": 2, "illegal": 0}
    for i in range(2):
        rec = json.loads((tmp_path / "match" / f"game-{i:04d}.json").read_text())
        assert rec["failed_side"] == "engine" and "out of time" in rec["detail"]
        assert len(rec["seconds"]["engine"]) == 2  # flagged on its 3rd move
    # the same engine under Japanese byo-yomi with two periods loses one and plays on
    cfg = config(tmp_path / "b", gnugo_cmd, games=1, engine=f"{FAKE} slow",
                 time="byoyomi 0 2 2", max_moves=12)
    s = run_match(cfg, progress=False)
    assert s["failures"] == {}
    rec = json.loads((tmp_path / "b" / "match" / "game-0000.json").read_text())
    assert rec["time_left"]["engine"] == [2, 1]


def test_a_fixed_compute_side_plays_off_the_clock(tmp_path, gnugo_cmd):
    # a ladder peer at fixed playouts: its slow move is its own, not a loss on time
    kw = dict(games=1, engine=gnugo_cmd, opponent=f"{FAKE} sleepy", time="canadian 0 2 1",
              max_moves=12)
    s = run_match(config(tmp_path / "on", gnugo_cmd, **kw), progress=False)
    assert s["failures"] == {"time": 1}  # on the clock, its slow move loses
    s = run_match(config(tmp_path / "off", gnugo_cmd, untimed=("opponent",), **kw),
                  progress=False)
    assert s["failures"] == {}
    rec = json.loads((tmp_path / "off" / "match" / "game-0000.json").read_text())
    assert max(rec["seconds"]["opponent"]) > 2.4 and "opponent" not in rec["time_left"]
    assert "engine" in rec["time_left"]  # the other side stays on the clock


def test_a_slow_first_start_is_waited_for_before_the_clock_starts(tmp_path, gnugo_cmd):
    # a fresh snapshot compiling its kernels beside other games answered nothing for 30 s
    # and its games were forfeits; the setup commands now wait setup_timeout (120 s)
    kw = dict(games=1, engine=f"{FAKE} cold", time="canadian 0 2 1", max_moves=8)
    with pytest.raises(MatchError, match="failed before its first move"):
        run_match(config(tmp_path / "short", gnugo_cmd, setup_timeout=1, **kw), progress=False)
    s = run_match(config(tmp_path / "default", gnugo_cmd, **kw), progress=False)
    assert s["failures"] == {} and s["games"] == 1
    rec = json.loads((tmp_path / "default" / "match" / "game-0000.json").read_text())
    assert rec["time_left"]["engine"] == [2, 1]  # its start was not charged to its clock


def test_search_player_keeps_to_a_strict_clock(tmp_path, gnugo_cmd):
    # 2 s Japanese periods with one period: any move over 2 s loses at once
    engine = f"{sys.executable} -m tengen.cli gtp --seed 3 --batch 4"
    cfg = config(tmp_path, gnugo_cmd, games=1, engine=engine, time="byoyomi 0 2 1",
                 max_moves=24)
    s = run_match(cfg, progress=False)
    # tengen never overran; GNU Go on a busy machine may (that ends the game early)
    assert s["failures_by_side"]["engine"] == {}, s
    rec = json.loads((tmp_path / "match" / "game-0000.json").read_text())
    assert rec["moves"] == 24 or rec["reason"] in ("score", "resign") or (
        rec["failed_side"] == "opponent")
    # a move over 2 s would have lost the game on time (a "time" failure above); the
    # clock still holds its one period
    assert rec["time_left"]["engine"] == [2, 1]


def test_resignation_ends_the_game_and_is_not_a_move(tmp_path, gnugo_cmd):
    s = run_match(config(tmp_path, gnugo_cmd, games=2, engine=f"{FAKE} resign"),
                  progress=False)
    assert s["losses"] == 2 and s["failures"] == {} and s["reasons"] == {"resign": 2}
    for i in range(2):
        rec = json.loads((tmp_path / "match" / f"game-{i:04d}.json").read_text())
        game = read_sgf(tmp_path / "match" / rec["sgf"])
        assert rec["result"] == ("W+R" if rec["black"] == "engine" else "B+R") == game.result
        assert rec["moves"] == len(game.moves) == len(rec["seconds"]["engine"]) + len(
            rec["seconds"]["opponent"])
        assert len(rec["seconds"]["engine"]) == 1  # the resigning genmove is not timed


def test_sprt_stops_a_match_once_decided(tmp_path, gnugo_cmd):
    # a resigning engine loses every game; H1 at +400 Elo is refuted after two losses
    s = run_match(config(tmp_path, gnugo_cmd, games=10, engine=f"{FAKE} resign",
                         sprt=(0, 400)), progress=False)
    assert s["games"] == s["losses"] == 2 and s["sprt"]["decision"] == "H0"
    assert "H0 accepted: Elo below +400" in format_summary(s)
    # a rerun of a decided match plays nothing more
    assert run_match(config(tmp_path, gnugo_cmd, games=10, engine=f"{FAKE} resign",
                            sprt=(0, 400)), progress=False)["games"] == 2


def test_sprt_arithmetic():
    # Wald's bounds for alpha = beta = 0.05 are -+log(19)
    t = sprt(0, 0, 0, 100)
    assert t["upper"] == -t["lower"] == round(__import__("math").log(19), 3)
    assert t["decision"] is None
    # at +100 Elo a win adds log(0.64 / 0.5), a loss log(0.36 / 0.5)
    assert abs(sprt(1, 0, 0, 100)["llr"] - 0.247) < 1e-3
    assert abs(sprt(0, 1, 0, 100)["llr"] + 0.329) < 1e-3
    assert sprt(12, 0, 0, 100)["decision"] == "H1" and sprt(11, 0, 0, 100)["decision"] is None
    assert sprt(0, 9, 0, 100)["decision"] == "H0" and sprt(0, 8, 0, 100)["decision"] is None
    with pytest.raises(ValueError):
        sprt(1, 1, 100, 0)


def test_a_decision_taken_stands_when_a_game_in_flight_comes_in_after_it():
    from tengen.match.arena import ArenaConfig, _decided, sequential_test

    def game(winner, failure=None):
        return {"winner": winner, "reason": "resign", "failure": failure}
    # nine losses accept H0 at [0, +100]; the tenth game, in flight then, is a win
    results = [game("opponent")] * 9 + [game("engine")]
    t = sequential_test(results, (0, 100))
    assert t["decision"] == "H0" and t["decided_after"] == 9
    assert t["llr"] > t["lower"]  # the ratio of every game counted is back inside
    assert sprt(1, 9, 0, 100)["decision"] is None  # what the summary used to write
    # a rerun of the match finds it decided and plays nothing more
    assert _decided(ArenaConfig(sprt=(0, 100)), dict(enumerate(results)))
    # forfeits by a crash are not games of the test; undecided, there is no decided_after
    crashed = [game("engine", "crash")] * 5 + [game("opponent")] * 8
    assert "decided_after" not in sequential_test(crashed, (0, 100))
    assert sequential_test(crashed, (0, 100))["decision"] is None


def test_stats():
    lo, hi = wilson_interval(15, 20)
    assert 0.53 < lo < 0.54 and 0.88 < hi < 0.89  # textbook values for 15/20
    assert elo_from_rate(0.5, 10) == 0
    assert round(elo_from_rate(0.75, 10)) == 191
    s = match_stats(0, 10)
    assert s["elo_clipped"] and s["elo"] < -300
    s = match_stats(1, 0)  # one game won is not an even score
    assert s["elo_clipped"] and s["elo"] > 100 and s["elo_low"] < 0 < s["elo_high"]
    assert str(match_stats(5, 5)["elo"]) == "0.0"  # not "-0.0"
    assert summarize([])["games"] == 0


def test_opponent_crash_is_a_forfeit_kept_off_the_board():
    # as in a headline match once: 40 games, the opponent (GNU Go) crashed in game 13
    def rec(i, winner, failure=None):
        return {"index": i, "black": "engine" if i % 2 == 0 else "opponent",
                "white": "opponent" if i % 2 == 0 else "engine", "winner": winner,
                "result": "B+R", "reason": failure or "resign", "failure": failure,
                "failed_side": "opponent" if failure else None, "moves": 200,
                "seconds": {"engine": [1.0], "opponent": [0.5]}}
    rs = [rec(i, "engine", "crash" if i == 13 else None) for i in range(40)]
    s = summarize(rs)
    assert (s["games"], s["wins"], s["losses"], s["forfeits"]) == (40, 39, 0, 1)
    assert s["forfeit_wins"] == {"engine": 1, "opponent": 0}
    assert s["on_the_board"]["wins"] == 39 and s["with_forfeits"]["wins"] == 40
    assert round(s["wilson_low"], 3) == 0.910 < round(s["with_forfeits"]["wilson_low"], 3)
    assert "forfeits (not counted above): 1 won by the engine" in format_summary(s)

def test_a_crash_after_the_game_keeps_its_result_and_is_counted(tmp_path, gnugo_cmd):
    s = run_match(config(tmp_path, gnugo_cmd, games=1, engine=f"{FAKE} die-at-score",
                         max_moves=10), progress=False)
    assert s["wins"] + s["losses"] + s["draws"] == 1 and s["forfeits"] == 0
    assert s["after_game_faults"] == {"engine": 1, "opponent": 0}
    rec = json.loads((tmp_path / "match" / "game-0000.json").read_text())
    assert rec["after_game"] == {"engine": "crash"} and rec["failure"] is None


def test_losses_on_time_count_and_every_figure_reads_the_same_games():
    def rec(i, winner, failure=None, failed=None):
        return {"index": i, "black": "engine" if i % 2 == 0 else "opponent",
                "white": "opponent" if i % 2 == 0 else "engine", "winner": winner,
                "result": "B+R", "reason": failure or "resign", "failure": failure,
                "failed_side": failed, "moves": 200,
                "seconds": {"engine": [1.0], "opponent": [0.5]}}
    rs = [rec(0, "engine"), rec(1, "opponent"), rec(2, "engine", "crash", "opponent"),
          rec(3, "engine", "time", "opponent"), rec(4, "opponent", "time", "engine")]
    s = summarize(rs)
    assert (s["wins"], s["losses"], s["forfeits"]) == (2, 2, 1)
    assert s["play_losses"] == {"time": 2, "illegal": 0}
    colours = s["by_color"]["black"], s["by_color"]["white"]
    assert sum(c["games"] for c in colours) == 4 and sum(c["wins"] for c in colours) == 2
    assert s["forfeit_wins"] == {"engine": 1, "opponent": 0}
