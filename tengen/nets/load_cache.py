"""What loading a network computes, kept for the next start: its ONNX graph, its int8
tower and which backend runs each batch size. Exporting, quantizing, checking int8 and
timing the backends take about 4 s of a start on 2 cores; reading them back takes
milliseconds.

An entry is keyed by everything its contents depend on: the weights (their digest), the
backend asked for, the int8 gate, the versions of torch, ONNX Runtime and tengen's
network code, and the machine (CPU model, core count, threads), since the timing that
chose the routes holds only there. The files are data (ONNX graphs and JSON), never
pickles.

A network loaded from a file has a second entry keyed by the file's bytes
(``for_file``), with the graph of its ownership and score outputs beside the others: a
start that finds it runs the network on ONNX Runtime without importing torch (about 1.3 s
of a 2-core start) or reading the checkpoint (``tengen.nets.file_load``). ``TENGEN_CACHE_DIR`` moves the cache (default ``$XDG_CACHE_HOME/tengen`` or
``~/.cache/tengen``); ``TENGEN_NO_LOAD_CACHE=1`` turns it off.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import dataclass
from importlib import metadata
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


def _version(*packages: str) -> str:
    """The first of ``packages`` installed (ONNX Runtime ships under several names)."""
    for package in packages:
        try:
            return f"{package} {metadata.version(package)}"
        except metadata.PackageNotFoundError:
            pass
    return "-"


def file_key(path: Path, backend: str, gate, threads: int) -> str:
    """``entry_key`` for a network file, computed without torch: the file's bytes for the
    weights, the installed versions for the imported ones, the thread option as given
    (0: torch's own count, which the environment's thread variables decide)."""
    h = hashlib.sha256(Path(path).read_bytes())
    here = Path(__file__).resolve().parent
    for name in _CODE + ("heads.py", "checkpoint.py", "../data/calibration.npz"):
        h.update((here / name).read_bytes())
    h.update(json.dumps([VERSION, "file", backend, repr(gate), threads,
                         [os.environ.get(v) for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")],
                         _version("torch"), _version("onnxruntime", "onnxruntime-gpu",
                                                     "onnxruntime-openvino"), _cpu_model(),
                         os.cpu_count(), platform.machine()]).encode())
    return "file-" + h.hexdigest()[:24]


@dataclass
class Saved:
    fp32: bytes
    int8: bytes | None
    routes: dict[int, str]
    int8_check: tuple[float, float] | None
    notes: list[str]  # what the load that made the entry said on stderr
    threads: int = 0  # ONNX Runtime's threads when the routes were timed (0: not kept)
    heads: bytes | None = None  # the ownership and score outputs' graph (file entries)


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

    @classmethod
    def for_file(cls, path: Path, backend: str, gate, threads: int) -> "LoadCache | None":
        if os.environ.get("TENGEN_NO_LOAD_CACHE"):
            return None
        try:
            return cls(cache_root() / "nets" / file_key(path, backend, gate, threads))
        except OSError:
            return None

    def read(self) -> Saved | None:
        """The entry, or None when absent or unreadable (then it is computed again)."""
        try:
            meta = json.loads((self.folder / "choice.json").read_text())
            fp32 = (self.folder / "fp32.onnx").read_bytes()
            int8 = (self.folder / "int8.onnx").read_bytes() if meta["int8"] else None
            heads = (self.folder / "heads.onnx").read_bytes() if meta.get("heads") else None
            if _digest(fp32, int8, heads) != meta["digest"]:
                return None
            check = tuple(meta["int8_check"]) if meta["int8_check"] else None
            return Saved(fp32, int8, {int(b): r for b, r in meta["routes"].items()}, check,
                         list(meta.get("notes", [])), int(meta.get("threads", 0)), heads)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, fp32: bytes, int8: bytes | None, routes: dict[int, str],
              int8_check, notes: list[str] = (), threads: int = 0,
              heads: bytes | None = None) -> None:
        """Graphs first, ``choice.json`` (with their digest) last: a half-written entry is
        never read. A cache that cannot be written costs the next start time, nothing else."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name, data in (("fp32.onnx", fp32), ("int8.onnx", int8), ("heads.onnx", heads)):
                if data is not None:
                    write_bytes(self.folder / name, data)
            write_text(self.folder / "choice.json", json.dumps({
                "routes": {str(b): r for b, r in routes.items()}, "int8": int8 is not None,
                "int8_check": list(int8_check) if int8_check else None, "notes": list(notes),
                "threads": threads, "heads": heads is not None,
                "digest": _digest(fp32, int8, heads)}))
        except OSError:
            pass


def _digest(*graphs: bytes | None) -> str:
    return hashlib.sha256(b"".join(g or b"" for g in graphs)).hexdigest()


__all__ = ["LoadCache", "Saved", "cache_root", "entry_key", "file_key"]
