"""The network's residual tower in int8 on ONNX Runtime, calibrated on real positions.

On this AVX2 CPU (no VNNI, no bf16) ONNX Runtime's int8 convolutions run the shipped b6c64
at about 1.9x its fp32 speed. Only the stem and the tower are quantized (static, weights
per channel, activations calibrated by min/max on KGS positions shipped in
``data/calibration.npz``); the small heads stay fp32, so values move by about 0.006 on
average (0.04 at most) instead of 0.2 with everything in int8. ``agreement`` is the
gate the evaluator applies before it lets int8 play: the share of positions where int8
and fp32 pick the same top move, and the largest value difference, on the shipped
positions that calibration did not see (from the same 300 games, so not independent of
it; the accuracy on the validation archive is ``benchmarks/speed/bench_backends.py``'s job).
Both are checked on 19x19 positions only, and the answer is used at every board size.
The shipped positions are ``build_calibration`` on KGS-2017_04 with its defaults.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CALIBRATION = Path(__file__).resolve().parent.parent / "data" / "calibration.npz"


@dataclass
class Int8Gate:
    """What int8 must keep of the fp32 network's answers to be used at all."""
    min_same_top: float = 0.9  # share of held-out positions with the same top move (0: off)
    max_value_diff: float = 0.1  # largest value difference on them (inf: off)


def build_calibration(archive: str, out: str, positions: int = 256, games: int = 300,
                      seed: int = 0) -> int:
    """Sample ``positions`` positions of the first ``games`` 19x19 games of a KGS archive
    (a training archive, never the validation one) into ``out`` (.npz, atomically)."""
    from tengen.nets.accuracy import archive_positions
    rows, _, _ = archive_positions(archive, games)
    if len(rows) < positions:
        raise ValueError(f"{archive}: {len(rows)} positions, {positions} asked for")
    pick = np.random.default_rng(seed).choice(len(rows), positions, replace=False)
    packed = np.stack([rows[i][0] for i in pick]).astype(np.uint8)
    meta = np.array([rows[i][1:4] for i in pick], np.int16)  # ko, ko player, to move
    tmp = f"{out}.tmp.npz"
    np.savez_compressed(tmp, packed=packed, meta=meta)
    os.replace(tmp, out)
    return positions


def calibration_planes(path: str | Path = CALIBRATION) -> np.ndarray:
    """The shipped positions as float32 planes (N, 49, 19, 19)."""
    from tengen.nets.accuracy import rows_planes
    with np.load(path) as f:
        rows = list(zip(f["packed"], *f["meta"].astype(np.int64).T))  # game_positions' rows
    return rows_planes(rows).astype(np.float32)


def quantize_tower(onnx_fp32: bytes, planes: np.ndarray, chunk: int = 32) -> bytes:
    """The fp32 graph with its stem and tower (ONNX node names ``/stem...``,
    ``/tower...``) quantized, activation ranges from ``planes``."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod,
                                          QuantFormat, QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.i = 0

        def get_next(self):
            if self.i >= len(planes):
                return None
            self.i += chunk
            return {"planes": planes[self.i - chunk:self.i]}

    with tempfile.TemporaryDirectory(prefix="tengen-int8-") as d:
        src, pre, dst = (os.path.join(d, f) for f in ("fp32.onnx", "pre.onnx", "int8.onnx"))
        Path(src).write_bytes(onnx_fp32)
        quant_pre_process(src, pre, skip_symbolic_shape=True)  # h, w are symbolic
        tower = [n.name for n in onnx.load(pre).graph.node
                 if n.name.startswith(("/stem", "/tower"))]
        if not tower:
            raise ValueError("no /stem or /tower nodes in the graph: nothing to quantize")
        quantize_static(pre, dst, Reader(), quant_format=QuantFormat.QOperator,
                        per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, nodes_to_quantize=tower,
                        calibrate_method=CalibrationMethod.MinMax)
        return Path(dst).read_bytes()


def agreement(int8, fp32, planes: np.ndarray) -> tuple[float, float]:
    """(share of same top moves, largest value difference) of two ``OnnxNet``s."""
    (l8, v8), (l32, v32) = int8(planes), fp32(planes)
    return float((l8.argmax(1) == l32.argmax(1)).mean()), float(np.abs(v8 - v32).max())


__all__ = ["CALIBRATION", "Int8Gate", "agreement", "build_calibration",
           "calibration_planes", "quantize_tower"]
