"""One refereed game between two GTP engines.

We keep our own ``GameState`` as the record and the legality referee (Chinese rules:
positional superko, no suicide). A game ends on two passes, a resignation, the move cap,
or a fault. A fault (illegal move, crash, hang, unparsable answer, an error answer, or
refusing the other side's legal move) loses the game for the side at fault, and says so.
After two passes (or the cap) a referee engine counts the final position
(``final_score``, area scoring); both players' own ``final_score`` are kept beside it.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from datetime import date

from tengen.engine.board import BLACK, WHITE
from tengen.engine.coords import CoordError, gtp_to_loc, loc_to_gtp
from tengen.engine.game import GameState, IllegalMove
from tengen.engine.move_log import last_belief
from tengen.engine.sgf import game_to_sgf, result_margin
from tengen.match.gtp_client import GtpClient, GtpClientError
from tengen.match.clock import SideClock, TimeSystem

SIDES = ("engine", "opponent")


@dataclass
class GameConfig:
    size: int = 9
    komi: float = 7.5
    handicap: int = 0
    move_time: float | None = None  # seconds per move: short for time "canadian 0 T 1"
    time: str | None = None  # a clock the match keeps, e.g. "byoyomi 600 30 5" (match_clock)
    move_timeout: float = 60.0  # without a clock, a genmove taking longer than this is a hang
    # seconds for each command before the first move (name, boardsize, time settings): a
    # first start that compiles and caches its kernels on a loaded machine is no hang
    setup_timeout: float = 120.0
    # sides that play at fixed compute (a peer at fixed playouts): off the clock, told no
    # time settings, their seconds still recorded; move_timeout still catches a hang
    untimed: tuple[str, ...] = ()
    max_moves: int | None = None  # default: 3 * size * size
    referee: str | None = None  # GTP command line of the counting referee


@dataclass
class GameResult:
    index: int
    black: str  # "engine" or "opponent"
    white: str
    winner: str | None  # "engine", "opponent", or None for a draw or a void game
    result: str  # SGF RE value
    reason: str  # score, resign, max_moves, or a failure kind
    failure: str | None = None  # illegal, crash, timeout, time, protocol, error, desync, referee
    failed_side: str | None = None
    moves: int = 0
    seconds: dict = field(default_factory=lambda: {s: [] for s in SIDES})
    time_left: dict = field(default_factory=dict)  # side -> clock's (seconds, stones) at the end
    referee_score: str | None = None
    own_scores: dict = field(default_factory=dict)
    # side -> fault kind of an engine that failed its final_score after the game was
    # decided: the result stands, the fault is counted (arena summary: after_game_faults)
    after_game: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    commands: dict = field(default_factory=dict)  # side -> the command line that played
    sgf: str = ""
    detail: str = ""
    # the failing side had not played a move yet (it could not start, or died at once):
    # at the start of a match that is a broken command, not a game (arena stops)
    before_first_move: bool = False

    def to_json(self) -> dict:
        return asdict(self)


class _Fault(Exception):
    def __init__(self, side: str, kind: str, detail: str):
        super().__init__(detail)
        self.side, self.kind, self.detail = side, kind, detail


def _color(pla: int) -> str:
    return "b" if pla == BLACK else "w"


def _send(client: GtpClient, side: str, command: str, timeout: float = 120.0) -> str:
    try:
        return client.send(command, timeout=timeout)
    except GtpClientError as e:
        raise _Fault(side, e.kind, f"{command.split()[0]}: {e}") from None


def _engine_name(client: GtpClient, side: str, timeout: float) -> str:
    name = _send(client, side, "name", timeout)
    try:
        version = client.send("version", timeout=timeout)
    except GtpClientError:
        version = ""
    return f"{name} {version}".strip()


def time_system(cfg: GameConfig) -> TimeSystem | None:
    if cfg.time:
        return TimeSystem.parse(cfg.time)
    if cfg.move_time:
        return TimeSystem("canadian", 0.0, cfg.move_time, 1)
    return None


def _announce_time(client: GtpClient, side: str, system: TimeSystem, timeout: float) -> bool:
    """kgs-time_settings where the engine knows it (byo-yomi needs it), else
    time_settings; True when it was told in standard GTP."""
    try:
        kgs = client.send("known_command kgs-time_settings", timeout=timeout).strip() == "true"
    except GtpClientError:
        kgs = False
    _send(client, side, system.kgs_command() if kgs else system.gtp_command(), timeout)
    return not kgs


class Abandoned(Exception):
    """The match is stopping: this game was left unfinished, and nothing of it written."""


def play_game(index: int, engine_cmd: str, opponent_cmd: str, cfg: GameConfig,
              out_dir: str, engine_is_black: bool, stop=None) -> GameResult:
    """Play game ``index``; write its SGF into ``out_dir`` and return the result.
    ``stop``: a ``threading.Event``; once set, the game ends at its next move with
    ``Abandoned``, writing nothing."""
    colors = {BLACK: "engine" if engine_is_black else "opponent"}
    colors[WHITE] = "opponent" if engine_is_black else "engine"
    res = GameResult(index, colors[BLACK], colors[WHITE], None, "Void", "void")
    res.commands = {"engine": engine_cmd, "opponent": opponent_cmd}
    logs = os.path.join(out_dir, "logs")
    os.makedirs(logs, exist_ok=True)
    clients: dict[str, GtpClient] = {}
    state = GameState(cfg.size, cfg.komi)
    comments: list[str | None] = []
    system = time_system(cfg)
    clocks = ({side: SideClock(system) for side in SIDES if side not in cfg.untimed}
              if system else None)
    try:
        for side, cmd in (("engine", engine_cmd), ("opponent", opponent_cmd)):
            try:
                clients[side] = GtpClient(
                    cmd, stderr_path=os.path.join(logs, f"game-{index:04d}-{side}.log"))
            except GtpClientError as e:
                raise _Fault(side, "crash", str(e)) from None
            res.names[side] = _engine_name(clients[side], side, cfg.setup_timeout)
        for side, c in clients.items():
            for command in (f"boardsize {cfg.size}", "clear_board", f"komi {cfg.komi:g}"):
                _send(c, side, command, cfg.setup_timeout)
            if system and side in clocks:
                clocks[side].standard_gtp = _announce_time(c, side, system, cfg.setup_timeout)
        if cfg.handicap >= 2:
            _setup_handicap(state, clients, colors, cfg)
        _play_moves(state, clients, colors, cfg, res, comments, clocks, stop)
    except _Fault as f:
        if stop is not None and stop.is_set():
            raise Abandoned(f"game {index}") from None  # a fault while stopping says nothing
        res.failure, res.failed_side, res.detail = f.kind, f.side, f.detail
        own = BLACK if colors[BLACK] == f.side else WHITE
        res.before_first_move = not any(m.pla == own for m in state.moves)
        res.reason = f.kind
        res.winner = "opponent" if f.side == "engine" else "engine"
        loser_color = "B" if colors[BLACK] == f.side else "W"
        res.result = ("W" if loser_color == "B" else "B") + "+Forfeit"
    finally:
        for c in clients.values():
            c.close(timeout=5)
    if clocks:
        res.time_left = {side: clk.time_left() for side, clk in clocks.items()}
    res.moves = len(state.moves)
    res.sgf = f"game-{index:04d}.sgf"
    _write_sgf(state, res, comments, os.path.join(out_dir, res.sgf))
    return res


def _setup_handicap(state, clients, colors, cfg) -> None:
    black, white = colors[BLACK], colors[WHITE]
    answer = _send(clients[black], black, f"fixed_handicap {cfg.handicap}")
    try:
        locs = [gtp_to_loc(v, cfg.size) for v in answer.split()]
        state.place_setup(BLACK, locs, handicap=True)
    except (CoordError, IllegalMove):
        raise _Fault(black, "protocol", f"bad handicap answer {answer!r}") from None
    _send(clients[white], white, "set_free_handicap " + " ".join(
        loc_to_gtp(loc, cfg.size) for loc in locs))
    state.to_play = WHITE


def _timed_genmove(client, side, pla, cfg, clock: SideClock | None) -> tuple[str, float]:
    """genmove under the side's clock: ``time_left`` first, then charge what it took."""
    timeout = cfg.move_timeout
    if clock is not None and clock.max_think() is not None:
        secs, stones = clock.time_left()
        _send(client, side, f"time_left {_color(pla)} {int(secs)} {stones}")
        timeout = clock.max_think() + 5.0  # past the flag: stop waiting, it has lost anyway
    t0 = time.monotonic()
    try:
        answer = client.send(f"genmove {_color(pla)}", timeout=timeout)
    except GtpClientError as e:
        kind = "time" if e.kind == "timeout" and clock is not None else e.kind
        raise _Fault(side, kind, f"genmove: {e}") from None
    dt = time.monotonic() - t0
    if clock is not None:
        before = clock.time_left()
        if clock.charge(dt):
            raise _Fault(side, "time", f"out of time: genmove took {dt:.2f}s with "
                         f"{before[0]:.2f}s/{before[1]} left")
    return answer, dt


def _belief(client: GtpClient, offsets: dict) -> str | None:
    """The engine's last summary line since the previous call, if it writes one: it is
    flushed before the answer, so it is in the log once the answer has arrived."""
    path = client.stderr_path
    if not path or not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        f.seek(offsets.get(path, 0))
        text = f.read().decode("utf-8", "replace")
        offsets[path] = f.tell()
    return last_belief(text)


def _play_moves(state, clients, colors, cfg, res, comments, clocks=None, stop=None) -> None:
    cap = cfg.max_moves or 3 * cfg.size * cfg.size
    offsets: dict = {}
    while not state.is_over():
        if stop is not None and stop.is_set():
            raise Abandoned(f"game {res.index}")
        if len(state.moves) >= cap:
            res.reason = "max_moves"
            break
        pla = state.to_play
        side = colors[pla]
        other = colors[3 - pla]
        answer, dt = _timed_genmove(clients[side], side, pla, cfg,
                                    clocks.get(side) if clocks else None)
        if answer.strip().lower() == "resign":  # not a move: no per-move time for it
            res.reason = "resign"
            res.winner = other
            res.result = ("W" if pla == BLACK else "B") + "+R"
            res.detail = f"{side} resigned after {dt:.2f}s"
            return
        res.seconds[side].append(round(dt, 3))
        try:
            loc = gtp_to_loc(answer, cfg.size)
        except CoordError:
            raise _Fault(side, "protocol", f"genmove answered {answer[:40]!r}") from None
        reason = state.illegal_reason(loc, pla)
        if reason:
            raise _Fault(side, "illegal", f"{answer} ({reason}) at move {len(state.moves) + 1}")
        state.play(loc, pla)
        belief = _belief(clients[side], offsets)
        comments.append(f"{dt:.2f}s" + (f" {belief}" if belief else ""))
        try:
            # an engine still loading (compiling) may be slow to answer even a play
            clients[other].send(f"play {_color(pla)} {loc_to_gtp(loc, cfg.size)}",
                                timeout=max(30.0, cfg.move_timeout))
        except GtpClientError as e:
            kind = "desync" if e.kind == "error" else e.kind
            raise _Fault(other, kind, f"play {answer}: {e}") from None
    for side, c in clients.items():
        try:
            res.own_scores[side] = c.send("final_score", timeout=60)
        except GtpClientError as e:
            res.own_scores[side] = f"? {e}"
            if e.kind != "error":  # an answer of "? ..." is an opinion, not a fault
                res.after_game[side] = e.kind
    if res.reason != "max_moves":
        res.reason = "score"
    _referee(state, cfg, res, colors)


def _referee(state, cfg, res, colors) -> None:
    """Count the final position with the referee engine (fresh process, via SGF)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "final.sgf")
        with open(path, "wb") as f:
            f.write(game_to_sgf(state))
        try:
            with GtpClient(cfg.referee, default_timeout=120) as ref:
                ref.send(f"loadsgf {path}")
                score = ref.send("final_score")
        except GtpClientError as e:
            res.failure, res.detail = "referee", str(e)
            res.reason, res.result, res.winner = "referee", "Void", None
            return
    res.referee_score = score
    margin = result_margin(score)
    if margin is None:
        res.failure, res.detail = "referee", f"unparsable final_score {score!r}"
        res.reason, res.result, res.winner = "referee", "Void", None
        return
    res.result = "0" if margin == 0 else (f"B+{margin:g}" if margin > 0 else f"W+{-margin:g}")
    res.winner = None if margin == 0 else colors[BLACK if margin > 0 else WHITE]


def _write_sgf(state, res, comments, path) -> None:
    names = {BLACK: res.names.get(res.black, res.black), WHITE: res.names.get(res.white, res.white)}
    note = (f"tengen arena game {res.index}: {res.reason}"
            + (f"; failure {res.failure} by {res.failed_side}: {res.detail}" if res.failure else "")
            + (f"; {res.detail}" if res.reason == "resign" else "")
            + (f"; referee final_score {res.referee_score}" if res.referee_score else "")
            + "".join(f"; {side} final_score {s}" for side, s in res.own_scores.items()))
    data = game_to_sgf(state, result=res.result, black=f"{names[BLACK]} ({res.black})",
                       white=f"{names[WHITE]} ({res.white})", comments=comments,
                       when=date.today(), root_comment=note)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
