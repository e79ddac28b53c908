"""tools/resign_replay.py replays the resignation rule at other thresholds on the win
rates tengen wrote into a match's records: where a side would have resigned, whether it
went on to win (a false resignation), and the moves that would not have been played."""
import json
from pathlib import Path

from tengen.engine.game import GameState

from helpers import load_script


def load():
    return load_script("tools/resign_replay.py")


def record(folder: Path, index: int, black: list[float], white: list[float], winner: str):
    """A 9x9 tengen-against-tengen game: black's and white's win rates move by move
    (black moves first), the engine black, ``winner`` 'engine' or 'opponent'."""
    from tengen.engine.sgf import game_to_sgf
    g = GameState(9, 7.5)
    comments = []
    for k in range(len(black) + len(white)):
        g.play(g.legal_moves()[0], g.to_play)
        rate = (black if k % 2 == 0 else white)[k // 2]
        comments.append(f"0.50s winrate {rate:.3f} top A1 10 {rate:.3f}")
    (folder / f"game-{index:04d}.sgf").write_bytes(game_to_sgf(g, comments=comments))
    (folder / f"game-{index:04d}.json").write_text(json.dumps(
        {"black": "engine", "white": "opponent", "winner": winner, "reason": "resign",
         "failure": None}))


def test_earlier_resignations_the_false_ones_and_the_moves_saved(tmp_path, capsys):
    mod = load()
    # game 0: black sinks from its third move (move 5, 4 moves played) and loses: 10 moves
    record(tmp_path, 0, [0.5, 0.3, 0.08, 0.06, 0.04], [0.5, 0.7, 0.92, 0.94, 0.96], "opponent")
    # game 1: white dips below 0.1 once at move 4 (3 played) and still wins
    record(tmp_path, 1, [0.5, 0.6, 0.5, 0.3, 0.2], [0.5, 0.09, 0.5, 0.7, 0.8], "opponent")
    # a forfeit says nothing: left out
    record(tmp_path, 2, [0.5] * 5, [0.01] * 5, "engine")
    meta = json.loads((tmp_path / "game-0002.json").read_text())
    (tmp_path / "game-0002.json").write_text(json.dumps({**meta, "reason": "forfeit"}))

    out = tmp_path / "r.json"
    assert mod.main([str(tmp_path), "--thresholds", "0.05,0.1", "--min-moves", "0",
                     "--json", str(out)]) == 0
    rows = {r["threshold"]: r for r in json.loads(out.read_text())["rows"]}
    assert rows[0.05]["games"] == 2
    # 0.05: only game 0, from its fifth black move (8 played): 2 of 20 moves saved
    assert (rows[0.05]["resigned_earlier"], rows[0.05]["false"]) == (1, 0)
    assert rows[0.05]["moves_saved"] == 0.1
    # 0.1: game 0 at move 5 (4 played, 6 saved), game 1 at white's dip (3 played, 7
    # saved) and white won that game: a false resignation
    assert (rows[0.1]["resigned_earlier"], rows[0.1]["false"]) == (2, 1)
    assert rows[0.1]["moves_saved"] == 0.65
    assert "| 0.1 | 2 | 1 (50.0%) | 65.0% |" in capsys.readouterr().out

    # two low moves in a row: white's single dip no longer resigns
    assert mod.main([str(tmp_path), "--thresholds", "0.1", "--consecutive", "2",
                     "--min-moves", "0", "--json", str(out)]) == 0
    row = json.loads(out.read_text())["rows"][0]
    assert (row["resigned_earlier"], row["false"]) == (1, 0)
