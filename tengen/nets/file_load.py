"""A network file into a ``SharedEvaluator`` for play, without torch where it can.

The first load of a file on a machine reads the checkpoint with torch, builds the
backends (ONNX export, int8 tower, timed routes) and keeps them in the load cache under
the file's own key, beside the graph of its ownership and score outputs. Every later
load that asks for the same thing runs them on ONNX Runtime straight from that entry:
no torch import, no checkpoint read (a warm start's network is ready in a fraction of a
second instead of about 2 s on 2 cores). A GPU, bf16, the torch backend, or routes that
timed torch fastest take the torch path every time.
"""
from __future__ import annotations

from pathlib import Path

from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator


def load_evaluator(path: str | Path, cfg: EvaluatorConfig, threads: int = 0) -> SharedEvaluator:
    """``path``: a checkpoint, or ``sl`` / ``rl``; ``threads``: the player's torch thread
    option (0: torch's own count)."""
    import sys

    from tengen.nets import net_path
    from tengen.nets.load_cache import LoadCache
    path = net_path(path)
    if not threads and "torch" in sys.modules:  # torch's count, as the caller left it
        threads = sys.modules["torch"].get_num_threads()
    cache = None
    if cfg.device == "cpu" and cfg.backend in ("auto", "onnx", "int8") and not cfg.bf16:
        cache = LoadCache.for_file(Path(path), cfg.backend, cfg.int8_gate, threads)
    saved = cache.read() if cache else None
    if saved is not None and saved.threads and "torch" not in saved.routes.values():
        from tengen.nets.backends import Router
        from tengen.nets.heads import OnnxHeads
        heads = OnnxHeads(saved.heads, saved.threads) if saved.heads else None
        return SharedEvaluator(None, cfg, Router.from_saved(saved, saved.threads), heads)
    if threads:
        import torch
        torch.set_num_threads(threads)
    from tengen.nets.checkpoint import load_checkpoint
    evaluator = SharedEvaluator(load_checkpoint(str(path))[0], cfg)
    router = evaluator.router
    if cache and router.threads and "torch" not in router.routes.values():
        fp32, int8 = router.graphs()
        heads = evaluator.heads.export() if evaluator.heads is not None else None
        cache.write(fp32, int8, router.routes, router.int8_check, router.said,
                    threads=router.threads, heads=heads)
    return evaluator


__all__ = ["load_evaluator"]
