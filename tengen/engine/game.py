"""A whole game: move history, positional superko, passes, komi, handicap, area score.

The board (``board.Board``) knows one move; ``GameState`` knows the rules of a game.
Rules are Chinese-style: area scoring (Tromp-Taylor counting of the position as it
stands), positional superko, suicide forbidden.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from tengen.engine.board import (BLACK, EMPTY, PASS, WHITE, Board, is_legal,
                                 sensible_moves)
from tengen.engine.coords import all_locs, loc_to_gtp, to_loc

COLOR_NAMES = {BLACK: "B", WHITE: "W"}


def opponent(pla: int) -> int:
    return 3 - pla


class IllegalMove(ValueError):
    """A move the rules forbid. ``reason`` is one of REASONS."""

    REASONS = ("occupied", "suicide", "ko", "superko", "game over", "off board")

    def __init__(self, reason: str, loc: int = PASS, size: int = 19):
        self.reason = reason
        self.loc = loc
        super().__init__(f"illegal move {loc_to_gtp(loc, size)}: {reason}")


@dataclass
class Move:
    pla: int
    loc: int


_NO_HISTORY = np.zeros(0, np.int64)


class GameState:
    def __init__(self, size: int = 19, komi: float = 7.5, superko: bool = True):
        self.size = size
        self.komi = komi
        self.superko = superko
        self.board = Board(size)
        self.to_play = BLACK
        self.moves: list[Move] = []
        self.handicap: list[int] = []  # black setup stones placed as handicap
        self.setup: list[Move] = []  # every setup stone, handicap included
        self._seen = Counter([self.board.hash])
        self._hashes = [self.board.hash]  # position after each move (index 0: start)
        self.passes = 0

    # ----------------------------------------------------------- setup and copies

    def copy(self) -> "GameState":
        other = GameState.__new__(GameState)
        other.__dict__.update(self.__dict__)
        other.board = self.board.copy()
        other.moves = list(self.moves)
        other.handicap = list(self.handicap)
        other.setup = list(self.setup)
        other._seen = Counter(self._seen)
        other._hashes = list(self._hashes)
        return other

    def place_setup(self, pla: int, locs: list[int], *, handicap: bool = False) -> None:
        """Setup stones (SGF AB/AW, GTP handicap): they start a new position, so the
        move history so far is kept but cannot be undone past this point."""
        for loc in locs:
            try:
                self.board.place_stone(loc, pla)
            except ValueError as e:
                raise IllegalMove(str(e), loc, self.size) from None
            self.setup.append(Move(pla, loc))
            if handicap:
                self.handicap.append(loc)
        self._seen = Counter([self.board.hash])
        self._hashes = [self.board.hash]
        self.moves = []
        self.passes = 0

    def is_empty(self) -> bool:
        return self.board.empties().size == self.size * self.size

    # ----------------------------------------------------------- moves

    def is_over(self) -> bool:
        return self.passes >= 2

    def illegal_reason(self, loc: int, pla: int | None = None) -> str | None:
        """Why ``loc`` is illegal for ``pla`` (default: side to move), or None."""
        pla = self.to_play if pla is None else pla
        if loc == PASS:
            return None
        b = self.board
        if b.color(loc) != EMPTY:
            return "occupied" if b.color(loc) in (BLACK, WHITE) else "off board"
        if not b.is_legal(loc, pla):
            return "ko" if loc == b.ko else "suicide"
        if self.superko and self._seen[b.hash_after(loc, pla)]:
            return "superko"
        return None

    def is_legal(self, loc: int, pla: int | None = None) -> bool:
        return self.illegal_reason(loc, pla) is None

    def play(self, loc: int, pla: int | None = None) -> int:
        """Play ``loc`` for ``pla`` (default: side to move). Returns stones captured."""
        pla = self.to_play if pla is None else pla
        reason = self.illegal_reason(loc, pla)
        if reason:
            raise IllegalMove(reason, loc, self.size)
        captured = self.board.play(loc, pla)
        self.moves.append(Move(pla, loc))
        h = self.board.hash
        self._hashes.append(h)
        if loc != PASS:
            self._seen[h] += 1
        self.passes = self.passes + 1 if loc == PASS else 0
        self.to_play = opponent(pla)
        return captured

    def undo(self) -> Move:
        if not self.moves:
            raise IndexError("no move to undo")
        move = self.moves.pop()
        self.board.undo()
        h = self._hashes.pop()
        if move.loc != PASS:
            self._seen[h] -= 1
            if not self._seen[h]:
                del self._seen[h]
        self.to_play = move.pla
        self.passes = 0
        for m in reversed(self.moves):
            if m.loc != PASS:
                break
            self.passes += 1
        return move

    def legal_moves(self, pla: int | None = None) -> list[int]:
        pla = self.to_play if pla is None else pla
        return [loc for loc in self.board.empties().tolist() if self.is_legal(loc, pla)]

    def sensible_moves(self, pla: int | None = None) -> list[int]:
        """Legal moves that do not fill one's own single-point eye (one kernel call:
        the hot path of every network player)."""
        pla = self.to_play if pla is None else pla
        b = self.board
        history = (np.unique(np.fromiter(self._seen, np.int64, len(self._seen)))
                   if self.superko else _NO_HISTORY)
        out = np.empty(self.size * self.size, np.int64)
        k = sensible_moves(b.B, b.meta, b.zob, pla, history, _NO_HISTORY, out)
        return out[:k].tolist()

    # ----------------------------------------------------------- scoring

    def area_score(self) -> float:
        """Black minus white under area scoring, komi included, as the board stands."""
        return self.board.area_score() - self.komi

    def result_string(self) -> str:
        return score_string(self.area_score())

    # ----------------------------------------------------------- views

    def colors(self) -> np.ndarray:
        return self.board.colors()

    def __str__(self) -> str:
        return ascii_board(self.colors())


def score_string(score: float) -> str:
    """A black-minus-white score as GTP and SGF write results: B+3.5, W+0.5, 0."""
    if score == 0:
        return "0"
    return f"B+{score:g}" if score > 0 else f"W+{-score:g}"


def ascii_board(colors: np.ndarray) -> str:
    chars = {EMPTY: ".", BLACK: "X", WHITE: "O"}
    return "\n".join(" ".join(chars[int(v)] for v in row) for row in colors)


def from_ascii(diagram: str, komi: float = 7.5, to_play: int = BLACK) -> GameState:
    """A position from a diagram of X (black), O (white), . (empty), rows top first."""
    rows = [line.split() if " " in line.strip() else list(line.strip())
            for line in diagram.strip().splitlines()]
    size = len(rows)
    if any(len(r) != size for r in rows):
        raise ValueError("diagram must be square")
    g = GameState(size, komi)
    black = [to_loc(r, c, size) for r in range(size) for c in range(size) if rows[r][c] == "X"]
    white = [to_loc(r, c, size) for r in range(size) for c in range(size) if rows[r][c] == "O"]
    g.place_setup(BLACK, black)
    g.place_setup(WHITE, white)
    g.to_play = to_play
    return g


def board_is_legal(state: GameState, loc: int, pla: int) -> bool:
    """Legality under simple ko only (what GNU Go's ``is_legal`` answers)."""
    return bool(is_legal(state.board.B, state.board.meta, loc, pla))


__all__ = ["GameState", "IllegalMove", "Move", "opponent", "ascii_board", "from_ascii",
           "board_is_legal", "all_locs", "COLOR_NAMES", "BLACK", "WHITE", "EMPTY", "PASS"]
