"""The position: board size, komi, moves and undo, handicap stones, SGF in and out."""
from __future__ import annotations

import os
from pathlib import Path

from tengen.engine.board import BLACK, MAX_SIZE, MIN_SIZE, PASS, WHITE
from tengen.engine.coords import GTP_COLUMNS, CoordError, gtp_to_loc, loc_to_gtp
from tengen.engine.game import GameState, IllegalMove, score_string
from tengen.engine.handicap import fixed_handicap, free_handicap
from tengen.engine.sgf import SgfError, SgfParseError, SgfSizeError, game_to_sgf, parse_sgf
from tengen.engine.gtp.protocol import CommandGroup, GtpError, need, parse_color, parse_float, parse_int


def vertex(text: str, size: int) -> int:
    try:
        return gtp_to_loc(text, size)
    except CoordError:
        if len(text) >= 2 and text[0].upper() in GTP_COLUMNS and text[1:].isdigit():
            raise GtpError("illegal move") from None  # well formed, but off this board
        raise GtpError("syntax error") from None


class SetupCommands(CommandGroup):
    def table(self) -> dict:
        return {
            "boardsize": self.boardsize,
            "clear_board": self.clear_board,
            "komi": self.komi,
            "play": self.play,
            "undo": self.undo,
            "is_legal": self.is_legal,
            "showboard": self.showboard,
            "fixed_handicap": lambda a: self._handicap(a, fixed_handicap),
            "place_free_handicap": lambda a: self._handicap(a, free_handicap),
            "set_free_handicap": self.set_free_handicap,
            "loadsgf": self.loadsgf,
            "printsgf": self.printsgf,
        }

    # ------------------------------------------------------------------ helpers

    def _new_game(self, size: int) -> None:
        self.g.state = GameState(size, self.g.komi)

    def _require_empty(self) -> None:
        if not self.g.state.is_empty() or self.g.state.moves:
            raise GtpError("board not empty")

    def _place_handicap(self, locs: list[int]) -> None:
        self.g.state.place_setup(BLACK, locs, handicap=True)
        self.g.state.to_play = WHITE

    # ------------------------------------------------------------------ commands

    def boardsize(self, args):
        need(args, 1)
        size = parse_int(args[0])
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise GtpError("unacceptable size")
        self._new_game(size)
        return ""

    def clear_board(self, args):
        self._new_game(self.g.size)
        return ""

    def komi(self, args):
        need(args, 1)
        self.g.komi = parse_float(args[0])
        self.g.state.komi = self.g.komi
        return ""

    def play(self, args):
        need(args, 2)
        pla = parse_color(args[0])
        loc = vertex(args[1], self.g.size)
        try:
            self.g.state.play(loc, pla)
        except IllegalMove:
            raise GtpError("illegal move") from None
        return ""

    def undo(self, args):
        if not self.g.state.moves:
            raise GtpError("cannot undo")
        self.g.state.undo()
        return ""

    def is_legal(self, args):
        need(args, 2)
        pla = parse_color(args[0])
        try:
            loc = gtp_to_loc(args[1], self.g.size)
        except CoordError:
            return "0"
        return "1" if self.g.state.is_legal(loc, pla) else "0"

    def showboard(self, args):
        state = self.g.state
        size = state.size
        letters = " ".join(GTP_COLUMNS[:size])
        rows = [f"   {letters}"]
        for r, line in enumerate(state.colors()):
            n = size - r
            cells = " ".join(".XO"[int(v)] for v in line)
            rows.append(f"{n:2d} {cells} {n:2d}")
        rows.append(f"   {letters}")
        to_play = "Black" if state.to_play == BLACK else "White"
        rows.append(f"{to_play} to play, komi {state.komi:g}, move {len(state.moves)}")
        return "\n" + "\n".join(rows)

    def _handicap(self, args, choose) -> str:
        """fixed_handicap and place_free_handicap: same checks, different points."""
        need(args, 1)
        n = parse_int(args[0])
        self._require_empty()
        try:
            locs = choose(self.g.size, n)
        except ValueError:
            raise GtpError("invalid number of stones") from None
        self._place_handicap(locs)
        return " ".join(loc_to_gtp(loc, self.g.size) for loc in locs)

    def set_free_handicap(self, args):
        self._require_empty()
        size = self.g.size
        if not 2 <= len(args) < size * size:
            raise GtpError("invalid number of stones")
        try:
            locs = [gtp_to_loc(a, size) for a in args]
        except CoordError:
            raise GtpError("syntax error") from None
        if PASS in locs or len(set(locs)) != len(locs):
            raise GtpError("bad vertex list")
        try:
            self._place_handicap(locs)
        except IllegalMove:
            self._new_game(size)
            raise GtpError("bad vertex list") from None
        return ""

    def loadsgf(self, args):
        need(args, 1)
        upto = None
        if len(args) > 1:
            upto = parse_int(args[1]) - 1  # "the position before move_number"
            if upto < 0:
                raise GtpError("syntax error")
        try:
            data = Path(args[0]).read_bytes()
        except OSError as e:
            raise GtpError(f"cannot load file: {(e.strerror or 'unreadable').lower()}") from None
        try:
            state = parse_sgf(data).to_game_state(upto)
        except SgfSizeError as e:
            raise GtpError(f"cannot load file: {e}") from None
        except SgfParseError as e:
            raise GtpError(f"cannot load file: not an SGF game record ({e})") from None
        except SgfError as e:  # illegal move N, bad setup stones
            raise GtpError(f"cannot load file: {e}") from None
        self.g.state = state
        self.g.komi = state.komi
        return ""

    def printsgf(self, args):
        state = self.g.state
        result = score_string(self.g.judge(state).score) if state.is_over() else None
        text = game_to_sgf(state, result=result, white=None, black=None).decode()
        if args:
            tmp = f"{args[0]}.tmp{os.getpid()}"
            try:
                with open(tmp, "w") as f:
                    f.write(text)
                os.replace(tmp, args[0])
            except OSError:
                raise GtpError("cannot save file") from None
            return ""
        return text.strip()
