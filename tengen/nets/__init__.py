"""The network: features, model, data, training. Importing this package loads no torch."""
from pathlib import Path

_DATA = Path(__file__).resolve().parent.parent / "data"
SHIPPED_NET = _DATA / "policy.pt"  # supervised on KGS: the search's priors
SHIPPED_RL_NET = _DATA / "policy_rl.pt"  # then self-play policy gradient: sampling play
SHIPPED_NETS = {"sl": SHIPPED_NET, "rl": SHIPPED_RL_NET}


def net_path(spec: str | Path) -> Path:
    """``spec`` as a checkpoint path; ``sl`` or ``rl`` (when no such file is here: a run
    folder of that name does not count) name the shipped networks."""
    path = Path(spec)
    if str(spec) in SHIPPED_NETS and not path.is_file():
        return SHIPPED_NETS[str(spec)]
    return path
