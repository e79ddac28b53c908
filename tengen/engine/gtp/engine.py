"""The GTP engine: one session (position, komi, clock, player, judge) and one command
table, filled by handler groups that each own one concern (``core``, ``setup``,
``timing``, ``moves``, ``scoring``)."""
from __future__ import annotations

import queue
import sys
import threading
import traceback
from typing import BinaryIO, Callable

from tengen.engine.game import GameState
from tengen.engine.judge.judgment import Judge
from tengen.engine.player import ANALYSIS, Clock, Player, RandomPlayer
from tengen.engine.gtp.core import CoreCommands
from tengen.engine.gtp.moves import MoveCommands
from tengen.engine.gtp.protocol import GtpError, clean_line, format_response, raw_lines
from tengen.engine.gtp.scoring import ScoringCommands
from tengen.engine.gtp.setup import SetupCommands
from tengen.engine.gtp.timing import TimeCommands

GROUPS = (CoreCommands, SetupCommands, MoveCommands, TimeCommands, ScoringCommands)


class GtpEngine:
    def __init__(self, player: Player | None = None, size: int = 19, komi: float = 7.5,
                 name: str = "tengen", judge: Judge | None = None, ponder: bool = False,
                 ponder_visits: int = 20_000):
        self.player = player or RandomPlayer()
        self.judge = judge or Judge()  # dead stones, seki and the count of a position
        self.name = name
        self.komi = komi
        self.state = GameState(size, komi)
        self.clock = Clock()
        self.done = False
        self.write: Callable[[str], None] = lambda text: None  # streamed output
        self.input_waiting: Callable[[], bool] = lambda: True  # ends a stream when true
        self.ident = ""
        self.streamed = False  # a handler has written the "=" line itself
        # pondering: after our move, search the opponent's turn until the next command
        # arrives (the tree is kept for our next move); capped, as the tree lives in memory
        self.ponder, self.ponder_visits = ponder, ponder_visits
        self.moved = False  # set by genmove: the next idle time is the opponent's
        self.commands: dict[str, Callable[[list[str]], str]] = {}
        for group in GROUPS:
            self.commands.update(group(self).table())

    @property
    def size(self) -> int:
        return self.state.size

    def handle_line(self, raw: str) -> str | None:
        """One input line to one full response (``=...\\n\\n`` or ``?...\\n\\n``), or None
        for a line GTP says to ignore."""
        line = clean_line(raw)
        if not line:
            return None
        tokens = line.split()
        ident = ""
        if tokens[0].isascii() and tokens[0].isdigit():  # an id: ASCII digits, never "\u0663"
            ident = tokens.pop(0)
            if not tokens:
                return f"?{ident} syntax error\n\n"
        name, args = tokens[0], tokens[1:]
        handler = self.commands.get(name)
        self.ident, self.streamed = ident, False
        try:
            if handler is None:
                raise GtpError("unknown command")
            text = handler(args)
            ok = True
        except GtpError as e:
            text, ok = str(e), False
        except Exception as e:  # a bug must cost one answer, never the session
            traceback.print_exc(file=sys.stderr)
            first = next((line for line in str(e).splitlines() if line.strip()), "")
            text, ok = f"internal error: {type(e).__name__}" + (f": {first}" if first else ""), False
        if self.streamed:  # the "=" line and the stream are out: finish the response
            if not ok:
                print(f"tengen: {name} failed while streaming: {text}", file=sys.stderr)
                text = ""
            text = text.strip("\n")
            return f"{text}\n\n" if text else "\n"
        return format_response(text, ok, ident)

    def serve(self, inp: BinaryIO, out: BinaryIO) -> None:
        """Read commands until ``quit`` or end of input. A reader thread queues input
        lines, so a streaming command (analysis) stops as soon as the next one arrives."""
        lines: queue.Queue = queue.Queue()

        def reader():
            for raw in raw_lines(inp):
                lines.put(raw.decode("latin-1"))
            lines.put(None)

        threading.Thread(target=reader, daemon=True).start()

        def write(text: str) -> None:
            out.write(text.encode("ascii", "replace"))
            out.flush()

        self.write = write
        self.input_waiting = lambda: not lines.empty()
        while not self.done:
            raw = lines.get()
            if raw is None:
                break
            self.moved = False
            response = self.handle_line(raw)
            if response is not None:
                write(response)
                self.player.start()  # background loading begins once the first answer is out
            if self.ponder and self.moved:
                self.think_on_their_time()
        self.player.close()

    def think_on_their_time(self) -> None:
        """Search the position after our move until a command arrives (not while a first
        start still compiles: the next command must not wait for that)."""
        if self.player.loading:
            return
        player = self.player.ready()
        if ANALYSIS not in player.abilities or self.state.is_over() or self.input_waiting():
            return
        player.analyze(self.state, self.state.to_play, stop=self.input_waiting,
                       report=lambda: None, report_every=3600.0, visits=self.ponder_visits)
