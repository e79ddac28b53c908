"""The end of the game: which stones are dead (``judgment``), and the rules built on it
for passing, resigning and cleanup (``pass_rules``). Below the players and the search."""
