"""Game records -> compact position shards -> training batches.

A shard is one folder per archive (or folder of SGFs):
- ``packed.npy`` (N, n*n) uint8: colour in bits 0-1, turns since played (1-8) in bits 2-5;
- ``meta.npy`` (N, 5) int16: ko loc, ko player, player to move, move index (r*n + c,
  n*n for pass), outcome for the player to move (+1 won, -1 lost, 0 unknown);
- ``stats.json``: games, positions, skipped records by reason.
That is 371 bytes a position, so all 35,782 KGS games (about 7 million positions) take
2.6 GB on disk and are read through memory maps, never loaded whole.

The split is by game: an archive whose name matches a validation pattern (default
``KGS-2017_05``) goes to ``val/``, the rest to ``train/``. Features are computed per batch
from the packed rows (``features.batch_planes``), with one of the 8 symmetries per sample.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tarfile
import zipfile
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tengen.engine.board import zobrist_table
from tengen.engine.coords import apply_symmetry, loc_to_index, symmetry_maps
from tengen.engine.sgf import SgfError, iter_sgf_files, parse_sgf
from tengen.engine.game import IllegalMove
from tengen.nets.features import NUM_PLANES, batch_planes, pack_position

META_COLS = 5


@dataclass
class DataConfig:
    size: int = 19
    min_moves: int = 30  # shorter records are abandoned games
    validation: tuple[str, ...] = ("KGS-2017_05",)
    jobs: int = 1
    parts: int = 1  # each source split into this many shards (every parts-th game), so many cores share a large archive


def shard_name(path: str) -> str:
    name = Path(path).name
    for suffix in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip"):
        if name.endswith(suffix):
            return name[: -len(suffix)].rstrip("-")
    return name


def game_positions(rec, size: int):
    """Yield (packed, ko, ko_pla, pla, move index, outcome) for every move of a record
    (outcome 0 where the game was not decided on the board: time, forfeit, unknown)."""
    winner = rec.winner(on_board=True)
    g = rec.to_game_state(upto=0, superko=False)  # KGS played simple ko
    for m in rec.moves:
        packed, ko, ko_pla = pack_position(g)
        g.to_play = m.pla
        idx = loc_to_index(m.loc, size)
        outcome = 0 if winner is None else (1 if winner == m.pla else -1)
        g.play(m.loc, m.pla)  # raises IllegalMove before anything is yielded for it
        yield packed, ko, ko_pla, m.pla, idx, outcome


SOURCE_ERRORS = (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError)


def _readable(files, skipped: Counter):
    """``files`` until the source itself fails (a truncated .tar.gz, a corrupt zip): then
    one last ``(None, error)``, counted as a corrupt archive, instead of a traceback."""
    try:
        yield from files
    except SOURCE_ERRORS as e:
        skipped["corrupt archive"] += 1
        yield None, e


def build_shard(source: str, out_dir: str, cfg: DataConfig, part: int = 0) -> dict:
    """One archive or folder (its games ``part``, ``part + cfg.parts``, ...) -> one shard
    folder (written atomically)."""
    name = shard_name(source) + (f".part{part}of{cfg.parts}" if cfg.parts > 1 else "")
    final = Path(out_dir) / name
    if (final / "stats.json").exists():
        return json.loads((final / "stats.json").read_text())
    n2 = cfg.size * cfg.size
    packed = np.empty((1 << 16, n2), np.uint8)
    meta = np.empty((1 << 16, META_COLS), np.int16)
    count = 0
    skipped: Counter = Counter()
    games = 0
    broken = None  # why the source ended early (a truncated or corrupt archive)
    for i, (_, data) in enumerate(_readable(iter_sgf_files(source), skipped)):
        if isinstance(data, BaseException):
            broken = f"{type(data).__name__}: {data}"
            break
        if i % cfg.parts != part:
            continue
        try:
            rec = parse_sgf(data)
        except SgfError as e:
            skipped["corrupt" if e.kind == "parse" else e.kind] += 1
            continue
        if rec.size != cfg.size:
            skipped["wrong size"] += 1
            continue
        if len(rec.moves) < cfg.min_moves:
            skipped["too short"] += 1
            continue
        rows = []
        try:
            rows = list(game_positions(rec, cfg.size))
        except (IllegalMove, SgfError):
            skipped["illegal move"] += 1
            continue
        if count + len(rows) > packed.shape[0]:
            grow = max(packed.shape[0] * 2, count + len(rows))
            packed = np.resize(packed, (grow, n2))
            meta = np.resize(meta, (grow, META_COLS))
        for i, (p, ko, ko_pla, pla, idx, outcome) in enumerate(rows):
            packed[count + i] = p
            meta[count + i] = (ko, ko_pla, pla, idx, outcome)
        count += len(rows)
        games += 1
    stats = {"source": str(source), "part": part, "games": games, "positions": count,
             "skipped": dict(skipped), "size": cfg.size}
    if broken:  # the games read before the fault are kept; the rest of the source is lost
        stats["source_error"] = broken
        print(f"build-data: {source}: {broken}; kept the {games} games read before it",
              file=sys.stderr)
    tmp = Path(out_dir) / f".{name}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.save(tmp / "packed.npy", packed[:count])
    np.save(tmp / "meta.npy", meta[:count])
    (tmp / "stats.json").write_text(json.dumps(stats, indent=1))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return stats


def build_shards(sources: list[str], out_dir: str, cfg: DataConfig) -> dict:
    """Shard every source into ``out_dir/train`` or ``out_dir/val``; resumable per source."""
    jobs = []
    for s in sources:
        split = "val" if any(v in Path(s).name for v in cfg.validation) else "train"
        os.makedirs(Path(out_dir) / split, exist_ok=True)
        jobs += [(s, str(Path(out_dir) / split), k) for k in range(cfg.parts)]
    from tqdm import tqdm
    results = {}
    with ProcessPoolExecutor(max(1, cfg.jobs)) as pool:
        futs = {pool.submit(build_shard, s, d, cfg, k): (s, k) for s, d, k in jobs}
        for fut in tqdm(futs, desc="shards", unit="shard", file=sys.stderr):
            s, k = futs[fut]
            try:
                r = fut.result()
            except (ValueError, *SOURCE_ERRORS) as e:  # one bad source never ends the run
                print(f"build-data: {s}: skipped, {type(e).__name__}: {e}", file=sys.stderr)
                r = {"source": str(s), "part": k, "games": 0, "positions": 0,
                     "skipped": {"unreadable source": 1},
                     "source_error": f"{type(e).__name__}: {e}"}
            results[s if cfg.parts == 1 else f"{s} part {k}"] = r
    total = {"games": sum(r["games"] for r in results.values()),
             "positions": sum(r["positions"] for r in results.values()),
             "skipped": dict(sum((Counter(r["skipped"]) for r in results.values()), Counter())),
             "sources": results}
    tmp = Path(out_dir) / f"summary.json.tmp{os.getpid()}"
    tmp.write_text(json.dumps(total, indent=1))
    os.replace(tmp, Path(out_dir) / "summary.json")
    return total


# ------------------------------------------------------------------ reading shards


class ShardSet:
    """Every shard under a folder, memory-mapped, addressed as one array of positions."""

    def __init__(self, folder: str | Path):
        self.dirs = sorted(p.parent for p in Path(folder).glob("*/stats.json"))
        if not self.dirs:
            raise FileNotFoundError(f"no shards under {folder} (run tengen build-data)")
        self.packed = [np.load(d / "packed.npy", mmap_mode="r") for d in self.dirs]
        self.meta = [np.load(d / "meta.npy", mmap_mode="r") for d in self.dirs]
        self.size = int(round(self.packed[0].shape[1] ** 0.5))
        self.offsets = np.cumsum([0] + [len(m) for m in self.meta])
        if self.offsets[-1] == 0:  # nothing to sample: say so now, not in a worker thread
            raise ValueError(f"the shards under {folder} hold no positions (their games were "
                             "all skipped: too short, corrupt, or another board size; see "
                             "each shard's stats.json)")
        self.zob = zobrist_table(self.size)
        self.maps = symmetry_maps(self.size)

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def rows(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.asarray(idx)
        shard = np.searchsorted(self.offsets, idx, side="right") - 1
        packed = np.empty((len(idx), self.size * self.size), np.uint8)
        meta = np.empty((len(idx), META_COLS), np.int16)
        for s in np.unique(shard):
            sel = shard == s
            local = idx[sel] - self.offsets[s]
            order = np.argsort(local)  # sorted reads are kinder to the page cache
            packed[np.flatnonzero(sel)[order]] = self.packed[s][local[order]]
            meta[np.flatnonzero(sel)[order]] = self.meta[s][local[order]]
        return packed, meta

    def batch(self, idx: np.ndarray, symmetries: np.ndarray | None = None):
        """Planes (N, 49, n, n) uint8, move targets (N,), outcomes (N,) float32."""
        packed, meta = self.rows(idx)
        n = self.size
        planes = np.zeros((len(idx), NUM_PLANES, n, n), np.uint8)
        batch_planes(n, self.zob, packed, meta[:, 0].astype(np.int64),
                     meta[:, 1].astype(np.int64), meta[:, 2].astype(np.int64), planes)
        moves = meta[:, 3].astype(np.int64)
        if symmetries is not None:
            for k in np.unique(symmetries):
                if k == 0:
                    continue
                sel = symmetries == k
                planes[sel] = apply_symmetry(planes[sel], int(k))
                moves[sel] = self.maps[k][moves[sel]]
        return planes, moves, meta[:, 4].astype(np.float32)
