"""The network: features, model, data, training. Importing this package loads no torch."""
from pathlib import Path

SHIPPED_NET = Path(__file__).resolve().parent.parent / "data" / "policy.pt"
