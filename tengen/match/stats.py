"""Match statistics: Wilson score interval for a win rate and the Elo difference it implies."""
from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson_interval(wins: float, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval of a proportion (draws count as half a win)."""
    if n == 0:
        return 0.0, 1.0
    p = wins / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def elo_from_rate(p: float, n: int) -> float:
    """Elo difference for expected score ``p``; ``p`` is kept at least half a game in
    n + 1 from 0 and 1, so a clean sweep gives a large finite number rather than infinity
    (and a single game is not read as an even score)."""
    lo = _edge(n)
    p = min(max(p, lo), 1 - lo)
    return -400.0 * math.log10(1 / p - 1) + 0.0  # + 0.0: no "-0"


def _edge(n: int) -> float:
    return 0.5 / (max(n, 0) + 1)


def match_stats(wins: int, losses: int, draws: int = 0) -> dict:
    n = wins + losses + draws
    score = wins + 0.5 * draws
    rate = score / n if n else 0.5
    low, high = wilson_interval(score, n)
    return {
        "win_rate": round(rate, 4),
        "wilson_low": round(low, 4),
        "wilson_high": round(high, 4),
        "elo": round(elo_from_rate(rate, n), 1),
        "elo_low": round(elo_from_rate(low, n), 1),
        "elo_high": round(elo_from_rate(high, n), 1),
        # a rate of 0 or 1 has no finite Elo: the figures above are then held half a game
        # from the edge, and this says so
        "elo_clipped": bool(n) and (low < _edge(n) or high > 1 - _edge(n)),
    }


def sprt(wins: float, losses: float, elo0: float, elo1: float,
         alpha: float = 0.05, beta: float = 0.05) -> dict:
    """Wald's sequential probability ratio test of H1 (Elo = elo1) against H0 (Elo = elo0)
    on decided games (a draw counts as half a win and half a loss). ``decision`` is "H1"
    once the log-likelihood ratio reaches log((1 - beta) / alpha), "H0" once it falls to
    log(beta / (1 - alpha)), else None: keep playing."""
    if elo1 <= elo0:
        raise ValueError(f"SPRT bounds {elo0}, {elo1}: elo1 must be above elo0")
    p0, p1 = (1 / (1 + 10 ** (-e / 400)) for e in (elo0, elo1))
    llr = wins * math.log(p1 / p0) + losses * math.log((1 - p1) / (1 - p0))
    lower, upper = math.log(beta / (1 - alpha)), math.log((1 - beta) / alpha)
    decision = "H1" if llr >= upper else "H0" if llr <= lower else None
    return {"elo0": elo0, "elo1": elo1, "alpha": alpha, "beta": beta, "llr": round(llr, 3),
            "lower": round(lower, 3), "upper": round(upper, 3), "decision": decision}
