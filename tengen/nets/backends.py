"""What runs the network's forward pass: torch, ONNX Runtime in fp32, or ONNX Runtime
with the tower quantized to int8, each behind one ``NetBackend`` protocol (planes in,
logits and values out, as numpy), and the ``Router`` that picks one per batch size.

``build_router`` keeps the backends a configuration asks for and, for ``auto``, times
them on this machine at load (``onnx_backend.measure_routes``) after checking that their
answers agree (ONNX Runtime against torch; int8 against fp32 through its gate, whose
figures stay in ``Router.int8_check``). The evaluator only ever calls ``Router.forward``.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tengen.nets.int8 import Int8Gate
from tengen.nets.onnx_backend import OnnxNet, measure_routes, route_for

BACKENDS = ("torch", "onnx", "int8", "auto")


class NetBackend(Protocol):
    name: str

    def forward(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Planes ``(N, planes, n, n)`` (uint8 or float) -> logits ``(N, n*n + 1)`` and
        values ``(N,)``."""
        ...


class TorchBackend:
    name = "torch"

    def __init__(self, model, device: "torch.device", bf16: bool = False):
        self.model, self.device, self.bf16 = model, device, bf16

    def forward(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch
        x = torch.from_numpy(planes).to(self.device).float()
        with torch.no_grad(), torch.autocast(self.device.type, dtype=torch.bfloat16,
                                             enabled=self.bf16):
            logits, value = self.model(x)
        return logits.float().cpu().numpy(), value.float().cpu().numpy().reshape(-1)


class OnnxBackend:
    """ONNX Runtime running a graph: the exported fp32 network or its int8 tower."""

    def __init__(self, net, name: str):
        self.net, self.name = net, name

    def forward(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, values = self.net(planes)
        return np.asarray(logits), np.asarray(values).reshape(-1)


@dataclass
class Router:
    """The backends kept, and which one runs each batch size."""
    backends: dict[str, NetBackend]
    routes: dict[int, str]  # {batch size: backend}, see onnx_backend.route_for
    int8_check: tuple[float, float] | None = None  # (top moves kept, largest value gap)
    notes: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # what building it said on stderr

    @classmethod
    def from_saved(cls, saved, threads: int = 0, torch_backend=None) -> "Router":
        """The ONNX Runtime backends of a load cache entry (``load_cache.Saved``), and
        torch's where one is given; the notes its first load said, said again."""
        kept = {"torch": torch_backend} if torch_backend is not None else {}
        kept["onnx"] = OnnxBackend(OnnxNet(None, threads, graph=saved.fp32), "onnx")
        if saved.int8 is not None:
            kept["int8"] = OnnxBackend(OnnxNet(None, threads, graph=saved.int8), "int8")
        for note in saved.notes:
            print(note, file=sys.stderr)
        return cls(kept, saved.routes, saved.int8_check, ["from the load cache"],
                   list(saved.notes))

    @property
    def threads(self) -> int:
        """ONNX Runtime's threads a pass (0 where only torch runs)."""
        onnx = self.backends.get("onnx")
        return onnx.net.threads if onnx is not None else 0

    def graphs(self) -> tuple[bytes | None, bytes | None]:
        """The fp32 and int8 graphs kept (None where absent)."""
        return tuple(self.backends[k].net.graph if k in self.backends else None
                     for k in ("onnx", "int8"))

    def forward(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.backends[route_for(self.routes, len(planes))].forward(planes)


def build_router(model, device: "torch.device", backend: str = "torch", bf16: bool = False,
                 int8_gate: Int8Gate | None = None) -> Router:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be torch, onnx, int8 or auto, not {backend!r}")
    torch_backend = TorchBackend(model, device, bf16)
    only_torch = Router({"torch": torch_backend}, {1: "torch"})
    if backend == "torch" or device.type != "cpu" or bf16:
        return only_torch
    gate = int8_gate or Int8Gate()
    import torch

    from tengen.nets.load_cache import LoadCache
    cache = LoadCache.for_model(model, backend, gate, torch.get_num_threads())
    saved = cache.read() if cache else None
    if saved is not None:  # this net on this machine was loaded before: no export, no timing
        return Router.from_saved(saved, torch_backend=torch_backend)
    try:
        onnx = OnnxNet(model)
    except Exception as e:  # ImportError, or a model the exporter cannot take
        if backend != "auto":
            raise
        print(f"tengen: ONNX Runtime unavailable ({e}); torch runs the network",
              file=sys.stderr)
        return only_torch
    kept = {"torch": torch_backend, "onnx": OnnxBackend(onnx, "onnx")}
    int8, check, said = None, None, []
    if backend == "onnx":
        router = Router(kept, {1: "onnx"})
    else:
        int8, check, said = _quantized(onnx, gate, forced=backend == "int8")
        if int8 is not None:
            kept["int8"] = OnnxBackend(int8, "int8")
        routes = {1: "int8"} if backend == "int8" else measure_routes(model, onnx, int8=int8)
        router = Router(kept, routes, check, said=said)
    if cache:
        cache.write(onnx.graph, None if int8 is None else int8.graph, router.routes, check, said,
                    threads=onnx.threads)
    return router


def _quantized(onnx: OnnxNet, gate: Int8Gate, forced: bool):
    """``(int8 network or None, (top moves kept, largest value gap) or None, what was said
    on stderr)``: None
    where ``auto`` finds it strays too far from fp32 (a forced ``int8`` runs it anyway)."""
    from tengen.nets.int8 import agreement, calibration_planes, quantize_tower
    try:
        planes = calibration_planes()
        half = len(planes) // 2  # calibrate on one half, check on the other
        net = OnnxNet(None, graph=quantize_tower(onnx.graph, planes[:half]))
        check = agreement(net, onnx, planes[half:])
    except Exception as e:  # a graph the quantizer cannot take, no calibration file
        if forced:
            raise
        return None, None, [_say(f"tengen: no int8 network ({e}); fp32 runs it")]
    same, diff = check
    if not forced and (same < gate.min_same_top or diff > gate.max_value_diff):
        return None, check, [_say(
            f"tengen: int8 keeps {same:.0%} of the top moves, values within {diff:.3f}"
            f" (gate {gate.min_same_top:.0%}, {gate.max_value_diff}): fp32 runs the network")]
    return net, check, []


def _say(note: str) -> str:
    print(note, file=sys.stderr)
    return note


__all__ = ["NetBackend", "TorchBackend", "OnnxBackend", "Router", "build_router", "BACKENDS"]
