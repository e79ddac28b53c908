"""The fast rollout policy: features, incremental playouts, training."""
