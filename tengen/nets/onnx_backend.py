"""The network's forward pass on ONNX Runtime, for CPUs where it beats torch.

Measured on this 2-core machine, shipped b6c64, one thread, positions/s at batch 1 / 8
/ 16: torch fp32 120 / 188 / 179, ONNX Runtime fp32 227 / 252 / 245, outputs equal to
1e-5. The model is exported in memory (no file), every board size in one graph (the
network is fully convolutional). ``measure_routes`` times torch, ONNX Runtime fp32 and,
when given, the int8 tower (``tengen.nets.int8``) at the batch sizes the search uses and
says which to run at each; the evaluator keeps them all.
"""
from __future__ import annotations

import io
import time
import warnings

import numpy as np

from tengen.nets.features import NUM_PLANES


def export_graph(module, outputs: dict[str, dict[int, str]]) -> bytes:
    """``module`` (planes in) as an ONNX graph for every batch and board size;
    ``outputs``: each output's name and its dynamic axes."""
    import torch
    buf = io.BytesIO()
    x = torch.zeros(1, NUM_PLANES, 19, 19)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.cpu().eval(), (x,), buf, input_names=["planes"],
                          output_names=list(outputs), opset_version=17,
                          dynamic_axes={"planes": {0: "n", 2: "h", 3: "w"}, **outputs},
                          dynamo=False)
    return buf.getvalue()


def export_onnx(model) -> bytes:
    """The model as an ONNX graph (every batch and board size)."""
    return export_graph(model, {"logits": {0: "n", 1: "moves"}, "value": {0: "n"}})


def session(graph: bytes, threads: int):
    """An ONNX Runtime session on the CPU: ``threads`` a pass, quiet on stderr."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # errors only: stderr is the GUI's console
    return ort.InferenceSession(graph, opts, providers=["CPUExecutionProvider"])


class OnnxNet:
    """``(logits, values)`` of float32 planes, as the model (or ``graph``) gives them."""

    def __init__(self, model, threads: int = 0, graph: bytes | None = None):
        self.graph = graph or export_onnx(model)
        if not threads:  # torch's own count, as the routes were timed with
            import torch
            threads = torch.get_num_threads()
        self.threads = threads
        self.session = session(self.graph, threads)

    def __call__(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, value = self.session.run(None, {"planes": planes.astype(np.float32)})
        return logits, value.reshape(-1)


def _rate(fn, planes: np.ndarray, seconds: float) -> float:
    fn(planes)  # warm
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn(planes)
        n += len(planes)
    return n / (time.perf_counter() - t0)


def measure_routes(model, onnx: OnnxNet, batches=(1, 8), size: int = 19,
                   seconds: float = 0.3, tolerance: float = 1e-3,
                   int8: OnnxNet | None = None) -> dict[int, str]:
    """``{batch: "onnx" | "torch" | "int8"}``, the fastest at each batch size on random
    planes; all torch if ONNX Runtime's fp32 and torch disagree by more than
    ``tolerance`` anywhere (``int8`` has passed its own gate, ``int8.agreement``)."""
    rng = np.random.default_rng(0)
    routes = {}
    import torch

    def run_torch(p):
        with torch.no_grad():
            logits, value = model(torch.from_numpy(p))
        return logits.numpy(), value.numpy().reshape(-1)
    for b in batches:
        planes = (rng.random((b, NUM_PLANES, size, size)) < 0.3).astype(np.float32)
        for got, want in zip(onnx(planes), run_torch(planes)):
            if not np.allclose(got, want, atol=tolerance, rtol=0):
                return {b: "torch" for b in batches}
        rates = {"torch": _rate(run_torch, planes, seconds), "onnx": _rate(onnx, planes, seconds)}
        if int8 is not None:
            rates["int8"] = _rate(int8, planes, seconds)
        routes[b] = max(rates, key=rates.get)
    return routes


def route_for(routes: dict[int, str], n: int) -> str:
    """The backend measured at the smallest batch size >= n (else the largest)."""
    sizes = sorted(routes)
    return routes[next((b for b in sizes if b >= n), sizes[-1])]


__all__ = ["OnnxNet", "session", "export_graph", "export_onnx", "measure_routes", "route_for"]
