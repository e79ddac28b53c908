"""Players built from options: the tree search, the network's policy, the random
placeholder (``build``), over the engine's ``Player`` contract (``tengen.engine.player``)."""
