"""The training loop: generations of self-play data, training, gating and anchor matches
(the room above selfplay and match, which it runs in turn)."""
