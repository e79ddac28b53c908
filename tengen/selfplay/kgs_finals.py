"""Positions of real games with their final owners and margin: KGS games that ended by a
count (``RE[B+3.5]``), each final position judged by the end-of-game judgment (dead
stones taken off) and kept only where the judgment names the recorded winner, the second
opinion. A point's owner is the judgment's where it is clear (mean rollout ownership of
at least 0.5 either way), else unknown (0, like dame); the margin is the judged area
count, komi in. Games that ended by resignation or time say who won, not who owned what:
they are left out.

Self-play value data knows its finals exactly, but its games (a weak continuation played
to the end) end in blowouts that real games do not: a score output trained on them alone
predicts margins of 30 points in close KGS games. These positions are the real-game half.

``build_finals`` writes ``batch-NNNNNN/examples.npz`` (64 counted games a batch, atomic),
which the value trainer reads beside value-data batches (``--data`` folders); a rerun
skips the batches already written. Never give it the validation archive.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tengen.engine.board import BLACK
from tengen.engine.coords import loc_to_index
from tengen.nets.features import NUM_PLANES, state_planes
from tengen.selfplay.records import Examples

COUNTED = re.compile(r"^[BW]\+\d")
GAMES_PER_BATCH = 64


@dataclass
class JudgedGame:
    record: object  # the GameRecord
    black_owner: np.ndarray  # (n*n,) +1 black, -1 white, 0 unclear or dame
    score: float  # judged black-minus-white area count, komi in


def counted_games(archives: list[str], size: int = 19):
    """``(counted game number, GameRecord or None, what is wrong)`` for every record of the
    archives that ended by count on ``size``, in archive order; unreadable records are
    yielded with None so that they are counted, not silently dropped."""
    from tengen.engine.sgf import iter_sgf_files, parse_sgf
    k = 0
    for archive in archives:
        for _, data in iter_sgf_files(archive):
            try:
                rec = parse_sgf(data)
            except Exception:  # a corrupt record: skipped and counted by the caller
                yield k, None, "unreadable"
                k += 1
                continue
            if rec.size != size or not COUNTED.match((rec.result or "").strip().upper()):
                continue
            yield k, rec, ""
            k += 1


def judge_game(rec, judge) -> JudgedGame | str:
    """The judged final position, or why it is left out."""
    try:
        final = rec.to_game_state()
    except Exception:  # an illegal move in the record
        return "unreadable"
    j = judge(final)
    if not j.wins(rec.winner()):
        return "judged_otherwise"
    own = j.ownership.reshape(-1)
    return JudgedGame(rec, np.where(np.abs(own) >= 0.5, np.sign(own), 0).astype(np.int8),
                      float(j.score))


def judged_games(archives: list[str], judge, seen: dict, wanted=lambda k: True):
    """``(counted game number, JudgedGame or None)`` for the counted games of
    ``archives``: None where the game is not ``wanted(k)`` (not judged) or is left out,
    ``seen`` counting why (``kept``, ``judged_otherwise``, ``unreadable``)."""
    for k, rec, wrong in counted_games(archives):
        if not wanted(k):
            yield k, None
            continue
        game = wrong or judge_game(rec, judge)
        if isinstance(game, str):
            seen[game] += 1
            yield k, None
            continue
        seen["kept"] += 1
        yield k, game


def game_positions(game: JudgedGame, every: int, first: int = 0):
    """``(state, moves played, move played there)`` every ``every`` moves from ``first``;
    the state is reused between yields (copy what you keep)."""
    rec = game.record
    s = rec.to_game_state(0)  # the setup stones; the moves replayed once
    for upto, m in enumerate(rec.moves):
        if upto >= first and (upto - first) % every == 0:
            yield s, upto, m
        s.play(m.loc, m.pla)


def examples_of(games: list[JudgedGame], every: int) -> Examples:
    """Every ``every``-th position of each game (from a per-game offset) for the side to
    move: planes, move played, outcome, final owners and margin."""
    planes, actions, z, played, owners, margins = [], [], [], [], [], []
    size = games[0].record.size if games else 19
    buf = np.zeros((NUM_PLANES, size, size), np.uint8)
    for k, g in enumerate(games):
        winner = g.record.winner()
        for s, upto, m in game_positions(g, every, first=k % every):
            sign = 1 if s.to_play == BLACK else -1
            state_planes(s, buf)
            planes.append(np.packbits(buf))
            actions.append(loc_to_index(m.loc, size))
            z.append(1.0 if winner == s.to_play else -1.0)
            played.append(upto)
            owners.append(sign * g.black_owner)
            margins.append(sign * g.score)
    nbytes = (NUM_PLANES * size * size + 7) // 8
    return Examples(np.array(planes, np.uint8).reshape(-1, nbytes), np.array(actions, np.int64),
                    np.array(z, np.float32), size, np.array(played, np.int64),
                    np.array(owners, np.int8).reshape(-1, size * size),
                    np.zeros(len(z), bool), np.ones(len(z), bool),
                    np.array(margins, np.float32))


def save_examples(ex: Examples, path: Path, extra: dict | None = None) -> None:
    tmp = f"{path}.tmp{os.getpid()}.npz"
    np.savez_compressed(tmp, planes=ex.planes, actions=ex.actions, z=ex.z, size=ex.size,
                        played=ex.played, ownership=ex.ownership, after_u=ex.after_u,
                        owner_known=ex.owner_known, margin=ex.margin,
                        **{k: np.asarray(v) for k, v in (extra or {}).items()})
    os.replace(tmp, path)


def load_examples(path: str) -> Examples:
    with np.load(path) as d:
        return Examples(d["planes"], d["actions"], d["z"], int(d["size"]), d["played"],
                        d["ownership"], d["after_u"], d["owner_known"], d["margin"])


def build_finals(archives: list[str], out: str, every: int = 8, games: int = 0,
                 progress: bool = True) -> dict:
    """Judge the counted games of ``archives`` (the first ``games``, 0: all) and write
    their positions; returns the tally of kept and left-out games."""
    from tengen.engine.judge.judgment import Judge
    from tqdm import tqdm
    Path(out).mkdir(parents=True, exist_ok=True)
    judge = Judge()
    seen = {"kept": 0, "judged_otherwise": 0, "unreadable": 0}
    bar = tqdm(desc="kgs-finals", unit="game", disable=not progress)
    current, done, pending = None, True, []

    def flush() -> None:
        if current is not None and not done:
            folder = Path(out) / f"batch-{current:06d}"
            folder.mkdir(exist_ok=True)
            save_examples(examples_of(pending, every), folder / "examples.npz",
                          {"every": every, "games": len(pending)})

    def batch_done(b: int) -> bool:
        return (Path(out) / f"batch-{b:06d}" / "examples.npz").exists()

    def wanted(k: int) -> bool:
        return (not games or k < games) and not batch_done(k // GAMES_PER_BATCH)

    for k, game in judged_games(archives, judge, seen, wanted):
        if games and k >= games:
            break
        if k // GAMES_PER_BATCH != current:
            flush()
            current, pending = k // GAMES_PER_BATCH, []
            done = batch_done(current)  # written by an earlier run
        bar.update(1)
        if game is not None:
            pending.append(game)
            bar.set_postfix(seen, refresh=False)
    flush()
    bar.close()
    return seen


__all__ = ["COUNTED", "JudgedGame", "counted_games", "judge_game", "judged_games",
           "game_positions",
           "examples_of", "save_examples", "load_examples", "build_finals"]
