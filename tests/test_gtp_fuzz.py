"""GTP fuzz: 10,000 lines of random bytes and of the engine's own commands with random
arguments (numbers, huge numbers, non-ASCII digits, vertices, paths, garbage), through
the engine ``tengen gtp --player random`` builds. No answer may be an internal error,
every line gets one answer, and a rejected command leaves the position as it was."""
import random
import time

from gtp_driver import answers, cli_engine, position, well_formed
from tengen.engine.gtp import clean_line

LINES = 10_000
SEED = 20240607

# Non-ASCII digits Python's int() and float() would take: Arabic-Indic, superscript,
# fullwidth, NKo, Bengali, and mixtures.
UNICODE_NUMBERS = ["\u0663", "\u00b2", "\uff19", "\u07c3", "\u09e9", "\u0661\u0669",
                   "1\u0663", "\u0663.5", "\u00b9\u00b9", "\uff11\uff19"]
WORDS = ["b", "w", "black", "white", "B", "WHITE", "red", "pass", "PASS", "resign", "alive",
         "dead", "seki", "none", "absolute", "byoyomi", "canadian", "interval", "minmoves",
         "maxmoves", "ownership", "#", "\t", "-", "+", "=", "?", "", "\x00", "\x1b", "\xff",
         "\xe9", "\xa0", "\x85"]
HEAVY = {"final_score", "final_status_list", "tengen-ownership"}  # a judgment: rollouts


def numbers(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return str(rng.randint(-5, 30))
    if kind == 1:
        return str(rng.randint(0, 400))
    if kind == 2:
        return rng.choice(["6.5", "-0.5", "0", "7.", ".5", "1e3", "1E2", "-0", "+7.5"])
    if kind == 3:
        return "9" * rng.choice([10, 19, 20, 23, 40, 310, 400, 5000])
    if kind == 4:
        return rng.choice(["1e400", "1e309", "-1e308", "1e308", "nan", "inf", "-inf",
                           "Infinity", "1_000", "0x10", "2147483648", "2147483647",
                           "-2147483648", "4294967296"])
    if kind == 5:
        return rng.choice(UNICODE_NUMBERS)
    if kind == 6:
        return str(rng.uniform(-2000, 2000))
    if kind == 7:
        return f"{rng.randint(1, 9)}e{rng.randint(-400, 400)}"
    return str(rng.randint(-10 ** 30, 10 ** 30))


def vertices(rng):
    col = rng.choice("ABCDEFGHJKLMNOPQRSTUVWXYZIabcdehjst")
    row = rng.choice([str(rng.randint(0, 27)), rng.choice(UNICODE_NUMBERS), "99999999999"])
    return col + row


def garbage(rng):
    return "".join(chr(rng.randrange(33, 256)) for _ in range(rng.randrange(1, 12)))


def command_line(rng, names, weights, paths, outputs):
    name = rng.choices(names, weights)[0]
    args = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5])):
        pick = rng.randrange(10)
        if pick < 3:
            args.append(numbers(rng))
        elif pick < 5:
            args.append(vertices(rng))
        elif pick < 7:
            args.append(rng.choice(WORDS))
        elif pick < 8:
            args.append(rng.choice(outputs if name == "printsgf" else paths))
        elif pick < 9:
            args.append(rng.choice(names))
        else:
            args.append(garbage(rng))
    if name == "printsgf" and args and rng.random() < 0.5:
        args[0] = rng.choice(outputs)
    ident = ""
    if rng.random() < 0.15:
        ident = rng.choice([str(rng.randint(0, 999)), rng.choice(UNICODE_NUMBERS),
                            "9" * 30, "-1", "1.5"]) + " "
    return ident + " ".join([name, *args])


def byte_line(rng):
    raw = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 60)))
    return raw.replace(b"\n", b" ").decode("latin-1")  # as serve() decodes its input


def records(tmp_path):
    """Files for loadsgf: good, corrupt, illegal, off the board, not Go, too long."""
    files = {
        "good.sgf": b"(;GM[1]FF[4]SZ[9]KM[6.5];B[ee];W[cc];B[gg])",
        "handicap.sgf": b"(;GM[1]FF[4]SZ[13]HA[2]AB[dd][jj];W[gg])",
        "corrupt.sgf": b"(;FF[4]SZ[9];B[ee];W[",
        "illegal.sgf": b"(;FF[4]SZ[9];B[ee];W[ee])",
        "off.sgf": b"(;GM[1]FF[4]SZ[9];B[ss])",
        "chess.sgf": b"(;GM[3]FF[4]SZ[9];B[ee])",
        "komi.sgf": b"(;GM[1]FF[4]SZ[9]KM[1e308];B[ee])",
        "big.sgf": b"(;FF[4]SZ[27])",
        "long.sgf": b"(;GM[1]FF[4]SZ[5]" + b";B[];W[]" * 200 + b")",
        "empty.sgf": b"",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder").mkdir()
    paths = list(files) + ["folder", "nonexistent.sgf", "/nonexistent/x.sgf", "\xe9.sgf"]
    outputs = ["out.sgf", "out2.sgf", "folder", "/nonexistent/out.sgf", "\xe9\xe8.sgf"]
    return paths, outputs


def test_fuzz_commands_and_bytes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # loadsgf and printsgf name files here
    paths, outputs = records(tmp_path)
    rng = random.Random(SEED)
    engine = cli_engine("--player", "random", "--size", "9")
    names = sorted(n for n in engine.commands if n != "quit")
    weights = [0.1 if n in HEAVY else 1.0 for n in names]
    lines = [byte_line(rng) if rng.random() < 0.25 else
             command_line(rng, names, weights, paths, outputs) for _ in range(LINES)]

    start = time.monotonic()
    rejected = accepted = 0
    for line in lines:
        before = position(engine)
        response = engine.handle_line(line)
        if not clean_line(line):
            assert response is None, line  # blank and comment lines get no answer
            continue
        assert well_formed(response), (line, response)
        assert "internal error" not in response, (line, response)
        if response.startswith("?"):
            rejected += 1
            assert position(engine) == before, (line, response)
        else:
            accepted += 1
        assert not engine.done
    elapsed = time.monotonic() - start
    assert engine.state.board.check_consistency() == 0
    assert accepted > 500 and rejected > 3000, (accepted, rejected)  # both kinds reached
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]  # printsgf left none
    # and the session still answers, over the real loop with its reader thread
    assert answers(["1 name", "2 boardsize 9", "3 play b e5", "quit"], engine) == [
        "=1 tengen", "=2", "=3", "="]
    print(f"{LINES} lines in {elapsed:.1f} s: {accepted} accepted, {rejected} rejected")


def test_fuzz_transcript_through_serve(tmp_path, monkeypatch):
    """The same kind of input as one transcript through ``serve``: one answer per line
    that is not blank, every one well formed, none an internal error."""
    monkeypatch.chdir(tmp_path)
    paths, outputs = records(tmp_path)
    rng = random.Random(SEED + 1)
    engine = cli_engine("--player", "random", "--size", "9")
    names = sorted(n for n in engine.commands if n != "quit")
    weights = [0.1 if n in HEAVY else 1.0 for n in names]
    lines = [byte_line(rng) if rng.random() < 0.25 else
             command_line(rng, names, weights, paths, outputs) for _ in range(1000)]
    lines.append("name")
    out = answers(lines, engine)  # sent as UTF-8: a controller's bytes, read as latin-1
    sent = [line.encode("utf-8").decode("latin-1") for line in lines]
    assert len(out) == sum(1 for line in sent if clean_line(line))
    assert all(r[:1] in "=?" and "internal error" not in r for r in out)
    assert out[-1] == "= tengen" and not engine.done
