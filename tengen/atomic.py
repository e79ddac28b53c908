"""Writing files so that a kill leaves the old file or the new one, never half of one:
write a temporary file beside the target, then rename it over the target."""
from __future__ import annotations

import os
from pathlib import Path


def write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def save_figure(fig, path: str | Path, dpi: int = 100) -> None:
    """A matplotlib figure as PNG (the temporary name keeps the suffix matplotlib reads)."""
    path = Path(path)
    tmp = path.with_name(f"{path.stem}.tmp{os.getpid()}{path.suffix}")
    fig.savefig(tmp, dpi=dpi)
    os.replace(tmp, path)


__all__ = ["write_text", "write_bytes", "save_figure"]
