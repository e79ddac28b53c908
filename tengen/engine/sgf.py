"""Game records: SGF in and out (sgfmill parses; this module decides what a record means).

A malformed record raises a subclass of ``SgfError`` with a short ``kind`` that callers
count by: ``parse`` (not SGF), ``content`` (SGF, but a property we cannot use), ``size``
(unsupported board size), ``illegal`` (a move the rules forbid; ``reason`` says which).
"""
from __future__ import annotations

import os
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

from sgfmill import sgf as sgfmill_sgf

from tengen.engine.board import BLACK, MAX_SIZE, MIN_SIZE, PASS, WHITE
from tengen.engine.coords import from_loc, to_loc
from tengen.engine.game import GameState, IllegalMove, Move

_COLOR = {"b": BLACK, "w": WHITE}
_SGF_COLOR = {BLACK: "b", WHITE: "w"}


class SgfError(ValueError):
    kind = "sgf"


class SgfParseError(SgfError):
    kind = "parse"


class SgfContentError(SgfError):
    kind = "content"


class SgfSizeError(SgfError):
    kind = "size"


class SgfIllegalMove(SgfError):
    kind = "illegal"

    def __init__(self, move_number: int, reason: str, message: str):
        self.move_number = move_number
        self.reason = reason
        super().__init__(f"move {move_number}: {message}")


@dataclass
class GameRecord:
    size: int = 19
    komi: float = 0.0
    handicap: int = 0
    setup_black: list[int] = field(default_factory=list)
    setup_white: list[int] = field(default_factory=list)
    first_player: int | None = None  # PL
    moves: list[Move] = field(default_factory=list)
    result: str | None = None
    black_name: str | None = None
    white_name: str | None = None
    rules: str | None = None
    comments: list[str | None] = field(default_factory=list)  # one per move

    def winner(self, on_board: bool = False) -> int | None:
        """BLACK or WHITE from RE, None for draws, voids and unknown results. ``on_board``:
        also None for games lost on time or by forfeit (``B+T``, ``W+Time``, ``B+F``),
        whose result says nothing about the position (33 of KGS-2017_05's first 300)."""
        r = (self.result or "").strip().upper()
        if on_board and r[2:3] in ("T", "F"):
            return None
        if r.startswith("B+"):
            return BLACK
        if r.startswith("W+"):
            return WHITE
        return None

    def to_game_state(self, upto: int | None = None, superko: bool = True) -> GameState:
        """Replay the setup and the first ``upto`` moves (all by default)."""
        g = GameState(self.size, self.komi, superko=superko)
        try:
            if self.setup_black:
                g.place_setup(BLACK, self.setup_black, handicap=self.handicap > 0)
            if self.setup_white:
                g.place_setup(WHITE, self.setup_white)
        except IllegalMove as e:
            raise SgfContentError(f"bad setup stones: {e}") from None
        if self.first_player is not None:
            g.to_play = self.first_player
        elif self.setup_black and not self.setup_white and self.handicap > 0:
            g.to_play = WHITE
        moves = self.moves if upto is None else self.moves[:upto]
        for i, m in enumerate(moves, 1):
            try:
                g.play(m.loc, m.pla)
            except IllegalMove as e:
                raise SgfIllegalMove(i, e.reason, str(e)) from None
        return g


def _point(p, size: int) -> int:
    # sgfmill points are (row from the bottom, col)
    row, col = p
    return to_loc(size - 1 - row, col, size)


def sgfmill_point(loc: int, size: int) -> tuple[int, int]:
    """The inverse of ``_point``: a padded loc as sgfmill's (row from the bottom, col)."""
    r, c = from_loc(loc, size)
    return size - 1 - r, c


# A property value: [...] with \] escaped, or an unclosed one to the end (so that no
# '[' is scanned to the end twice: linear time, however the text is made).
_VALUE = re.compile(rb"\[(?:[^\]\\]|\\.)*(?:\]|\\?\Z)", re.S)


def count_nodes(data: bytes, more_than: int) -> int:
    """The nodes of an SGF text (each ';' outside property values), counted only as far as
    needed to tell whether there are ``more_than``: a text with no more semicolons than
    that answers the semicolons, unparsed."""
    rough = data.count(b";")
    if rough <= more_than:
        return rough
    return _VALUE.sub(b"", data).count(b";")


def parse_sgf(data: bytes | str, moves_per_point: int | None = None) -> GameRecord:
    """Parse one game (the main line of the first game tree). ``moves_per_point``: refuse
    a main line of more than that many moves per point of the board, and, before parsing
    anything, a text of more than four times that many nodes for the largest board (what
    a loaded record is allowed: millions of passes take many seconds to parse)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if moves_per_point is not None:
        most = 4 * moves_per_point * MAX_SIZE * MAX_SIZE
        if count_nodes(data, most) > most:
            raise SgfContentError(f"too long: more than {most} nodes")
    try:
        game = sgfmill_sgf.Sgf_game.from_bytes(data)
    except ValueError as e:
        raise SgfParseError(str(e)) from None
    size = game.get_size()
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise SgfSizeError(f"unsupported board size {size}")
    root = game.get_root()
    rec = GameRecord(size=size)
    try:
        if root.has_property("GM") and root.get("GM") != 1:
            raise SgfContentError(f"not a game of Go (GM[{root.get('GM')}]; Go is GM[1])")
        rec.komi = float(game.get_komi())
        rec.handicap = int(game.get_handicap() or 0)
        black, white, empty = _said(root.get_setup_stones,
                                    f"setup stones: not points of the {size}x{size} board")
        if empty:
            raise SgfContentError("AE in the root node is not supported")
        rec.setup_black = sorted(_point(p, size) for p in black)
        rec.setup_white = sorted(_point(p, size) for p in white)
        if root.has_property("PL"):
            rec.first_player = _COLOR[_said(lambda: root.get("PL"), "PL is not B or W")]
        rec.result = root.get("RE") if root.has_property("RE") else None
        rec.black_name = game.get_player_name("b")
        rec.white_name = game.get_player_name("w")
        rec.rules = root.get("RU") if root.has_property("RU") else None
        sequence = game.get_main_sequence()[1:]
        if moves_per_point is not None and len(sequence) > moves_per_point * size * size:
            raise SgfContentError(f"too long: {len(sequence)} moves, at most "
                                  f"{moves_per_point * size * size} on {size}x{size}")
        for node in sequence:
            if node.has_setup_stones():
                raise SgfContentError("setup stones after the start are not supported")
            colour, point = _move(node, len(rec.moves) + 1, size)
            if colour is None:
                continue
            loc = PASS if point is None else _point(point, size)
            rec.moves.append(Move(_COLOR[colour], loc))
            rec.comments.append(node.get("C") if node.has_property("C") else None)
    except SgfError:
        raise
    except (ValueError, KeyError, IndexError) as e:  # (sgfmill's often say nothing)
        raise SgfContentError(str(e) or f"bad property value ({type(e).__name__})") from None
    return rec


def _said(get, message: str):
    """``get()``, whose empty ValueError (sgfmill's way) becomes ``message``."""
    try:
        return get()
    except ValueError as e:
        if str(e):
            raise
        raise SgfContentError(message) from None


def _move(node, number: int, size: int):
    """sgfmill's ``get_move``, saying which move is bad: its ValueError is empty."""
    try:
        return node.get_move()
    except ValueError:
        prop = next((p for p in ("B", "W") if node.has_property(p)), "B")
        value = node.get_raw(prop).decode("latin-1")[:20] if node.has_property(prop) else ""
        raise SgfContentError(f"move {number}: {prop}[{value}] is not a point of the "
                              f"{size}x{size} board") from None


def read_sgf(path: str | os.PathLike) -> GameRecord:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise SgfParseError(f"cannot read {path}: {e.strerror}") from None
    return parse_sgf(data)


def game_to_sgf(state: GameState, *, result: str | None = None, black: str | None = None,
                white: str | None = None, rules: str = "Chinese",
                comments: list[str | None] | None = None, when: date | None = None,
                root_comment: str | None = None) -> bytes:
    """SGF (FF[4]) of a game: setup stones, every move, result, komi, rules, players."""
    size = state.size
    game = sgfmill_sgf.Sgf_game(size)
    root = game.get_root()
    root.set("KM", state.komi)
    root.set("RU", rules)
    root.set("DT", (when or date.today()).isoformat())
    root.set("AP", ("tengen", "0.1"))
    if black:
        root.set("PB", black)
    if white:
        root.set("PW", white)
    if result:
        root.set("RE", result)
    if state.handicap:
        root.set("HA", len(state.handicap))

    setup = {BLACK: set(), WHITE: set()}
    for m in state.setup:
        setup[m.pla].add(sgfmill_point(m.loc, size))
    if setup[BLACK] or setup[WHITE]:
        root.set_setup_stones(setup[BLACK], setup[WHITE])
    if root_comment:
        root.set("C", root_comment)
    node = root
    for i, m in enumerate(state.moves):
        node = node.new_child()  # (extend_main_sequence walks the whole line each time)
        if m.loc == PASS:
            node.set_raw(_SGF_COLOR[m.pla].upper(), b"")  # FF[4] pass, not the old "tt"
        else:
            node.set_move(_SGF_COLOR[m.pla], sgfmill_point(m.loc, size))
        if comments and i < len(comments) and comments[i]:
            node.set("C", comments[i])
    return game.serialise()


# ------------------------------------------------------------------ collections of records

SGF_SUFFIXES = (".sgf",)


def iter_sgf_files(path: str | os.PathLike) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of every .sgf in an archive (.tar.gz, .tar.bz2, .tgz, .tar, .zip),
    a folder (recursively, sorted) or a single file, streaming."""
    p = Path(path)
    if p.is_dir():
        for f in sorted(p.rglob("*")):
            if f.is_file() and f.suffix.lower() in SGF_SUFFIXES:
                yield str(f), f.read_bytes()
        return
    name = p.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(p) as z:
            for info in z.infolist():
                if info.filename.lower().endswith(SGF_SUFFIXES):
                    yield info.filename, z.read(info)
        return
    if name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")):
        with tarfile.open(p, "r|*") as t:  # streaming mode: one pass, little memory
            for member in t:
                if member.isfile() and member.name.lower().endswith(SGF_SUFFIXES):
                    f = t.extractfile(member)
                    if f is not None:
                        yield member.name, f.read()
        return
    if name.endswith(SGF_SUFFIXES):
        yield str(p), p.read_bytes()
        return
    raise ValueError(f"not an SGF file, folder or archive: {path}")


def result_margin(result: str | None) -> float | None:
    """Black-minus-white margin of an RE-style result (``B+3.5`` -> 3.5, ``W+4.0`` -> -4,
    ``0``/``Draw`` -> 0); None for resignations, time, forfeits and unknown results."""
    r = (result or "").strip()
    if r in ("0", "Draw", "draw"):
        return 0.0
    if len(r) > 2 and r[0] in "BWbw" and r[1] == "+":
        try:
            margin = float(r[2:])
        except ValueError:
            return None
        return margin if r[0] in "Bb" else -margin
    return None
