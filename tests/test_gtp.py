"""GTP engine: transcripts byte for byte, the standard error texts, bad input, fuzzing."""
import io
import random
from pathlib import Path

import pytest

from tengen.engine.board import PASS
from tengen.engine.coords import gtp_to_loc, loc_to_gtp
from tengen.engine.game import GameState
from tengen.engine.gtp import GtpEngine, clean_line
from tengen.engine.player import MoveChoice, Player

ROOT = Path(__file__).resolve().parent.parent


class FirstLegal(Player):
    """Deterministic player for exact transcripts: the first legal point in board order."""
    name = "first"

    def choose(self, state, pla, clock=None, **kwargs):
        moves = sorted(state.sensible_moves(pla))
        return MoveChoice(moves[0] if moves else PASS)


def run(lines, engine=None):
    engine = engine or GtpEngine(FirstLegal())
    data = "".join(line + "\n" for line in lines).encode("latin-1")
    out = io.BytesIO()
    engine.serve(io.BytesIO(data), out)
    return out.getvalue().decode(), engine


def answers(lines, engine=None):
    text, engine = run(lines, engine)
    assert text.endswith("\n\n") or text == ""
    return [r for r in text.split("\n\n")[:-1]], engine


def test_transcript_byte_for_byte():
    text, _ = run([
        "1 protocol_version",
        "2 name",
        "boardsize 9",
        "clear_board",
        "komi 6.5",
        "10 play B D4",
        "genmove w",
        "play w d4",  # occupied
        "11 undo",  # takes back white's A9
        "undo",  # and black's D4: an empty board counts komi, whoever judges it
        "final_score",
        "quit",
        "name",  # after quit: never read
    ])
    assert text == ("=1 2\n\n=2 tengen\n\n=\n\n=\n\n=\n\n=10\n\n= A9\n\n"
                    "? illegal move\n\n=11\n\n=\n\n= W+6.5\n\n=\n\n")


@pytest.mark.parametrize("line, expected", [
    ("foo", "? unknown command"),
    ("7 genmovex b", "?7 unknown command"),  # whole tokens, never prefixes
    ("play_b d4", "? unknown command"),
    ("boardsize 26", "? unacceptable size"),
    ("boardsize 1", "? unacceptable size"),
    ("boardsize nine", "? syntax error"),
    ("komi x", "? syntax error"),
    ("komi nan", "? syntax error"),
    ("play", "? syntax error"),
    ("play red d4", "? syntax error"),
    ("play b i5", "? syntax error"),  # no column I
    ("play b z99", "? illegal move"),  # a vertex, off this board
    ("genmove", "? syntax error"),
    ("undo", "? cannot undo"),
    ("fixed_handicap 1", "? invalid number of stones"),
    ("fixed_handicap 10", "? invalid number of stones"),
    ("place_free_handicap 1", "? invalid number of stones"),
    ("set_free_handicap d4", "? invalid number of stones"),
    ("set_free_handicap d4 d4", "? bad vertex list"),
    ("loadsgf /nonexistent/file.sgf", "? cannot load file: no such file or directory"),
    ("final_status_list sometimes", "? syntax error"),
    ("time_settings 1 2", "? syntax error"),
    ("kgs-time_settings sudden 3", "? syntax error"),
    ("5", "?5 syntax error"),
])
def test_error_texts(line, expected):
    (answer,), _ = answers([line])
    assert answer == expected


def test_case_insensitive_colours_and_vertices():
    out, engine = answers(["boardsize 19", "play B d4", "play WHITE Q16", "play black t19",
                           "play w A1", "is_legal b D4", "is_legal B d5"])
    assert out == ["="] * 5 + ["= 0", "= 1"]
    assert [loc_to_gtp(m.loc, 19) for m in engine.state.moves] == ["D4", "Q16", "T19", "A1"]


def test_input_cleaning_blank_comments_crlf_tabs_control():
    assert clean_line("pl\x01ay\tb\td4 # a comment\r\n") == "play b d4"
    raw = b"\n   \n# only a comment\nboardsize\t9\r\n\x07play b e5\r\n3 showboard # see\r\n"
    out = io.BytesIO()
    engine = GtpEngine(FirstLegal())
    engine.serve(io.BytesIO(raw), out)
    responses = out.getvalue().decode().split("\n\n")[:-1]
    assert len(responses) == 3 and responses[:2] == ["=", "="]
    assert responses[2].startswith("=3 \n") and "X" in responses[2]


def test_bad_input_gets_one_answer_and_the_engine_goes_on(tmp_path):
    bad_sgf = tmp_path / "bad.sgf"
    bad_sgf.write_bytes(b"(;FF[4]SZ[9];B[ee];W[")
    illegal_sgf = tmp_path / "illegal.sgf"
    illegal_sgf.write_bytes(b"(;FF[4]SZ[9];B[ee];W[ee])")
    lines = [
        "boardsize 9",
        "play b c3",
        "play b " + "x" * 100_000,  # a 100 KB argument
        "k" * 100_000,
        "play b \xe9\xff\xfe",  # non-ASCII bytes
        "\xe9\xe8 name",
        f"loadsgf {bad_sgf}",
        f"loadsgf {illegal_sgf}",
        "play w z99",
        "play w c3",
        "name",
    ]
    out, engine = answers(lines)
    assert out[:6] == ["="] * 2 + ["? syntax error", "? unknown command", "? syntax error",
                                   "? unknown command"]
    assert out[6].startswith("? cannot load file: not an SGF game record")
    assert out[7] == "? cannot load file: move 2: illegal move E5: occupied"
    assert out[8:] == ["? illegal move", "? illegal move", "= tengen"]
    assert [loc_to_gtp(m.loc, 9) for m in engine.state.moves] == ["C3"]  # nothing lost


def test_fuzz_random_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # "printsgf WORD" writes files named WORD
    rng = random.Random(1234)
    words = ["play", "genmove", "undo", "boardsize", "komi", "b", "w", "black", "D4", "pass",
             "fixed_handicap", "place_free_handicap", "set_free_handicap", "loadsgf",
             "final_score", "final_status_list", "dead", "showboard", "time_left",
             "time_settings", "kgs-time_settings", "byoyomi", "known_command",
             "clear_board", "is_legal", "printsgf", "#", "\t", "\r", "19", "9", "-3",
             "1e999", "nan", "A1", "T19", "J9", "\x00", "\x1b", "\xff", "é", "1"]
    engine = GtpEngine(FirstLegal(), size=9)
    expected = 0
    lines = []
    for _ in range(3000):
        if rng.random() < 0.2:
            line = "".join(chr(rng.randrange(0, 256)) for _ in range(rng.randrange(0, 40)))
        else:
            line = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 5)))
        line = line.replace("\n", " ")
        if "quit" in line:
            continue
        lines.append(line)
        if clean_line(line):
            expected += 1
    out, engine = answers(lines, engine)
    assert len(out) == expected
    assert all(r[:1] in "=?" for r in out)
    assert not engine.done
    assert engine.state.board.check_consistency() == 0
    assert sum(r.startswith("=") for r in out) > 100  # the fuzz reached real commands


def test_handicap_commands():
    out, engine = answers(["boardsize 19", "fixed_handicap 9", "fixed_handicap 2",
                           "genmove w"])
    assert out[1] == "= D4 Q16 D16 Q4 D10 Q10 K4 K16 K10"
    assert out[2] == "? board not empty"
    assert engine.state.moves[0].pla == 2  # white moves first after handicap
    out, engine = answers(["boardsize 9", "place_free_handicap 4", "clear_board",
                           "set_free_handicap C3 G7 e5", "printsgf"])
    assert out[1] == "= C3 G7 C7 G3" and out[3] == "="
    assert "AB[cg][ee][gc]" in out[4] and "HA[3]" in out[4]


def test_printsgf_then_loadsgf_round_trip(tmp_path):
    moves = ["b d4", "w q16", "b q4", "w pass", "b c16"]
    path = tmp_path / "game.sgf"
    out, first = answers(["boardsize 19", "komi 0.5"] + [f"play {m}" for m in moves]
                         + [f"printsgf {path}"])
    assert out == ["="] * 8
    out, second = answers([f"loadsgf {path}", "showboard", f"loadsgf {path} 3"])
    assert out[0] == "=" and out[2] == "="
    assert second.state.komi == 0.5
    assert len(second.state.moves) == 2  # position before move 3
    full = GameState(19)
    for m in moves:
        full.play(gtp_to_loc(m.split()[1], 19))
    assert (first.state.colors() == full.colors()).all()


def test_loadsgf_says_why_it_cannot(tmp_path):
    bad = tmp_path / "illegal.sgf"
    bad.write_text("(;FF[4]SZ[9];B[ee];W[ee])")
    big = tmp_path / "big.sgf"
    big.write_text("(;FF[4]SZ[27])")
    out, engine = answers([f"loadsgf {tmp_path}", f"loadsgf {bad}", f"loadsgf {big}",
                           f"loadsgf {ROOT / 'README.md'}", "play b e5"])
    assert out[0] == "? cannot load file: is a directory"
    assert out[1] == "? cannot load file: move 2: illegal move E5: occupied"
    assert out[2].startswith("? cannot load file: ") and "27" in out[2]
    assert out[3].startswith("? cannot load file: not an SGF game record")
    assert out[4] == "="  # the engine's own game was left as it was


def test_final_status_and_score():
    out, _ = answers(["boardsize 5", "komi 0", "play b c3", "play w pass", "play b pass",
                      "final_score", "final_status_list alive", "final_status_list dead"])
    assert out[5:] == ["= B+25", "= C3", "="]


def test_time_commands_recorded():
    _, engine = answers(["time_settings 300 30 5", "time_left b 200 0"])
    assert engine.clock.main_time == 300 and engine.clock.byo_stones == 5
    assert engine.clock.time_left[1] == (200.0, 0)
    _, engine = answers(["kgs-time_settings byoyomi 600 30 5"])
    assert engine.clock.periods == 5 and engine.clock.byo_time == 30


def test_a_new_game_keeps_the_time_settings_and_starts_a_fresh_clock():
    # a controller that sends time_settings once and plays game after game: the second
    # game must not start with the first game's time left (it moved at the floor)
    from tengen.engine.player import Clock
    from tengen.engine.search.timecontrol import TimePolicy, move_budget
    fresh = move_budget(Clock(main_time=300.0), 1, 361, TimePolicy())
    for new_game in ("clear_board", "boardsize 19"):
        _, engine = answers(["time_settings 300 0 0", "genmove b", "time_left b 4 0",
                             new_game])
        clock = engine.clock
        assert clock.main_time == 300 and clock.time_left == {} and clock.used == {}
        assert move_budget(clock, 1, 361, TimePolicy()) == fresh > 1.0


def test_list_and_known_commands_cover_the_required_set():
    required = ("protocol_version name version known_command list_commands quit boardsize "
                "clear_board komi play genmove undo showboard final_score final_status_list "
                "time_settings time_left kgs-time_settings fixed_handicap place_free_handicap "
                "set_free_handicap loadsgf printsgf gogui-analyze_commands").split()
    out, _ = answers(["list_commands"] + [f"known_command {c}" for c in required]
                     + ["known_command genmov"])
    listed = out[0][2:].split("\n")
    assert set(required) <= set(listed)
    assert out[1:] == ["= true"] * len(required) + ["= false"]


@pytest.mark.parametrize("size", [9, 13])
def test_genmove_self_play_is_always_legal(size):
    from tengen.engine.player import RandomPlayer
    engine = GtpEngine(RandomPlayer(seed=size), size=size)
    referee = GameState(size)
    color = "b"
    for _ in range(4 * size * size):
        (answer,), _ = answers([f"genmove {color}"], engine)
        vertex = answer[2:]
        referee.play(gtp_to_loc(vertex, size))  # raises if illegal
        color = "w" if color == "b" else "b"
        if referee.is_over():
            break
    assert referee.is_over()
    (score,), _ = answers(["final_score"], engine)
    assert score == "= " + referee.result_string()


def test_background_player_load_error_costs_one_answer():
    from tengen.engine.player import BackgroundPlayer

    def broken():
        raise OSError("no weights here")

    out, engine = answers(["name", "genmove b", "play b e5", "genmove w"],
                          GtpEngine(BackgroundPlayer(broken), size=9))
    assert out[0] == "= tengen" and out[1].startswith("? ") and out[2] == "="
    assert out[3].startswith("? ") and not engine.done


@pytest.mark.parametrize("command", ["time_settings 0 10 1", "kgs-time_settings byoyomi 0 30 5"])
def test_a_clock_waits_for_the_player_to_load(command):
    """The clock runs from the first genmove, so a timed game's settings wait for loading;
    a load error still costs only the genmove's answer."""
    import threading
    import time

    from tengen.engine.player import BackgroundPlayer

    loaded = threading.Event()

    def slow():
        time.sleep(0.5)
        loaded.set()
        return FirstLegal()

    out, _ = answers(["name", command], GtpEngine(BackgroundPlayer(slow), size=9))
    assert out == ["= tengen", "="] and loaded.is_set()

    def broken():
        time.sleep(0.2)
        raise OSError("no weights here")

    out, _ = answers(["name", command, "genmove b"], GtpEngine(BackgroundPlayer(broken), size=9))
    assert out[:2] == ["= tengen", "="] and out[2].startswith("? ")


def test_session_end_closes_the_player():
    class Closing(FirstLegal):
        closed = False

        def close(self):
            self.closed = True

    player = Closing()
    answers(["name", "quit"], GtpEngine(player))
    assert player.closed
    from tengen.engine.search.mcts import SearchConfig
    from tengen.engine.rollout.policy import RolloutPolicy
    from tengen.engine.search.search_player import SearchPlayer
    from search_fakes import FakeEvaluator
    search = SearchPlayer(FakeEvaluator(), SearchConfig(lam=0.5, visits=8), RolloutPolicy())
    pool = search.mcts._pool
    answers(["genmove b", "quit"], GtpEngine(search, size=9))
    with pytest.raises(RuntimeError):  # the rollout thread is gone
        pool.submit(print)


def test_the_move_line_shows_the_played_moves_variation():
    # the lower confidence bound may play the second most visited move: the line's
    # principal variation is that move's, not the most visited one's
    from tengen.engine.coords import gtp_to_loc
    from tengen.engine.gtp.moves import MoveCommands
    from tengen.engine.player import MoveChoice
    from tengen.engine.search.mcts import MoveInfo
    _, engine = answers(["boardsize 9"])
    loc = lambda v: gtp_to_loc(v, 9)
    infos = [MoveInfo(loc("E5"), 200, 0.45, 0.3, 0.40, [loc("E5"), loc("C3")]),
             MoveInfo(loc("D4"), 120, 0.52, 0.2, 0.47, [loc("D4"), loc("F6")])]
    line = MoveCommands(engine)._summary(1, MoveChoice(loc("D4"), None, 0.04, infos), 0.5)
    assert " D4 " in line and line.endswith("pv D4 F6")
