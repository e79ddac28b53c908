"""The ablation's table (README) and plot, recomputed from the finished games under
benchmarks/results/ablation_19x19/ (or the folder given): one row per player, as far as
its games have got. Writes ablation.png there: each player's Elo against GNU Go 10 with
its 95% interval, as in AlphaGo's Figure 4. The last column counts games lost on the
referee's count that tengen's own count had called a win (the end-of-game defect).

    python tools/ablation_table.py [DIR]

The per-game records of a committed study are archived (docs/results.md); unpack them first:
    tar -xf DIR/records.tar.xz -C DIR
"""
import json
import sys
from pathlib import Path

from tengen.match.arena import finished_games, summarize

ROWS = [("policy", "policy network alone"),
        ("policy_rl", "RL policy network alone (iteration 46)"),
        ("policy_rl58", "RL policy network alone (shipped: iteration 58)"),
        ("lam05_v1600", "search, defaults, 1,600 simulations (annealed SL priors)"),
        ("lam0", "search, λ = 0 (value network)"),
        ("lam05", "search, λ = 0.5 (mixed)"),
        ("lam05s", "search, λ = 0.5 + score utility 0.3"), ("lam1", "search, λ = 1 (rollouts)")]
DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "ablation_19x19"


def summaries(folder: Path) -> dict:
    out = {}
    for key, _ in ROWS:
        games = finished_games(folder / key) if (folder / key).is_dir() else {}
        if games:
            out[key] = summarize([games[i] for i in sorted(games)])
            game = json.loads((folder / key / "config.json").read_text())["game"]
            out[key].update(komi=game["komi"], handicap=game["handicap"])
    return out


def plot(sums: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k, _ in ROWS if k in sums]
    labels = [dict(ROWS)[k].replace(" (", "\n(") for k in keys]
    elo = [sums[k]["elo"] for k in keys]
    err = [[sums[k]["elo"] - sums[k]["elo_low"] for k in keys],
           [sums[k]["elo_high"] - sums[k]["elo"] for k in keys]]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.errorbar(range(len(keys)), elo, yerr=err, fmt="o", capsize=6)
    for i, k in enumerate(keys):
        ax.annotate(f"{sums[k]['wins']}/{sums[k]['games']}", (i, elo[i]),
                    textcoords="offset points", xytext=(10, 0))
    ax.axhline(0, color="grey", lw=0.8, ls="--")
    ax.set_xticks(range(len(keys)), labels, fontsize=8)
    ax.set_ylabel("Elo vs GNU Go 3.8 level 10 (95%)")
    first = sums[keys[0]]
    hc = f", handicap {first['handicap']} given" if first.get("handicap") else ""
    ax.set_title(f"19x19, komi {first.get('komi', 7.5)}{hc}; search at 64 simulations a move")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def distinct_games(folder: Path) -> tuple[int, int]:
    """(distinct games, wins among them): a deterministic engine against GNU Go can
    repeat a game move for move (handicap matches do), and a repeat is not new evidence."""
    from tengen.engine.sgf import read_sgf
    seen: set = set()
    wins = 0
    for path in sorted(folder.glob("game-*.json")):
        g = json.loads(path.read_text())
        moves = tuple((m.pla, m.loc) for m in read_sgf(folder / g["sgf"]).moves)
        if (g["black"], moves) not in seen:
            seen.add((g["black"], moves))
            wins += g["winner"] == "engine"
    return len(seen), wins


def lost_on_a_count_called_won(folder: Path) -> int:
    """Games the referee's count lost for tengen while tengen's own count said it won."""
    n = 0
    for path in folder.glob("game-*.json"):
        g = json.loads(path.read_text())
        mine = (g.get("own_scores") or {}).get("engine") or ""
        colour = "B" if g["black"] == "engine" else "W"
        if g["reason"] == "score" and g["winner"] == "opponent" and mine.startswith(colour):
            n += 1
    return n


def main():
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DIR
    sums = summaries(folder)
    if not sums and (folder / "records.tar.xz").exists():
        sys.exit(f"no game records in {folder}: tar -xf {folder}/records.tar.xz -C {folder}")
    print("| player vs GNU Go 10 | games | won | win rate [Wilson 95%] | Elo [95%] | "
          "s/move (tengen, GNU Go) | GNU Go forfeits | lost on a count tengen called won | "
          "distinct games (won) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key, label in ROWS:
        if key not in sums:
            continue
        s = sums[key]
        spm = s["seconds_per_move"]
        forfeits = sum(s["failures_by_side"]["opponent"].values())
        clip = " (clipped)" if s["elo_clipped"] else ""
        print(f"| {label} | {s['games']} | {s['wins']} | {s['win_rate']:.3f} "
              f"[{s['wilson_low']:.3f}, {s['wilson_high']:.3f}] | {s['elo']:+.0f} "
              f"[{s['elo_low']:+.0f}, {s['elo_high']:+.0f}]{clip} | {spm['engine']:.2f}, "
              f"{spm['opponent']:.2f} | {forfeits} | {lost_on_a_count_called_won(folder / key)} | "
              "{} ({}) |".format(*distinct_games(folder / key)))
    if sums:
        plot(sums, folder / "ablation.png")


if __name__ == "__main__":
    main()
