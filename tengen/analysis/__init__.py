"""Analysis for tools and players: KataGo's JSON analysis protocol and the review of a
finished game."""
