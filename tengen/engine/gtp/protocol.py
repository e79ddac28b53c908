"""GTP v2 wire format: input cleaning, argument parsing, the error a handler raises.

Handlers never see ids, comments or control characters; they take the argument list
and return the response text, or raise ``GtpError`` with the message.
"""
from __future__ import annotations

import os
import re
from typing import BinaryIO

from tengen.engine.board import BLACK, WHITE

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # all but HT (LF is the line end)


class GtpError(Exception):
    """The text after ``?`` in a failure response."""


class CommandGroup:
    """Handlers of one concern. ``table()`` names them for the engine's command table;
    ``self.g`` is the engine, whose session (state, komi, clock, player, judge) all
    groups share."""

    def __init__(self, engine):
        self.g = engine

    def table(self) -> dict:
        raise NotImplementedError


def clean_line(raw: str) -> str:
    """GTP 2 section 3.1 preprocessing: drop control characters (CR included) except HT,
    cut comments, turn HT into space, strip."""
    line = _CONTROL.sub("", raw.rstrip("\n"))
    line = line.split("#", 1)[0]
    return line.replace("\t", " ").strip()


def parse_color(text: str) -> int:
    t = text.lower()
    if t in ("b", "black"):
        return BLACK
    if t in ("w", "white"):
        return WHITE
    raise GtpError("syntax error")


# GTP 2 section 2.10: an int is ASCII digits, 0 <= x <= 2^31 - 1; a float is written as
# C's printf writes one. Python's int() and float() take far more ("\u0663", "1_000",
# "inf", " 7 ", 4300-digit numbers...), so every GTP number goes through ``parse_number``.
MAX_INT = 2 ** 31 - 1
MAX_KOMI = 1000.0  # no real game has more; the count stays exact in a float
_INT = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_MAX_CHARS = 100  # a longer number is not a sane one (and int() of 4301 digits raises)


def parse_number(text: str, lo: float = -MAX_INT, hi: float = MAX_INT, *,
                 integer: bool = True, what: str = "number", error: str | None = None):
    """The one parser of GTP numbers: ASCII digits only (an int, or with ``integer=False``
    a decimal float), finite and within ``lo..hi``. Anything that is not a number in
    that syntax is a ``syntax error``; a number outside the range is ``error``
    (default: "WHAT out of range (LO to HI)")."""
    if not (text.isascii() and (_INT if integer else _FLOAT).match(text)):
        raise GtpError("syntax error")
    value = None
    if len(text) <= _MAX_CHARS:
        value = int(text) if integer else float(text)
    if value is None or value != value or not lo <= value <= hi:  # inf fails lo..hi
        raise GtpError(error or f"{what} out of range ({_show(lo)} to {_show(hi)})")
    return value


def _show(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def parse_int(text: str, lo: int = -MAX_INT, hi: int = MAX_INT, *, what: str = "number",
              error: str | None = None) -> int:
    return parse_number(text, lo, hi, what=what, error=error)


def parse_float(text: str, lo: float = -MAX_INT, hi: float = MAX_INT, *,
                what: str = "number", error: str | None = None) -> float:
    """A float; an int in the GTP syntax is one too."""
    return parse_number(text, lo, hi, integer=False, what=what, error=error)


def need(args: list[str], n: int) -> None:
    if len(args) < n:
        raise GtpError("syntax error")


def raw_lines(inp: BinaryIO):
    """Input lines, read from the file descriptor when there is one: a thread blocked in
    a buffered read holds the buffer's lock, and Python aborts at exit ("could not
    acquire lock for stdin") if it is still waiting there."""
    try:
        fd = inp.fileno()
    except (AttributeError, OSError, ValueError):
        yield from inp
        return
    buf = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            if buf:
                yield buf
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line + b"\n"


def format_response(text: str, ok: bool, ident: str) -> str:
    """``=id text`` or ``?id text`` and the blank line; an empty line inside the text
    would end the response early, so none is left."""
    while "\n\n" in text:
        text = text.replace("\n\n", "\n")
    text = text.rstrip("\n")
    sep = " " if text else ""
    return f"{'=' if ok else '?'}{ident}{sep}{text}\n\n"
