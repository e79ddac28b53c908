"""The one place that turns a device option into a torch device."""
from __future__ import annotations

import torch


def resolve_device(name: str) -> torch.device:
    """``auto``: CUDA where there is a GPU, else the CPU; otherwise as named."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


__all__ = ["resolve_device"]
