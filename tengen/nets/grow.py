"""Start a larger network from a trained smaller one without losing what it knows.

``grow`` copies every weight of the small net into the leading slice of the larger one's
tensor and makes the rest unable to change the output at first (Net2Net's idea, Chen et al.
2016, in its simplest function-preserving form):
- a widened layer's new output channels are freshly initialised, but the weights that
  carry them into the *old* channels are zero, so the old channels compute what they did;
  those zero weights still get gradients (the new channels are not zero), so they learn;
- an added residual block starts as the identity: its second batch norm's scale is zero,
  so it adds nothing to its input (the input is a ReLU's output, so ReLU(x + 0) = x).
So a b10c128 teacher starts at the shipped b6c64's accuracy instead of at chance, and
its extra capacity is trained from there: what a short GPU lease can afford.
"""
from __future__ import annotations

from dataclasses import fields

import torch

from tengen.nets.model import ModelConfig, PolicyValueNet
from tengen.nets.checkpoint import load_checkpoint


def grow(small: PolicyValueNet, cfg: ModelConfig, seed: int = 0) -> PolicyValueNet:
    """A ``cfg`` network that computes what ``small`` computes (in eval mode)."""
    for f in fields(ModelConfig):
        a, b = getattr(small.cfg, f.name), getattr(cfg, f.name)
        if f.name == "in_planes" and a != b:
            raise ValueError(f"cannot grow {a} input planes into {b}")
        if isinstance(a, int) and not isinstance(a, bool) and b < a:
            raise ValueError(f"cannot shrink {f.name} from {a} to {b}")
    torch.manual_seed(seed)  # the new weights' initialisation, so a run is reproducible
    big = PolicyValueNet(cfg)
    src = small.state_dict()
    dst = big.state_dict()
    with torch.no_grad():
        for name, new in dst.items():
            old = src.get(name)
            if old is None:
                if name.startswith("tower.") and name.endswith("bn2.weight"):
                    new.zero_()  # an added block starts as the identity
                continue
            if new.ndim >= 2:  # new inputs must not reach the old outputs
                new[:old.shape[0], old.shape[1]:] = 0
            new[tuple(slice(0, s) for s in old.shape)] = old
    big.load_state_dict(dst)
    return big.eval()


def initial_model(spec: str, cfg: ModelConfig) -> PolicyValueNet:
    """The net in checkpoint ``spec`` (``sl``/``rl`` for a shipped one), grown to ``cfg``
    when it is smaller."""
    model, _ = load_checkpoint(spec)
    return model if model.cfg == cfg else grow(model, cfg)


__all__ = ["grow", "initial_model"]
