"""GTP input faults: each costs one ``? reason`` answer, never an internal error, and
leaves the position as it was. Each test failed on the code before its fix."""
import os
import time

import pytest

from gtp_driver import answers, cli_engine, position
from tengen.engine.gtp import GtpError
from tengen.engine.gtp.protocol import parse_float, parse_int


def engine9():
    engine = cli_engine("--player", "random", "--size", "9")
    assert answers(["play b e5", "play w c3"], engine) == ["=", "="]
    return engine


def rejected(engine, line: str) -> str:
    """The answer to ``line``, which must be a failure that left the position alone."""
    before = position(engine)
    response = engine.handle_line(line)
    assert response.startswith("?") and response.endswith("\n\n"), (line, response)
    assert "internal error" not in response, (line, response)
    assert position(engine) == before, line
    return response.strip()


def test_1_only_ascii_digits_make_a_command_id():
    engine = engine9()
    for line in ["\u0661 name", "\u00b2  name", "\u00b3 name", "\uff11 name"]:
        assert rejected(engine, line) == "? unknown command"  # the "id" is the command
    # over the wire: serve() reads latin-1, where the byte 0xB2 is "²"
    assert answers(["\xb2 name", "\xb9 name", "7 name"], engine, encoding="latin-1") == [
        "? unknown command", "? unknown command", "=7 tengen"]


@pytest.mark.parametrize("line, reason", [
    ("time_settings 1e400 1 1", "? syntax error"),  # an int in GTP is digits
    ("time_settings \u0663 1 1", "? syntax error"),  # Arabic-Indic three
    ("time_settings " + "9" * 400 + " 1 1", "? main time out of range"),  # float() overflow
    ("time_settings 1 \u00b2 1", "? syntax error"),
    ("time_settings 1 1 99999999999999999999", "? byo-yomi stones out of range"),
    ("time_settings -1 1 1", "? main time out of range"),
    ("kgs-time_settings byoyomi 1e309 5 5", "? syntax error"),
    ("kgs-time_settings byoyomi " + "9" * 400 + " 5 5", "? main time out of range"),
    ("kgs-time_settings canadian 60 \uff13\uff10 5", "? syntax error"),  # fullwidth 30
    ("kgs-time_settings absolute " + "9" * 5000, "? main time out of range"),  # int() limit
    ("time_left b 1e309 0", "? time left out of range"),
    ("time_left b 10 \u0663", "? syntax error"),
    ("lz-analyze b 99999999999999999999999", "? interval out of range"),
    ("lz-analyze b \u00b2", "? syntax error"),  # isdigit(), but int() refuses it
    ("lz-analyze b \u0663", "? syntax error"),
    ("lz-analyze b interval 1e400", "? syntax error"),
    ("analyze w interval 99999999999999999999999", "? interval out of range"),
    ("boardsize \u0669", "? syntax error"),
    ("boardsize 99999999999999999999999", "? unacceptable size"),
    ("fixed_handicap \u0663", "? syntax error"),
    ("play b D\u0663", "? syntax error"),  # not D3
], ids=lambda text: ascii(text)[1:40])
def test_2_numbers_are_ascii_finite_and_in_range(line, reason):
    engine = engine9()
    answer = rejected(engine, line)
    assert answer.startswith(reason), (line, answer)
    assert engine.handle_line("name") == "= tengen\n\n"


def test_2_one_number_parser():
    assert parse_int("42") == 42 and parse_int("-3") == -3 and parse_int("+7") == 7
    assert parse_float("6.5") == 6.5 and parse_float("7") == 7.0 and parse_float("1e3") == 1e3
    for bad in ["\u0663", "\u00b2", "1_000", " 7", "0x10", "", "-", "1e3", "nan", "inf"]:
        with pytest.raises(GtpError, match="syntax error"):
            parse_int(bad)
    for bad in ["nan", "inf", "-Infinity", "\u0663.5", "1_0.5", "7,5"]:
        with pytest.raises(GtpError, match="syntax error"):
            parse_float(bad)
    for big in ["1e309", "-1e400", "9" * 400]:
        with pytest.raises(GtpError, match="out of range"):
            parse_float(big)
    with pytest.raises(GtpError, match="out of range"):
        parse_int("9" * 5000)  # int() itself refuses more than 4300 digits
    with pytest.raises(GtpError, match="^stones out of range"):
        parse_int("5", 6, 9, what="stones")


def test_3_komi_is_finite_and_sane(tmp_path):
    engine = engine9()
    record = tmp_path / "komi.sgf"
    record.write_bytes(b"(;GM[1]FF[4]SZ[9]KM[1e308];B[ee])")
    assert rejected(engine, f"loadsgf {record}") == "? cannot load file: bad komi 1e+308"
    for value in ["1e308", "-1e308", "1e400", "1001", "-1000.5"]:
        assert rejected(engine, f"komi {value}").startswith("? bad komi"), value
    for value in ["inf", "-inf", "nan", "\u0667.5"]:
        assert rejected(engine, f"komi {value}") == "? syntax error", value
    assert answers(["komi 1000", "komi -6.5", "showboard"], engine)[:2] == ["=", "="]
    assert engine.komi == engine.state.komi == -6.5


def test_4_printsgf_to_a_folder_fails_and_leaves_nothing(tmp_path):
    engine = engine9()
    (tmp_path / "games").mkdir()
    for target in [tmp_path / "games", tmp_path / "missing" / "game.sgf"]:
        answer = rejected(engine, f"printsgf {target}")
        assert answer.startswith("? cannot save file: "), answer
        assert answer != "? cannot save file: "
    assert rejected(engine, f"printsgf {tmp_path / 'games'}") == (
        "? cannot save file: is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["games"]  # no temporary file
    assert not list((tmp_path / "games").iterdir())
    assert engine.handle_line(f"printsgf {tmp_path / 'games' / 'g.sgf'}") == "=\n\n"
    assert [p.name for p in (tmp_path / "games").iterdir()] == ["g.sgf"]


def test_5_loadsgf_refuses_off_board_moves_other_games_and_endless_records(tmp_path):
    engine = engine9()
    off = tmp_path / "off.sgf"
    off.write_bytes(b"(;GM[1]FF[4]SZ[9];B[ss])")
    answer = rejected(engine, f"loadsgf {off}")
    assert answer == "? cannot load file: move 1: B[ss] is not a point of the 9x9 board"
    setup = tmp_path / "setup.sgf"
    setup.write_bytes(b"(;GM[1]FF[4]SZ[9]AB[ee][zz];W[cc])")
    assert rejected(engine, f"loadsgf {setup}") == (
        "? cannot load file: setup stones: not points of the 9x9 board")

    chess = tmp_path / "chess.sgf"
    chess.write_bytes(b"(;GM[3]FF[4]SZ[9];B[ee])")
    assert rejected(engine, f"loadsgf {chess}") == (
        "? cannot load file: not a game of Go (GM[3]; Go is GM[1])")

    passes = tmp_path / "passes.sgf"  # 1.75 million passes: 32 s to replay before
    passes.write_bytes(b"(;GM[1]FF[4]SZ[9]" + b";B[];W[]" * 875_000 + b")")
    start = time.monotonic()
    answer = rejected(engine, f"loadsgf {passes}")
    assert time.monotonic() - start < 10, "the engine must answer quickly"
    assert answer.startswith("? cannot load file: too long"), answer
    long = tmp_path / "long.sgf"  # more than 10 moves a point of the board
    long.write_bytes(b"(;GM[1]FF[4]SZ[9]" + b";B[];W[]" * 406 + b")")
    assert rejected(engine, f"loadsgf {long}") == (
        "? cannot load file: too long: 812 moves, at most 810 on 9x9")

    # what stays loadable: a record at the limit, semicolons in comments, no GM at all
    fine = tmp_path / "fine.sgf"
    fine.write_bytes(b"(;FF[4]SZ[9]C[" + b";" * 100_000 + b"]" + b";B[];W[]" * 405 + b")")
    assert engine.handle_line(f"loadsgf {fine}") == "=\n\n"
    assert len(engine.state.moves) == 810


def test_6_the_random_player_is_the_same_on_every_run():
    from tengen.cli import build_parser
    assert build_parser().parse_args(["gtp"]).seed == 0  # as the help says

    def game(*argv):
        engine = cli_engine("--player", "random", "--size", "9", *argv)
        return answers(["genmove b", "genmove w"] * 15, engine)

    first = game()
    assert game() == first and game("--seed", "0") == first
    assert game("--seed", "1") != first


def test_faults_cost_one_answer_each_and_the_session_goes_on(tmp_path):
    """All of the above in one session, through serve(): one answer each, in order."""
    (tmp_path / "d").mkdir()
    lines = ["\u00b2 name", "time_settings " + "9" * 400 + " 1 1", "lz-analyze b \u00b2",
             "komi 1e308", f"printsgf {tmp_path / 'd'}", "kgs-time_settings byoyomi "
             + "9" * 400 + " 5 5", "play b e5", "name"]
    out = answers(lines, cli_engine("--player", "random", "--size", "9"), encoding="latin-1")
    assert len(out) == len(lines) and out[-2:] == ["=", "= tengen"]
    assert all(r.startswith("? ") and "internal" not in r for r in out[:-2]), out
    assert os.listdir(tmp_path) == ["d"]
