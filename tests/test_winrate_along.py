"""tools/winrate_along.py reads tengen's own win rate from the arena's move comments, for
tengen's colour only, and finds where it first fell below the threshold."""
import json
from pathlib import Path

from tengen.engine.game import GameState

from helpers import load_script


def load():
    return load_script("tools/winrate_along.py")


def record(folder: Path, index: int, engine_black: bool, rates: list[float]) -> None:
    """A 9x9 game of len(rates) moves per side; tengen's moves carry its win rate, the
    opponent's a decoy rate that the tool must not read."""
    from tengen.engine.sgf import game_to_sgf
    g = GameState(9, 7.5)
    comments = []
    for k in range(2 * len(rates)):
        g.play(g.legal_moves()[0], g.to_play)
        tengen_moved = (k % 2 == 0) == engine_black
        rate = rates[k // 2] if tengen_moved else 0.99
        comments.append(f"0.50s winrate {rate:.3f} top A1 10 {rate:.3f}")
    (folder / f"game-{index:04d}.sgf").write_bytes(game_to_sgf(g, comments=comments))
    (folder / f"game-{index:04d}.json").write_text(json.dumps(
        {"black": "engine" if engine_black else "opponent"}))


def test_the_engine_side_the_moves_and_the_fall(tmp_path, capsys):
    mod = load()
    record(tmp_path, 0, True, [0.6, 0.5, 0.4, 0.2, 0.1])   # moves 1, 3, 5, 7, 9
    record(tmp_path, 1, False, [0.6, 0.6, 0.25, 0.6, 0.7])  # moves 2, 4, 6, 8, 10
    curve = mod.engine_winrates(tmp_path / "game-0001.sgf")
    assert curve == {2: 0.6, 4: 0.6, 6: 0.25, 8: 0.6, 10: 0.7}
    out = tmp_path / "s.json"
    assert mod.main([str(tmp_path), "--at", "5,6", "--below", "0.3", "--json", str(out)]) == 0
    s = json.loads(out.read_text())
    # move 5: black's own 0.4, white's at move 4 or 6 (0.6 first: the nearer earlier one)
    assert s["at"]["5"]["median"] == (0.4 + 0.6) / 2
    assert s["fall"] == {"games": 2, "fell": 2, "median": 6.5, "first": 6, "last": 7}
    assert "first below 0.30: median move 6" in capsys.readouterr().out
