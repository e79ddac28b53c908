"""Reading a network checkpoint without trusting it.

A ``.pt`` is a pickle, and a pickle can run code: people share nets, so they are read
with ``torch.load(weights_only=True)``, which admits tensors and plain containers only.
Every way a file can be wrong (missing, empty, truncated, not a checkpoint, code inside,
another feature set, a config or shapes that do not fit) is one ``CheckpointError`` that
names the file and says what is wrong, in full.
"""
from __future__ import annotations

import os
import pickle
import zipfile
from dataclasses import asdict
from pathlib import Path

import torch

from tengen.errors import UserError
from tengen.nets.features import FEATURE_SET
from tengen.nets.model import ModelConfig, PolicyValueNet

KEYS = ("config", "feature_set", "model")


class CheckpointError(UserError, ValueError):
    pass


def read_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """The checkpoint's dictionary, weights only; ``CheckpointError`` when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path}: empty file")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        refused = [line.strip() for line in str(e).splitlines()
                   if "GLOBAL" in line or "Unsupported global" in line]
        if refused:  # weights_only met a callable or class: code, or objects no net needs
            raise CheckpointError(f"{path}: refused, it holds more than weights (code or "
                                  f"objects a checkpoint never needs): {refused[0]}") from None
        raise CheckpointError(f"{path}: not a readable checkpoint (truncated or not a "
                              f"torch file): {_short(e)}") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError,
            AttributeError, KeyError, IndexError) as e:
        raise CheckpointError(f"{path}: not a readable checkpoint (truncated or not a "
                              f"torch file): {_short(e)}") from None
    if not isinstance(state, dict) or any(k not in state for k in KEYS):
        keys = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{path}: not a tengen network checkpoint (it has {keys}; "
                              f"a checkpoint has {', '.join(KEYS)})")
    return state


def load_checkpoint(path: str, map_location: str = "cpu"):
    """``(model, state)``; ``path``: a checkpoint, or ``sl`` / ``rl`` for a shipped network."""
    from tengen.nets import net_path
    path = str(net_path(path))
    state = read_checkpoint(path, map_location)
    return model_from_state(state, path), state


def save_checkpoint(path: str, model, meta: dict | None = None,
                    extra: dict | None = None) -> None:
    """Atomic: written to a temporary file, then renamed over ``path``."""
    state = {
        "config": asdict(model.cfg),
        "feature_set": FEATURE_SET,
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "meta": meta or {},
    }
    if extra:
        state.update(extra)
    tmp = f"{path}.tmp{os.getpid()}"
    torch.save(state, tmp)
    os.replace(tmp, path)




def _short(e: BaseException) -> str:
    lines = [line.strip() for line in str(e).splitlines()
             if line.strip() and not line.startswith(("Weights only load failed", "Please file"))]
    return f"{type(e).__name__}: {lines[0] if lines else ''}"[:240]


def model_from_state(state: dict, path: str | Path):
    """The network a checkpoint's dictionary describes, its weights loaded, in eval mode."""
    if state.get("feature_set") != FEATURE_SET:
        raise CheckpointError(f"{path}: feature set {state.get('feature_set')!r}, this "
                              f"tengen computes {FEATURE_SET!r}")
    try:
        cfg = ModelConfig(**state["config"])
        model = PolicyValueNet(cfg)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: model config {state['config']!r} is not one this "
                              f"tengen builds: {e}") from None
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, TypeError, AttributeError) as e:
        detail = " ".join(str(e).split())  # the whole message, on one line
        raise CheckpointError(f"{path}: its weights do not fit its config {cfg}: "
                              f"{detail}") from None
    model.eval()
    return model


__all__ = ["CheckpointError", "read_checkpoint", "model_from_state", "load_checkpoint",
           "save_checkpoint"]
