"""The ladder: rung commands, the rating estimate, and one real rung end to end."""
import json
import sys

import pytest

from tengen.match.ladder import (RUNGS, LadderConfig, estimate_rating, format_table,
                                 rows_from, run_ladder, rung_config)


def rated(name, rating, wins, losses):
    return {"rung": name, "rung_rating": rating, "games": wins + losses, "wins": wins,
            "losses": losses, "draws": 0}


def test_the_rating_estimate_sits_where_the_results_put_it():
    # even against a rung of 1765 the estimate is 1765; 3 of 4 won is about +191
    est = estimate_rating([rated("pachi-5k", 1765.0, 20, 20)])
    assert abs(est["rating"] - 1765) <= 2 and est["low"] < 1765 < est["high"]
    est = estimate_rating([rated("pachi-5k", 1765.0, 30, 10)])
    assert abs(est["rating"] - (1765 + 191)) <= 4
    # two rungs: between what each says alone; more games, a narrower interval
    both = estimate_rating([rated("pachi-5k", 1765.0, 30, 10), rated("gnugo10", 1240.0, 39, 1)])
    assert both["low"] < both["rating"] < both["high"] and not both["clipped"]
    wide = estimate_rating([rated("pachi-5k", 1765.0, 3, 1)])
    assert wide["high"] - wide["low"] > both["high"] - both["low"]
    # a clean sweep has no upper bound, and the table says so
    sweep = estimate_rating([rated("pachi-5k", 1765.0, 7, 0)])
    assert sweep["clipped"] and sweep["low"] > 1765
    assert estimate_rating([{**rated("katago-b6c96-v1", None, 1, 3)}]) is None


def test_rungs_give_every_game_its_seed_and_the_handicap_to_the_right_side(tmp_path):
    cfg = LadderConfig(peers=str(tmp_path / "peers"), out=str(tmp_path / "out"))
    k = rung_config(cfg, RUNGS["katago-b6c96-v16"])
    assert "nnRandSeed={seed}" in k.opponent and str(tmp_path / "peers") in k.opponent
    assert "maxVisits = 16" in (tmp_path / "out" / "katago-b6c96-v16" / "katago.cfg").read_text()
    p = rung_config(cfg, RUNGS["pachi-5k"])
    assert p.opponent.split()[1:3] == ["-s", "{seed}"] and "-t =5000" in p.opponent
    # fixed-compute peers play off the clock; tengen and equal-time peers on it
    assert p.game.untimed == k.game.untimed == ("opponent",) and p.game.move_time == 2.0
    e = rung_config(cfg, RUNGS["katago-b6c96-equal-time"])  # on the clock, no visit cap
    assert "maxVisits = 1000000000" in (tmp_path / "out" / "katago-b6c96-equal-time"
                                        / "katago.cfg").read_text()
    assert e.game.move_time == cfg.move_time == 2.0 and e.game.untimed == ()
    assert rung_config(cfg, RUNGS["pachi-equal-time"]).game.untimed == ()
    untimed = LadderConfig(peers=cfg.peers, out=cfg.out, move_time=None)
    assert rung_config(untimed, RUNGS["pachi-5k"]).game.untimed == ()  # no clock at all
    h = rung_config(cfg, RUNGS["gnugo10-h3"])
    assert h.game.handicap == 3 and h.engine_colour == "white"  # tengen gives the stones


def test_a_rung_stopped_before_its_first_game_has_no_row(tmp_path):
    def summary(rung, **tally):
        (tmp_path / rung).mkdir()
        (tmp_path / rung / "summary.json").write_text(json.dumps(
            {"games": 0, "wins": 0, "losses": 0, "draws": 0, "forfeits": 0, "win_rate": 0.5,
             "wilson_low": 0.0, "wilson_high": 1.0, "elo": 0.0, "elo_low": 0.0,
             "elo_high": 0.0, "seconds_per_move": {}, **tally}))
    summary("katago-b6c96-v16", games=40, wins=1, losses=39, win_rate=0.025)
    summary("katago-b6c96-v64")  # stopped as it began
    summary("pachi-5k", forfeits=2)  # two forfeits: a row, so that they are seen
    rows = {r["rung"]: r for r in rows_from(tmp_path)}
    assert set(rows) == {"katago-b6c96-v16", "pachi-5k"}
    assert rows["katago-b6c96-v16"]["wins"] == 1


@pytest.mark.slow
def test_a_rung_end_to_end(tmp_path, gnugo_cmd):
    cfg = LadderConfig(peers=str(tmp_path), out=str(tmp_path / "out"), size=9, games=2,
                       engine=f"{sys.executable} -m tengen gtp --player random --seed {{seed}}",
                       move_time=None, rungs=["gnugo10"])
    rows = run_ladder(cfg, progress=False)
    assert rows[0]["rung"] == "gnugo10" and rows[0]["games"] + rows[0]["forfeits"] == 2
    result = json.loads((tmp_path / "out" / "ladder.json").read_text())
    assert result["rows"][0]["losses"] == rows[0]["losses"]
    assert result["estimate"]["rungs"] == ["gnugo10"]
    assert (tmp_path / "out" / "ladder.png").stat().st_size > 1000
    assert "| gnugo10 | 2 |" in format_table(result["rows"], result["estimate"])


def test_the_peer_build_script_says_what_it_lacks(tmp_path):
    # a machine without cmake: the script names it and the Debian packages, builds nothing
    import shutil
    import subprocess
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "strength" / "build_peers.sh"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "git", "make", "cc", "c++", "nproc", "grep", "cp", "mkdir"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    r = subprocess.run(["bash", str(script), str(tmp_path / "peers")], capture_output=True,
                       text=True, env={"PATH": str(bin_dir)}, timeout=60)
    assert r.returncode == 2 and "cmake" in r.stderr and "apt-get install" in r.stderr
    assert not (tmp_path / "peers").exists()
