"""Many games stepped together between two networks: one batched forward pass per ply and
network, every move drawn from the policy's softmax over sensible moves (legal, not
filling one's own eye).

Games are played to the true end: a side passes only when it has no sensible move left,
so when both have passed every empty point is a single-point eye (or a point nobody may
play) and every dead stone has been captured. The area count of that final position is
the result, exact, with no judgment of dead stones needed (tests check it against GNU
Go's ``final_score``). This is how playouts end too; it costs the moves that fill the
dame and the territory, which a human game never plays.

The learner plays black in the even-numbered games and white in the odd ones; each
finished game comes back with its moves, the colour the learner had, the score and SGF.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.coords import locs_to_indices
from tengen.engine.game import GameState, Move, score_string
from tengen.engine.player import sample_index
from tengen.engine.sgf import game_to_sgf


@dataclass
class GamesConfig:
    size: int = 19
    komi: float = 7.5
    games: int = 128
    temperature: float = 1.0  # 1: the policy's own softmax
    opponent_temperature: float | None = None  # the opponent's (None: the same)
    max_moves: int = 0  # 0: 3 * size * size, then the game is counted as it stands
    seed: int = 0


@dataclass
class FinishedGame:
    learner: int  # the colour the first network played
    moves: list[Move] = field(default_factory=list)
    score: float = 0.0  # black minus white by area, komi included
    ended: bool = True  # False: stopped at max_moves and counted as it stood
    sgf: bytes = b""

    @property
    def winner(self) -> int | None:
        return None if self.score == 0 else (BLACK if self.score > 0 else WHITE)

    def outcome(self, pla: int) -> int:
        """z: +1 if ``pla`` won, -1 if it lost, 0 for a draw."""
        return 0 if self.winner is None else (1 if self.winner == pla else -1)


def sample_move(state: GameState, pla: int, probs: np.ndarray, temperature: float,
                rng) -> int:
    """A move drawn from ``probs`` (the network's, pass last) restricted to sensible
    moves; PASS only when there is none."""
    sensible = np.asarray(state.sensible_moves(pla), np.int64)
    if sensible.size == 0:
        return PASS
    weights = probs[locs_to_indices(sensible, state.size)]
    return int(sensible[sample_index(weights, temperature, rng)])


def play_games(learner, opponent, cfg: GamesConfig,
               names: tuple[str, str] = ("learner", "opponent"),
               games: range | None = None) -> list[FinishedGame]:
    """``learner`` and ``opponent`` are evaluators (``evaluate(states) -> (probs,
    values)``, e.g. ``SharedEvaluator``); they may be the same one. ``games``: which of
    the ``cfg.games`` to play (default all); game k draws its moves from its own random
    stream (seed, k), so the games do not depend on how they are shared out."""
    games = range(cfg.games) if games is None else games
    rngs = [np.random.default_rng([cfg.seed, k]) for k in games]
    cap = cfg.max_moves or 3 * cfg.size * cfg.size
    states = [GameState(cfg.size, cfg.komi) for _ in games]
    colours = [BLACK if k % 2 == 0 else WHITE for k in games]
    opp_t = cfg.temperature if cfg.opponent_temperature is None else cfg.opponent_temperature
    active = list(range(len(states)))
    while active:
        pla = states[active[0]].to_play  # games move in lockstep: one colour per ply
        for net, mine, t in ((learner, True, cfg.temperature), (opponent, False, opp_t)):
            group = [k for k in active if (colours[k] == pla) == mine]
            if not group:
                continue
            probs, _ = net.evaluate([states[k] for k in group])
            for k, p in zip(group, probs):
                states[k].play(sample_move(states[k], pla, p, t, rngs[k]), pla)
        active = [k for k in active if not states[k].is_over() and len(states[k].moves) < cap]
    out = []
    for k, g in enumerate(states):
        score = g.area_score()
        black, white = names if colours[k] == BLACK else names[::-1]
        out.append(FinishedGame(colours[k], list(g.moves), score, g.is_over(),
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


__all__ = ["GamesConfig", "FinishedGame", "play_games", "sample_move", "write_games"]
