"""What loading a network computes, kept for the next start: its ONNX graph, its int8
tower and which backend runs each batch size. Exporting, quantizing, checking int8 and
timing the backends take about 4 s of a start on 2 cores; reading them back takes
milliseconds.

An entry is keyed by everything its contents depend on: the weights (their digest), the
backend asked for, the int8 gate, the versions of torch, ONNX Runtime and tengen's
network code, and the machine (CPU model, core count, threads), since the timing that
chose the routes holds only there. The files are data (ONNX graphs and JSON), never
pickles. ``TENGEN_CACHE_DIR`` moves the cache (default ``$XDG_CACHE_HOME/tengen`` or
``~/.cache/tengen``); ``TENGEN_NO_LOAD_CACHE=1`` turns it off.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path

from tengen.atomic import write_bytes, write_text

VERSION = 1  # bump when what an entry holds changes meaning
_CODE = ("backends.py", "onnx_backend.py", "int8.py", "model.py")


def cache_root(env: dict | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("TENGEN_CACHE_DIR"):
        return Path(env["TENGEN_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tengen"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def entry_key(model, backend: str, gate, threads: int) -> str:
    import onnxruntime
    import torch
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    here = Path(__file__).resolve().parent
    for name in _CODE:
        h.update((here / name).read_bytes())
    h.update(json.dumps([VERSION, backend, repr(gate), threads, torch.__version__,
                         onnxruntime.__version__, _cpu_model(), os.cpu_count(),
                         platform.machine()]).encode())
    return h.hexdigest()[:24]


@dataclass
class Saved:
    fp32: bytes
    int8: bytes | None
    routes: dict[int, str]
    int8_check: tuple[float, float] | None
    notes: list[str]  # what the load that made the entry said on stderr


class LoadCache:
    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def for_model(cls, model, backend: str, gate, threads: int) -> "LoadCache | None":
        if os.environ.get("TENGEN_NO_LOAD_CACHE"):
            return None
        try:
            key = entry_key(model, backend, gate, threads)
        except Exception:  # no ONNX Runtime: nothing to cache
            return None
        return cls(cache_root() / "nets" / key)

    def read(self) -> Saved | None:
        """The entry, or None when absent or unreadable (then it is computed again)."""
        try:
            meta = json.loads((self.folder / "choice.json").read_text())
            fp32 = (self.folder / "fp32.onnx").read_bytes()
            int8 = (self.folder / "int8.onnx").read_bytes() if meta["int8"] else None
            if hashlib.sha256(fp32 + (int8 or b"")).hexdigest() != meta["digest"]:
                return None
            check = tuple(meta["int8_check"]) if meta["int8_check"] else None
            return Saved(fp32, int8, {int(b): r for b, r in meta["routes"].items()}, check,
                         list(meta.get("notes", [])))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, fp32: bytes, int8: bytes | None, routes: dict[int, str],
              int8_check, notes: list[str] = ()) -> None:
        """Graphs first, ``choice.json`` (with their digest) last: a half-written entry is
        never read. A cache that cannot be written costs the next start time, nothing else."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name, data in (("fp32.onnx", fp32), ("int8.onnx", int8)):
                if data is not None:
                    write_bytes(self.folder / name, data)
            write_text(self.folder / "choice.json", json.dumps({
                "routes": {str(b): r for b, r in routes.items()}, "int8": int8 is not None,
                "int8_check": list(int8_check) if int8_check else None, "notes": list(notes),
                "digest": hashlib.sha256(fp32 + (int8 or b"")).hexdigest()}))
        except OSError:
            pass


__all__ = ["LoadCache", "Saved", "cache_root", "entry_key"]
