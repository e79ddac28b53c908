"""A toy task for the training core: another data source and another loss, cheap enough
to train in a test (used in-process and under torchrun)."""
import numpy as np
import torch

from tengen.nets.features import NUM_PLANES


class ToyValueTask:
    """Another data source and another loss on the same loop: value regression on random
    positions whose target is the mean of plane 0."""
    step_fields = ["loss_value"]
    eval_fields = ["val_value_mse"]

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def _draw(self, rng, n=16):
        x = (rng.random((n, NUM_PLANES, 5, 5)) < 0.3).astype(np.float32)
        return x, x[:, 0].mean(axis=(1, 2)) * 2 - 0.6

    def next_batch(self):
        return self._draw(self.rng)

    def loss(self, model, batch, device):
        x, z = (torch.from_numpy(a).to(device) for a in batch)
        mse = ((model(x)[1].float().reshape(-1) - z) ** 2).mean()
        return mse, {"loss_value": mse.item()}

    def evaluate(self, model, device, bf16):
        x, z = self._draw(np.random.default_rng(99), 64)
        v = model(torch.from_numpy(x).to(device))[1].float().reshape(-1).cpu().numpy()
        return {"val_value_mse": float(((v - z) ** 2).mean())}

    def sampler_state(self):
        return self.rng.bit_generator.state

    def load_sampler_state(self, state):
        self.rng.bit_generator.state = state

    def close(self):
        pass


def toy_run(out: str, frozen_norm: bool = False, max_minutes: float = 0.0, steps: int = 20):
    """The toy task on the core with fixed settings (the same under torchrun or not)."""
    from tengen.nets.model import build_model
    from tengen.nets.train_config import LoopConfig
    from tengen.nets.training_core import run
    torch.manual_seed(1)
    cfg = LoopConfig(out=out, steps=steps, batch_size=16, optimizer="sgd", lr=0.05,
                     warmup_steps=2, eval_every=10, checkpoint_every=5, device="cpu",
                     threads=1, frozen_norm=frozen_norm, max_minutes=max_minutes,
                     best_metric="val_value_mse", best_higher=False, name="toy")
    return run(ToyValueTask(), build_model("b1c8"), cfg, progress=False)


if __name__ == "__main__":  # torchrun tests/toy_tasks.py OUT [frozen] [max_minutes]
    import sys
    toy_run(sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "frozen",
            float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
