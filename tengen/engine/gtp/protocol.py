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


def parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise GtpError("syntax error") from None


def parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise GtpError("syntax error") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise GtpError("syntax error")
    return value


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
