"""Tree search: PUCT, its state, the search as a player, time, the final-position judgment and the pass and resign rules."""
