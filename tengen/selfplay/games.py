"""Many games stepped together between two networks: one batched forward pass per ply and
network, moves drawn from the policy's softmax over sensible moves (legal, not filling
one's own eye), every game played to a judged end (the pass rule of
engine/search/endgame.py) and counted by area with the dead stones off.

The first building block of self-play reinforcement learning: the learner plays black
in half of the games and white in the other half, and each finished game comes back with
its moves, the side that won, and its SGF.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from tengen.engine.board import BLACK, WHITE
from tengen.engine.game import GameState, Move, score_string
from tengen.engine.search.judge import Judge
from tengen.engine.sgf import game_to_sgf
from tengen.nets.player import policy_move


@dataclass
class GamesConfig:
    size: int = 19
    komi: float = 7.5
    games: int = 128
    temperature: float = 1.0  # 1: the policy's own softmax
    max_moves: int = 0  # 0: 2 * size * size, then the game is counted as it stands
    seed: int = 0


@dataclass
class FinishedGame:
    learner: int  # the colour the first network played
    moves: list[Move] = field(default_factory=list)
    score: float = 0.0  # black minus white, komi included, dead stones off
    sgf: bytes = b""

    @property
    def winner(self) -> int | None:
        return None if self.score == 0 else (BLACK if self.score > 0 else WHITE)

    def outcome(self, pla: int) -> int:
        """z: +1 if ``pla`` won, -1 if it lost, 0 for a draw."""
        return 0 if self.winner is None else (1 if self.winner == pla else -1)


def play_games(learner, opponent, cfg: GamesConfig, judge: Judge | None = None,
               names: tuple[str, str] = ("learner", "opponent")) -> list[FinishedGame]:
    """``learner`` and ``opponent`` are evaluators (``evaluate(states) -> (probs,
    values)``, e.g. ``SharedEvaluator``). Game k has the learner as black when k is even."""
    judge = judge or Judge()
    rng = np.random.default_rng(cfg.seed)
    cap = cfg.max_moves or 2 * cfg.size * cfg.size
    states = [GameState(cfg.size, cfg.komi) for _ in range(cfg.games)]
    colours = [BLACK if k % 2 == 0 else WHITE for k in range(cfg.games)]
    active = list(range(cfg.games))
    while active:
        pla = states[active[0]].to_play  # games move in lockstep: one colour per ply
        for net, mine in ((learner, True), (opponent, False)):
            group = [k for k in active if (colours[k] == pla) == mine]
            if not group:
                continue
            probs, _ = net.evaluate([states[k] for k in group])
            for k, p in zip(group, probs):
                states[k].play(policy_move(states[k], pla, p, cfg.temperature, rng, judge), pla)
        active = [k for k in active if not states[k].is_over() and len(states[k].moves) < cap]
    out = []
    for k, g in enumerate(states):
        score = judge(g).score
        black, white = names if colours[k] == BLACK else names[::-1]
        out.append(FinishedGame(colours[k], list(g.moves), score,
                                game_to_sgf(g, result=score_string(score), black=black,
                                            white=white)))
    return out


def write_games(games: list[FinishedGame], folder: str, start: int = 0) -> list[str]:
    """Each game's SGF as ``folder/game-NNNNNN.sgf``, written atomically."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i, g in enumerate(games, start):
        path = os.path.join(folder, f"game-{i:06d}.sgf")
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(g.sgf)
        os.replace(tmp, path)
        paths.append(path)
    return paths


__all__ = ["GamesConfig", "FinishedGame", "play_games", "write_games"]
