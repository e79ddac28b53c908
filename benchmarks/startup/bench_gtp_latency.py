"""Start-up latency of ``tengen gtp`` at its default settings, as a GUI sees it: from
process start to the answer of ``protocol_version``, then (a fresh process each) to the
first ``info`` line of ``lz-analyze`` and of ``kata-analyze`` sent right after that
answer (as Sabaki does when analysis is on), and to the answer of the first ``genmove``
(with its default 5 s search) on 19x19.

Cold: empty caches (Numba's compiled kernels and tengen's load cache), as after a fresh
install, where the first move is the stand-in's (the network's own move while the search
compiles: ``tengen/players/stand_in.py``); prepared: after ``tengen gtp --prepare`` filled
them; warm: every later start. Prints one JSON object as its last line.

Usage: python benchmarks/startup/bench_gtp_latency.py [--runs N]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/report.py
from report import add_json_arg, report  # noqa: E402


def tengen_gtp() -> list[str]:
    exe = shutil.which("tengen")
    return [exe, "gtp"] if exe else [sys.executable, "-m", "tengen.cli", "gtp"]


class Engine:
    def __init__(self, env):
        self.t0 = time.perf_counter()
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen(tengen_gtp(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.err, env=env)

    def send(self, line: str) -> None:
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def answer(self) -> float:
        """Seconds since start when the answer's first line came."""
        self.p.stdout.readline()
        return time.perf_counter() - self.t0

    def close(self) -> None:
        try:
            self.send("quit")
            self.p.stdin.close()
        except OSError:
            pass
        self.p.wait(timeout=60)

    def stderr(self) -> str:
        self.err.seek(0)
        return self.err.read().decode(errors="replace")


def one_start(env, what: str, second: bool = False) -> dict:
    """``second``: then an analysis, which waits for the search to be loaded (on a cold
    start: compiled, so the caches are full for the starts after it)."""
    e = Engine(env)
    e.send("protocol_version")
    t_proto = e.answer()
    e.p.stdout.readline()  # the blank line
    out = {"protocol_version_s": round(t_proto, 3)}
    if what == "genmove":
        e.send("genmove b")
        out["first_genmove_s"] = round(e.answer(), 3)
        e.p.stdout.readline()
        if second:
            e.send("lz-analyze w 10")
            e.p.stdout.readline()  # "="
            out["search_ready_s"] = round(e.answer(), 3)
            e.send("name")
        e.close()
        out["first_move_by_stand_in"] = "the network's own move" in e.stderr()
        return out
    else:
        e.send(f"{what} b 10")
        e.p.stdout.readline()  # "="
        out[f"{what}_first_info_after_command_s"] = round(e.answer() - t_proto, 3)
        e.send("name")  # ends the stream
    e.close()
    return out


def starts(env) -> dict:
    out = {}
    for what in ("genmove", "lz-analyze", "kata-analyze"):
        out.update(one_start(env, what))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1)
    add_json_arg(ap)
    args = ap.parse_args()
    cold, prepared, warm = [], [], []
    for _ in range(args.runs):
        base = tempfile.mkdtemp(prefix="tengen-latency-")
        env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(base, "numba"),
                   TENGEN_CACHE_DIR=os.path.join(base, "tengen"), OMP_WAIT_POLICY="PASSIVE")
        try:
            first = one_start(env, "genmove", second=True)  # empty caches: fills them
            cold.append(first)
            warm.append(starts(env))
            shutil.rmtree(base)
            t = time.perf_counter()
            subprocess.run(tengen_gtp() + ["--prepare"], env=env, check=True,
                           stderr=subprocess.DEVNULL)
            prep = {"prepare_s": round(time.perf_counter() - t, 3)}
            prep.update(one_start(env, "genmove"))
            prepared.append(prep)
        finally:
            shutil.rmtree(base, ignore_errors=True)

    def med(rows):
        return {k: (round(statistics.median(r[k] for r in rows), 3)
                    if not isinstance(rows[0][k], bool) else sum(r[k] for r in rows))
                for k in rows[0]}
    report({"cold": med(cold), "prepared": med(prepared), "warm": med(warm),
            "runs": args.runs}, args.json)


if __name__ == "__main__":
    main()
