"""Self-play by the search, AlphaGo Zero's data: the engine people play (the tree search
with its network and rollouts) plays both sides; a move's root visit counts become the
network's policy target there and the game's outcome its value target.

Playout cap randomization (KataGo): each move gets a full search (``full_visits``) with
probability ``full_share`` and is then a training position; the other moves get a fast
search (``fast_visits``) and are only played, so that a core's hour finishes more games,
and so gives more outcomes, than full searches everywhere would. The first
``sample_moves`` moves are drawn in proportion to their visits, so that games differ;
later ones are the search's own choice (its lower confidence bound).

A game stops once decided: a side whose win rate, as the search at its move reads it,
stays below ``resign`` for ``resign_after`` plies in a row (either side's search may see
it) resigns, scored B+R/W+R with no final owners; the ``played_out`` share plays on to
two passes, recording where the rule fired, so that ``resignation_report`` counts the
false resignations. A game ended by two passes is counted by the end-of-game judgment
(``final_score`` in GTP), as a referee would count it.

Worker processes (or Ray actors) each keep one search player and play ``batch`` games a
job; batch k's games depend on k and the settings alone (its seeds), so a rerun plays the
batches missing, holes left by a kill included. A batch is ``batch-NNNNNN/records.npz``
(the moves, and per target position its move number and visit distribution), written
atomically beside its SGFs.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tengen.engine.board import BLACK
from tengen.selfplay.games import FinishedGame, write_games
from tengen.selfplay.records import save_records
from tengen.selfplay.zero_config import SearchDataConfig


@dataclass
class SearchGame:
    game: FinishedGame  # learner: black (both sides are the same engine)
    targets: list[int] = field(default_factory=list)  # moves played before each target
    policies: list[np.ndarray] = field(default_factory=list)  # (n*n + 1,) visit shares
    resigned: bool = False
    would_resign: int = 0  # moves played when the rule fired (0: never)
    resign_loser: int = 0  # the colour it fired against
    # network evaluations the full searches ran (the cost of the targets; finished games
    # met inside the tree cost none and are not counted)
    full_visits: int = 0
    fast_visits: int = 0


_PLAYER: dict = {}  # per worker process: (net digest, settings) -> search player


def _player(net_bytes: bytes, cfg: SearchDataConfig, backend: str):
    from tengen.engine.search.mcts import SearchConfig
    from tengen.players.search import build_search_player
    digest = net_digest(net_bytes)
    key = (digest, cfg.lam, backend, cfg.random_symmetry)
    if key not in _PLAYER:
        _PLAYER.clear()
        path = Path(tempfile.gettempdir()) / f"tengen-search-data-{digest}-{os.getpid()}.pt"
        if not path.exists():
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(net_bytes)
            os.replace(tmp, path)
            import atexit
            atexit.register(path.unlink, missing_ok=True)  # the worker's own copy
        scfg = SearchConfig(lam=cfg.lam, visits=cfg.fast_visits, resign_threshold=0.0)
        # visits bound every search; the clock is kept out of the way
        _PLAYER[key] = build_search_player(str(path), scfg, backend=backend,
                                           move_time=100_000.0,
                                           random_symmetry=cfg.random_symmetry)
    return _PLAYER[key]


class _Resign:
    """A side whose win rate stays below ``resign`` for ``resign_after`` plies in a row."""

    def __init__(self, cfg: SearchDataConfig):
        self.cfg, self.streak, self.loser = cfg, 0, 0

    def fired(self, moves: int, mover: int, value: float | None) -> int:
        """After the search at move ``moves`` (the mover's value in [-1, 1]): the colour
        it fires against, or 0."""
        cfg = self.cfg
        if value is None or cfg.resign <= 0:
            self.streak = 0
            return 0
        win = (value + 1) / 2
        loser = mover if win < cfg.resign else (3 - mover if win > 1 - cfg.resign else 0)
        self.streak = self.streak + 1 if loser and loser == self.loser else int(bool(loser))
        self.loser = loser
        if loser and self.streak >= cfg.resign_after and moves >= cfg.resign_min_moves:
            return loser
        return 0


def play_search_game(player, cfg: SearchDataConfig, seed) -> SearchGame:
    """One game of the search against itself (``seed``: its random streams)."""
    from tengen.engine.game import GameState, score_string
    from tengen.engine.player import RESIGN
    from tengen.engine.sgf import game_to_sgf
    rng = np.random.default_rng(seed)
    player.rng = np.random.default_rng([*np.atleast_1d(seed), 1])  # the visit draws
    played_out = rng.random() < cfg.played_out
    state = GameState(cfg.size, cfg.komi)
    cap = cfg.max_moves or 3 * cfg.size * cfg.size
    out = SearchGame(FinishedGame(BLACK))
    rule = _Resign(cfg)
    winner = 0
    while not state.is_over() and len(state.moves) < cap:
        pla, ply = state.to_play, len(state.moves)
        full = rng.random() < cfg.full_share
        player.cfg.visits = cfg.full_visits if full else cfg.fast_visits
        before = player.mcts.stats["simulations"]
        choice = player.choose(state, pla, temperature=1.0 if ply < cfg.sample_moves else 0.0)
        if choice.loc == RESIGN:  # not asked for (threshold 0), but never played as a move
            raise RuntimeError("the search player resigned with resignation off")
        ran = player.mcts.stats["simulations"] - before
        if full:
            out.full_visits += ran
        else:
            out.fast_visits += ran
        pi = choice.policy
        if full and pi is not None and pi.sum() > 0:
            out.targets.append(ply)
            out.policies.append(pi.astype(np.float32))
        state.play(choice.loc, pla)
        loser = rule.fired(ply + 1, pla, choice.value)
        if loser and not out.would_resign:
            out.would_resign, out.resign_loser = ply + 1, loser
            if not played_out:
                out.resigned, winner = True, 3 - loser
                break
    if out.resigned:
        score = 1.0 if winner == BLACK else -1.0  # the winner's sign: the margin is unknown
        result = "B+R" if winner == BLACK else "W+R"
    else:
        score = float(player.judge(state).score)
        result = score_string(score)
    g = out.game
    g.moves, g.score, g.ended = list(state.moves), score, bool(state.is_over() or out.resigned)
    if cfg.keep_sgf:
        g.sgf = game_to_sgf(state, result=result, black="tengen", white="tengen")
    return out


def _search_batch(net_bytes: bytes, cfg: SearchDataConfig, number: int, wcfg) -> list:
    player = _player(net_bytes, cfg, getattr(wcfg, "backend", "torch"))
    return [play_search_game(player, cfg, [cfg.seed, number, k]) for k in range(cfg.batch)]


def write_batch(cfg: SearchDataConfig, number: int, games: list[SearchGame]) -> None:
    folder = Path(cfg.out) / f"batch-{number:06d}"
    if cfg.keep_sgf:
        write_games([s.game for s in games], str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    n2 = cfg.size * cfg.size + 1
    policies = [p for s in games for p in s.policies]
    save_records([s.game for s in games], str(folder / "records.npz"), cfg.size, cfg.komi,
                 {"target": np.array([t for s in games for t in s.targets], np.int16),
                  "target_offsets": np.cumsum([0] + [len(s.targets) for s in games]),
                  # visit shares to 1/65535: a 200-visit count is exact
                  "policy": (np.array(policies, np.float32).reshape(-1, n2) * 65535
                             ).round().astype(np.uint16),
                  "resigned": np.array([s.resigned for s in games], bool),
                  "would_resign": np.array([s.would_resign for s in games], np.int16),
                  "resign_loser": np.array([s.resign_loser for s in games], np.int8),
                  "full_visits": np.array([s.full_visits for s in games], np.int64),
                  "fast_visits": np.array([s.fast_visits for s in games], np.int64)})


def net_digest(net_bytes: bytes) -> str:
    return hashlib.sha256(net_bytes).hexdigest()[:16]


def generate(cfg: SearchDataConfig, net: str, workers=None, progress: bool = True) -> dict:
    """Play batches 0, 1, ... until ``cfg.games`` games are written (a rerun resumes).
    ``net``: the checkpoint the search plays with (priors, values)."""
    from tengen.run_folder import claim
    from tengen.selfplay.value_data import resignation_report
    from tengen.selfplay.workers import WorkersConfig
    from tengen.selfplay.workers.local import SelfPlayWorkers
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    net_bytes = Path(net).read_bytes()
    done = {int(p.parent.name.split("-")[1]) for p in out.glob("batch-*/records.npz")}
    claim(out, {**asdict(cfg), "net": net_digest(net_bytes)}, ("games", "out", "keep_sgf"),
          "search-data run", started=bool(done))
    batches = -(-cfg.games // cfg.batch)
    todo = [k for k in range(batches) if k not in done]
    if done and progress:
        print(f"search-data: resuming {out}: {len(done)} of {batches} batches written",
              file=sys.stderr)
    workers = workers or SelfPlayWorkers(WorkersConfig(workers=1))
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=batches * cfg.batch, initial=(batches - len(todo)) * cfg.batch,
                   unit="game", file=sys.stderr, desc="search-data")
    for (*_, number), games in workers.imap(_search_batch,
                                            ((net_bytes, cfg, k) for k in todo)):
        write_batch(cfg, number, games)
        if bar:
            bar.update(len(games))
    if bar:
        bar.close()
    return {**search_data_report(out), **resignation_report(out)}


def search_data_report(out: Path) -> dict:
    """Games, target positions and the simulations spent, over every batch written."""
    games = targets = moves = full = fast = 0
    for path in sorted(Path(out).glob("batch-*/records.npz")):
        with np.load(path) as d:
            games += len(d["learner"])
            moves += int(d["offsets"][-1])
            targets += len(d["target"])
            full += int(d["full_visits"].sum())
            fast += int(d["fast_visits"].sum())
    return {"games": games, "targets": targets, "moves_per_game": round(moves / max(games, 1), 1),
            "targets_per_game": round(targets / max(games, 1), 1),
            "full_search_simulations": full, "fast_search_simulations": fast}


def search_examples(path: str):
    """The target positions of a search-data batch: ``(Examples, policies)``, the
    policies ``(N, n*n + 1)`` float32 visit shares in the same order."""
    from tengen.selfplay.records import load_records, replay_positions
    games, info = load_records(path)
    with np.load(path) as d:
        target, offsets, policy = d["target"], d["target_offsets"], d["policy"]
        resigned = d["resigned"]
    wanted = [set(target[offsets[k]:offsets[k + 1]].tolist()) for k in range(len(games))]
    ex = replay_positions(games, int(info["size"]), float(info["komi"]),
                    lambda k, i, m: i in wanted[k])
    ex.owner_known = np.array([not resigned[k] and games[k].ended
                               for k in range(len(games)) for _ in wanted[k]], bool)
    pi = policy.astype(np.float32)
    return ex, pi / np.maximum(pi.sum(1, keepdims=True), 1e-9)


__all__ = ["SearchGame", "play_search_game", "generate", "search_examples",
           "search_data_report", "write_batch"]
