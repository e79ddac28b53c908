"""Driving the GTP engine in-process, for the tests that need it (not a test module): an
engine built as ``tengen gtp ARGS`` builds it, a transcript through ``serve``, and the
session's position as one comparable value."""
from __future__ import annotations

import io

from tengen.engine.gtp import GtpEngine


def cli_engine(*argv: str) -> GtpEngine:
    """The engine ``tengen gtp ARGV`` serves (player, judge, size, komi), without the
    process: its options parsed and its player made by the command line's own code."""
    from tengen.cli import build_parser, player_options
    from tengen.engine.judge.judgment import Judge
    from tengen.players.build import build_player
    args = build_parser().parse_args(["gtp", *argv])
    judge = Judge(weights=args.rollout_weights)
    return GtpEngine(build_player(player_options(args), judge), size=args.size, komi=args.komi,
                     judge=judge)


def run(lines, engine: GtpEngine, encoding: str = "utf-8") -> str:
    """Every line through ``serve`` (its reader thread and all), sent as ``encoding``
    (serve reads bytes as latin-1, so a latin-1 line arrives as written), the output as
    text."""
    data = "".join(line + "\n" for line in lines).encode(encoding)
    out = io.BytesIO()
    engine.serve(io.BytesIO(data), out)
    return out.getvalue().decode()


def answers(lines, engine: GtpEngine, encoding: str = "utf-8") -> list[str]:
    """The responses to ``lines``, each without its closing blank line."""
    text = run(lines, engine, encoding)
    assert text.endswith("\n\n") or text == ""
    return text.split("\n\n")[:-1]


def position(engine: GtpEngine) -> tuple:
    """What a rejected command must leave as it was: board, moves, setup, side to move,
    komi (the session's and the game's), size, and the clock the controller set."""
    s, c = engine.state, engine.clock
    return (s.size, s.colors().tobytes(), s.to_play, s.komi, engine.komi, s.passes,
            tuple((m.pla, m.loc) for m in s.moves), tuple((m.pla, m.loc) for m in s.setup),
            tuple(s.handicap), c.main_time, c.byo_time, c.byo_stones, c.periods,
            tuple(sorted(c.time_left.items())))


def well_formed(response: str | None) -> bool:
    """One GTP response: ``=`` or ``?``, the rest of its first line, no blank line inside,
    one blank line at the end."""
    return (response is not None and response[:1] in "=?" and response.endswith("\n\n")
            and "\n\n" not in response[:-2])
