"""``tengen review GAME.sgf``: every position of a finished game analysed (several at
once through the JSON analysis engine), written back into the record as Sabaki shows it,
and drawn as curves.

The reviewed SGF is the original with, on every node, ``SBKV`` (black's win rate in
percent, which Sabaki draws as its win-rate graph) and a comment: the position's win
rate and score lead, and for the move that led there what it lost against the best
line in win rate and points, and the move tengen preferred. Win rates and scores are the
best move's (``moveInfos[0]``) after the search, from black's side; scores come from the
search's rollouts. The PNG has both curves and the biggest mistakes of each side marked.
"""
from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from tengen.analysis.json_engine import AnalysisEngine
from tengen.atomic import save_figure
from tengen.engine.board import BLACK, PASS
from tengen.engine.coords import loc_to_gtp
from tengen.engine.sgf import parse_sgf


@dataclass
class Turn:
    """Position ``turn`` (after ``turn`` moves), from black's side."""
    turn: int
    winrate: float  # black's, 0..1
    score: float | None  # black's lead in points
    best: str  # the move tengen prefers here
    visits: int
    moves: dict  # vertex -> (black's win rate, black's lead or None, visits) of searched moves


@dataclass
class MoveReview:
    number: int  # 1-based
    colour: str  # "B" or "W"
    move: str
    winrate_loss: float  # for the player who moved (positive: worse than the best line)
    points_loss: float | None
    preferred: str


class _Collector(io.TextIOBase):
    """The analysis engine's output stream, parsed as it comes (for the progress bar)."""

    def __init__(self, on_result):
        self.lines, self.on_result, self.buf = [], on_result, ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self.buf += text
            while "\n" in self.buf:
                line, self.buf = self.buf.split("\n", 1)
                obj = json.loads(line)
                self.lines.append(obj)
                if "moveInfos" in obj and not obj.get("isDuringSearch"):
                    self.on_result(obj)
        return len(text)


def query_of(data: bytes, visits: int) -> dict:
    rec = parse_sgf(data)
    n = rec.size
    gtp = lambda loc: "pass" if loc == PASS else loc_to_gtp(loc, n)  # noqa: E731
    moves = [["B" if m.pla == BLACK else "W", gtp(m.loc)] for m in rec.moves]
    stones = [["B", gtp(loc)] for loc in rec.setup_black] + \
             [["W", gtp(loc)] for loc in rec.setup_white]
    q = {"id": "review", "moves": moves, "initialStones": stones, "rules": "chinese",
         "komi": rec.komi, "boardXSize": n, "boardYSize": n, "maxVisits": visits,
         "analyzeTurns": list(range(len(moves) + 1)),
         "overrideSettings": {"reportAnalysisWinratesAs": "BLACK"}}
    if rec.first_player is not None:
        q["initialPlayer"] = "B" if rec.first_player == BLACK else "W"
    return q


def analyse_game(q: dict, players, visits: int, progress: bool = True) -> list[Turn]:
    """Every position of the query's game (``query_of``), in order."""
    bar = None
    if progress:
        import sys

        from tqdm import tqdm
        bar = tqdm(total=len(q["analyzeTurns"]), unit="position", desc="review", file=sys.stderr)
    out = _Collector(lambda r: bar.update(1) if bar else None)
    AnalysisEngine(players, visits, out).serve([json.dumps(q)])
    if bar:
        bar.close()
    errors = [r for r in out.lines if "error" in r]
    if errors:
        raise ValueError(f"cannot review this record: {errors[0]['error']}")
    turns = []
    for r in sorted((r for r in out.lines if "moveInfos" in r), key=lambda r: r["turnNumber"]):
        best = r["moveInfos"][0] if r["moveInfos"] else {}
        root = r["rootInfo"]
        searched = {m["move"].upper(): (m["winrate"], m.get("scoreLead"), m["visits"])
                    for m in r["moveInfos"]}
        turns.append(Turn(r["turnNumber"], best.get("winrate", root["winrate"]),
                          best.get("scoreLead", root.get("scoreLead")),
                          best.get("move", ""), root["visits"], searched))
    return turns


def move_reviews(moves: list, turns: list[Turn], min_share: float = 0.2) -> list[MoveReview]:
    """What each move lost for the player who made it. Where the search before it
    looked at the move played (with at least ``min_share`` of the best move's visits),
    against the best move of that same search: one tree, no noise between two searches;
    else against the next position's own search. The preferred move loses nothing."""
    out = []
    for i, (colour, move) in enumerate(moves):
        before, after = turns[i], turns[i + 1]
        sign = 1.0 if colour == "B" else -1.0
        best = before.moves.get(before.best.upper())
        played = before.moves.get(move.upper())
        if move.upper() == before.best.upper():
            wr_after, score_after = before.winrate, before.score
        elif played and best and played[2] >= min_share * best[2]:
            wr_after, score_after = played[0], played[1]
        else:
            wr_after, score_after = after.winrate, after.score
        points = None
        if before.score is not None and score_after is not None:
            points = sign * (before.score - score_after)
        out.append(MoveReview(i + 1, colour, move, sign * (before.winrate - wr_after),
                              points, before.best))
    return out


def _comment(t: Turn, m: MoveReview | None) -> str:
    lines = []
    if m is not None:
        line = f"tengen: move {m.number} {m.colour} {m.move} lost {100 * m.winrate_loss:.1f}%"
        if m.points_loss is not None:
            line += f" and {m.points_loss:.1f} points"
        if m.preferred and m.preferred.upper() != m.move.upper():
            line += f"; tengen preferred {m.preferred}"
        lines.append(line + ".")
    score = "" if t.score is None else (f", score B+{t.score:.1f}" if t.score >= 0
                                        else f", score W+{-t.score:.1f}")
    lines.append(f"tengen ({t.visits} visits): black {100 * t.winrate:.1f}%{score}; "
                 f"best next {t.best}.")
    return "\n".join(lines)


def reviewed_sgf(data: bytes, turns: list[Turn], reviews: list[MoveReview]) -> bytes:
    """The record with SBKV and a comment on every node of its main line."""
    from sgfmill import sgf as sgfmill_sgf
    game = sgfmill_sgf.Sgf_game.from_bytes(data)
    nodes = game.get_main_sequence()
    k = 0  # positions: the root (with its setup) is position 0, each move node the next
    for node in nodes:
        if node is not nodes[0] and node.get_move()[0] is None:
            continue  # a node without a move does not change the position
        if k >= len(turns):
            break
        t = turns[k]
        node.set("SBKV", f"{100 * t.winrate:.1f}")
        text = _comment(t, reviews[k - 1] if k > 0 else None)
        old = node.get("C") if node.has_property("C") else ""
        node.set("C", f"{old}\n\n{text}" if old else text)
        k += 1
    return game.serialise()


def plot_review(turns: list[Turn], reviews: list[MoveReview], path: Path,
                marks: int = 5) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    xs = [t.turn for t in turns]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    ax1.plot(xs, [100 * t.winrate for t in turns], color="black", lw=1.2)
    ax1.axhline(50, color="grey", lw=0.6, ls="--")
    ax1.set_ylim(0, 100)
    ax1.set_ylabel("black win rate (%)")
    scores = [(t.turn, t.score) for t in turns if t.score is not None]
    if scores:
        ax2.plot([x for x, _ in scores], [s for _, s in scores], color="tab:blue", lw=1.2)
    ax2.axhline(0, color="grey", lw=0.6, ls="--")
    ax2.set_ylabel("black's lead (points)")
    ax2.set_xlabel("move")
    for colour, style in (("B", "v"), ("W", "^")):
        worst = sorted((m for m in reviews if m.colour == colour),
                       key=lambda m: -m.winrate_loss)[:marks]
        for m in worst:
            if m.winrate_loss <= 0.02:
                continue
            y = 100 * turns[m.number].winrate
            ax1.plot(m.number, y, style, color="red" if colour == "B" else "tab:orange",
                     ms=8)
            ax1.annotate(f"{m.number} {m.move}", (m.number, y), fontsize=7,
                         xytext=(3, 6), textcoords="offset points")
    ax1.set_title("tengen's review: the biggest mistakes marked (B red, W orange)")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def review(path: str, players, visits: int, out: str | None = None,
           png: str | None = None, progress: bool = True) -> dict:
    data = Path(path).read_bytes()
    q = query_of(data, visits)
    turns = analyse_game(q, players, visits, progress)
    reviews = move_reviews(q["moves"], turns)
    src = Path(path)
    out_path = Path(out) if out else src.with_name(f"{src.stem}-review.sgf")
    png_path = Path(png) if png else out_path.with_suffix(".png")
    from tengen.atomic import write_bytes
    write_bytes(out_path, reviewed_sgf(data, turns, reviews))
    plot_review(turns, reviews, png_path)
    worst = sorted(reviews, key=lambda m: -m.winrate_loss)[:5]
    return {"sgf": str(out_path), "png": str(png_path), "positions": len(turns),
            "worst": [{"move": m.number, "colour": m.colour, "vertex": m.move,
                       "winrate_loss": round(m.winrate_loss, 3),
                       "points_loss": None if m.points_loss is None else round(m.points_loss, 1),
                       "preferred": m.preferred} for m in worst]}


__all__ = ["review", "analyse_game", "move_reviews", "reviewed_sgf", "Turn", "MoveReview"]
