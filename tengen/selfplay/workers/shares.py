"""What runs inside a worker (a local process or a Ray actor): networks rebuilt from
blobs or checkpoints, and one share of a minibatch of games."""
from __future__ import annotations

from tengen.selfplay.games import FinishedGame, GamesConfig, play_games
from tengen.selfplay.workers.protocol import Opponent, WorkersConfig

_CACHE: dict[str, object] = {}  # in a worker: opponent path -> evaluator


def model_from_blob(blob):
    from tengen.nets.model import ModelConfig, PolicyValueNet
    model = PolicyValueNet(ModelConfig(**blob[0]))
    model.load_state_dict(blob[1])
    return model.eval()


def evaluator_for(model, wcfg: WorkersConfig):
    from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
    return SharedEvaluator(model, EvaluatorConfig(device=wcfg.device, bf16=wcfg.bf16,
                                                  backend=wcfg.backend))


def checkpoint_evaluator(path: str, wcfg: WorkersConfig):
    """A checkpoint's evaluator, kept loaded (the two most recent) for the next share."""
    if path not in _CACHE:
        from tengen.nets.checkpoint import load_checkpoint
        if len(_CACHE) >= 2:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[path] = evaluator_for(load_checkpoint(path)[0], wcfg)
    return _CACHE[path]


def rival_for(opponent: Opponent, learner, wcfg: WorkersConfig):
    """The opponent's evaluator, ``learner`` being the learner's."""
    if opponent.itself:
        return learner
    if opponent.path is not None:
        return checkpoint_evaluator(opponent.path, wcfg)
    return evaluator_for(model_from_blob(opponent.weights), wcfg)


def play_share(learner_blob, opponent: Opponent, cfg: GamesConfig, names, games: range,
               wcfg: WorkersConfig) -> list[FinishedGame]:
    learner = evaluator_for(model_from_blob(learner_blob), wcfg)
    return play_games(learner, rival_for(opponent, learner, wcfg), cfg, names, games)


__all__ = ["model_from_blob", "evaluator_for", "checkpoint_evaluator", "rival_for",
           "play_share"]
