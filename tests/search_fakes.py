"""A fake evaluator for tree-search tests: no network, exact and fast."""
import numpy as np


class FakeEvaluator:
    """Uniform priors (or a pass-loving prior); value from a function of the state."""

    def __init__(self, value=lambda s: 0.0, pass_prior: float | None = None):
        self.value = value
        self.pass_prior = pass_prior
        self.calls: list[int] = []

    def evaluate(self, states):
        self.calls.append(len(states))
        n = states[0].size
        probs = np.full((len(states), n * n + 1), 1.0 / (n * n + 1))
        if self.pass_prior is not None:
            probs[:, :-1] = (1 - self.pass_prior) / (n * n)
            probs[:, -1] = self.pass_prior
        return probs, np.array([self.value(s) for s in states])

    def close(self) -> None:
        pass
