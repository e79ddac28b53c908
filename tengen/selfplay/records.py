"""Compact records of finished self-play games, and the positions the trainers read.

A batch of games is one ``records.npz`` (moves as padded locs, colours, where each game
starts, the learner's colour, the score), written atomically; its SGFs sit beside it for
people and GNU Go. Positions are rebuilt by replaying the moves, so nothing per position
is stored: the planes are packed to bits (every plane is 0/1), 2.2 KB a 19x19 position.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from tengen.engine.board import BLACK, PASS
from tengen.engine.coords import all_locs, loc_to_index
from tengen.engine.game import GameState, Move
from tengen.nets.features import NUM_PLANES, state_planes
from tengen.selfplay.games import FinishedGame


def save_records(games: list[FinishedGame], path: str, size: int, komi: float,
                 extra: dict | None = None) -> None:
    lengths = [len(g.moves) for g in games]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    moves = [m for g in games for m in g.moves]
    tmp = f"{path}.tmp{os.getpid()}.npz"
    np.savez_compressed(
        tmp, size=size, komi=komi, offsets=offsets,
        locs=np.array([m.loc for m in moves], np.int16),
        plas=np.array([m.pla for m in moves], np.int8),
        learner=np.array([g.learner for g in games], np.int8),
        score=np.array([g.score for g in games], np.float32),
        ended=np.array([g.ended for g in games], bool),
        **{k: np.asarray(v) for k, v in (extra or {}).items()})
    os.replace(tmp, path)


def load_records(path: str) -> tuple[list[FinishedGame], dict]:
    """The games (without SGF) and the scalars saved with them."""
    with np.load(path) as z:
        d = {k: z[k] for k in z.files}
    games = []
    for k in range(len(d["learner"])):
        a, b = d["offsets"][k], d["offsets"][k + 1]
        moves = [Move(int(p), int(loc)) for p, loc in zip(d["plas"][a:b], d["locs"][a:b])]
        games.append(FinishedGame(int(d["learner"][k]), moves, float(d["score"][k]),
                                  bool(d["ended"][k])))
    info = {k: v.item() for k, v in d.items() if v.ndim == 0}
    return games, info


@dataclass
class Examples:
    planes: np.ndarray  # (N, packed bytes) uint8: np.packbits of the (49, n, n) planes
    actions: np.ndarray  # (N,) network index of the move played
    z: np.ndarray  # (N,) float32 outcome for the side that moved: +1 won, -1 lost
    size: int
    played: np.ndarray | None = None  # (N,) moves played before each position
    ownership: np.ndarray | None = None  # (N, n*n) int8 final owner: +1 the mover, -1 the other, 0 dame
    after_u: np.ndarray | None = None  # (N,) value data: the position after the random move
    owner_known: np.ndarray | None = None  # (N,) False: a resigned game's (no final owners)
    margin: np.ndarray | None = None  # (N,) float32 final margin in points for the mover, komi in

    def __len__(self) -> int:
        return len(self.actions)

    def unpack(self, idx) -> np.ndarray:
        n = self.size
        bits = np.unpackbits(self.planes[idx], axis=1, count=NUM_PLANES * n * n)
        return bits.reshape(-1, NUM_PLANES, n, n)


def replay_positions(games: list[FinishedGame], size: int, komi: float, wanted) -> Examples:
    """Replay each game; keep the position before move i (0-based) where
    ``wanted(game_number, i, move)``, with the move played there and the game's outcome
    for the side that played it."""
    planes, actions, z, played, owners, margin = [], [], [], [], [], []
    buf = np.zeros((NUM_PLANES, size, size), np.uint8)
    points = np.array(all_locs(size))
    for k, g in enumerate(games):
        state = GameState(size, komi)
        movers = []
        for i, m in enumerate(g.moves):
            if wanted(k, i, m):
                state_planes(state, buf)
                planes.append(np.packbits(buf))
                actions.append(loc_to_index(m.loc, size))
                z.append(g.outcome(m.pla))
                played.append(i)
                movers.append(m.pla)
                margin.append(g.score if m.pla == BLACK else -g.score)
            state.play(m.loc, m.pla)
        final = state.board.area_owner()[points]  # the game ends every dead stone captured
        for pla in movers:
            owners.append((final == pla).astype(np.int8) - (final == 3 - pla).astype(np.int8))
    nbytes = (NUM_PLANES * size * size + 7) // 8
    return Examples(np.array(planes, np.uint8).reshape(-1, nbytes),
                    np.array(actions, np.int64), np.array(z, np.float32), size,
                    np.array(played, np.int64),
                    np.array(owners, np.int8).reshape(-1, size * size),
                    margin=np.array(margin, np.float32))


def learner_examples(games: list[FinishedGame], size: int, komi: float,
                     fraction: float = 1.0, rng=None) -> Examples:
    """The learner's moves (not its passes, which only come when nothing is left), each
    kept with probability ``fraction``, with the game's outcome for the learner."""
    return replay_positions(games, size, komi, lambda k, i, m: (
        m.pla == games[k].learner and m.loc != PASS
        and (fraction >= 1 or rng.random() < fraction)))


def value_examples(path: str, per_game: int = 0, before: int = 0) -> Examples:
    """The positions a value-data batch kept (``keep``: moves played before each), with
    the outcome for the side to move there. ``per_game`` K > 0 keeps at most K a game:
    the position after the random move U always, then K-1 of the others drawn at random
    (seeded by the game's number, so every reader picks the same).

    ``before`` M > 0 draws the positions afresh from the whole continuation rather than
    from those kept: every position after U with fewer than M moves played (U's own
    first), K of them a game with ``per_game``. The kept positions are drawn uniformly
    after U, and played-out games last 430 moves, so most of them are near-finished boards
    that the games the engine plays (resigned near move 290) never reach."""
    games, info = load_records(path)
    with np.load(path) as d:
        keep, offsets, u = d["keep"], d["keep_offsets"], d["u"]
        resigned = d["resigned"] if "resigned" in d.files else np.zeros(len(u), bool)
    wanted = []
    for k in range(len(games)):
        if before:
            kept = list(range(int(u[k]), min(len(games[k].moves), before)))
        else:
            kept = keep[offsets[k]:offsets[k + 1]].tolist()
        if per_game and len(kept) > per_game:
            rest = [m for m in kept if m != u[k]]
            first = [int(u[k])] if len(rest) < len(kept) else []
            pick = np.random.default_rng(k).choice(len(rest), per_game - len(first),
                                                   replace=False)
            kept = first + [rest[i] for i in pick]
        wanted.append(set(kept))
    ex = replay_positions(games, int(info["size"]), float(info["komi"]),
                    lambda k, i, m: i in wanted[k])
    ex.after_u = np.array([m == u[k] for k in range(len(games)) for m in sorted(wanted[k])],
                          bool)
    # a resigned game has no final owners, nor one stopped at the move cap (dead stones
    # still on the board)
    ex.owner_known = np.array([not resigned[k] and games[k].ended
                               for k in range(len(games)) for _ in wanted[k]], bool)
    return ex


__all__ = ["save_records", "load_records", "Examples", "replay_positions", "learner_examples",
           "value_examples"]
