"""The ablation's table (README) from the arena summaries under
benchmarks/results/ablation_19x19/: one row per player, as far as its games have got."""
import json
from pathlib import Path

ROWS = [("policy", "policy network alone"), ("lam0", "search, λ = 0 (value network)"),
        ("lam05", "search, λ = 0.5 (mixed)"), ("lam1", "search, λ = 1 (rollouts)")]
DIR = Path(__file__).resolve().parent / "results" / "ablation_19x19"


def main():
    print("| player vs GNU Go 10 | games | won | win rate [Wilson 95%] | Elo [95%] | "
          "s/move (tengen, GNU Go) | GNU Go forfeits |")
    print("|---|---|---|---|---|---|---|")
    for key, label in ROWS:
        path = DIR / key / "summary.json"
        if not path.exists():
            print(f"| {label} | 0 | | not played yet | | | |")
            continue
        s = json.loads(path.read_text())
        spm = s["seconds_per_move"]
        forfeits = sum(s["failures_by_side"]["opponent"].values())
        print(f"| {label} | {s['games']} | {s['wins']} | {s['win_rate']:.3f} "
              f"[{s['wilson_low']:.3f}, {s['wilson_high']:.3f}] | {s['elo']:+.0f} "
              f"[{s['elo_low']:+.0f}, {s['elo_high']:+.0f}] | {spm['engine']:.2f}, "
              f"{spm['opponent']:.2f} | {forfeits} |")


if __name__ == "__main__":
    main()
