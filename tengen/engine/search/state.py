"""The position a tree search walks: raw board arrays plus what the rules need beyond one
move (superko history, passes, komi) and what the features need (the last 8 moves).

``GameState`` keeps an undo stack and a counter of every position, which makes copies
cost O(game length); a simulation copies this instead: two small arrays and a list.
"""
from __future__ import annotations

import numpy as np
from tengen.engine.board import (COLOR, M_HASH, M_KO, M_KO_PLA, M_NEMPTY, PASS, area_score, new_record, play,
                                 sensible_moves)
from tengen.engine.game import GameState, Move

RECENT = 8  # moves remembered for the features' "turns since" planes


class SimState:
    __slots__ = ("size", "komi", "B", "meta", "zob", "to_play", "passes", "recent",
                 "history", "path", "_rec")

    @classmethod
    def from_game(cls, g: GameState) -> "SimState":
        s = cls.__new__(cls)
        s.size, s.komi = g.size, g.komi
        s.B, s.meta, s.zob = g.board.B.copy(), g.board.meta.copy(), g.board.zob
        s.to_play, s.passes = g.to_play, g.passes
        s.recent = g.moves[-RECENT:]
        s.history = np.unique(np.array(list(g._seen), np.int64)) if g.superko \
            else np.zeros(0, np.int64)
        s.path = []
        s._rec = new_record(g.size)
        return s

    def copy(self) -> "SimState":
        s = SimState.__new__(SimState)
        s.size, s.komi, s.zob = self.size, self.komi, self.zob
        s.B, s.meta = self.B.copy(), self.meta.copy()
        s.to_play, s.passes = self.to_play, self.passes
        s.recent = list(self.recent)
        s.history = self.history  # shared, never changed
        s.path = list(self.path)
        s._rec = self._rec
        return s

    @property
    def last_move(self) -> int:
        return self.recent[-1].loc if self.recent else PASS

    @property
    def hash(self) -> int:
        return int(self.meta[M_HASH])

    def key(self) -> tuple:
        """What the network sees, for its cache (superko history aside): the board size
        (every empty board hashes to 0), the position, the side to move, the ko, and the
        recent moves its "turns since" planes show."""
        ko = int(self.meta[M_KO]) if self.meta[M_KO_PLA] == self.to_play else 0
        return (self.size, int(self.meta[M_HASH]), self.to_play, ko,
                tuple(m.loc for m in self.recent[-RECENT:]))

    def play(self, loc: int) -> None:
        """Play a move from ``moves()`` (or PASS); not checked again."""
        play(self.B, self.meta, self.zob, loc, self.to_play, self._rec)
        self.recent.append(Move(self.to_play, loc))
        if len(self.recent) > RECENT:
            self.recent.pop(0)
        if loc == PASS:
            self.passes += 1
        else:
            self.passes = 0
            self.path.append(int(self.meta[M_HASH]))
        self.to_play = 3 - self.to_play

    def moves(self) -> np.ndarray:
        out = np.empty(self.B.shape[1], np.int64)
        k = sensible_moves(self.B, self.meta, self.zob, self.to_play, self.history,
                           np.array(self.path, np.int64), out)
        return out[:k]

    def is_over(self) -> bool:
        return self.passes >= 2

    def score(self) -> float:
        """Black minus white by area, komi included, the board as it stands."""
        return float(area_score(self.B, self.meta)) - self.komi

    def colors(self) -> np.ndarray:
        n = self.size
        return self.B[COLOR].reshape(n + 2, n + 2)[1:-1, 1:-1]

    def empty_count(self) -> int:
        return int(self.meta[M_NEMPTY])


def terminal_value(s: SimState) -> float:
    """Exact result of a finished game for the side to move: +1 win, -1 loss, 0 draw."""
    score = s.score()
    if score == 0:
        return 0.0
    return 1.0 if (score > 0) == (s.to_play == 1) else -1.0


__all__ = ["SimState", "sensible_moves", "terminal_value", "RECENT"]
