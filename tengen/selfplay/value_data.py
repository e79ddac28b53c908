"""Value-network data, AlphaGo's procedure (Nature 2016, Methods, "Reinforcement learning
of value networks"): for each game draw U uniformly from 1..``max_u``; the SL policy plays
moves 1..U-1 (both sides, sampling); move U is uniformly random among legal moves; the
RL policy then plays both sides to the end; the game is counted exactly and the
position after move U, s_{U+1}, is kept with z, the outcome for the side to move there.

One position per game by default: successive positions of a game are nearly the same
and share one outcome, so a network trained on all of them memorises games.
``positions_per_game`` K > 1 adds K-1 positions drawn from the rest of the RL phase, to
measure that trade-off. A game that ends before move U is dropped (and counted).

With ``resign`` > 0 a game stops once it is decided: after U, a judge network (the value
net, or the RL policy's own value output) gives one side less than ``resign`` for
``resign_after`` plies in a row; the game is scored B+R/W+R, its final owners and margin
unknown. A ``played_out`` share plays on to the end regardless, recording where the rule
fired, so that ``resignation_report`` counts the resigned games that would have been won.

Games are stepped in lockstep like self-play: one batched forward pass per ply and
network. Batches are written atomically (``batch-NNNNNN/records.npz`` with the kept
positions' move numbers, beside the SGFs); rerunning continues after the last batch.
Local worker processes or Ray actors play whole batches, one each at a time.
"""
from __future__ import annotations

import itertools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tengen.engine.board import PASS, WHITE
from tengen.engine.game import GameState, score_string
from tengen.engine.sgf import game_to_sgf
from tengen.selfplay.games import FinishedGame, sample_move, write_games
from tengen.selfplay.records import save_records
from tengen.selfplay.value_config import ValueDataConfig


@dataclass
class ValueGame:
    game: FinishedGame  # learner = the colour to move at s_{U+1}
    u: int  # the random move's number (1-based)
    keep: list[int]  # kept positions, as the number of moves played before them (U first)
    resigned: bool = False  # stopped once decided: its score is the winner's sign alone
    would_resign: int = 0  # moves played when the resignation rule fired (0: never)
    resign_loser: int = 0  # the colour it fired against (played-out games too)


class _Resignation:
    """Who would resign where: a side whose win probability stays below ``cfg.resign``
    for ``cfg.resign_after`` plies in a row, by the judge's values."""

    def __init__(self, cfg: ValueDataConfig, seed: int):
        self.cfg = cfg
        self.streak = np.zeros(cfg.batch, np.int32)
        self.loser = np.zeros(cfg.batch, np.int8)
        self.fired: dict[int, tuple[int, int]] = {}  # game -> (moves played, loser)
        # its own generator: the games' moves do not depend on resignation settings
        # (a spawn key of its own: no game's move stream, default_rng([seed, k]), is it)
        own = np.random.SeedSequence(seed, spawn_key=(7,))
        draws = np.random.default_rng(own).random(cfg.batch)
        self.play_on = draws < cfg.played_out

    def observe(self, k: int, pla: int, value: float) -> None:
        """The judge's value for ``pla``, to move in game k."""
        win = (1 + value) / 2
        loser = pla if win < self.cfg.resign else (3 - pla if win > 1 - self.cfg.resign else 0)
        self.streak[k] = self.streak[k] + 1 if loser and loser == self.loser[k] else int(bool(loser))
        self.loser[k] = loser

    def stops(self, k: int, moves: int) -> bool:
        """Whether game k, ``moves`` in, ends by resignation now."""
        if k in self.fired or self.streak[k] < self.cfg.resign_after:
            return False
        self.fired[k] = (moves, int(self.loser[k]))
        return not self.play_on[k]


def play_value_games(sl, rl, cfg: ValueDataConfig, seed: int,
                     judge=None) -> tuple[list[ValueGame], int]:
    """One batch: (kept games, games dropped because they ended before move U).
    ``judge``: the network whose values decide resignation (None: ``rl``'s own)."""
    rng = np.random.default_rng(seed)
    us = rng.integers(1, cfg.max_u + 1, size=cfg.batch)
    rngs = [np.random.default_rng([seed, k]) for k in range(cfg.batch)]
    states = [GameState(cfg.size, cfg.komi) for _ in range(cfg.batch)]
    cap = 3 * cfg.size * cfg.size
    resign = _Resignation(cfg, seed) if cfg.resign > 0 else None
    resigned: set[int] = set()
    active = list(range(cfg.batch))
    while active:
        ply = len(states[active[0]].moves) + 1  # lockstep: every active game is at move ply
        pla = states[active[0]].to_play
        by_sl = [k for k in active if ply < us[k]]
        by_rl = [k for k in active if ply > us[k]]
        for k in active:
            if ply == us[k]:  # the random move
                legal = [loc for loc in states[k].legal_moves(pla) if loc != PASS]
                states[k].play(legal[rngs[k].integers(len(legal))] if legal else PASS, pla)
        for net, group, t, after_u in ((sl, by_sl, cfg.temperature, False),
                                       (rl, by_rl, cfg.rl_temperature, True)):
            if group:
                probs, values = net.evaluate([states[k] for k in group])
                judged = resign is not None and after_u
                if judged:
                    if judge is not None:
                        values = judge.evaluate([states[k] for k in group])[1]
                    for k, v in zip(group, values):
                        resign.observe(k, pla, float(v))
                for k, p in zip(group, probs):
                    states[k].play(sample_move(states[k], pla, p, t, rngs[k]), pla)
                    # a game that just ended keeps its count, not the judge's verdict
                    if judged and not states[k].is_over() and resign.stops(k, ply):
                        resigned.add(k)
        active = [k for k in active if k not in resigned and not states[k].is_over()
                  and len(states[k].moves) < cap]
    kept, dropped = [], 0
    for k, g in enumerate(states):
        u = int(us[k])
        if len(g.moves) <= u:  # over (or capped) before the RL policy had a move
            dropped += 1
            continue
        later = range(u + 1, len(g.moves))  # positions after m moves, someone to move
        extra = (rngs[k].choice(later, size=min(len(later), cfg.positions_per_game - 1),
                                replace=False).tolist()
                 if cfg.positions_per_game > 1 and len(later) else [])
        fired, loser = resign.fired.get(k, (0, 0)) if resign is not None else (0, 0)
        if k in resigned:
            score, result = (1.0, "B+R") if loser == WHITE else (-1.0, "W+R")
        else:
            score = g.area_score()
            result = score_string(score)
        sgf = (game_to_sgf(g, result=result, black="sl+rl", white="sl+rl",
                           root_comment=f"value data: random move U={u}")
               if cfg.keep_sgf else b"")
        mover = 3 - g.moves[u - 1].pla
        kept.append(ValueGame(FinishedGame(mover, list(g.moves), score, g.is_over(), sgf), u,
                              sorted([u] + extra), k in resigned, fired, loser))
    return kept, dropped


def batch_seed(cfg: ValueDataConfig, number: int) -> int:
    return cfg.seed * 1_000_003 + number


def _value_batch(sl, rl, judge, cfg: ValueDataConfig, number: int, wcfg):
    """One batch in a worker; ``sl``, ``rl``, ``judge``: model blobs (``rl`` None: the
    SL policy; ``judge`` None: the RL policy's own values decide resignation)."""
    from tengen.selfplay.workers.shares import evaluator_for, model_from_blob
    sl_net = evaluator_for(model_from_blob(sl), wcfg)
    rl_net = sl_net if rl is None else evaluator_for(model_from_blob(rl), wcfg)
    judge_net = None if judge is None else evaluator_for(model_from_blob(judge), wcfg)
    return play_value_games(sl_net, rl_net, cfg, batch_seed(cfg, number), judge_net)


def write_batch(cfg: ValueDataConfig, number: int, games: list[ValueGame], dropped: int) -> None:
    folder = Path(cfg.out) / f"batch-{number:06d}"
    if cfg.keep_sgf:
        write_games([v.game for v in games], str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    keep = [m for v in games for m in v.keep]
    keep_offsets = np.cumsum([0] + [len(v.keep) for v in games])
    save_records([v.game for v in games], str(folder / "records.npz"), cfg.size, cfg.komi,
                 {"u": np.array([v.u for v in games], np.int16),
                  "keep": np.array(keep, np.int16), "keep_offsets": keep_offsets,
                  "dropped": dropped,
                  "resigned": np.array([v.resigned for v in games], bool),
                  "would_resign": np.array([v.would_resign for v in games], np.int16),
                  "resign_loser": np.array([v.resign_loser for v in games], np.int8)})


def net_id(model) -> str | None:
    """What identifies a network between runs: its weights' checksum."""
    if model is None:
        return None
    import hashlib
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def _batch_games(path: Path) -> int:
    try:
        return len(np.load(path)["learner"])
    except Exception as e:  # a batch written atomically can still be damaged later
        from tengen.errors import UserError
        raise UserError(f"{path}: unreadable ({type(e).__name__}: {e}); delete its "
                        "batch folder and rerun to play it again") from None


def resignation_report(out: Path) -> dict:
    """Resignation over every batch written (value data, or search data whose "U" is
    the first move): games resigned, the played-out games in
    which the rule fired and how many of those the side it fired against won (its false
    positives), the moves played a game, and the share of the moves after U that the
    played-out games played after the rule had fired (what resigning them would save)."""
    fired = false = resigned = games = moves = after_u = after_firing = 0
    for path in sorted(out.glob("batch-*/records.npz")):
        with np.load(path) as d:
            games += len(d["learner"])
            moves += int(d["offsets"][-1])
            if "resigned" not in d.files:
                continue
            played_out = (d["would_resign"] > 0) & ~d["resigned"]
            lengths = np.diff(d["offsets"])
            u = d["u"] if "u" in d.files else 0  # search data: no random move
            after_u += int((lengths - u)[~d["resigned"]].sum())
            after_firing += int((lengths - d["would_resign"])[played_out].sum())
            resigned += int(d["resigned"].sum())
            fired += int(played_out.sum())
            black_won = d["score"] > 0
            lost_by = np.where(black_won, WHITE, 1)  # the colour that lost the played game
            false += int((played_out & (d["resign_loser"] != lost_by)).sum())
    return {"resigned": resigned, "played_out_fired": fired, "false_positives": false,
            "false_positive_rate": round(false / fired, 4) if fired else None,
            "moves_per_game": round(moves / games, 1) if games else 0,
            "played_out_moves_after_firing": round(after_firing / after_u, 4) if after_u else None}


def _prefix(counts: dict[int, int], games: int) -> int | None:
    """The fewest batches 0..M-1, all written, whose games reach ``games`` (None: not
    yet)."""
    total = 0
    for k in itertools.count():
        if total >= games:
            return k
        if k not in counts:
            return None
        total += counts[k]


def generate(cfg: ValueDataConfig, sl, rl=None, workers=None, progress: bool = True,
             judge=None) -> dict:
    """Play batches until ``cfg.games`` games are kept. ``sl``, ``rl``: models (``rl``
    None: the SL policy plays after U too); ``judge``: the model whose values decide
    resignation (None: the RL policy's own); ``workers``: ``SelfPlayWorkers`` or
    ``RayWorkers`` (default: this process), one batch a job. Batch k's games depend on
    k alone, so a rerun plays the missing batches, holes left by a kill included."""
    from tengen.selfplay.workers import WorkersConfig
    from tengen.selfplay.workers.local import SelfPlayWorkers
    from tengen.selfplay.workers.protocol import model_blob
    from dataclasses import asdict

    from tengen.run_folder import claim
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    done = {int(p.parent.name.split("-")[1]) for p in out.glob("batch-*/records.npz")}
    # batch k's games depend on k and these settings alone: a rerun with others would mix
    claim(out, {**asdict(cfg), "sl": net_id(sl), "rl": net_id(rl),
                **({"judge": net_id(judge)} if judge is not None else {})},
          ("games", "out", "keep_sgf"), "value-data run", started=bool(done))
    counts = {k: _batch_games(out / f"batch-{k:06d}" / "records.npz") for k in done}
    kept = sum(counts.values())
    if done and progress:
        print(f"value-data: resuming {out}: {len(done)} batches ({kept} games) written",
              file=sys.stderr)
    workers = workers or SelfPlayWorkers(WorkersConfig(workers=1))
    nets = (model_blob(sl), None if rl is None else model_blob(rl),
            None if judge is None else model_blob(judge))
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=cfg.games, initial=kept, unit="game", file=sys.stderr,
                   desc="value-data")
    dropped = 0
    while _prefix(counts, cfg.games) is None:
        in_flight: set[int] = set()

        def jobs():  # read when a worker is free: batches 0, 1, ... not yet written, while
            # those written and those out (counted full) fall short of the games asked
            for number in itertools.count():
                if number in in_flight or number in counts:
                    continue
                have = sum(counts.get(k, cfg.batch if k in in_flight else 0)
                           for k in range(number))
                if have >= cfg.games:
                    return
                in_flight.add(number)
                yield (*nets, cfg, number)

        for (*_, number), (games, lost) in workers.imap(_value_batch, jobs()):
            write_batch(cfg, number, games, lost)
            in_flight.discard(number)
            counts[number] = len(games)
            dropped += lost
            if bar:
                bar.update(len(games))
                bar.set_postfix(dropped=dropped)
    # the data are batches 0..M-1, the shortest run that holds the games asked: what
    # batch k holds depends on k alone, so M does too, whatever the workers or kills did
    m = _prefix(counts, cfg.games)
    for k in sorted(k for k in counts if k >= m):  # played beyond it: set aside, kept
        (out / "surplus").mkdir(exist_ok=True)
        os.replace(out / f"batch-{k:06d}", out / "surplus" / f"batch-{k:06d}")
    kept = sum(counts[k] for k in range(m))
    done = set(range(m))
    if bar:
        bar.close()
    result = {"games": kept, "batches": len(done), "dropped_this_run": dropped}
    return {**result, **resignation_report(out)} if cfg.resign > 0 else result


__all__ = ["ValueDataConfig", "ValueGame", "play_value_games", "generate", "write_batch", "net_id"]
