"""tools/pick_swing.py pairs each of tengen's moves with Pachi's score estimate before it
and after Pachi's reply, from tengen's side, and groups them by how the move was picked."""
import json

from helpers import load_script


def folder_with(tmp_path, engine_black: bool, moves: list[tuple[str, str]], estimates: list[str]):
    """One arena game: tengen's move lines (move, its top list) and Pachi's estimate after
    each move played (``estimates[k]`` after move k + 1)."""
    (tmp_path / "logs").mkdir()
    (tmp_path / "game-0000.json").write_text(json.dumps(
        {"black": "engine" if engine_black else "opponent"}))
    first = 1 if engine_black else 2
    lines = [f"tengen: move {first + 2 * i} {'B' if engine_black else 'W'} {m} 1.50 s "
             f"winrate 0.600 top {top} pv {m}" for i, (m, top) in enumerate(moves)]
    (tmp_path / "logs/game-0000-engine.log").write_text("\n".join(lines) + "\n")
    pachi = [f"Move:  {k + 1}  Komi: 7.5  Handicap: 0  Captures B: 0 W: 0  Score Est: {e}"
             "  Playouts: B+1.0" for k, e in enumerate(estimates)]
    (tmp_path / "logs/game-0000-opponent.log").write_text("\n".join(pachi) + "\n")


def test_swings_are_tengens_and_grouped_by_the_pick(tmp_path, capsys):
    tool = load_script("tools/pick_swing.py")
    # tengen white: its moves 2, 4, 6; Pachi's estimates after moves 1..7
    folder_with(tmp_path, False,
                [("D4", "D4 300 0.6, Q16 100 0.5"),       # the most visited
                 ("Q16", "D4 300 0.6, Q16 100 0.7"),      # another listed: the LCB's pick
                 ("K10", "D4 300 0.6, Q16 100 0.7")],     # outside the list
                ["B+5.5", "B+5.5", "B+2.5", "B+9.5", "B+28.5", "W+3.5", "B+48.5"])
    rows = tool.game_swings(tmp_path, 0)
    # white's view: move 2 from B+5.5 (after 1) to B+2.5 (after 3) gains 3 points
    assert [(r["move"], r["kind"], r["swing"]) for r in rows] == [
        (2, "most visited", 3.0), (4, "another listed", -26.0),
        (6, "outside the list", -20.0)]
    assert tool.main([str(tmp_path), "--worst", "1"]) == 0
    out = capsys.readouterr().out
    assert "another listed        1 moves: mean -26.00" in out and "move 4 Q16" in out
    s = tool.summarise(rows, big=20)
    assert s["outside the list"]["lost_big"] == 1 and s["most visited"]["lost_big"] == 0
