"""One run a folder: a job that resumes in a folder first checks that the folder's run is
the one asked for (the same engines, seeds, sizes...), and refuses another, rather than
mixing two runs' results under one summary."""
from __future__ import annotations

import json
from pathlib import Path

from tengen.atomic import write_text
from tengen.errors import UserError


class FolderError(UserError):
    pass


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = list(v) if isinstance(v, tuple) else v  # as JSON reads it
    return out


def _differs(key: str, old: dict, new: dict) -> bool:
    # a setting added since the folder's run, left off (None, False or empty), changes
    # nothing
    if key not in old and (new.get(key) in (None, []) or new.get(key) is False):
        return False
    return old.get(key) != new.get(key)


def claim(out: Path, config: dict, free: tuple[str, ...], what: str,
          started: bool) -> None:
    """Write ``out/config.json``; if the folder already holds a run (``started``), refuse
    a ``config`` that differs from its saved one outside the ``free`` keys (dotted
    names: settings that do not change what is produced, like the number of workers)."""
    path = out / "config.json"
    if started and path.exists():
        try:
            old = _flat(json.loads(path.read_text()))
        except ValueError as e:
            raise FolderError(f"{path}: unreadable ({e}); move it away to start afresh") \
                from None
        new = _flat(config)
        diffs = [f"{k}: {old.get(k)!r} there, {new.get(k)!r} now"
                 for k in sorted(set(old) | set(new)) if k not in free
                 and _differs(k, old, new)]
        if diffs:
            raise FolderError(f"{out} holds another {what} ({'; '.join(diffs)}): give "
                              f"another --out, or the same settings to resume it")
    write_text(path, json.dumps(config, indent=1))


__all__ = ["FolderError", "claim"]
