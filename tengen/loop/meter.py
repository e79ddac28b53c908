"""What a stage of a long job costs, across every run of it: wall and CPU seconds, kept
in a small file rewritten every half minute, so a stage killed and resumed reports what
all its runs spent, not only the last one's.

CPU time counts this process, its finished children and its live descendants (the
workers and engines at work when the file is written), each process once: a live
process's own time, plus its reaped children's, read from ``/proc``; a reaped child's
from ``getrusage``. Without ``/proc`` only finished children count.
"""
from __future__ import annotations

import json
import os
import resource
import threading
import time
from pathlib import Path

from tengen.atomic import write_text

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of it and its reaped children)."""
    table = {}
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return table
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rfind(")") + 2:].split()  # after the command name
        # fields[1] is the parent; [11:15] utime, stime, cutime, cstime (man 5 proc)
        table[pid] = (int(fields[1]), sum(int(x) for x in fields[11:15]) / _TICK)
    return table


def live_descendants_cpu(root: int | None = None) -> float:
    root = os.getpid() if root is None else root
    table = _proc_table()
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    total, todo = 0.0, list(kids.get(root, []))
    while todo:
        pid = todo.pop()
        total += table[pid][1]
        todo.extend(kids.get(pid, []))
    return total


def cpu_seconds() -> float:
    """This process's, its finished children's and its live descendants' CPU time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
            + live_descendants_cpu())


class StageMeter:
    """Wall and CPU seconds of one stage over all its runs, in ``path``. Use as a
    context manager around the stage's work; ``totals()`` after it."""

    def __init__(self, path: Path, every: float = 30.0):
        self.path, self.every = Path(path), every
        before = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.prev_wall = before.get("wall_s", 0.0)
        self.prev_cpu = before.get("cpu_s", 0.0)
        self.runs = before.get("runs", 0) + 1
        self._stop = threading.Event()

    def __enter__(self) -> "StageMeter":
        self.wall0, self.cpu0 = time.time(), cpu_seconds()
        self.write()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.write()

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self.write()

    def totals(self) -> dict:
        return {"wall_s": round(self.prev_wall + time.time() - self.wall0, 1),
                "cpu_s": round(self.prev_cpu + max(0.0, cpu_seconds() - self.cpu0), 1),
                "runs": self.runs}

    def write(self) -> None:
        write_text(self.path, json.dumps(self.totals()))


__all__ = ["StageMeter", "cpu_seconds", "live_descendants_cpu"]
