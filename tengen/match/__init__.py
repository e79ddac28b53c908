"""Matches between GTP engines: client, arena, one refereed game, clocks, statistics."""
